#!/usr/bin/env bash
# Step `verify` of action.yml: `tofu-sbom verify` on the index the publish step pushed (its output image-ref), unless
# the input verify is false. With only one SBOM kind among the formats the SBOM check is skipped (verify expects a
# CycloneDX and an SPDX document on every subject); OpenTofu's layout rules are always checked.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
verify=$(tsa_bool verify "${INPUT_VERIFY:-true}")
if [[ $verify == false ]]; then
	echo "tofu-sbom action: verify: skipped (verify: false)"
	exit 0
fi
tsa_need TOFU_SBOM IMAGE_REF
tsa_credentials
args=(verify --referrers-mode "${INPUT_REFERRERS_MODE:-auto}")
formats=${INPUT_FORMATS-cyclonedx-json,spdx-json}
if [[ $formats != *cyclonedx* || $formats != *spdx* ]]; then
	echo "tofu-sbom action: verify: not checking SBOMs (formats is not both CycloneDX and SPDX)"
	args+=(--no-sboms)
fi
plain_http=$(tsa_bool plain-http "${INPUT_PLAIN_HTTP:-}")
[[ $plain_http == false ]] || args+=(--plain-http)
args+=(-- "$IMAGE_REF")
"$TOFU_SBOM" "${args[@]}"
