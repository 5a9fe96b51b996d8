//! The explicit budget for untrusted input.
//!
//! Provider ZIPs, the binaries inside them and registry responses are attacker-controlled: a mirror operator runs
//! `tofu-sbom` on whatever a public registry serves. Every reader in this crate takes a [`Limits`] and refuses input
//! that exceeds it with a typed error naming the limit, instead of allocating or looping without bound.
//!
//! The defaults are generous for real providers (the largest public providers ship ~500 MiB binaries) and small
//! enough that a hostile input cannot exhaust a CI runner.

/// Limits applied while reading untrusted input. Construct with [`Limits::default`] and override fields as needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of entries in a ZIP's central directory (counted by walking the directory, so a lying
    /// end-record count does not help).
    pub max_zip_entries: u64,
    /// Maximum inflated size of a single ZIP entry, in bytes. Checked on the declared size before anything is
    /// inflated; the stream then stops with an error as soon as an entry inflates past its declared size, so the
    /// bytes actually inflated never exceed this either.
    pub max_entry_size: u64,
    /// Maximum total inflated size of all file entries of one ZIP, in bytes (declared sizes, which bound the bytes
    /// actually inflated as above; a second pass over the binary re-inflates bytes already counted and is bounded by
    /// `max_stream_passes` instead).
    pub max_total_inflated: u64,
    /// Maximum ratio of inflated to compressed size for one entry (zip-bomb guard). Deflate's best case is ~1032:1;
    /// Go binaries compress about 3:1. Entries under 1 MiB are exempt
    /// ([`crate::archive::zip::RATIO_EXEMPT_BYTES`]).
    pub max_compression_ratio: u64,
    /// Maximum length of the Go version string and of the modinfo string in a build-info blob, in bytes.
    pub max_buildinfo_string: u64,
    /// Maximum size of the header region (load commands, program/section headers) parsed from a binary, in bytes.
    pub max_header_bytes: u64,
    /// Maximum number of passes over a forward-only stream (pointer-format Go binaries need a second pass).
    pub max_stream_passes: u32,
    /// Maximum size of an SBOM document read back (e.g. from a registry) by `sbom::read`, in bytes.
    pub max_sbom_bytes: u64,
    /// Maximum size of an OCI manifest or index read from a registry or layout, in bytes. OpenTofu refuses a manifest
    /// when `size / 1024 / 1024 > 4` (integer division), i.e. from 5 MiB on; the default accepts exactly what it
    /// accepts, so `verify` agrees with `tofu`.
    pub max_manifest_size: u64,
    /// Maximum size of any other registry response read into memory (token responses, tag lists, referrers indexes,
    /// error bodies — those are additionally truncated for display), in bytes.
    pub max_registry_response: u64,
    /// Maximum number of pages of one referrers API answer (`Link: <…>; rel="next"`) followed; each page is bounded
    /// by `max_registry_response`. A next-page URL already read is an error at once (a loop).
    pub max_referrers_pages: u32,
    /// Maximum size of a release's `SHA256SUMS` file, in bytes (read whole into memory to be parsed).
    pub max_checksums_file: u64,
    /// Maximum size of one provider-registry protocol JSON response (service discovery, the version list, a package's
    /// download metadata), in bytes.
    pub max_provider_registry_response: u64,
    /// Maximum size of one provider ZIP downloaded by `mirror`, in bytes (streamed to disk while hashing; the largest
    /// public providers ship ~150 MiB ZIPs).
    pub max_provider_zip: u64,
    /// Maximum size of a detached OpenPGP signature (`…_SHA256SUMS.sig`) and of one published ASCII-armored signing
    /// key, in bytes.
    pub max_signature_file: u64,
    /// Maximum number of ELF program headers read from a binary (real Go binaries have 6–13). Checked on the count
    /// (also the real count behind `PN_XNUM`) before the table is read.
    pub max_program_headers: u64,
    /// Maximum number of section headers read from an ELF, PE or XCOFF binary (real Go binaries have 15–70).
    pub max_sections: u64,
    /// Maximum number of Mach-O load commands, and of sections in one segment command (real Go binaries have 15–30
    /// load commands).
    pub max_load_commands: u64,
    /// Maximum number of bytes searched for the build-info magic in one binary, counted over all the address ranges
    /// searched (a byte mapped at two addresses counts twice, though it is read and scanned only once). Real binaries
    /// hold the blob in the first KiB of their data; a non-Go binary is searched only up to this budget.
    pub max_buildinfo_search_bytes: u64,
    /// Maximum total bytes of one paged listing (a tag list, a referrers answer) across all its `Link: rel="next"`
    /// pages; each page is also bounded by `max_registry_response`. A next-page URL already read is an error at once
    /// (a loop).
    pub max_listing_bytes: u64,
    /// Maximum total entries (tags, referrer descriptors) of one paged listing across all its pages.
    pub max_listing_entries: u64,
    /// Maximum number of pages of one tag list followed.
    pub max_tag_list_pages: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_zip_entries: 1_000,
            max_entry_size: 2 << 30,     // 2 GiB
            max_total_inflated: 4 << 30, // 4 GiB
            max_compression_ratio: 200,
            max_buildinfo_string: 16 << 20, // 16 MiB (Go itself caps modinfo far lower in practice)
            max_header_bytes: 16 << 20,
            max_stream_passes: 2,
            max_sbom_bytes: 64 << 20, // 64 MiB: a 5,000-component SPDX document is ~10 MiB
            max_manifest_size: (5 << 20) - 1, // OpenTofu: size/1MiB > 4 is refused
            max_registry_response: 4 << 20,
            max_referrers_pages: 100, // 100 pages of a registry's page size (distribution: up to 1,000 each)
            max_checksums_file: 1 << 20, // 1 MiB: ~10,000 lines; real releases list a few dozen files
            max_provider_registry_response: 8 << 20, // 8 MiB: the largest version lists are ~1 MiB
            max_provider_zip: 1 << 30,   // 1 GiB
            max_signature_file: 1 << 20, // 1 MiB: real keys are a few KiB of armor
            max_program_headers: 1_024,
            max_sections: 4_096,
            max_load_commands: 1_024,
            max_buildinfo_search_bytes: 1 << 30, // 1 GiB
            max_listing_bytes: 64 << 20,         // 64 MiB: ~1M tags of a typical length
            max_listing_entries: 100_000, // the largest public provider repositories have a few hundred tags
            max_tag_list_pages: 1_000,
        }
    }
}
