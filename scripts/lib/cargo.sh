# shellcheck shell=bash
# The Rust checks of scripts/test. Sourced after lib/common.sh; runs in $TSB_ROOT.

cargo_checks() {
	cd "$TSB_ROOT" || tsb_die "cannot cd to $TSB_ROOT"
	tsb_section "cargo fmt --all -- --check"
	cargo fmt --all -- --check || tsb_die "formatting differs: run 'cargo fmt --all' and commit"

	tsb_section "cargo clippy --all-targets -- -D warnings"
	cargo clippy --all-targets -- -D warnings || tsb_die "clippy found problems (above)"

	if [[ -f fuzz/Cargo.toml ]]; then
		tsb_section "cargo build --manifest-path fuzz/Cargo.toml (fuzz targets compile)"
		cargo build --manifest-path fuzz/Cargo.toml || tsb_die "the fuzz targets do not compile"
	fi

	tsb_section "cargo test"
	cargo test --no-fail-fast || tsb_die "cargo test failed (above)"
}
