# shellcheck shell=bash
# Builds the test inputs that are too big to commit, into $TSB_CACHE. Sourced after
# lib/common.sh and lib/deps.sh (it needs Go, gozip and the npm packages).
#
# 1. The Go fixture matrix: testdata/gofixture (a tiny program whose modules come from the
#    committed file proxy testdata/gofixture/proxy) cross-compiled into
#    $TSB_FIXTURES/<goos>_<goarch>[_<variant>]/<name>, with $TSB_FIXTURES/MANIFEST naming the
#    flags of each. Rebuilt only when its inputs change (hash of the fixture sources, this
#    file and the Go version); reproducible (-trimpath -buildvcs=false, CGO_ENABLED=0).
# 2. The buf "provider release": the 7 @bufbuild/buf-* npm binaries renamed and zipped as
#    terraform-provider-buf_1.74.0_<os>_<arch>.zip + SHA256SUMS in $TSB_BUF_RELEASE.
# 3. The real provider releases: scripts/tools/providers/{tsbfw,tsbsdk} (terraform-plugin-framework
#    and terraform-plugin-sdk/v2) built the way GoReleaser builds providers, for 9 platforms each,
#    into $TSB_CACHE/releases/<name>_$TSB_PROVIDER_VERSION (fixtures_provider_release).

TSB_GOFIXTURE=$TSB_ROOT/testdata/gofixture
# Commit and ZIP times of the fixtures: fixed, so every output is reproducible.
TSB_FIXTURE_DATE=2024-01-02T03:04:05Z

# The plain matrix: every target built with the base flags, unstripped.
TSB_FIXTURE_TARGETS=(
	linux/amd64 linux/386 linux/arm linux/arm64 linux/s390x
	darwin/amd64 darwin/arm64 windows/amd64 windows/386 freebsd/amd64 aix/ppc64
)
TSB_FIXTURE_BASE_FLAGS=(-trimpath -buildvcs=false)

# Copies the fixture's module sources (not the proxy) into $1.
fixtures_copy_source() {
	mkdir -p "$1"
	cp -R "$TSB_GOFIXTURE/main.go" "$TSB_GOFIXTURE/go.mod" "$TSB_GOFIXTURE/go.sum" "$TSB_GOFIXTURE/localmod" "$1/"
}

