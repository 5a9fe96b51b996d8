//! The OpenTofu provider artifact (SPEC.md §1.4, §6): a pure function from a release description to the exact bytes
//! of every manifest.
//!
//! Per platform an image manifest with `artifactType` `application/vnd.opentofu.provider-target`, the empty config
//! descriptor and exactly one `archive/zip` layer (layer `artifactType` `application/vnd.opentofu.providerpkg`, title
//! annotation = the ZIP file name) whose blob is the byte-identical release ZIP — its digest is the users' `zh:` lock
//! hash. One index with `mediaType` and `artifactType` `application/vnd.opentofu.provider` listing every platform
//! (`os`/`architecture` in Go names, never `variant` or `os.version`), sorted by (os, architecture), with the
//! `org.opencontainers.image.{source,version,revision,created}` annotations. Same inputs ⇒ same bytes ⇒ same digests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::provider::error::{ProviderError, Result};
use crate::provider::media_types::{
    ARTIFACT_TYPE_PROVIDER, ARTIFACT_TYPE_PROVIDER_PKG, ARTIFACT_TYPE_PROVIDER_TARGET,
    MEDIA_TYPE_ZIP_LAYER,
};
use crate::registry::digest::Digest;
use crate::registry::manifest::{
    ANNOTATION_CREATED, ANNOTATION_REVISION, ANNOTATION_SOURCE, ANNOTATION_TITLE,
    ANNOTATION_VERSION, Descriptor, ImageIndex, ImageManifest, MEDIA_TYPE_INDEX,
    MEDIA_TYPE_MANIFEST, Platform, to_canonical_bytes,
};
use crate::registry::reference::{Reference, Target, validate_tag};

/// Go `GOOS`/`GOARCH` values: the archive stage's lists, so a release it reads is one we can push.
pub use crate::archive::release::{KNOWN_ARCH as GO_ARCH, KNOWN_OS as GO_OS};

/// One platform's ZIP as a [`ProviderPackage`] declares it for pushing: where it is, its released name, and the
/// sha256 and size it must have (re-checked against the file before anything is pushed).
///
/// Not the same concept as [`crate::archive::release::PlatformZip`], which is a ZIP *being read* from a release
/// directory (its parsed [`crate::archive::release::Platform`], the `SHA256SUMS` it is verified against, and the open
/// bytes once verified). A package can be built from a release read that way ([`crate::provider::publish`]) or from
/// ZIPs downloaded by the mirror, which never go through the archive reader; only the declared facts travel here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageZip {
    /// Go `GOOS` (`linux`, `darwin`, `windows`, …).
    pub os: String,
    /// Go `GOARCH` (`amd64`, `arm64`, `386`, `arm`, …).
    pub arch: String,
    /// The ZIP file on disk.
    pub path: PathBuf,
    /// The ZIP file name as released (`terraform-provider-x_1.2.3_linux_amd64.zip`), used as the layer title.
    pub file_name: String,
    /// The ZIP's sha256, lowercase hex (from `SHA256SUMS`); re-checked against the file before anything is pushed.
    pub sha256: String,
    /// The ZIP's size in bytes.
    pub size: u64,
}

/// A provider release to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPackage {
    /// The version, full semver `X.Y.Z[-pre][+build]`, no `v` prefix.
    pub version: String,
    /// One ZIP per platform.
    pub platforms: Vec<PackageZip>,
    /// `org.opencontainers.image.source` (GHCR links the package to this repository; needed for `GITHUB_TOKEN`).
    pub source_url: Option<String>,
    /// `org.opencontainers.image.revision` (the VCS commit).
    pub revision: Option<String>,
    /// `org.opencontainers.image.created`, RFC 3339 (the same reproducible timestamp as the SBOMs).
    pub created: Option<String>,
}

