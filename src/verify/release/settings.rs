//! Reading the generation settings back from the stored SBOMs this tool wrote (step 2 of `verify --release`): the
//! timestamp, supplier, authors, provider address and release signature, each the first value found, with
//! [`SettingOverrides`] winning; an unknown `tofu-sbom:` root property is reported, never copied.
//!
//! Reads documents only through [`crate::sbom::read`]'s typed model; knows nothing of registries or the report.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::SettingOverrides;
use crate::archive::ProviderAddress;
use crate::inventory::{
    Author, AuthorKind, PROP_ARCH, PROP_GO_BUILD_PREFIX, PROP_GO_EXPERIMENTS, PROP_GO_VERSION,
    PROP_LOCK_H1, PROP_LOCK_ZH, PROP_OS, PROP_PROVIDER_ADDRESS, PROP_RELEASE_SIGNATURE,
    PROP_RELEASE_SIGNING_KEY, PROP_SIGNATURE_FILE, PROP_VERSION_SOURCE, PROP_ZIP_NAME,
    PROP_ZIP_SIZE, ReleaseSignature,
};
use crate::inventory::{PROP_LICENSES_PROVIDER, PROP_LICENSES_SOURCE};
use crate::licenses::{LicenseConfig, LicenseSource};
use crate::provider::sbom_pull::FetchedSbom;
use crate::registry::digest::Digest;
use crate::sbom::read::Document;
use crate::sbom::{Format, SbomKind};
use crate::verify::report::ReleaseSettings;

/// One setting as read back: the first value found.
struct Seen<T> {
    value: Option<T>,
}

impl<T> Default for Seen<T> {
    fn default() -> Self {
        Self { value: None }
    }
}

impl<T> Seen<T> {
    fn offer(&mut self, v: T) {
        if self.value.is_none() {
            self.value = Some(v);
        }
    }
}

/// The `tofu-sbom:release:signature` / `…:signing-key` values of one document (`None`: absent) and where they
/// were read (for messages).
struct SignatureSeen {
    signature: Option<String>,
    signing_key: Option<String>,
    what: String,
}

#[derive(Default)]
pub(super) struct SettingsReader {
    timestamp: Seen<OffsetDateTime>,
    signature: Seen<SignatureSeen>,
    /// `Some(None)`: a document of ours records no address.
    address: Seen<Option<String>>,
    supplier: Seen<Option<String>>,
    /// `Some(None)`: a document of ours records no licence source.
    licenses_source: Seen<Option<String>>,
    licenses_provider: Seen<Option<String>>,
    spdx_authors: Seen<Vec<Author>>,
    cdx_authors: Seen<Vec<Author>>,
    unreadable: Vec<(String, String)>,
}

/// The settings to derive with.
pub(super) struct Settings {
    pub(super) timestamp: Option<OffsetDateTime>,
    pub(super) address: Option<ProviderAddress>,
    pub(super) supplier: Option<String>,
    pub(super) authors: Vec<Author>,
    pub(super) release_signature: Option<ReleaseSignature>,
    pub(super) licenses: Option<LicenseConfig>,
    pub(super) report: ReleaseSettings,
    pub(super) unreadable: Vec<(String, String)>,
}

/// How `verify --release` refers to the root-property settings in findings.
const SETTING_SIGNATURE: &str = "release signature";
/// How `verify --release` refers to unknown root properties in findings.
const SETTING_ROOT_PROPERTIES: &str = "root properties";

/// The SPDX annotation key of a root package's distribution (ZIP name and digests); written by the SPDX renderer
/// next to the root's properties.
const SPDX_DISTRIBUTION_KEY: &str = "tofu-sbom:distribution";

/// True for a `tofu-sbom:` root property (or SPDX root annotation key) the derivation itself yields: the
/// provider address, the platform facts of a per-platform document, the ZIP distribution, and the release
/// signature read back here. Keep in step with `inventory::platform_properties` and `root_component`.
fn known_root_property(name: &str) -> bool {
    const EXACT: [&str; 16] = [
        PROP_PROVIDER_ADDRESS,
        PROP_OS,
        PROP_ARCH,
        PROP_GO_VERSION,
        PROP_GO_EXPERIMENTS,
        PROP_VERSION_SOURCE,
        PROP_LOCK_ZH,
        PROP_LOCK_H1,
        PROP_ZIP_NAME,
        PROP_ZIP_SIZE,
        PROP_SIGNATURE_FILE,
        PROP_RELEASE_SIGNATURE,
        PROP_RELEASE_SIGNING_KEY,
        SPDX_DISTRIBUTION_KEY,
        PROP_LICENSES_SOURCE,
        PROP_LICENSES_PROVIDER,
    ];
    EXACT.contains(&name) || name.starts_with(PROP_GO_BUILD_PREFIX)
}

