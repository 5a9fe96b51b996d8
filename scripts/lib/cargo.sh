# shellcheck shell=bash
# The Rust checks of scripts/test. Sourced after lib/common.sh; runs in $TSB_ROOT.

cargo_checks() {
	cd "$TSB_ROOT" || tsb_die "cannot cd to $TSB_ROOT"
	tsb_section "cargo fmt --all -- --check"
	cargo fmt --all -- --check || tsb_die "formatting differs: run 'cargo fmt --all' and commit"

	tsb_section "cargo clippy --all-targets -- -D warnings"
	cargo clippy --all-targets -- -D warnings || tsb_die "clippy found problems (above)"

	tsb_section "MSRV: the locked dependencies against rust-version"
	cargo metadata --format-version 1 --locked | python3 scripts/msrv_check.py || tsb_die "the declared rust-version is not true (above)"

	tsb_section "cargo check --lib --no-default-features (the library without the CLI's dependencies)"
	cargo check --lib --no-default-features --locked || tsb_die "the library does not build without the cli feature"

	tsb_section "cargo doc --no-deps (RUSTDOCFLAGS=-D warnings)"
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked || tsb_die "rustdoc found problems (above)"

	tsb_section "cargo deny check licenses bans sources"
	"$TSB_CARGO_DENY" check licenses bans sources || tsb_die "cargo-deny found problems (above); see deny.toml"

	if [[ -f fuzz/Cargo.toml ]]; then
		tsb_section "cargo build --manifest-path fuzz/Cargo.toml (fuzz targets compile)"
		cargo build --manifest-path fuzz/Cargo.toml || tsb_die "the fuzz targets do not compile"
	fi

	tsb_section "cargo test"
	cargo test --no-fail-fast || tsb_die "cargo test failed (above)"
}