/// A serialized manifest: exact bytes, digest, media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltManifest {
    /// The exact bytes pushed.
    pub bytes: Vec<u8>,
    /// sha256 of `bytes`.
    pub digest: Digest,
    /// The media type (Content-Type of the PUT).
    pub media_type: &'static str,
}

impl BuiltManifest {
    fn of<T: serde::Serialize>(doc: &T, media_type: &'static str) -> Self {
        let (bytes, digest) = to_canonical_bytes(doc);
        Self {
            bytes,
            digest,
            media_type,
        }
    }

    /// A descriptor of this manifest.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor::new(
            self.media_type,
            self.digest.clone(),
            self.bytes.len() as u64,
        )
    }
}

/// One platform of a built artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformArtifact {
    /// The platform.
    pub platform: Platform,
    /// The per-platform image manifest.
    pub manifest: BuiltManifest,
    /// The ZIP layer descriptor.
    pub layer: Descriptor,
    /// The ZIP on disk.
    pub zip_path: PathBuf,
}

/// A fully built provider artifact, ready to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderArtifact {
    /// The version tag (`+` → `_`).
    pub tag: String,
    /// The index manifest.
    pub index: BuiltManifest,
    /// The platforms, sorted by (os, arch).
    pub platforms: Vec<PlatformArtifact>,
}

/// Checks that `version` is a version OpenTofu installs from its tag, and returns that tag (`+` → `_`).
///
/// OpenTofu lists tags, maps `_` → `+`, parses them with `go-versions` (which refuses a `v` prefix) and then resolves
/// the tag `version.String()` with `+` → `_` (SPEC.md §1.2). Only a version that prints back unchanged round-trips:
/// `1.2` would be listed as 1.2.0 and then looked up as tag `1.2.0`, `01.2.3` as `1.2.3`, and so on; pre-release
/// leading zeros (`1.2.3-01`) are kept verbatim and so are accepted ([`crate::archive::release::version_problem`]).
pub fn tag_for_version(version: &str) -> Result<String> {
    let refuse = |reason: String| {
        Err(ProviderError::InvalidVersion {
            version: version.to_owned(),
            reason,
        })
    };
    if let Some(rest) = version.strip_prefix(['v', 'V']) {
        return refuse(format!(
            "OpenTofu's version parser rejects a \"v\" prefix; publish {rest:?} instead"
        ));
    }
    // One semver rule set for every stage: the archive stage's, which names the release files.
    if let Some(reason) = crate::archive::release::version_problem(version) {
        return refuse(format!(
            "{reason}; OpenTofu would not find it under its tag"
        ));
    }
    let tag = tag_spelling(version);
    if let Err(e) = validate_tag(&tag) {
        return refuse(e.to_string());
    }
    Ok(tag)
}

/// The one home of OpenTofu's tag spelling rule: a version's build metadata separator `+` is not allowed in an OCI
/// tag, so the tag spells it `_` (SPEC.md §1.2). No validation: see [`tag_for_version`] for that.
pub fn tag_spelling(version: &str) -> String {
    version.replace('+', "_")
}

/// The inverse of [`tag_spelling`]: the version a tag names, as OpenTofu reads it when it lists tags (`_` → `+`).
pub fn version_for_tag(tag: &str) -> String {
    tag.replace('_', "+")
}