fn author_text(a: &Author) -> String {
    match (&a.kind, &a.email) {
        (AuthorKind::Organization, _) => format!("org:{}", a.name),
        (AuthorKind::Person, Some(e)) => format!("{} <{e}>", a.name),
        (AuthorKind::Person, None) => a.name.clone(),
    }
}

/// `Person: NAME (EMAIL)` / `Organization: NAME` → an author.
fn spdx_creator(c: &str) -> Option<Author> {
    let (kind, rest) = if let Some(r) = c.strip_prefix("Person: ") {
        (AuthorKind::Person, r)
    } else {
        (AuthorKind::Organization, c.strip_prefix("Organization: ")?)
    };
    let (name, email) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((n, e)) => (n.to_owned(), Some(e.to_owned())),
        None => (rest.to_owned(), None),
    };
    Some(Author { kind, name, email })
}

impl SettingsReader {
    pub(super) fn unreadable(&mut self, setting: &str, reason: String) {
        self.unreadable.push((setting.to_owned(), reason));
    }

    /// Reads the root properties of one document of ours (`(JSON pointer, name, value)`): the release signature
    /// (first document wins, as for every setting), and a finding for each unknown `tofu-sbom:` property.
    fn root_properties(&mut self, props: &[(String, &str, &str)], what: &str) {
        let mut seen = SignatureSeen {
            signature: None,
            signing_key: None,
            what: what.to_owned(),
        };
        for (path, name, value) in props {
            let slot = match *name {
                PROP_RELEASE_SIGNATURE => &mut seen.signature,
                PROP_RELEASE_SIGNING_KEY => &mut seen.signing_key,
                n if n.starts_with("tofu-sbom:") && !known_root_property(n) => {
                    self.unreadable(
                        SETTING_ROOT_PROPERTIES,
                        format!(
                            "{what}: {path}: unknown property {name:?} = {value:?}; this build cannot \
                             re-derive it"
                        ),
                    );
                    continue;
                }
                _ => continue,
            };
            if slot.is_some() {
                self.unreadable(
                    SETTING_SIGNATURE,
                    format!("{what}: {path}: {name:?} is recorded more than once"),
                );
            }
            *slot = Some((*value).to_owned());
        }
        self.signature.offer(seen);
    }

    fn time(&mut self, v: Option<&str>, what: &str) {
        match v {
            Some(v) => match OffsetDateTime::parse(v, &Rfc3339) {
                Ok(t) => self.timestamp.offer(t),
                Err(e) => self.unreadable("timestamp", format!("{what}: {v:?}: {e}")),
            },
            None => self.unreadable("timestamp", format!("{what}: no timestamp recorded")),
        }
    }

    /// Reads the settings of one stored document; returns the tool that wrote it (`NAME/VERSION`), when recorded.
    pub(super) fn read(
        &mut self,
        f: &FetchedSbom,
        tool_name: &str,
        subject: &str,
        referrer: &Digest,
    ) -> Option<String> {
        let what = format!("{subject}: referrer {referrer}");
        let doc = Document::parse(&f.bytes).ok()?;
        match f.summary.kind {
            SbomKind::CycloneDx => self.read_cyclonedx(doc, tool_name, &what),
            SbomKind::Spdx => self.read_spdx(&doc, tool_name, &what),
            SbomKind::Spdx3 => self.read_spdx3(&doc, tool_name, &what),
        }
    }

