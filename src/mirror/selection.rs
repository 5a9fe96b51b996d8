//! Which versions a mirror run takes: the versions of a provider a source's constraint selects (the newest match, as
//! `tofu init` picks it, or every match), and the version tags of an OCI repository.
//!
//! Owns the selection rules only; it asks nothing of a registry itself (the caller lists versions or tags and hands
//! them in, except [`version_refs`], which lists the tags of the store it is given). Knows nothing of the CLI, of
//! downloads or of SBOMs.

use super::constraints::{Constraints, Version};
use super::error::{MirrorError, Result};
use super::source::ProviderSource;
use crate::provider::artifact::{cmp_tofu_versions, tag_for_version, version_for_tag};
use crate::registry::reference::Target;
use crate::registry::store::Store;

/// The versions `source` selects among `available` (newest match of its constraint; the newest release without
/// one). `extra` constraints select further versions (several versions per run); duplicates are removed and the
/// result is sorted oldest first.
pub fn select_versions(
    provider: &str,
    available: &[Version],
    constraints: &[Option<Constraints>],
) -> Result<Vec<Version>> {
    let mut out: Vec<Version> = Vec::new();
    for c in constraints {
        let chosen = match c {
            Some(c) => c.newest(available),
            None => available
                .iter()
                .filter(|v| !v.is_prerelease())
                .max_by(|a, b| a.cmp_precedence(b)),
        };
        let Some(v) = chosen else {
            let mut all: Vec<&Version> = available.iter().collect();
            all.sort_by(|a, b| b.cmp_precedence(a));
            return Err(MirrorError::NoMatchingVersion {
                provider: provider.to_owned(),
                constraint: c
                    .as_ref()
                    .map_or_else(|| "(newest release)".to_owned(), ToString::to_string),
                available: all.iter().map(ToString::to_string).collect(),
            });
        };
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out.sort_by(|a, b| a.cmp_precedence(b));
    Ok(out)
}

/// The constraints to hand [`select_versions`] for `source`: its own constraint (newest match), or with
/// `all_matching` one exact constraint per version of `available` it selects, oldest first.
pub fn source_constraints(
    source: &ProviderSource,
    available: &[Version],
    all_matching: bool,
) -> Result<Vec<Option<Constraints>>> {
    if !all_matching {
        return Ok(vec![source.constraint.clone()]);
    }
    let c = source
        .constraint
        .clone()
        .ok_or(MirrorError::AllMatchingWithoutConstraint)?;
    let mut all: Vec<&Version> = available.iter().filter(|v| c.selects(v)).collect();
    all.sort_by(|a, b| a.cmp_precedence(b));
    if all.is_empty() {
        return Err(MirrorError::NothingMatches {
            provider: source.address.to_string(),
            constraint: c.to_string(),
        });
    }
    Ok(all
        .into_iter()
        .map(|v| Some(Constraints::exact(v)))
        .collect())
}

/// The references an OCI `source` read through `store` copies: the one named (by tag or digest), else one per tag
/// of the repository that is a version (`1.2.3`, `1.2.3_meta` for `1.2.3+meta`), oldest first.
pub async fn version_refs(store: &Store, source: &Target) -> Result<Vec<Target>> {
    if source.tag().is_some() || source.digest().is_some() {
        return Ok(vec![source.clone()]);
    }
    // The tags OpenTofu reads as versions of their own (`1.2.3-01` included), in OpenTofu's order.
    let mut tags: Vec<(String, String)> = store
        .list_tags()
        .await?
        .into_iter()
        .filter_map(|t| {
            let v = version_for_tag(&t);
            (tag_for_version(&v).ok().as_deref() == Some(t.as_str())).then_some((v, t))
        })
        .collect();
    tags.sort_by(|a, b| cmp_tofu_versions(&a.0, &b.0).then_with(|| a.1.cmp(&b.1)));
    if tags.is_empty() {
        return Err(MirrorError::NoVersionTags {
            reference: source.to_string(),
        });
    }
    tags.into_iter()
        .map(|(_, t)| with_tag(source, &t))
        .collect()
}

/// `t` with `tag` (a layout or a repository).
pub fn with_tag(t: &Target, tag: &str) -> Result<Target> {
    let base = t.without_version().to_string();
    Ok(Target::parse(&format!("{base}:{tag}"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_selection() {
        let avail: Vec<Version> = ["1.0.0", "1.1.0", "2.0.0", "2.1.0-rc.1"]
            .iter()
            .map(|v| Version::parse(v).unwrap())
            .collect();
        let got = select_versions(
            "p",
            &avail,
            &[
                Some(Constraints::parse("~> 1.0").unwrap()),
                None,
                Some(Constraints::parse("= 1.1.0").unwrap()),
            ],
        )
        .unwrap();
        assert_eq!(
            got.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["1.1.0", "2.0.0"]
        );
        let e =
            select_versions("p", &avail, &[Some(Constraints::parse(">= 3").unwrap())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no version of p matches \">= 3\" (pre-releases are only selected when named exactly); available: 2.1.0-rc.1, 2.0.0, 1.1.0, 1.0.0"
        );
    }
}