/// OpenTofu's order of two versions [`tag_for_version`] accepts (build metadata aside): go-versions v1.0.3's
/// `Version.LessThan` — core numbers, then a release above its pre-releases, then the pre-releases compared as
/// `VersionExtra.LessThan` does it: the one with fewer remaining dot-separated parts first, else the first differing
/// part, numeric parts (by length, then digits) before alphanumeric ones (bytewise).
pub fn cmp_tofu_versions(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn split(v: &str) -> ([u64; 3], Option<&str>) {
        let rest = v.split('+').next().unwrap_or(v);
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (rest, None),
        };
        let mut n = [0; 3];
        for (slot, part) in n.iter_mut().zip(core.split('.')) {
            *slot = part.parse().unwrap_or(0);
        }
        (n, pre)
    }
    fn part(a: &str, b: &str) -> Ordering {
        let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
        match (numeric(a), numeric(b)) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (false, false) => a.cmp(b),
        }
    }
    let ((na, pa), (nb, pb)) = (split(a), split(b));
    na.cmp(&nb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(mut x), Some(mut y)) => loop {
            if x == y {
                break Ordering::Equal;
            }
            match (x.split_once('.'), y.split_once('.')) {
                (None, Some(_)) => break Ordering::Less,
                (Some(_), None) => break Ordering::Greater,
                (None, None) => break part(x, y),
                (Some((x1, xr)), Some((y1, yr))) => {
                    if x1 != y1 {
                        break part(x1, y1);
                    }
                    (x, y) = (xr, yr);
                }
            }
        },
    })
}

/// Checks an informational extra tag (`latest`, …): a valid OCI tag that OpenTofu will ignore, i.e. one that does
/// not parse as a version — a tag like `1.2` or `2.0.0` would be listed by OpenTofu as another version of the provider.
pub fn validate_extra_tag(tag: &str, primary: &str) -> Result<()> {
    validate_tag(tag)?;
    if tag == primary {
        return Ok(());
    }
    let first = tag.as_bytes()[0];
    let looks_like_version = first.is_ascii_digit();
    if looks_like_version {
        return Err(ProviderError::InvalidTag {
            tag: tag.to_owned(),
            reason: format!(
                "OpenTofu would read a tag starting with a digit as a provider version different from {primary:?}; \
                 use a non-version name such as \"latest\""
            ),
        });
    }
    Ok(())
}

/// Builds the artifact: validates the package and serializes every manifest.
pub fn build_artifact(pkg: &ProviderPackage) -> Result<ProviderArtifact> {
    let tag = tag_for_version(&pkg.version)?;
    let invalid = |reason: String| ProviderError::InvalidPackage { reason };
    if pkg.platforms.is_empty() {
        return Err(invalid("the release has no platform ZIPs".into()));
    }
    if let Some(created) = &pkg.created {
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .map_err(|e| {
                invalid(format!(
                    "created timestamp {created:?} is not RFC 3339: {e}"
                ))
            })?;
    }
    let mut seen = BTreeSet::new();
    let mut platforms = Vec::with_capacity(pkg.platforms.len());
    for z in &pkg.platforms {
        if !GO_OS.contains(&z.os.as_str()) {
            return Err(invalid(format!(
                "{:?}: OS {:?} is not a Go GOOS name (use e.g. darwin, linux, windows)",
                z.file_name, z.os
            )));
        }
        if !GO_ARCH.contains(&z.arch.as_str()) {
            return Err(invalid(format!(
                "{:?}: architecture {:?} is not a Go GOARCH name (use e.g. amd64, arm64, 386, arm)",
                z.file_name, z.arch
            )));
        }
        if !seen.insert((z.os.clone(), z.arch.clone())) {
            return Err(invalid(format!(
                "platform {}_{} appears twice",
                z.os, z.arch
            )));
        }
        if z.file_name.is_empty() || z.file_name.contains(['/', '\\']) {
            return Err(invalid(format!(
                "ZIP file name {:?} must be a bare file name",
                z.file_name
            )));
        }
        let digest = Digest::from_sha256_hex(&z.sha256)
            .map_err(|e| invalid(format!("{:?}: {e}", z.file_name)))?;
        let mut layer = Descriptor::new(MEDIA_TYPE_ZIP_LAYER, digest, z.size);
        layer.artifact_type = ARTIFACT_TYPE_PROVIDER_PKG.to_owned();
        layer
            .annotations
            .insert(ANNOTATION_TITLE.to_owned(), z.file_name.clone());
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: MEDIA_TYPE_MANIFEST.to_owned(),
            artifact_type: ARTIFACT_TYPE_PROVIDER_TARGET.to_owned(),
            config: Descriptor::empty_config(),
            layers: vec![layer.clone()],
            subject: None,
            annotations: BTreeMap::new(),
        };
        platforms.push(PlatformArtifact {
            platform: Platform::new(&z.os, &z.arch),
            manifest: BuiltManifest::of(&manifest, MEDIA_TYPE_MANIFEST),
            layer,
            zip_path: z.path.clone(),
        });
    }
    platforms.sort_by(|a, b| {
        (&a.platform.os, &a.platform.architecture).cmp(&(&b.platform.os, &b.platform.architecture))
    });

    let mut annotations = BTreeMap::new();
    annotations.insert(ANNOTATION_VERSION.to_owned(), pkg.version.clone());
    if let Some(s) = &pkg.source_url {
        annotations.insert(ANNOTATION_SOURCE.to_owned(), s.clone());
    }
    if let Some(r) = &pkg.revision {
        annotations.insert(ANNOTATION_REVISION.to_owned(), r.clone());
    }
    if let Some(c) = &pkg.created {
        annotations.insert(ANNOTATION_CREATED.to_owned(), c.clone());
    }
    let index = ImageIndex {
        schema_version: 2,
        media_type: MEDIA_TYPE_INDEX.to_owned(),
        artifact_type: ARTIFACT_TYPE_PROVIDER.to_owned(),
        manifests: platforms
            .iter()
            .map(|p| {
                let mut d = p.manifest.descriptor();
                d.platform = Some(p.platform.clone());
                d.artifact_type = ARTIFACT_TYPE_PROVIDER_TARGET.to_owned();
                d
            })
            .collect(),
        subject: None,
        annotations,
    };
    Ok(ProviderArtifact {
        tag,
        index: BuiltManifest::of(&index, MEDIA_TYPE_INDEX),
        platforms,
    })
}

