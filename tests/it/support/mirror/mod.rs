//! Test support for the mirror tests: a provider-registry server (see `server.rs` for why it is in-test), GnuPG keys
//! and signatures made by the real `gpg`, and provider releases of real ZIPs served through the protocol.

pub(crate) mod gpg;
pub(crate) mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use gpg::{Gpg, Key};
use server::{RegistryServer, Response};

/// One platform's served package.
#[derive(Clone, Debug)]
pub(crate) struct Package {
    pub os: String,
    pub arch: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// One version as served.
#[derive(Clone, Debug)]
pub(crate) struct FixtureVersion {
    pub version: String,
    pub packages: Vec<Package>,
    /// The served `SHA256SUMS` bytes.
    pub sums: Vec<u8>,
    /// The served signature (`None`: no signature URL).
    pub sig: Option<Vec<u8>>,
    /// Published keys: (key_id, ascii_armor).
    pub keys: Vec<(String, String)>,
    /// `os_arch` of packages whose download endpoint answers 404 although the version list names them.
    pub no_download: Vec<String>,
    /// `os_arch` → the sha256 the download endpoint reports instead of the real one.
    pub reported_shasum: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Discovery<'a> {
    #[serde(rename = "providers.v1")]
    providers_v1: &'a str,
}

#[derive(Serialize)]
struct PlatformJson<'a> {
    os: &'a str,
    arch: &'a str,
}

#[derive(Serialize)]
struct VersionJson<'a> {
    version: &'a str,
    protocols: Vec<&'a str>,
    platforms: Vec<PlatformJson<'a>>,
}

#[derive(Serialize)]
struct VersionsJson<'a> {
    versions: Vec<VersionJson<'a>>,
}

#[derive(Serialize)]
struct KeyJson<'a> {
    key_id: &'a str,
    ascii_armor: &'a str,
    trust_signature: &'a str,
    source: &'a str,
    source_url: Option<&'a str>,
}

#[derive(Serialize)]
struct SigningKeysJson<'a> {
    gpg_public_keys: Vec<KeyJson<'a>>,
}

#[derive(Serialize)]
struct DownloadJson<'a> {
    protocols: Vec<&'a str>,
    os: &'a str,
    arch: &'a str,
    filename: &'a str,
    download_url: String,
    shasums_url: String,
    shasums_signature_url: String,
    shasum: &'a str,
    signing_keys: SigningKeysJson<'a>,
}

/// A provider served by an in-test registry, signed by a key made with gpg.
pub(crate) struct ProviderFixture {
    pub server: RegistryServer,
    pub gpg: Gpg,
    pub key: Key,
    pub namespace: String,
    pub provider_type: String,
    pub versions: Vec<FixtureVersion>,
    /// Extra, unusable entries of the version list (e.g. `"latest"`).
    pub junk_versions: Vec<String>,
    pub dir: tempfile::TempDir,
}

/// The ZIPs [`ProviderFixture::with_binaries_versions`] re-packs for catalogues of many providers: the fixture matrix's
/// small real Go binary `gofixture` for darwin_arm64, linux_amd64, linux_arm64 and windows_amd64, each deflated as
/// the only entry of a ZIP.
pub(crate) fn gofixture_bases() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    [
        ("darwin", "arm64", "gofixture"),
        ("linux", "amd64", "gofixture"),
        ("linux", "arm64", "gofixture"),
        ("windows", "amd64", "gofixture.exe"),
    ]
    .into_iter()
    .map(|(os, arch, exe)| {
        let bin = crate::support::go_fixture(&format!("{os}_{arch}/{exe}"));
        (os, arch, one_entry_zip(&bin))
    })
    .collect()
}

/// A ZIP holding `bin` as its only entry, deflated.
fn one_entry_zip(bin: &Path) -> Vec<u8> {
    use std::io::Write as _;
    let bytes = std::fs::read(bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::from_date_and_time(2025, 1, 2, 3, 4, 6).unwrap())
            .unix_permissions(0o755);
        w.start_file("bin", opts).unwrap();
        w.write_all(&bytes).unwrap();
        w.finish().unwrap();
    }
    out.into_inner()
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

