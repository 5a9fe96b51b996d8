//! Errors of the archive stage: one enum for a provider ZIP ([`ArchiveError`]), one for a release as a whole
//! ([`ReleaseError`]), one for provider addresses ([`AddressError`]).
//!
//! Every variant names the file it is about (and the ZIP entry, where there is one), so a message printed on its
//! own is enough to find the problem. Entry names are printed quoted and escaped (`{:?}`): they come from
//! untrusted input and may hold control characters.

use std::io;
use std::path::PathBuf;

/// Something is wrong with a provider ZIP, or it could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// The ZIP file could not be opened or read.
    #[error("{}: {source}", zip.display())]
    Io {
        /// The ZIP file.
        zip: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is not a readable ZIP archive (no end record, truncated central directory, bad header).
    #[error("{}: not a readable ZIP archive: {reason}", zip.display())]
    Malformed {
        /// The ZIP file.
        zip: PathBuf,
        /// What the ZIP parser reported.
        reason: String,
    },
    /// The archive could be read in more than one way (e.g. by `tofu` and by us), so it is refused.
    #[error("{}: ambiguous ZIP layout: {reason}", zip.display())]
    Ambiguous {
        /// The ZIP file.
        zip: PathBuf,
        /// Which part of the layout is ambiguous.
        reason: String,
    },
    /// The central directory lists more entries than [`crate::limits::Limits::max_zip_entries`].
    #[error("{}: {count} entries, more than the limit of {limit}", zip.display())]
    TooManyEntries {
        /// The ZIP file.
        zip: PathBuf,
        /// Entries in the central directory.
        count: u64,
        /// The limit.
        limit: u64,
    },
    /// An entry name that is absolute, climbs out with `..`, uses `\`, or holds control characters.
    #[error("{}: entry {entry:?}: unsafe name: {reason}", zip.display())]
    UnsafeName {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name (lossily decoded when not UTF-8).
        entry: String,
        /// Why the name is refused.
        reason: &'static str,
    },
    /// Two entries would unpack to the same path (compared ignoring ASCII case and a trailing `/`).
    #[error("{}: duplicate entry {entry:?} (also listed as {other:?})", zip.display())]
    DuplicateName {
        /// The ZIP file.
        zip: PathBuf,
        /// The later entry.
        entry: String,
        /// The earlier entry it collides with.
        other: String,
    },
    /// An encrypted entry: a provider package is never encrypted.
    #[error("{}: entry {entry:?} is encrypted", zip.display())]
    Encrypted {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
    },
    /// A compression method other than stored (0) or deflate (8), the two Go's `archive/zip` reads.
    #[error("{}: entry {entry:?} uses unsupported compression method {method}", zip.display())]
    UnsupportedMethod {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// The method number from the central directory.
        method: u16,
    },
    /// A symbolic link, device, FIFO or socket entry: only regular files and directories are accepted.
    #[error("{}: entry {entry:?} is a {kind}, not a regular file", zip.display())]
    NotRegularFile {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// `symbolic link`, `device`, `named pipe` or `socket`.
        kind: &'static str,
    },
    /// An entry larger than [`crate::limits::Limits::max_entry_size`].
    #[error("{}: entry {entry:?} inflates to {size} bytes, more than the limit of {limit}", zip.display())]
    EntryTooLarge {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// Declared inflated size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// An entry whose inflated/compressed ratio exceeds [`crate::limits::Limits::max_compression_ratio`] (zip bomb).
    #[error(
        "{}: entry {entry:?} inflates {compressed} bytes to {size} bytes, a ratio above the limit of {limit}:1",
        zip.display()
    )]
    RatioTooHigh {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// Compressed size.
        compressed: u64,
        /// Declared inflated size.
        size: u64,
        /// The ratio limit.
        limit: u64,
    },
    /// All entries together inflate to more than [`crate::limits::Limits::max_total_inflated`].
    #[error("{}: entries inflate to {total} bytes in all, more than the limit of {limit}", zip.display())]
    TotalTooLarge {
        /// The ZIP file.
        zip: PathBuf,
        /// Sum of the declared inflated sizes.
        total: u64,
        /// The limit.
        limit: u64,
    },
    /// An entry's local header is missing or unreadable.
    #[error("{}: entry {entry:?}: bad local header at offset {offset}: {reason}", zip.display())]
    LocalHeader {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// Offset of the local header in the ZIP file.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// No top-level file is named like the provider binary.
    #[error("{}: no provider binary: no top-level file named {expected}*", zip.display())]
    NoProviderBinary {
        /// The ZIP file.
        zip: PathBuf,
        /// The name prefix looked for (`terraform-provider-TYPE` or `terraform-provider-`).
        expected: String,
    },
    /// The provider type is unknown and several top-level files are named `terraform-provider-*`.
    #[error("{}: several candidate provider binaries: {}", zip.display(), candidates.join(", "))]
    AmbiguousBinary {
        /// The ZIP file.
        zip: PathBuf,
        /// The candidates' names.
        candidates: Vec<String>,
    },
    /// The compressed data of an entry is corrupt (the deflate stream is invalid).
    #[error("{}: entry {entry:?}: corrupt compressed data after {offset} inflated bytes: {reason}", zip.display())]
    CorruptData {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// Inflated bytes produced before the error.
        offset: u64,
        /// What the decoder reported.
        reason: String,
    },
    /// An entry's data ends before the size its central directory record declares.
    #[error(
        "{}: entry {entry:?}: data ends after {actual} bytes, the central directory declares {declared}",
        zip.display()
    )]
    EntryTruncated {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// Declared inflated size.
        declared: u64,
        /// Bytes actually inflated.
        actual: u64,
    },
    /// An entry's data goes on past the size its central directory record declares.
    #[error(
        "{}: entry {entry:?}: data is longer than the {declared} bytes the central directory declares",
        zip.display()
    )]
    EntryOverlong {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// Declared inflated size.
        declared: u64,
    },
    /// The CRC-32 of an entry's inflated data differs from its central directory record.
    #[error(
        "{}: entry {entry:?}: CRC-32 mismatch: central directory says {declared:08x}, data has {actual:08x}",
        zip.display()
    )]
    ChecksumMismatch {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// CRC-32 from the central directory.
        declared: u32,
        /// CRC-32 of the inflated data.
        actual: u32,
    },
    /// A read went back more often than [`crate::limits::Limits::max_stream_passes`] allows.
    #[error(
        "{}: entry {entry:?}: reading it needs more than {limit} inflation passes",
        zip.display()
    )]
    TooManyPasses {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry name.
        entry: String,
        /// The pass limit.
        limit: u32,
    },
    /// Two entries are different names but one file on the ZIP's target OS (macOS: Unicode case folding and NFD;
    /// Windows: case folding, trailing dots and spaces, 8.3 short names): unpacking there would overwrite one with
    /// the other — possibly the binary the SBOM describes.
    #[error(
        "{}: entries {entry:?} and {other:?} are the same file on {rule}: unpacking there would overwrite one with the other",
        zip.display()
    )]
    NameCollision {
        /// The ZIP file.
        zip: PathBuf,
        /// The entry that collides (the later one, or the 8.3 alias).
        entry: String,
        /// The entry it collides with.
        other: String,
        /// The OS and its rule.
        rule: &'static str,
    },
}