/// A provider source address `HOSTNAME/NAMESPACE/TYPE` (parsed by the archive stage).
pub use crate::archive::ProviderAddress;

/// The `.tofurc` `provider_installation` block that installs `provider` from the repository of `target`.
///
/// `repository_template` is `…/${namespace}/${type}` when the repository ends with the provider's namespace and type
/// (so one block serves every provider mirrored the same way), else the literal repository. `include` names exactly
/// this provider and `direct` excludes it, so OpenTofu never silently falls back to the origin registry.
pub fn tofurc_snippet(target: &Reference, provider: &ProviderAddress) -> String {
    let repo = &target.repository;
    let host = tofu_registry_host(&target.registry);
    let suffix = format!("/{}/{}", provider.namespace, provider.provider_type);
    let template = match repo.strip_suffix(&suffix) {
        Some(prefix) => format!("{host}/{prefix}/${{namespace}}/${{type}}"),
        None if *repo == suffix[1..] => format!("{host}/${{namespace}}/${{type}}"),
        None => format!("{host}/{repo}"),
    };
    format!(
        "provider_installation {{\n  oci_mirror {{\n    repository_template = \"{template}\"\n    include             = [\"{provider}\"]\n  }}\n  direct {{\n    exclude = [\"{provider}\"]\n  }}\n}}\n"
    )
}

/// The registry host to write in a `.tofurc` `repository_template` for a repository in `registry`: Docker Hub's
/// aliases (`docker.io`, `index.docker.io`, `registry.hub.docker.com`) become `registry-1.docker.io`, every other host
/// stays as given.
///
/// OpenTofu 1.12 hands the template's host to oras-go, which sends `docker.io` requests to `registry-1.docker.io`
/// (`registry.Reference.Host`), and its credentials callback (`getOCIRepositoryORASClient` in
/// `cmd/tofu/oci_distribution.go`) answers only when the host asked about equals the template's host — so with
/// `docker.io` a private Docker Hub repository gets no credentials at all. With `registry-1.docker.io` both agree, and
/// OpenTofu looks credentials up for `registry-1.docker.io` (an `oci_credentials "registry-1.docker.io"` block, an
/// `auths` key or `credHelpers` entry of that name; `docker login`'s `https://index.docker.io/v1/` key is skipped).
pub fn tofu_registry_host(registry: &str) -> &str {
    match registry.to_ascii_lowercase().as_str() {
        "docker.io" | "index.docker.io" | "registry.hub.docker.com" => "registry-1.docker.io",
        _ => registry,
    }
}

