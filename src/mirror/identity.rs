//! Which provider a copied artifact holds, read from the artifact itself (never from where it is copied to): the
//! provider type that names its release files and the executable OpenTofu looks for in each ZIP.
//!
//! Evidence, strongest first: `--provider` (the user's word); the zip layers' `org.opencontainers.image.title` when it
//! is a release file name (`terraform-provider-TYPE_VERSION_OS_ARCH.zip`); the executable inside the ZIPs
//! (`terraform-provider-TYPE[_…|.…]`, OpenTofu's `ExecutableFile` rule); the source repository's last path segment
//! (`…/terraform-provider-TYPE` or `…/TYPE`). Where two pieces of evidence disagree, the strongest wins and the
//! disagreement is reported as a warning, so the SBOMs never silently describe another provider.
//!
//! Knows nothing of registries or stores: it is given the names.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::archive::names::{self, PROVIDER_PREFIX};

/// Where the provider type was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TypeSource {
    /// `--provider HOST/NAMESPACE/TYPE`.
    ProviderFlag,
    /// The zip layers' title annotations.
    LayerTitle,
    /// The executable inside the ZIPs.
    Executable,
    /// The source repository's name.
    SourceRepository,
}

impl TypeSource {
    fn describe(self) -> &'static str {
        match self {
            Self::ProviderFlag => "--provider",
            Self::LayerTitle => "the zip layers' titles",
            Self::Executable => "the executables inside the ZIPs",
            Self::SourceRepository => "the source repository's name",
        }
    }
}

/// The provider type of an artifact and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderIdentity {
    /// The provider type (`aws` for `hashicorp/aws`).
    pub provider_type: String,
    /// Where it came from.
    pub source: TypeSource,
    /// Disagreements between the pieces of evidence, one sentence each.
    pub warnings: Vec<String>,
}

/// What an artifact says about its provider type: each piece of evidence as found (`None` where absent).
#[derive(Debug, Clone, Default)]
pub struct Evidence<'a> {
    /// `--provider`'s type.
    pub flag: Option<&'a str>,
    /// The zip layers' titles (any text; only release file names count).
    pub titles: Vec<&'a str>,
    /// The names of the executables found inside the ZIPs.
    pub executables: Vec<&'a str>,
    /// The source repository (`ns/terraform-provider-aws`) or layout directory name.
    pub source_repository: Option<&'a str>,
}

/// The type a release file name gives (`terraform-provider-aws_5.0.0_linux_amd64.zip` → `aws`).
pub fn type_from_title(title: &str) -> Option<String> {
    names::parse_zip_name(Path::new(title))
        .ok()
        .filter(|_| !title.contains('/') && !title.contains('\\'))
        .map(|p| p.provider_type)
}

/// The type an executable's name gives, by OpenTofu's rule read backwards: `terraform-provider-TYPE` followed by
/// nothing or by text starting with `_` or `.` (`terraform-provider-aws_v5.0.0_x5`, `terraform-provider-aws.exe`).
pub fn type_from_executable(name: &str) -> Option<String> {
    let rest = name.strip_prefix(PROVIDER_PREFIX)?;
    let end = rest.find(['_', '.']).unwrap_or(rest.len());
    let t = &rest[..end];
    (!t.is_empty()).then(|| t.to_owned())
}

/// The type a repository name suggests (`acme/terraform-provider-aws` or `mirror/aws` → `aws`).
pub fn type_from_repository(repository: &str) -> Option<String> {
    let last = repository.rsplit('/').next().unwrap_or(repository);
    let t = last.strip_prefix(PROVIDER_PREFIX).unwrap_or(last);
    (!t.is_empty()).then(|| t.to_owned())
}