impl ProviderFixture {
    /// A started registry serving `namespace/provider_type` with no versions yet, and a fresh ed25519 key of
    /// `signer` to sign the versions the constructors add.
    fn empty(namespace: &str, provider_type: &str, signer: &str) -> Self {
        let gpg = Gpg::new();
        let key = gpg.gen_key(signer, "ed25519");
        Self {
            server: RegistryServer::start(),
            gpg,
            key,
            namespace: namespace.into(),
            provider_type: provider_type.into(),
            versions: Vec::new(),
            junk_versions: Vec::new(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `acme/demo` with the given versions, each for the given platforms, signed by a fresh ed25519 key.
    pub(crate) fn new(versions: &[&str], platforms: &[(&str, &str)]) -> Self {
        let mut fx = Self::empty("acme", "demo", "Demo Provider Signer <signer@example.com>");
        for (vi, v) in versions.iter().enumerate() {
            let vdir = fx.dir.path().join(v);
            std::fs::create_dir_all(&vdir).unwrap();
            let mut packages = Vec::new();
            for (pi, (os, arch)) in platforms.iter().enumerate() {
                let file_name = format!("terraform-provider-demo_{v}_{os}_{arch}.zip");
                let path = vdir.join(&file_name);
                crate::support::oci::make_zip(
                    &path,
                    "demo",
                    v,
                    (vi * 100 + pi + 1) as u64,
                    3000 + pi * 17,
                );
                let bytes = std::fs::read(&path).unwrap();
                packages.push(Package {
                    os: (*os).into(),
                    arch: (*arch).into(),
                    sha256: sha256_hex(&bytes),
                    file_name,
                    bytes,
                });
            }
            fx.add_signed_version(v, packages);
        }
        fx.publish();
        fx
    }

    /// Adds `version` with `packages`: a GoReleaser-shaped `SHA256SUMS` (ZIPs and a manifest file, sorted) signed by
    /// the fixture's key, which is the one published key.
    pub(crate) fn add_signed_version(&mut self, v: &str, packages: Vec<Package>) {
        let vdir = self.dir.path().join(v);
        std::fs::create_dir_all(&vdir).unwrap();
        let t = self.provider_type.clone();
        let mut lines: Vec<String> = packages
            .iter()
            .map(|p| format!("{}  {}\n", p.sha256, p.file_name))
            .collect();
        // GoReleaser also lists a manifest file.
        let manifest = "{\"version\":1,\"metadata\":{\"protocol_versions\":[\"5.0\"]}}\n";
        let manifest_name = format!("terraform-provider-{t}_{v}_manifest.json");
        lines.push(format!(
            "{}  {manifest_name}\n",
            sha256_hex(manifest.as_bytes())
        ));
        lines.sort();
        let sums = lines.concat().into_bytes();
        let sums_path = vdir.join(format!("terraform-provider-{t}_{v}_SHA256SUMS"));
        std::fs::write(&sums_path, &sums).unwrap();
        let sig = self.gpg.sign(&self.key.fingerprint, &sums_path);
        assert!(self.gpg.verifies(&sig, &sums_path));
        self.versions.push(FixtureVersion {
            version: v.into(),
            packages,
            sums,
            sig: Some(sig),
            keys: vec![(self.key.key_id.clone(), self.key.armor.clone())],
            no_download: Vec::new(),
            reported_shasum: BTreeMap::new(),
        });
    }

    /// `namespace/provider_type` at `version` whose ZIPs hold the real Go provider binaries of the committed sample
    /// release (`testdata/sample-release`: darwin_arm64, linux_amd64, windows_amd64), re-packed under this
    /// provider's names (`terraform-provider-TYPE_vVERSION[.exe]` beside the README), signed by a fresh key.
    pub(crate) fn with_sample_binaries(
        namespace: &str,
        provider_type: &str,
        version: &str,
    ) -> Self {
        Self::with_sample_binaries_versions(namespace, provider_type, &[version])
    }

    /// [`ProviderFixture::with_sample_binaries`] with several versions (each re-packed under its own names).
    pub(crate) fn with_sample_binaries_versions(
        namespace: &str,
        provider_type: &str,
        versions: &[&str],
    ) -> Self {
        use std::io::{Read as _, Write as _};
        let mut fx = Self::empty(
            namespace,
            provider_type,
            "Demo Provider Signer <signer@example.com>",
        );
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample-release");
        for version in versions {
            let mut packages = Vec::new();
            for (os, arch) in [
                ("darwin", "arm64"),
                ("linux", "amd64"),
                ("windows", "amd64"),
            ] {
                let src = sample.join(format!("terraform-provider-sample_0.1.0_{os}_{arch}.zip"));
                let mut zin = zip::ZipArchive::new(std::fs::File::open(&src).unwrap()).unwrap();
                let file_name =
                    format!("terraform-provider-{provider_type}_{version}_{os}_{arch}.zip");
                let mut out = std::io::Cursor::new(Vec::new());
                {
                    let mut w = zip::ZipWriter::new(&mut out);
                    let opts = zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Deflated)
                        .last_modified_time(
                            zip::DateTime::from_date_and_time(2025, 1, 2, 3, 4, 6).unwrap(),
                        )
                        .unix_permissions(0o755);
                    for i in 0..zin.len() {
                        let mut entry = zin.by_index(i).unwrap();
                        let name = entry.name().unwrap().to_string();
                        let mut bytes = Vec::new();
                        entry.read_to_end(&mut bytes).unwrap();
                        let name = match name.strip_prefix("terraform-provider-sample_v0.1.0") {
                            Some(rest) => {
                                format!("terraform-provider-{provider_type}_v{version}{rest}")
                            }
                            None => name,
                        };
                        w.start_file(name, opts).unwrap();
                        w.write_all(&bytes).unwrap();
                    }
                    w.finish().unwrap();
                }
                let bytes = out.into_inner();
                packages.push(Package {
                    os: os.into(),
                    arch: arch.into(),
                    sha256: sha256_hex(&bytes),
                    file_name,
                    bytes,
                });
            }
            fx.add_signed_version(version, packages);
        }
        fx.publish();
        fx
    }

    /// `namespace/provider_type` at each of `versions`, one ZIP per entry of `bases` (`(os, arch, ZIP bytes)`: a
    /// ZIP with one entry, the executable): each version's ZIP holds that entry renamed to
    /// `terraform-provider-TYPE_vVERSION[.exe]` (copied compressed, not re-deflated), signed by a fresh key. For
    /// catalogues of many providers (`bench_catalogue`).
    pub(crate) fn with_binaries_versions(
        namespace: &str,
        provider_type: &str,
        versions: &[&str],
        bases: &[(&str, &str, Vec<u8>)],
    ) -> Self {
        let mut fx = Self::empty(
            namespace,
            provider_type,
            "Bench Provider Signer <signer@example.com>",
        );
        for version in versions {
            fx.add_version_from_bases(version, bases);
        }
        fx.publish();
        fx
    }

    /// Adds `version` built from `bases` as [`ProviderFixture::with_binaries_versions`] builds each version, signed
    /// by the fixture's key (not yet served: [`ProviderFixture::publish`]).
    pub(crate) fn add_version_from_bases(
        &mut self,
        version: &str,
        bases: &[(&str, &str, Vec<u8>)],
    ) {
        let provider_type = self.provider_type.clone();
        let mut packages = Vec::new();
        for (os, arch, base) in bases {
            let mut zin = zip::ZipArchive::new(std::io::Cursor::new(base)).unwrap();
            let entry = zin.by_index_raw(0).unwrap();
            let exe = if *os == "windows" { ".exe" } else { "" };
            let mut out = std::io::Cursor::new(Vec::new());
            {
                let mut w = zip::ZipWriter::new(&mut out);
                w.raw_copy_file_rename(
                    entry,
                    format!("terraform-provider-{provider_type}_v{version}{exe}"),
                )
                .unwrap();
                w.finish().unwrap();
            }
            let bytes = out.into_inner();
            packages.push(Package {
                os: (*os).into(),
                arch: (*arch).into(),
                sha256: sha256_hex(&bytes),
                file_name: format!("terraform-provider-{provider_type}_{version}_{os}_{arch}.zip"),
                bytes,
            });
        }
        self.add_signed_version(version, packages);
    }

    pub(crate) fn address(&self) -> String {
        format!(
            "{}/{}/{}",
            self.server.host(),
            self.namespace,
            self.provider_type
        )
    }

    pub(crate) fn version_mut(&mut self, v: &str) -> &mut FixtureVersion {
        self.versions.iter_mut().find(|x| x.version == v).unwrap()
    }

    pub(crate) fn version(&self, v: &str) -> &FixtureVersion {
        self.versions.iter().find(|x| x.version == v).unwrap()
    }

    pub(crate) fn files_path(&self, v: &str, name: &str) -> String {
        format!(
            "/files/{}/{}/{v}/{name}",
            self.namespace, self.provider_type
        )
    }

    pub(crate) fn zip_path(&self, v: &str, os_arch: &str) -> String {
        self.files_path(
            v,
            &format!(
                "terraform-provider-{}_{v}_{os_arch}.zip",
                self.provider_type
            ),
        )
    }

    /// (Re)serves every document and file from `self.versions`.
    pub(crate) fn publish(&self) {
        let s = &self.server;
        s.route(
            "/.well-known/terraform.json",
            Response::json(
                serde_json::to_vec(&Discovery {
                    providers_v1: "/v1/providers/",
                })
                .unwrap(),
            ),
        );
        let versions = VersionsJson {
            versions: self
                .versions
                .iter()
                .map(|v| VersionJson {
                    version: &v.version,
                    protocols: vec!["5.0"],
                    platforms: v
                        .packages
                        .iter()
                        .map(|p| PlatformJson {
                            os: &p.os,
                            arch: &p.arch,
                        })
                        .collect(),
                })
                .chain(self.junk_versions.iter().map(|j| VersionJson {
                    version: j,
                    protocols: Vec::new(),
                    platforms: Vec::new(),
                }))
                .collect(),
        };
        s.route(
            &format!(
                "/v1/providers/{}/{}/versions",
                self.namespace, self.provider_type
            ),
            Response::json(serde_json::to_vec(&versions).unwrap()),
        );
        for v in &self.versions {
            let sums_name = format!(
                "terraform-provider-{}_{}_SHA256SUMS",
                self.provider_type, v.version
            );
            let sig_name = format!("{sums_name}.sig");
            s.route(
                &self.files_path(&v.version, &sums_name),
                Response::bytes(v.sums.clone()),
            );
            match &v.sig {
                Some(sig) => s.route(
                    &self.files_path(&v.version, &sig_name),
                    Response::bytes(sig.clone()),
                ),
                None => s.remove_route(&self.files_path(&v.version, &sig_name)),
            }
            for p in &v.packages {
                let os_arch = format!("{}_{}", p.os, p.arch);
                s.route(
                    &self.files_path(&v.version, &p.file_name),
                    Response::bytes(p.bytes.clone()),
                );
                let meta_path = format!(
                    "/v1/providers/{}/{}/{}/download/{}/{}",
                    self.namespace, self.provider_type, v.version, p.os, p.arch
                );
                if v.no_download.contains(&os_arch) {
                    s.remove_route(&meta_path);
                    continue;
                }
                let shasum = v.reported_shasum.get(&os_arch).unwrap_or(&p.sha256);
                let doc = DownloadJson {
                    protocols: vec!["5.0"],
                    os: &p.os,
                    arch: &p.arch,
                    filename: &p.file_name,
                    // path-absolute (resolved against the response URL), absolute, path-absolute
                    download_url: self.files_path(&v.version, &p.file_name),
                    shasums_url: format!("{}{}", s.base(), self.files_path(&v.version, &sums_name)),
                    shasums_signature_url: if v.sig.is_some() {
                        self.files_path(&v.version, &sig_name)
                    } else {
                        String::new()
                    },
                    shasum,
                    signing_keys: SigningKeysJson {
                        gpg_public_keys: v
                            .keys
                            .iter()
                            .map(|(id, armor)| KeyJson {
                                key_id: id,
                                ascii_armor: armor,
                                trust_signature: "",
                                source: "",
                                source_url: None,
                            })
                            .collect(),
                    },
                };
                s.route(
                    &meta_path,
                    Response::json(serde_json::to_vec(&doc).unwrap()),
                );
            }
        }
    }

    /// Signs `bytes` with `signer` (a fingerprint, `FPR!` for a subkey), returning a binary signature.
    pub(crate) fn sign_bytes(&self, signer: &str, bytes: &[u8]) -> Vec<u8> {
        let p = self.dir.path().join("to-sign");
        std::fs::write(&p, bytes).unwrap();
        self.gpg.sign(signer, &p)
    }
}

/// Mirror options for tests: isolated credentials, fast retries, loopback server.
pub(crate) fn mirror_options() -> tofu_sbom::mirror::download::MirrorOptions {
    tofu_sbom::mirror::download::MirrorOptions {
        client: crate::support::oci::test_options(),
        ..Default::default()
    }
}

/// Every file below `dir` (relative paths), sorted.
pub(crate) fn list_tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd {
            let e = e.unwrap();
            let p: PathBuf = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