/// ZIPs a `SHA256SUMS` lists that are not beside it (see [`crate::archive::release`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingZips {
    /// The `SHA256SUMS` file.
    pub checksums: PathBuf,
    /// The directory they are missing from.
    pub dir: PathBuf,
    /// The missing file names, sorted.
    pub names: Vec<String>,
}

impl std::fmt::Display for MissingZips {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.names.len();
        write!(
            f,
            "{} lists {n} {} not in {}: {}",
            self.checksums.display(),
            if n == 1 {
                "ZIP that is"
            } else {
                "ZIPs that are"
            },
            self.dir.display(),
            self.names.join(", ")
        )
    }
}

/// Something is wrong with a provider release (file names, `SHA256SUMS`), or one of its ZIPs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// A file or directory of the release could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// A file name does not follow `terraform-provider-TYPE_VERSION_OS_ARCH.zip` / `…_SHA256SUMS`.
    #[error("{}: bad release file name: {reason}", file.display())]
    BadFileName {
        /// The file.
        file: PathBuf,
        /// What is wrong with the name.
        reason: String,
    },
    /// The version in a file name has a `v` prefix; OpenTofu tags and registries use bare semver.
    #[error(
        "{}: version {version:?} has a \"v\" prefix; release files must use the bare version ({})",
        file.display(),
        version.trim_start_matches('v')
    )]
    VPrefixedVersion {
        /// The file.
        file: PathBuf,
        /// The version as written.
        version: String,
    },
    /// The version in a file name is not a full semantic version `X.Y.Z[-pre][+build]`.
    #[error("{}: version {version:?} is not a semantic version X.Y.Z[-pre][+build]: {reason}", file.display())]
    BadVersion {
        /// The file.
        file: PathBuf,
        /// The version as written.
        version: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An operating system that is not a Go `GOOS`.
    #[error("{}: unknown operating system {os:?} (not a Go GOOS)", file.display())]
    UnknownOs {
        /// The file.
        file: PathBuf,
        /// The OS as written.
        os: String,
    },
    /// An architecture that is not a Go `GOARCH`.
    #[error("{}: unknown architecture {arch:?} (not a Go GOARCH)", file.display())]
    UnknownArch {
        /// The file.
        file: PathBuf,
        /// The architecture as written.
        arch: String,
    },
    /// Files of different providers or versions were given as one release.
    #[error(
        "{}: belongs to {found}, but the release is {expected} (from {})",
        file.display(),
        first.display()
    )]
    MixedRelease {
        /// The file that differs.
        file: PathBuf,
        /// `TYPE VERSION` of that file.
        found: String,
        /// `TYPE VERSION` of the release.
        expected: String,
        /// The file the release's type and version were taken from.
        first: PathBuf,
    },
    /// Two ZIPs for the same platform.
    #[error("{}: second ZIP for platform {platform} (first: {})", file.display(), other.display())]
    DuplicatePlatform {
        /// The second ZIP.
        file: PathBuf,
        /// The platform, `os_arch`.
        platform: String,
        /// The first ZIP.
        other: PathBuf,
    },
    /// No provider ZIP was found.
    #[error("{}: no terraform-provider-TYPE_VERSION_OS_ARCH.zip files found", path.display())]
    NoZips {
        /// The directory searched.
        path: PathBuf,
    },
    /// A line of `SHA256SUMS` is not `<64 hex digits>  <file name>`.
    #[error("{}:{line}: malformed checksum line", file.display())]
    MalformedChecksums {
        /// The `SHA256SUMS` file.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// `SHA256SUMS` is larger than [`crate::limits::Limits::max_checksums_file`].
    #[error("{}: {size} bytes, more than the limit of {limit} for a checksums file", file.display())]
    ChecksumsTooLarge {
        /// The `SHA256SUMS` file.
        file: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// `SHA256SUMS` lists one file twice with different digests.
    #[error("{}:{line}: {name:?} listed twice with different digests", file.display())]
    ConflictingChecksums {
        /// The `SHA256SUMS` file.
        file: PathBuf,
        /// 1-based line number of the second listing.
        line: usize,
        /// The file name listed twice.
        name: String,
    },
    /// A ZIP is not listed in the `SHA256SUMS` beside it.
    #[error("{}: not listed in {}", file.display(), checksums.display())]
    NotInChecksums {
        /// The ZIP.
        file: PathBuf,
        /// The `SHA256SUMS` file.
        checksums: PathBuf,
    },
    /// A ZIP's SHA-256 differs from the one `SHA256SUMS` lists (tampered or corrupted download).
    #[error(
        "{}: SHA-256 {actual} does not match {expected} listed in {}",
        file.display(),
        checksums.display()
    )]
    ChecksumMismatch {
        /// The ZIP.
        file: PathBuf,
        /// The `SHA256SUMS` file.
        checksums: PathBuf,
        /// Hex digest listed in `SHA256SUMS`.
        expected: String,
        /// Hex digest of the file.
        actual: String,
    },
    /// A platform filter names something that is not `os_arch` or `os/arch` with Go names.
    #[error("bad platform {spec:?}: {reason}")]
    BadPlatform {
        /// The filter as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A platform filter selects a platform the release has no ZIP for.
    #[error("the release has no ZIP for platform {platform} (it has: {})", available.join(", "))]
    PlatformNotInRelease {
        /// The requested platform, `os_arch`.
        platform: String,
        /// The release's platforms.
        available: Vec<String>,
    },
    /// A ZIP of the release is bad.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// `SHA256SUMS` lists ZIPs of this release that are not beside it (an incomplete download would ship a provider
    /// missing platforms); see [`crate::archive::release::Release::missing_zips`].
    #[error("{} (an incomplete download?); add them, select the platforms present with --platform, or pass --allow-missing-platforms to proceed without them", .missing)]
    MissingZips {
        /// What is missing.
        missing: MissingZips,
    },
}

/// A provider address `[HOST/]NAMESPACE/TYPE` that OpenTofu would not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Not two or three `/`-separated non-empty parts.
    #[error(
        "invalid provider address {input:?}: expected HOSTNAME/NAMESPACE/TYPE or NAMESPACE/TYPE"
    )]
    Shape {
        /// The address as given.
        input: String,
    },
    /// A namespace or type that is not a valid provider name part.
    #[error("invalid provider address {input:?}: {part} {value:?} {reason}")]
    Part {
        /// The address as given.
        input: String,
        /// `namespace` or `type`.
        part: &'static str,
        /// The offending part.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A hostname that is not a valid DNS name (with optional `:port`).
    #[error("invalid provider address {input:?}: hostname {host:?} {reason}")]
    Host {
        /// The address as given.
        input: String,
        /// The offending hostname.
        host: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}