/// Decides the provider type from `evidence` (module docs); `None` when nothing names one.
pub fn identify(evidence: &Evidence<'_>) -> Option<ProviderIdentity> {
    let distinct = |v: Vec<String>| -> BTreeSet<String> { v.into_iter().collect() };
    let sources: Vec<(TypeSource, BTreeSet<String>)> = vec![
        (
            TypeSource::ProviderFlag,
            evidence.flag.map(str::to_owned).into_iter().collect(),
        ),
        (
            TypeSource::LayerTitle,
            distinct(
                evidence
                    .titles
                    .iter()
                    .filter_map(|t| type_from_title(t))
                    .collect(),
            ),
        ),
        (
            TypeSource::Executable,
            distinct(
                evidence
                    .executables
                    .iter()
                    .filter_map(|t| type_from_executable(t))
                    .collect(),
            ),
        ),
        (
            TypeSource::SourceRepository,
            evidence
                .source_repository
                .and_then(type_from_repository)
                .into_iter()
                .collect(),
        ),
    ];
    let (source, chosen) = sources
        .iter()
        .find_map(|(s, set)| set.first().map(|t| (*s, t.clone())))?;
    let mut warnings = Vec::new();
    for (s, set) in &sources {
        if set.len() > 1 {
            warnings.push(format!(
                "{} name more than one provider type ({}); the SBOMs describe `{chosen}`",
                s.describe(),
                list(set)
            ));
        }
    }
    // Titles and executables are the artifact's own word: any disagreement with the choice is worth a line. The
    // repository name is only a convention, so it is mentioned only when it is all there is.
    let disagreeing: Vec<String> = sources
        .iter()
        .filter(|(s, set)| {
            matches!(s, TypeSource::LayerTitle | TypeSource::Executable)
                && *s != source
                && !set.is_empty()
                && !set.contains(&chosen)
        })
        .map(|(s, set)| format!("{} name {}", s.describe(), list(set)))
        .collect();
    if !disagreeing.is_empty() {
        warnings.push(format!(
            "the provider type is `{chosen}` (from {}), but {}; give --provider HOST/NAMESPACE/TYPE if `{chosen}` is \
             wrong",
            source.describe(),
            disagreeing.join(" and ")
        ));
    }
    if source == TypeSource::SourceRepository {
        warnings.push(format!(
            "no zip layer title or executable names the provider type; taking `{chosen}` from the source \
             repository's name (give --provider HOST/NAMESPACE/TYPE if that is wrong)"
        ));
    }
    Some(ProviderIdentity {
        provider_type: chosen,
        source,
        warnings,
    })
}

/// "`a`, `b`".
fn list(set: &BTreeSet<String>) -> String {
    set.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_types() {
        assert_eq!(
            type_from_title("terraform-provider-aws_5.0.0_linux_amd64.zip").as_deref(),
            Some("aws")
        );
        assert_eq!(type_from_title("provider.zip"), None);
        assert_eq!(
            type_from_title("a/terraform-provider-aws_5.0.0_linux_amd64.zip"),
            None
        );
        assert_eq!(
            type_from_executable("terraform-provider-aws_v5.0.0_x5").as_deref(),
            Some("aws")
        );
        assert_eq!(
            type_from_executable("terraform-provider-aws.exe").as_deref(),
            Some("aws")
        );
        assert_eq!(type_from_executable("terraform-provider-").as_deref(), None);
        assert_eq!(type_from_executable("aws").as_deref(), None);
        assert_eq!(
            type_from_repository("acme/terraform-provider-tls").as_deref(),
            Some("tls")
        );
        assert_eq!(
            type_from_repository("mirror/hashicorp/tls").as_deref(),
            Some("tls")
        );
    }

    #[test]
    fn the_strongest_evidence_wins_and_disagreement_is_reported() {
        let id = identify(&Evidence {
            flag: None,
            titles: vec!["terraform-provider-tls_1.0.0_linux_amd64.zip"],
            executables: vec!["terraform-provider-tls_v1.0.0"],
            source_repository: Some("usb"),
        })
        .unwrap();
        assert_eq!(
            (id.provider_type.as_str(), id.source, id.warnings.len()),
            ("tls", TypeSource::LayerTitle, 0)
        );

        let id = identify(&Evidence {
            flag: None,
            titles: vec!["terraform-provider-tls_1.0.0_linux_amd64.zip"],
            executables: vec!["terraform-provider-x509_v1.0.0"],
            source_repository: None,
        })
        .unwrap();
        assert_eq!(id.provider_type, "tls");
        assert_eq!(
            id.warnings,
            vec![
                "the provider type is `tls` (from the zip layers' titles), but the executables inside the ZIPs \
                 name `x509`; give --provider HOST/NAMESPACE/TYPE if `tls` is wrong"
                    .to_owned()
            ]
        );

        let id = identify(&Evidence {
            flag: Some("dns"),
            titles: vec![],
            executables: vec!["terraform-provider-tls"],
            source_repository: Some("ns/dns"),
        })
        .unwrap();
        assert_eq!(
            (id.provider_type.as_str(), id.source),
            ("dns", TypeSource::ProviderFlag)
        );
        assert_eq!(id.warnings.len(), 1, "{:?}", id.warnings);

        let id = identify(&Evidence {
            flag: None,
            titles: vec!["provider.zip"],
            executables: vec![],
            source_repository: Some("opentofu/terraform-provider-null"),
        })
        .unwrap();
        assert_eq!(
            (id.provider_type.as_str(), id.source),
            ("null", TypeSource::SourceRepository)
        );
        assert_eq!(
            id.warnings,
            vec![
                "no zip layer title or executable names the provider type; taking `null` from the source \
                 repository's name (give --provider HOST/NAMESPACE/TYPE if that is wrong)"
                    .to_owned()
            ]
        );
        assert_eq!(identify(&Evidence::default()), None);
    }
}