    /// [`Self::read`] of a CycloneDX document.
    fn read_cyclonedx(&mut self, doc: Document, tool_name: &str, what: &str) -> Option<String> {
        let m = doc.metadata.unwrap_or_default();
        let tool = m.first_tool();
        if tool.as_deref().and_then(|t| t.split('/').next()) != Some(tool_name) {
            return tool;
        }
        self.time(m.timestamp.as_deref(), what);
        self.supplier.offer(m.supplier.map(|s| s.name));
        self.cdx_authors.offer(
            m.authors
                .into_iter()
                .map(|a| Author {
                    kind: AuthorKind::Person,
                    name: a.name,
                    email: a.email,
                })
                .collect(),
        );
        let props: Vec<(String, &str, &str)> = m
            .component
            .iter()
            .flat_map(|c| c.properties.iter().enumerate())
            .map(|(i, p)| {
                (
                    format!("/metadata/component/properties/{i}"),
                    p.name.as_str(),
                    p.value.as_str(),
                )
            })
            .collect();
        self.root_facts(&props, what);
        tool
    }

    /// [`Self::read`] of an SPDX 3 document: the tool from `createdUsing`, the authors from `createdBy`, the supplier
    /// from the root's `suppliedBy`, the root properties from the annotations on the root.
    fn read_spdx3(&mut self, doc: &Document, tool_name: &str, what: &str) -> Option<String> {
        let tool = doc.spdx3_tool(tool_name);
        if tool.as_deref().and_then(|t| t.split('/').next()) != Some(tool_name) {
            return tool;
        }
        let (_, created) = doc.spdx3_version_and_time();
        self.time(created.as_deref(), what);
        self.spdx_authors.offer(doc.spdx3_authors());
        match doc.spdx3_root().and_then(|r| r.spdx_id.clone()) {
            Some(root) => {
                self.supplier.offer(doc.spdx3_supplier());
                let props: Vec<(String, &str, &str)> = doc
                    .spdx3_annotations(&root)
                    .into_iter()
                    .enumerate()
                    .map(|(j, (n, v))| (format!("/@graph (annotation {j} on the root)"), n, v))
                    .collect();
                self.root_facts(&props, what);
            }
            None => self.unreadable(
                "supplier",
                format!("{what}: the document has no root package"),
            ),
        }
        tool
    }

    /// [`Self::read`] of an SPDX document.
    fn read_spdx(&mut self, doc: &Document, tool_name: &str, what: &str) -> Option<String> {
        let tool = doc.spdx_tool(tool_name);
        if tool.as_deref().and_then(|t| t.split('/').next()) != Some(tool_name) {
            return tool;
        }
        let info = doc.creation_info.as_ref();
        self.time(info.and_then(|c| c.created.as_deref()), what);
        self.spdx_authors.offer(
            info.iter()
                .flat_map(|c| c.creators.iter())
                .filter_map(|c| spdx_creator(c))
                .collect(),
        );
        match doc.spdx_root_package() {
            Some((i, p)) => {
                self.supplier
                    .offer(p.supplier.strip_prefix("Organization: ").map(str::to_owned));
                // Root properties are annotations `NAME: VALUE` (names never contain ": ").
                let props: Vec<(String, &str, &str)> = p
                    .annotations
                    .iter()
                    .enumerate()
                    .map(|(j, a)| {
                        let (n, v) = a.comment.split_once(": ").unwrap_or((&a.comment, ""));
                        (format!("/packages/{i}/annotations/{j}"), n, v)
                    })
                    .collect();
                self.root_facts(&props, what);
            }
            None => self.unreadable(
                "supplier",
                format!("{what}: the document describes no package"),
            ),
        }
        tool
    }

    /// The provider address and the other root properties (`(JSON pointer, name, value)`) of one document of ours.
    fn root_facts(&mut self, props: &[(String, &str, &str)], what: &str) {
        let address = props
            .iter()
            .find(|(_, n, _)| *n == PROP_PROVIDER_ADDRESS)
            .map(|(_, _, v)| (*v).to_owned());
        self.address.offer(address);
        let get = |name: &str| {
            props
                .iter()
                .find(|(_, n, _)| *n == name)
                .map(|(_, _, v)| (*v).to_owned())
        };
        self.licenses_source.offer(get(PROP_LICENSES_SOURCE));
        self.licenses_provider.offer(get(PROP_LICENSES_PROVIDER));
        self.root_properties(props, what);
    }

