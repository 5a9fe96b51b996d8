//! The profiles' rules over a [`DocumentView`]: which facts each profile requires (module docs of [`crate::lint`];
//! the field-by-field mapping is docs/compliance.md). Findings come out document-level first, then per component in
//! document order, each component's in the order of the profile's list.

use super::view::{ComponentView, DocumentView, Fact, Flag};
use super::{Code, Finding, Profile};
use crate::sbom::SbomKind;

fn push(out: &mut Vec<Finding>, code: Code, fact: &Fact, what: &str) {
    if fact.ok {
        return;
    }
    let message = match &fact.detail {
        Some(d) => format!("{what}: {d}"),
        None => format!("{what} is missing"),
    };
    out.push(Finding {
        code,
        path: fact.path.clone(),
        message,
    });
}

fn flag(out: &mut Vec<Finding>, code: Code, c: &ComponentView, f: &(Flag, String), what: &str) {
    let message = match &f.0 {
        Flag::Ok => return,
        Flag::Missing => format!("component {:?}: the {what} property is missing", c.label),
        Flag::Invalid(d) => format!("component {:?}: the {what} property {d}", c.label),
    };
    out.push(Finding {
        code,
        path: f.1.clone(),
        message,
    });
}

/// Whether the document's format and version are ones BSI TR-03183-2 v2.1 accepts (CycloneDX ≥ 1.6, SPDX ≥ 3.0.1).
fn bsi_format_ok(v: &DocumentView) -> bool {
    let parts: Vec<u32> = v
        .spec_version
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    let at_least = |want: &[u32]| {
        let mut have = parts.clone();
        have.resize(want.len().max(have.len()), 0);
        have.as_slice() >= want
    };
    match v.kind {
        SbomKind::CycloneDx => at_least(&[1, 6]),
        SbomKind::Spdx => false,
        SbomKind::Spdx3 => at_least(&[3, 0, 1]),
    }
}

/// The findings of `profile` on `v`.
pub fn findings(v: &DocumentView, profile: Profile) -> Vec<Finding> {
    let mut out = Vec::new();
    if profile == Profile::Bsi21 && !bsi_format_ok(v) {
        out.push(Finding {
            code: Code::FormatVersion,
            path: v.spec_version_path.clone(),
            message: format!(
                "{} {} is not accepted by BSI TR-03183-2 v2.1 (CycloneDX 1.6 or later, SPDX 3.0.1 or later)",
                match v.kind {
                    SbomKind::CycloneDx => "CycloneDX",
                    SbomKind::Spdx | SbomKind::Spdx3 => "SPDX",
                },
                if v.spec_version.is_empty() {
                    "without a version"
                } else {
                    v.spec_version.as_str()
                }
            ),
        });
        if v.kind == SbomKind::Spdx {
            // SPDX 2 has no home for the TR's fields: one finding says all.
            return out;
        }
    }
    push(
        &mut out,
        Code::SpdxDocument,
        &v.structure,
        "the SpdxDocument",
    );
    match profile {
        Profile::Ntia | Profile::Cisa2025 => {
            push(&mut out, Code::SbomAuthor, &v.author, "the SBOM author");
        }
        Profile::Bsi21 => push(
            &mut out,
            Code::SbomCreatorContact,
            &v.creator_contact,
            "the SBOM creator's e-mail address or URL",
        ),
    }
    push(
        &mut out,
        Code::Timestamp,
        &v.timestamp,
        "the SBOM timestamp",
    );
    if profile == Profile::Bsi21 {
        push(&mut out, Code::SbomUri, &v.uri, "the SBOM URI");
    }
    if profile == Profile::Cisa2025 {
        push(&mut out, Code::ToolName, &v.tool, "the SBOM tool name");
        push(
            &mut out,
            Code::GenerationContext,
            &v.generation_context,
            "the SBOM generation context",
        );
    }
    push(
        &mut out,
        Code::Dependencies,
        &v.dependencies,
        "the dependency relationships",
    );
    if profile == Profile::Bsi21 {
        push(
            &mut out,
            Code::DependencyCompleteness,
            &v.completeness,
            "the completeness of the dependencies",
        );
        for p in &v.vulnerabilities {
            out.push(Finding {
                code: Code::Vulnerabilities,
                path: p.clone(),
                message: "vulnerability data does not belong in an SBOM (BSI TR-03183-2 §3.1): publish it as a separate VEX/CSAF document".to_owned(),
            });
        }
    }
    push(
        &mut out,
        Code::NoRoot,
        &v.root,
        "a component reachable from the document's root",
    );
    for c in &v.components {
        component(&mut out, c, profile);
    }
    out
}

fn component(out: &mut Vec<Finding>, c: &ComponentView, profile: Profile) {
    let what = |field: &str| format!("component {:?}: the {field}", c.label);
    if profile == Profile::Bsi21 {
        push(
            out,
            Code::ComponentCreator,
            &c.creator_contact,
            &what("creator's e-mail address or URL"),
        );
    }
    push(out, Code::ComponentName, &c.name, &what("name"));
    push(out, Code::ComponentVersion, &c.version, &what("version"));
    match profile {
        Profile::Ntia => {
            push(out, Code::ComponentSupplier, &c.supplier, &what("supplier"));
            push(
                out,
                Code::ComponentIdentifier,
                &c.identifier,
                &what("unique identifier"),
            );
        }
        Profile::Cisa2025 => {
            push(
                out,
                Code::ComponentSupplier,
                &c.supplier,
                &what("software producer"),
            );
            push(
                out,
                Code::ComponentIdentifier,
                &c.global_identifier,
                &what("software identifier (purl, CPE, SWID, OmniBOR or SWHID)"),
            );
            push(out, Code::ComponentHash, &c.any_hash, &what("hash"));
            push(
                out,
                Code::ComponentLicence,
                &c.any_licence,
                &what("licence"),
            );
        }
        Profile::Bsi21 => {
            push(
                out,
                Code::ComponentFilename,
                &c.filename,
                &what("file name"),
            );
            push(
                out,
                Code::ComponentLicence,
                &c.concluded_licence,
                &what("distribution (concluded) licence"),
            );
            push(
                out,
                Code::ComponentSha512,
                &c.sha512,
                &what("SHA-512 of the deployable form"),
            );
            flag(
                out,
                Code::ComponentExecutable,
                c,
                &c.executable,
                "executable",
            );
            flag(out, Code::ComponentArchive, c, &c.archive, "archive");
            flag(
                out,
                Code::ComponentStructured,
                c,
                &c.structured,
                "structured",
            );
        }
    }
}
