//! `.terraform.lock.hcl` provider blocks, byte for byte as OpenTofu writes them.
//!
//! OpenTofu (`internal/depsfile/locks_file.go`, `SaveLocksToBytes`) writes, through `hclwrite`:
//! ```text
//! # This file is maintained automatically by "tofu init".
//! # Manual edits may be lost in future updates.
//!
//! provider "registry.opentofu.org/hashicorp/tls" {
//!   version     = "4.0.6"
//!   constraints = "~> 4.0"
//!   hashes = [
//!     "h1:…",
//!     "zh:…",
//!   ]
//! }
//! ```
//! - providers sorted by host, namespace, type; one empty line before each block;
//! - `version`, then `constraints` only when there are some, aligned on `=` by `hclwrite`'s formatter (without
//!   `constraints`: `version = "…"`); the multi-line `hashes` attribute is not part of the alignment group;
//! - hashes de-duplicated and sorted as strings (so every `h1:` precedes every `zh:`), one per line, each followed
//!   by a comma (`encodeHashSetTokens`).
//!
//! Written by hand rather than with an HCL crate because the layout is the contract (OpenTofu builds these tokens
//! by hand for the same reason) and the values are plain strings.

use super::address::ProviderAddress;

/// The two comment lines OpenTofu puts at the top of every lock file.
pub const HEADER: &str = "# This file is maintained automatically by \"tofu init\".\n# Manual edits may be lost in future updates.\n";

/// One `provider` block of a lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderLock {
    /// The provider.
    pub address: ProviderAddress,
    /// The selected version, canonical (`1.2.3`, `1.2.3-rc.1`).
    pub version: String,
    /// Version constraints (`~> 1.2`), omitted when `None` or empty.
    pub constraints: Option<String>,
    /// Hashes (`h1:…`, `zh:…`), in any order; duplicates are dropped.
    pub hashes: Vec<String>,
}

/// Renders one `provider "…" { … }` block (no leading empty line), ending with `}\n`.
pub fn render_provider_block(lock: &ProviderLock) -> String {
    let mut out = format!("provider {} {{\n", quote(&lock.address.to_string()));
    match lock.constraints.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => {
            out.push_str(&format!("  version     = {}\n", quote(&lock.version)));
            out.push_str(&format!("  constraints = {}\n", quote(c)));
        }
        None => out.push_str(&format!("  version = {}\n", quote(&lock.version))),
    }
    let mut hashes: Vec<&str> = lock.hashes.iter().map(String::as_str).collect();
    hashes.sort_unstable();
    hashes.dedup();
    if !hashes.is_empty() {
        out.push_str("  hashes = [\n");
        for h in hashes {
            out.push_str(&format!("    {},\n", quote(h)));
        }
        out.push_str("  ]\n");
    }
    out.push_str("}\n");
    out
}

/// Renders a whole lock file: the header, then each provider (sorted by address) after an empty line.
pub fn render_lock_file(locks: &[ProviderLock]) -> String {
    let mut sorted: Vec<&ProviderLock> = locks.iter().collect();
    sorted.sort_by(|a, b| a.address.cmp(&b.address));
    let mut out = HEADER.to_owned();
    for lock in sorted {
        out.push('\n');
        out.push_str(&render_provider_block(lock));
    }
    out
}

/// An HCL quoted string literal, escaped as `hclwrite` escapes cty strings.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(constraints: Option<&str>) -> ProviderLock {
        ProviderLock {
            address: ProviderAddress::parse("registry.opentofu.org/acme/buf").unwrap(),
            version: "1.74.0".into(),
            constraints: constraints.map(str::to_owned),
            hashes: vec![
                "zh:bb".into(),
                "h1:zz=".into(),
                "zh:aa".into(),
                "zh:bb".into(),
            ],
        }
    }

    #[test]
    fn block_without_constraints_matches_opentofu_layout() {
        assert_eq!(
            render_provider_block(&lock(None)),
            "provider \"registry.opentofu.org/acme/buf\" {\n  version = \"1.74.0\"\n  hashes = [\n    \"h1:zz=\",\n    \"zh:aa\",\n    \"zh:bb\",\n  ]\n}\n"
        );
    }

    #[test]
    fn block_with_constraints_aligns_version() {
        assert_eq!(
            render_provider_block(&lock(Some("~> 1.0"))),
            "provider \"registry.opentofu.org/acme/buf\" {\n  version     = \"1.74.0\"\n  constraints = \"~> 1.0\"\n  hashes = [\n    \"h1:zz=\",\n    \"zh:aa\",\n    \"zh:bb\",\n  ]\n}\n"
        );
    }

    #[test]
    fn lock_file_sorts_providers_and_has_the_header() {
        let mut other = lock(None);
        other.address = ProviderAddress::parse("registry.opentofu.org/acme/aaa").unwrap();
        other.hashes = vec!["zh:01".into()];
        let text = render_lock_file(&[lock(None), other]);
        assert_eq!(
            text,
            "# This file is maintained automatically by \"tofu init\".\n# Manual edits may be lost in future updates.\n\nprovider \"registry.opentofu.org/acme/aaa\" {\n  version = \"1.74.0\"\n  hashes = [\n    \"zh:01\",\n  ]\n}\n\nprovider \"registry.opentofu.org/acme/buf\" {\n  version = \"1.74.0\"\n  hashes = [\n    \"h1:zz=\",\n    \"zh:aa\",\n    \"zh:bb\",\n  ]\n}\n"
        );
    }

    #[test]
    fn quoting_escapes_like_hclwrite() {
        assert_eq!(quote("a\"b\\c${x}%{y}$z"), "\"a\\\"b\\\\c$${x}%%{y}$z\"");
    }
}
