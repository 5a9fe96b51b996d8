#!/usr/bin/env bash
# Step `install` of action.yml: makes tofu-sbom TOFU_SBOM_VERSION available and writes its absolute path to the step
# output `bin` (the PATH of later steps is never changed). INPUT_INSTALL:
#   prebuilt  the release binary for RUNNER_OS/RUNNER_ARCH from TOFU_SBOM_DOWNLOAD_BASE/vVERSION/ASSET, verified
#             against checksums/VERSION.sha256 of this action (retried with backoff; a mismatch is never retried)
#   source    cargo install --locked --path "$GITHUB_ACTION_PATH" into a directory under RUNNER_TEMP
#   path      the tofu-sbom found on PATH
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tsa_need TOFU_SBOM_VERSION GITHUB_ACTION_PATH GITHUB_OUTPUT RUNNER_TEMP RUNNER_OS
version=$TOFU_SBOM_VERSION
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || tsa_die "TOFU_SBOM_VERSION $(tsa_q "$version") is not a version"
exe=
[[ $RUNNER_OS == Windows ]] && exe=.exe

sha256_of() {
	if command -v sha256sum >/dev/null; then
		sha256sum -- "$1" | cut -d' ' -f1
	else
		shasum -a 256 -- "$1" | cut -d' ' -f1
	fi
}

install_prebuilt() {
	tsa_need TOFU_SBOM_DOWNLOAD_BASE RUNNER_ARCH
	local os arch
	case $RUNNER_OS in
	Linux) os=linux ;;
	macOS) os=macos ;;
	Windows) os=windows ;;
	*) tsa_die "install: prebuilt: no release binary for RUNNER_OS $(tsa_q "$RUNNER_OS"); use install: source" ;;
	esac
	case $RUNNER_ARCH in
	X64) arch=x86_64 ;;
	ARM64) arch=aarch64 ;;
	*) tsa_die "install: prebuilt: no release binary for RUNNER_ARCH $(tsa_q "$RUNNER_ARCH"); use install: source" ;;
	esac
	local asset=tofu-sbom-$version-$os-$arch$exe
	local sums=$GITHUB_ACTION_PATH/checksums/$version.sha256
	[[ -f $sums ]] || tsa_die "install: prebuilt: this action has no checksums/$version.sha256: no release of tofu-sbom $version is pinned at this commit (the release workflow adds that file in a follow-up commit, and the major tag moves to it: see RELEASING.md). Use a released tag of the action, or install: source"
	local want
	want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$sums")
	[[ $want =~ ^[0-9a-f]{64}$ ]] || tsa_die "install: prebuilt: checksums/$version.sha256 has no (single) entry for $asset: tofu-sbom $version has no prebuilt binary for $RUNNER_OS/$RUNNER_ARCH; use install: source"
	local dir=$RUNNER_TEMP/tofu-sbom-$version-prebuilt
	mkdir -p "$dir"
	local part=$dir/$asset.part url=$TOFU_SBOM_DOWNLOAD_BASE/v$version/$asset attempt
	for attempt in 1 2 3 4 5; do
		# https only (file: for a local mirror directory); redirects (GitHub's object storage) only to https.
		if curl --fail --silent --show-error --location --proto '=https,file' --proto-redir '=https' \
			--connect-timeout 20 --max-time 600 --output "$part" -- "$url"; then
			break
		fi
		((attempt < 5)) || tsa_die "install: prebuilt: downloading $url failed 5 times"
		echo "tofu-sbom action: download attempt $attempt failed; retrying in $((2 ** attempt)) s" >&2
		sleep $((2 ** attempt))
	done
	local got
	got=$(sha256_of "$part")
	if [[ $got != "$want" ]]; then
		rm -f -- "$part"
		tsa_die "install: prebuilt: $asset has SHA-256 $got, but checksums/$version.sha256 pins $want: refusing to run it"
	fi
	chmod +x -- "$part"
	mv -f -- "$part" "$dir/tofu-sbom$exe"
	bin=$dir/tofu-sbom$exe
}

case ${INPUT_INSTALL:-prebuilt} in
prebuilt)
	install_prebuilt
	;;
source)
	root=$RUNNER_TEMP/tofu-sbom-$version-source
	cargo install --locked --root "$root" --path "$GITHUB_ACTION_PATH"
	bin=$root/bin/tofu-sbom$exe
	;;
path)
	bin=$(command -v tofu-sbom) || tsa_die "install: path: no tofu-sbom on PATH"
	[[ $bin == /* || $bin =~ ^[A-Za-z]: ]] || bin=$PWD/$bin
	;;
*)
	tsa_die "input install must be prebuilt, source or path, not $(tsa_q "$INPUT_INSTALL")"
	;;
esac

[[ $bin != *$'\n'* && $bin != *$'\r'* ]] || tsa_die "the path of tofu-sbom contains a line break"
have=$("$bin" --version) || tsa_die "$bin --version failed"
if [[ $have != "tofu-sbom $version" ]]; then
	if [[ ${INPUT_INSTALL:-prebuilt} == path ]]; then
		echo "tofu-sbom action: warning: $bin is $(tsa_q "$have"), this action pins $version" >&2
	else
		tsa_die "$bin prints $(tsa_q "$have"), expected 'tofu-sbom $version'"
	fi
fi
echo "tofu-sbom action: using $bin ($have)"
printf 'bin=%s\n' "$bin" >>"$GITHUB_OUTPUT"
