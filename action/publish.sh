#!/usr/bin/env bash
# Step `publish` of action.yml: `tofu-sbom publish` with the inputs, writing the action's outputs
# (--github-output) and the job summary (--summary-md).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tsa_need TOFU_SBOM GITHUB_OUTPUT GITHUB_STEP_SUMMARY INPUT_RELEASE_DIR INPUT_REPOSITORY
tsa_credentials

args=(publish --github-output "$GITHUB_OUTPUT" --summary-md "$GITHUB_STEP_SUMMARY")
args+=(--referrers-mode "${INPUT_REFERRERS_MODE:-auto}")
# Formats: split on commas and white space (read -a does no globbing).
formats=()
IFS=$', \t\n' read -r -d '' -a formats <<<"${INPUT_FORMATS:-}" || true
for f in "${formats[@]}"; do
	args+=(--format "$f")
done
[[ -z ${INPUT_PROVIDER:-} ]] || args+=(--provider "$INPUT_PROVIDER")
[[ -z ${INPUT_SUPPLIER:-} ]] || args+=(--supplier "$INPUT_SUPPLIER")
[[ -z ${INPUT_AUTHOR:-} ]] || args+=(--author "$INPUT_AUTHOR")
[[ -z ${INPUT_SOURCE_URL:-} ]] || args+=(--source "$INPUT_SOURCE_URL")
args+=(--licenses "${INPUT_LICENSES:-goproxy}")
[[ -z ${INPUT_LICENSE:-} ]] || args+=(--license "$INPUT_LICENSE")
plain_http=$(tsa_bool plain-http "${INPUT_PLAIN_HTTP:-}")
[[ $plain_http == false ]] || args+=(--plain-http)
upload_sboms=$(tsa_bool upload-sboms "${INPUT_UPLOAD_SBOMS:-}")
[[ $upload_sboms == false ]] || args+=(--sbom-dir "$INPUT_RELEASE_DIR")
# `--`: the release directory and the repository are never read as options.
args+=(-- "$INPUT_RELEASE_DIR" "$INPUT_REPOSITORY")
"$TOFU_SBOM" "${args[@]}"