    pub(super) fn finish(mut self, o: &SettingOverrides, formats: &[Format]) -> Settings {
        let mut overridden = Vec::new();
        let recorded_source = self.licenses_source.value.take().flatten();
        let mut licenses = match &o.licenses {
            Some(cfg) => {
                overridden.push("licenses".to_owned());
                Some(cfg.clone())
            }
            None => match recorded_source.as_deref() {
                None => None,
                Some("goproxy") => Some(LicenseConfig::new(LicenseSource::GoProxy)),
                Some("modcache") => Some(LicenseConfig::new(LicenseSource::ModCache)),
                Some(other) => {
                    self.unreadable(
                        "licenses",
                        format!(
                            "the licences came from {other:?} (a directory of module ZIPs): pass --licenses DIR"
                        ),
                    );
                    None
                }
            },
        };
        if let Some(cfg) = &mut licenses
            && cfg.main_license.is_none()
        {
            cfg.main_license = self.licenses_provider.value.take().flatten();
        }
        let release_signature = match self.signature.value.take() {
            Some(s) => match ReleaseSignature::from_properties(
                s.signature.as_deref(),
                s.signing_key.as_deref(),
            ) {
                Ok(r) => r,
                Err(e) => {
                    self.unreadable(SETTING_SIGNATURE, format!("{}: {e}", s.what));
                    None
                }
            },
            None => None,
        };
        let timestamp = match o.timestamp {
            Some(t) => {
                overridden.push("timestamp".to_owned());
                Some(t)
            }
            None => self.timestamp.value,
        };
        if timestamp.is_none() && self.unreadable.iter().all(|(s, _)| s != "timestamp") {
            self.unreadable(
                "timestamp",
                "no SBOM written by this tool is stored; pass --timestamp".into(),
            );
        }
        if o.formats.is_some() {
            overridden.push("formats".to_owned());
        } else if formats.is_empty() {
            self.unreadable(
                "formats",
                "no SBOM written by this tool is stored; pass --format".into(),
            );
        }
        let address = match &o.address {
            Some(a) => {
                overridden.push("provider".to_owned());
                Some(a.clone())
            }
            None => match self.address.value.take().flatten() {
                Some(s) => match ProviderAddress::parse(&s) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        self.unreadable("provider", format!("{s:?}: {e}"));
                        None
                    }
                },
                None => None,
            },
        };
        let supplier = match &o.supplier {
            Some(s) => {
                overridden.push("supplier".to_owned());
                Some(s.clone())
            }
            None => self.supplier.value.flatten(),
        };
        let authors = match &o.authors {
            Some(a) => {
                overridden.push("authors".to_owned());
                a.clone()
            }
            None => self
                .spdx_authors
                .value
                .or(self.cdx_authors.value)
                .unwrap_or_default(),
        };
        let fmt = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        Settings {
            report: ReleaseSettings {
                timestamp: timestamp.map(fmt),
                formats: formats.iter().map(|f| f.name().to_owned()).collect(),
                provider: address.as_ref().map(ToString::to_string),
                supplier: supplier.clone(),
                authors: authors.iter().map(author_text).collect(),
                release_signature: release_signature.as_ref().map(|s| {
                    match s {
                        ReleaseSignature::Verified { .. } => ReleaseSignature::VERIFIED,
                        ReleaseSignature::Unverified => ReleaseSignature::UNVERIFIED,
                    }
                    .to_owned()
                }),
                signing_key: match &release_signature {
                    Some(ReleaseSignature::Verified { fingerprint }) => Some(fingerprint.clone()),
                    _ => None,
                },
                licenses: licenses
                    .as_ref()
                    .and_then(|c| c.source.recorded())
                    .map(str::to_owned),
                overridden,
            },
            timestamp,
            address,
            supplier,
            authors,
            release_signature,
            licenses,
            unreadable: self.unreadable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_creators_keep_their_kind() {
        assert_eq!(
            spdx_creator("Person: Jane Doe (jane@example.com)").map(|a| author_text(&a)),
            Some("Jane Doe <jane@example.com>".into())
        );
        assert_eq!(
            spdx_creator("Organization: Acme Inc").map(|a| author_text(&a)),
            Some("org:Acme Inc".into())
        );
        assert_eq!(spdx_creator("Tool: tofu-sbom-0.1.0").map(|a| a.name), None);
    }
}