# Builds one fixture: $1 = output dir under the staging root ($stage), $2 = binary name,
# $3 = the directory to build in, rest = "VAR=value" env entries, then "--", then go build
# flags. Appends a MANIFEST line "<dir>/<name><TAB><env> go build <flags>".
fixtures_build_one() {
	local dir=$1 name=$2 src=$3
	shift 3
	local envs=()
	while [[ $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	mkdir -p "$stage/$dir"
	if ! (cd "$src" && export "${envs[@]}" && tsb_go build -o "$stage/$dir/$name" "$@" >"$stage/build.log" 2>&1); then
		cat "$stage/build.log" >&2
		tsb_die "fixtures: build of $dir/$name failed (${envs[*]} go build $*)"
	fi
	printf '%s/%s\t%s go build %s\n' "$dir" "$name" "${envs[*]}" "$*" >>"$stage/MANIFEST"
}

# The VCS-stamped fixture: the module committed in a temporary git repository (never
# inside ours) with fixed dates and tagged v1.2.3, so Go ≥ 1.24 stamps
# `mod example.com/gofixture v1.2.3` and vcs.revision/vcs.time/vcs.modified=false.
fixtures_build_vcs() {
	local repo=$work/vcs
	fixtures_copy_source "$repo"
	tsb_git_release_repo "$repo" "$TSB_FIXTURE_DATE" "gofixture v1.2.3" v1.2.3
	fixtures_build_one linux_amd64_vcs gofixture "$repo" GOOS=linux GOARCH=amd64 -- -trimpath
}

# Key of the fixture matrix: everything that can change its bytes.
fixtures_gobin_key() {
	local files
	mapfile -t files < <(find "$TSB_GOFIXTURE" -type f | LC_ALL=C sort)
	echo "$(tsb_hash_files "${files[@]}" "$TSB_ROOT/scripts/lib/fixtures.sh" "$TSB_ROOT/scripts/lib/common.sh")-$("$TSB_GO" version)"
}

fixtures_gobin() {
	local key
	key=$(fixtures_gobin_key)
	if [[ -f $TSB_FIXTURES/MANIFEST ]] && tsb_stamp_is gobin "$key"; then
		tsb_info "gobin: current ($(grep -vc "^#" "$TSB_FIXTURES/MANIFEST") binaries in $TSB_FIXTURES)"
		return
	fi
	mkdir -p "$TSB_CACHE/fixtures"
	local work stage
	work=$(mktemp -d "$TSB_CACHE/fixtures/.build.XXXXXX")
	stage=$work/gobin
	mkdir -p "$stage"
	printf '# Built by scripts/fixtures from testdata/gofixture with %s.\n' "$("$TSB_GO" version)" >"$stage/MANIFEST"
	printf '# Every build: CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=file://…/testdata/gofixture/proxy GOSUMDB=off\n' >>"$stage/MANIFEST"

	# Build from a copy, so that nothing the build might write lands in our tree; then
	# check that the committed go.mod/go.sum were already complete.
	local src=$work/src
	fixtures_copy_source "$src"
	local t os arch name
	for t in "${TSB_FIXTURE_TARGETS[@]}"; do
		os=${t%/*}
		arch=${t#*/}
		name=gofixture
		[[ $os == windows ]] && name=gofixture.exe
		tsb_info "gobin: ${os}_$arch"
		fixtures_build_one "${os}_$arch" "$name" "$src" GOOS="$os" GOARCH="$arch" -- "${TSB_FIXTURE_BASE_FLAGS[@]}"
	done
	# The same targets stripped as GoReleaser does (no symbol table, no DWARF): what most
	# release binaries look like, and XCOFF that `go version -m` can no longer read.
	for t in "${TSB_FIXTURE_TARGETS[@]}"; do
		os=${t%/*}
		arch=${t#*/}
		name=gofixture
		[[ $os == windows ]] && name=gofixture.exe
		tsb_info "gobin: ${os}_${arch}_stripped"
		fixtures_build_one "${os}_${arch}_stripped" "$name" "$src" GOOS="$os" GOARCH="$arch" -- \
			"${TSB_FIXTURE_BASE_FLAGS[@]}" "-ldflags=-s -w"
	done
	tsb_info "gobin: linux/amd64 variants (pie, GOEXPERIMENT, vendored, no modules, VCS-stamped)"
	fixtures_build_one linux_amd64_pie gofixture "$src" GOOS=linux GOARCH=amd64 -- \
		"${TSB_FIXTURE_BASE_FLAGS[@]}" -buildmode=pie
	fixtures_build_one linux_amd64_goexperiment gofixture "$src" GOOS=linux GOARCH=amd64 GOEXPERIMENT=nogreenteagc,heapminimum512kib -- \
		"${TSB_FIXTURE_BASE_FLAGS[@]}"
	# Vendored (`go mod vendor`, -mod=vendor): Go records no h1: sums for the dependencies,
	# which generate/publish warn about, and prints its replacement lines differently.
	fixtures_copy_source "$work/vendor"
	(cd "$work/vendor" && tsb_go mod vendor >"$stage/build.log" 2>&1) ||
		{
			cat "$stage/build.log" >&2
			tsb_die "fixtures: go mod vendor failed"
		}
	fixtures_build_one linux_amd64_vendor gofixture "$work/vendor" GOOS=linux GOARCH=amd64 TSB_GOFLAGS= -- \
		"${TSB_FIXTURE_BASE_FLAGS[@]}" -mod=vendor
	# No module: one file outside any go.mod (GOFLAGS=-mod=mod is refused there).
	mkdir -p "$work/nomod"
	cp "$TSB_GOFIXTURE/_nomod/hello.go" "$work/nomod/"
	fixtures_build_one linux_amd64_nomod hello "$work/nomod" GOOS=linux GOARCH=amd64 TSB_GOFLAGS= -- \
		"${TSB_FIXTURE_BASE_FLAGS[@]}" hello.go
	fixtures_build_vcs

	local f
	for f in go.mod go.sum; do
		cmp -s "$src/$f" "$TSB_GOFIXTURE/$f" ||
			tsb_die "fixtures: the build changed testdata/gofixture/$f: run ./scripts/make-gofixture-proxy and commit"
	done
	rm -f "$stage/build.log"
	tsb_replace_dir "$stage" "$TSB_FIXTURES"
	rm -rf "$work"
	tsb_stamp_write gobin "$key"
	tsb_info "gobin: built $(grep -vc '^#' "$TSB_FIXTURES/MANIFEST") binaries into $TSB_FIXTURES"
}

# npm package suffix → GoReleaser os_arch, for the 7 buf platforms.
TSB_BUF_PLATFORMS=(
	linux-x64:linux_amd64 linux-aarch64:linux_arm64 linux-armv7:linux_arm
	darwin-x64:darwin_amd64 darwin-arm64:darwin_arm64 win32-x64:windows_amd64 win32-arm64:windows_arm64
)
TSB_BUF_DATE=2026-06-01T00:00:00Z

# The buf "provider release": what a provider's GoReleaser run would publish, with buf's
# real Go binary as the provider binary. Each ZIP holds terraform-provider-buf_v1.74.0[.exe]
# and buf's README.md; SHA256SUMS lists the ZIPs and a registry manifest as GoReleaser does.
fixtures_buf_release() {
	local v=$TSB_BUF_VERSION key
	key=$(tsb_hash_files "$TSB_ROOT/scripts/lib/fixtures.sh" "$TSB_ROOT/scripts/requirements/npm.txt")-$(cat "$TSB_CACHE/stamps/gozip")
	if [[ -f $TSB_BUF_RELEASE/terraform-provider-buf_${v}_SHA256SUMS ]] && tsb_stamp_is buf-release "$key"; then
		tsb_info "buf release: current ($TSB_BUF_RELEASE)"
		return
	fi
	mkdir -p "$(dirname "$TSB_BUF_RELEASE")"
	local stage p npm platform exe pkg
	stage=$(mktemp -d "$(dirname "$TSB_BUF_RELEASE")/.buf.XXXXXX")
	for p in "${TSB_BUF_PLATFORMS[@]}"; do
		npm=${p%%:*}
		platform=${p#*:}
		exe=
		[[ $platform == windows_* ]] && exe=.exe
		pkg=$TSB_CACHE/npm/@bufbuild/buf-$npm@$v/package
		[[ -f $pkg/bin/buf$exe ]] || tsb_die "buf release: $pkg/bin/buf$exe missing: run ./scripts/deps"
		"$TSB_GOZIP" -o "$stage/terraform-provider-buf_${v}_$platform.zip" -mtime "$TSB_BUF_DATE" \
			"terraform-provider-buf_v$v$exe=$pkg/bin/buf$exe" "README.md=$pkg/README.md" ||
			tsb_die "buf release: zip of $platform failed"
	done
	tsb_release_sums "$stage/terraform-provider-buf_${v}_manifest.json" "terraform-provider-buf_${v}_SHA256SUMS"
	tsb_replace_dir "$stage" "$TSB_BUF_RELEASE"
	tsb_stamp_write buf-release "$key"
	tsb_info "buf release: ${#TSB_BUF_PLATFORMS[@]} ZIPs + SHA256SUMS in $TSB_BUF_RELEASE"
}

# The real test providers (scripts/tools/providers/NAME) and their release version.
TSB_PROVIDERS=(tsbfw tsbsdk)
TSB_PROVIDER_VERSION=0.3.1
# GoReleaser's goos × goarch for them (the provider scaffolding's list, as issue 12 names it).
TSB_PROVIDER_TARGETS=(
	linux/amd64 linux/arm64 linux/arm linux/386
	darwin/amd64 darwin/arm64 windows/amd64 windows/arm64 freebsd/amd64
)
TSB_PROVIDER_DATE=2026-11-02T10:20:30Z
# The plugin protocol each provider serves, for GoReleaser's …_manifest.json.
declare -A TSB_PROVIDER_PROTOCOL=([tsbfw]=6.0 [tsbsdk]=5.0)

# One provider release, the way the provider scaffolding's .goreleaser.yml builds it: for every
# target, `go build` with CGO_ENABLED=0, -trimpath, -ldflags "-s -w -X main.version=VERSION" (and
# GoReleaser's default GOARM=6), binary terraform-provider-NAME_vVERSION[.exe] zipped alone into
# terraform-provider-NAME_VERSION_OS_ARCH.zip (gozip: Go's archive/zip, as GoReleaser), the
# registry manifest copied to …_manifest.json, and …_SHA256SUMS over the ZIPs and the manifest.
# Built from a copy outside any git checkout (no VCS stamping: the main module reads `(devel)`),
# with the committed go.mod/go.sum read-only (-mod=readonly) and the machine's Go (tsb_netgo: the
# Go module proxy, modules cached in $TSB_CONSUMERS/go). Rebuilt only when the key changes.
fixtures_provider_release() {
	local name=$1 v=$TSB_PROVIDER_VERSION src=$TSB_ROOT/scripts/tools/providers/$1 key
	local dest=$TSB_CACHE/releases/${1}_$TSB_PROVIDER_VERSION
	local files
	mapfile -t files < <(find "$src" -type f | LC_ALL=C sort)
	key="$(tsb_hash_files "${files[@]}" "$TSB_ROOT/scripts/lib/fixtures.sh") $(tsb_netgo version) $(cat "$TSB_CACHE/stamps/gozip")"
	if [[ -f $dest/terraform-provider-${name}_${v}_SHA256SUMS ]] && tsb_stamp_is "provider-$name" "$key"; then
		tsb_info "$name release: current ($dest)"
		return
	fi
	mkdir -p "$(dirname "$dest")"
	local work t os arch exe bin t0
	t0=$(date +%s)
	work=$(mktemp -d "$(dirname "$dest")/.$name.XXXXXX")
	mkdir -p "$work/src" "$work/bin" "$work/dist"
	cp "${files[@]}" "$work/src/"
	for t in "${TSB_PROVIDER_TARGETS[@]}"; do
		os=${t%/*}
		arch=${t#*/}
		exe=
		[[ $os == windows ]] && exe=.exe
		bin=$work/bin/${os}_$arch/terraform-provider-${name}_v$v$exe
		tsb_info "$name release: ${os}_$arch"
		(cd "$work/src" && GOOS=$os GOARCH=$arch GOARM=6 deps_consumer_build "$name" \
			tsb_netgo build -mod=readonly -trimpath -ldflags "-s -w -X main.version=$v" -o "$bin" .) || {
			rm -rf "$work"
			exit 1
		}
		"$TSB_GOZIP" -o "$work/dist/terraform-provider-${name}_${v}_${os}_$arch.zip" -mtime "$TSB_PROVIDER_DATE" \
			"terraform-provider-${name}_v$v$exe=$bin" || tsb_die "$name release: zip of ${os}_$arch failed"
	done
	local f
	for f in go.mod go.sum; do
		cmp -s "$work/src/$f" "$src/$f" || tsb_die "$name release: the build changed $f: run 'go mod tidy' in $src and commit"
	done
	printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["%s"]\n  }\n}\n' \
		"${TSB_PROVIDER_PROTOCOL[$name]}" >"$work/dist/terraform-provider-${name}_${v}_manifest.json"
	(cd "$work/dist" && LC_ALL=C sha256sum -- *.zip "terraform-provider-${name}_${v}_manifest.json" |
		LC_ALL=C sort -k2 >"terraform-provider-${name}_${v}_SHA256SUMS")
	tsb_replace_dir "$work/dist" "$dest"
	rm -rf "$work"
	tsb_stamp_write "provider-$name" "$key"
	tsb_info "$name release: ${#TSB_PROVIDER_TARGETS[@]} ZIPs + manifest + SHA256SUMS in $dest ($(($(date +%s) - t0)) s)"
}

# Everything, in order.
fixtures_all() {
	tsb_section "fixtures: Go fixture matrix"
	fixtures_gobin
	tsb_section "fixtures: committed sample release is reproducible"
	"$TSB_ROOT/scripts/make-sample-release" --check
	tsb_section "fixtures: buf provider release"
	fixtures_buf_release
	local p
	for p in "${TSB_PROVIDERS[@]}"; do
		tsb_section "fixtures: $p provider release (Go module proxy)"
		fixtures_provider_release "$p"
	done
}
