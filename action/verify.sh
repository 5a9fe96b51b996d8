#!/usr/bin/env bash
# Step `verify` of action.yml: `tofu-sbom verify --release RELEASE_DIR` on the index the publish step pushed (its
# output image-ref), unless the input verify is false: OpenTofu's layout rules, every ZIP of the release stored with
# its digest and no other platform, and every SBOM re-derived from the release with the settings read back from the
# stored ones (byte-identical: the same tool version wrote them); with the input profile, every attached SBOM is also
# linted against it (`--profile`, SBOM policy).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
verify=$(tsa_bool verify "${INPUT_VERIFY:-true}")
if [[ $verify == false ]]; then
	echo "tofu-sbom action: verify: skipped (verify: false)"
	exit 0
fi
tsa_need TOFU_SBOM IMAGE_REF INPUT_RELEASE_DIR
tsa_credentials
args=(verify --referrers-mode "${INPUT_REFERRERS_MODE:-auto}" --release "$INPUT_RELEASE_DIR")
if [[ -n ${INPUT_PROFILE:-} ]]; then
	case $INPUT_PROFILE in
	ntia | bsi-2.1 | cisa-2025) args+=(--profile "$INPUT_PROFILE") ;;
	*) tsa_die "input profile: expected ntia, bsi-2.1, cisa-2025 or empty, got $(tsa_q "$INPUT_PROFILE")" ;;
	esac
fi
plain_http=$(tsa_bool plain-http "${INPUT_PLAIN_HTTP:-}")
[[ $plain_http == false ]] || args+=(--plain-http)
args+=(-- "$IMAGE_REF")
"$TOFU_SBOM" "${args[@]}"