/// Why no `.tofurc` block can make OpenTofu install from `registry` when we reached it over plain HTTP (`--plain-http`,
/// or the loopback fallback after TLS failed). OpenTofu 1.12 speaks HTTPS only: `internal/oci/oci_distribution.go`
/// builds its oras-go `remote.Registry` without ever setting `PlainHTTP`, and its CLI configuration
/// (`internal/command/cliconfig`: `oci_mirror`, `oci_credentials`) has no insecure, plain-HTTP or CA setting; Go's
/// TLS reads `SSL_CERT_FILE`, which is how a private CA reaches it.
pub fn tofurc_unusable_over_http(registry: &str) -> String {
    format!(
        "no .tofurc block: {registry} was reached over plain HTTP, and OpenTofu reaches OCI registries only over HTTPS \
         (its CLI configuration has no plain-HTTP, insecure or CA option), so tofu init cannot install from it; serve \
         the registry over TLS (with a private CA, run tofu with SSL_CERT_FILE=/path/to/ca.pem) and run this again"
    )
}

/// Same as [`tofurc_snippet`] for any target; `None` for an OCI layout (OpenTofu reads registries only).
pub fn tofurc_for_target(target: &Target, provider: &ProviderAddress) -> Option<String> {
    match target {
        Target::Registry(r) => Some(tofurc_snippet(r, provider)),
        Target::Layout(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(tag_for_version("1.2.3").unwrap(), "1.2.3");
        assert_eq!(
            tag_for_version("1.2.3-rc.1+build.5").unwrap(),
            "1.2.3-rc.1_build.5"
        );
        assert_eq!(
            tag_for_version("v1.2.3").unwrap_err().to_string(),
            "version \"v1.2.3\" cannot be published for OpenTofu: OpenTofu's version parser rejects a \"v\" prefix; publish \"1.2.3\" instead"
        );
        assert_eq!(
            tag_for_version("1.2").unwrap_err().to_string(),
            "version \"1.2\" cannot be published for OpenTofu: the core must be three numbers MAJOR.MINOR.PATCH; OpenTofu would not find it under its tag"
        );
        for (v, reason) in [
            ("01.2.3", "numbers must not have leading zeros"),
            (
                "1.2.3-",
                "the pre-release after \"-\" must be non-empty [0-9A-Za-z.-]",
            ),
            (
                "1.2.3+",
                "the build metadata after \"+\" must be non-empty [0-9A-Za-z.-]",
            ),
        ] {
            assert_eq!(
                tag_for_version(v).unwrap_err().to_string(),
                format!(
                    "version {v:?} cannot be published for OpenTofu: {reason}; OpenTofu would not find it under its tag"
                )
            );
        }
        assert_eq!(tag_for_version("1.2.3-01").unwrap(), "1.2.3-01");
        assert!(validate_extra_tag("latest", "1.2.3").is_ok());
        assert!(validate_extra_tag("1.2.3", "1.2.3").is_ok());
        assert!(
            validate_extra_tag("1.2", "1.2.3")
                .unwrap_err()
                .to_string()
                .contains("different from \"1.2.3\"")
        );
    }

    /// Every tag OpenTofu 1.12 installs from, and only those: the verdicts of go-versions v1.0.3's
    /// `versions.ParseVersion` (what `AvailableVersions` in `internal/getproviders/oci_registry_mirror_source.go`
    /// calls after `_` → `+`), taken by running that parser on each tag, combined with the round trip
    /// `fetchOCIDescriptorForVersion` makes (`version.String()` with `+` → `_` is the tag it resolves).
    /// `Parsed(s)`: the parser accepts the tag and OpenTofu then resolves tag `s`; `Refused`: the parser errs
    /// (OpenTofu ignores the tag).
    #[test]
    fn tags_opentofu_installs_from_match_go_versions() {
        enum Tofu {
            Parsed(&'static str),
            Refused,
        }
        use Tofu::{Parsed, Refused};
        let table = [
            ("1.2.3", Parsed("1.2.3")),
            ("0.0.0", Parsed("0.0.0")),
            ("1.2.3-01", Parsed("1.2.3-01")),
            ("1.2.3-00", Parsed("1.2.3-00")),
            ("1.2.3-0", Parsed("1.2.3-0")),
            ("1.2.3-0a", Parsed("1.2.3-0a")),
            ("1.2.3-rc.01", Parsed("1.2.3-rc.01")),
            ("1.2.3-01_002", Parsed("1.2.3-01_002")),
            ("1.2.3_01", Parsed("1.2.3_01")),
            ("1.2.3-rc1", Parsed("1.2.3-rc1")),
            ("1.2.3-rc-1", Parsed("1.2.3-rc-1")),
            ("1.2.3-rc.1-", Parsed("1.2.3-rc.1-")),
            ("1.2.3--", Parsed("1.2.3--")),
            ("1.2.3-A.B", Parsed("1.2.3-A.B")),
            ("1.2.3-a..b", Parsed("1.2.3-a..b")),
            ("1.2.3-.a", Parsed("1.2.3-.a")),
            ("1.2.3-a.", Parsed("1.2.3-a.")),
            ("1.2.3-a_b", Parsed("1.2.3-a_b")),
            ("1.2.3_a..b", Parsed("1.2.3_a..b")),
            ("1.2.3_.a", Parsed("1.2.3_.a")),
            ("1.2.3_-", Parsed("1.2.3_-")),
            ("1.2.3-rc.1_build.5", Parsed("1.2.3-rc.1_build.5")),
            (
                "18446744073709551615.0.0",
                Parsed("18446744073709551615.0.0"),
            ),
            // Parsed, but printed back differently: OpenTofu looks up another tag.
            ("01.2.3", Parsed("1.2.3")),
            ("1.02.3", Parsed("1.2.3")),
            ("1.2.03", Parsed("1.2.3")),
            ("1.2", Parsed("1.2.0")),
            ("1", Parsed("1.0.0")),
            ("1.2.3-", Parsed("1.2.3")),
            ("1.2.3_", Parsed("1.2.3")),
            // Refused by the parser.
            ("1.2.3.4", Refused),
            ("v1.2.3", Refused),
            ("V1.2.3", Refused),
            ("1.2.3_b_c", Refused),
            ("1.2.3-a_b_c", Refused),
            ("latest", Refused),
            ("1.x.3", Refused),
            ("1.2.3-_b", Refused),
        ];
        for (tag, tofu) in table {
            let ours = tag_for_version(&version_for_tag(tag));
            match tofu {
                Parsed(resolved) if resolved == tag => {
                    assert_eq!(ours.as_deref().ok(), Some(tag), "{tag}: {ours:?}");
                }
                Parsed(_) | Refused => assert!(ours.is_err(), "{tag}: {ours:?}"),
            }
        }
    }

    /// go-versions' order, including its quirk of ranking a pre-release with fewer remaining parts first; the expected
    /// list is what sorting these versions with go-versions v1.0.3's `Version.LessThan` printed.
    #[test]
    fn versions_in_opentofus_order() {
        let mut v = vec![
            "1.2.3",
            "1.2.3-rc.2",
            "1.2.3-01",
            "1.2.3-1",
            "1.2.3-rc.10",
            "1.2.3-b",
            "1.2.3-a.1",
            "0.9.0",
            "1.10.0",
            "1.2.3-1.0",
            "1.2.4-0+meta",
        ];
        v.sort_by(|a, b| cmp_tofu_versions(a, b));
        assert_eq!(
            v,
            [
                "0.9.0",
                "1.2.3-1",
                "1.2.3-01",
                "1.2.3-b",
                "1.2.3-1.0",
                "1.2.3-a.1",
                "1.2.3-rc.2",
                "1.2.3-rc.10",
                "1.2.3",
                "1.2.4-0+meta",
                "1.10.0",
            ]
        );
    }

    #[test]
    fn tofurc() {
        let p = ProviderAddress::parse("hashicorp/tls").unwrap();
        assert_eq!(p.to_string(), "registry.opentofu.org/hashicorp/tls");
        let r = Reference::parse("ghcr.io/acme/mirror/hashicorp/tls").unwrap();
        assert_eq!(
            tofurc_snippet(&r, &p),
            "provider_installation {\n  oci_mirror {\n    repository_template = \"ghcr.io/acme/mirror/${namespace}/${type}\"\n    include             = [\"registry.opentofu.org/hashicorp/tls\"]\n  }\n  direct {\n    exclude = [\"registry.opentofu.org/hashicorp/tls\"]\n  }\n}\n"
        );
        let r = Reference::parse("127.0.0.1:5000/tls-mirror").unwrap();
        assert!(
            tofurc_snippet(&r, &p).contains("repository_template = \"127.0.0.1:5000/tls-mirror\"")
        );
        let r = Reference::parse("example.com/hashicorp/tls").unwrap();
        assert!(
            tofurc_snippet(&r, &p)
                .contains("repository_template = \"example.com/${namespace}/${type}\"")
        );
        // Docker Hub: OpenTofu (oras-go) talks to registry-1.docker.io and sends credentials only to the template's
        // host, so the template names that host.
        for hub in [
            "docker.io/acme/terraform-provider-tls",
            "index.docker.io/acme/terraform-provider-tls",
            "registry-1.docker.io/acme/terraform-provider-tls",
        ] {
            let r = Reference::parse(hub).unwrap();
            assert!(
                tofurc_snippet(&r, &p).contains(
                    "repository_template = \"registry-1.docker.io/acme/terraform-provider-tls\""
                ),
                "{hub}"
            );
        }
        let r = Reference::parse("docker.io/hashicorp/tls").unwrap();
        assert!(
            tofurc_snippet(&r, &p)
                .contains("repository_template = \"registry-1.docker.io/${namespace}/${type}\"")
        );
        assert_eq!(tofu_registry_host("ghcr.io"), "ghcr.io");
        assert_eq!(tofu_registry_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn artifact_shape_matches_spec_section_6() {
        let pkg = ProviderPackage {
            version: "1.2.3".into(),
            platforms: vec![PackageZip {
                os: "linux".into(),
                arch: "amd64".into(),
                path: "/nonexistent".into(),
                file_name: "terraform-provider-x_1.2.3_linux_amd64.zip".into(),
                sha256: "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881".into(),
                size: 1,
            }],
            source_url: None,
            revision: None,
            created: None,
        };
        let a = build_artifact(&pkg).unwrap();
        assert_eq!(
            String::from_utf8(a.platforms[0].manifest.bytes.clone()).unwrap(),
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.opentofu.provider-target","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"archive/zip","digest":"sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","size":1,"annotations":{"org.opencontainers.image.title":"terraform-provider-x_1.2.3_linux_amd64.zip"},"artifactType":"application/vnd.opentofu.providerpkg"}]}"#
        );
        let mut bad = pkg.clone();
        bad.platforms[0].os = "macos".into();
        assert_eq!(
            build_artifact(&bad).unwrap_err().to_string(),
            "invalid provider package: \"terraform-provider-x_1.2.3_linux_amd64.zip\": OS \"macos\" is not a Go GOOS name (use e.g. darwin, linux, windows)"
        );
    }
}
