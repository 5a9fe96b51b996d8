//! Finding a module's ZIP in the configured source: a file in the module cache or a directory, or a download from the
//! `GOPROXY` list (tried in order: after an entry followed by `,` only on "not found" — HTTP 404/410, a missing
//! `file://` file —, after one followed by `|` on any error, as the go command's `TryProxies`). Downloads stream to a
//! temporary file under a size limit.

use std::path::PathBuf;

use futures_util::StreamExt as _;
use tokio::io::AsyncWriteExt as _;

use super::goenv::{ProxyEntry, match_prefix_patterns, parse_goproxy};
use super::{LicenseConfig, LicenseSource, LicensesError, ModuleRef};
use crate::inventory::purl::escape_module_case as escape;

/// Where a ZIP was found.
pub(super) enum Located {
    /// A local file (`_temp` keeps a download alive until it is read).
    File {
        path: PathBuf,
        from: String,
        _temp: Option<tempfile::TempPath>,
    },
    NotFound,
    Skipped,
    Failed(String),
}

enum Mode {
    Dirs(Vec<PathBuf>),
    Proxy {
        list: Vec<ProxyEntry>,
        noproxy: String,
        /// Built on the first download only: a run answered by the licence cache needs no TLS setup.
        client: tokio::sync::OnceCell<reqwest::Client>,
    },
}

/// The configured source, ready to look modules up.
pub(super) struct Locator {
    mode: Mode,
    max_zip: u64,
    describe: String,
}

fn http_error(e: &reqwest::Error) -> String {
    crate::http::error_chain(e)
}

impl Locator {
    pub(super) fn new(cfg: &LicenseConfig) -> Result<Self, LicensesError> {
        let max_zip = cfg.limits.max_zip_size;
        let (mode, describe) = match &cfg.source {
            LicenseSource::Off => (Mode::Dirs(Vec::new()), "nothing".to_owned()),
            LicenseSource::ModCache => {
                let dir = cfg
                    .env
                    .gomodcache
                    .clone()
                    .ok_or(LicensesError::NoModCache)?;
                let d = dir.join("cache/download");
                let describe = format!("the module cache {}", dir.display());
                (Mode::Dirs(vec![d]), describe)
            }
            LicenseSource::Dir(d) => {
                if !d.is_dir() {
                    return Err(LicensesError::NotADirectory(d.clone()));
                }
                (Mode::Dirs(vec![d.clone()]), format!("{}", d.display()))
            }
            LicenseSource::GoProxy => {
                let list = parse_goproxy(&cfg.env.goproxy).map_err(|reason| {
                    LicensesError::InvalidGoproxy {
                        goproxy: cfg.env.goproxy.clone(),
                        reason,
                    }
                })?;
                let client = tokio::sync::OnceCell::new();
                let describe = format!("GOPROXY={}", cfg.env.goproxy);
                (
                    Mode::Proxy {
                        list,
                        noproxy: cfg.env.gonoproxy.clone(),
                        client,
                    },
                    describe,
                )
            }
        };
        Ok(Self {
            mode,
            max_zip,
            describe,
        })
    }

    /// The source, for messages.
    pub(super) fn describe(&self) -> &str {
        &self.describe
    }

    pub(super) async fn locate(&self, m: &ModuleRef) -> Located {
        let (p, v) = (escape(&m.path), escape(&m.version));
        match &self.mode {
            Mode::Dirs(dirs) => {
                for d in dirs {
                    for candidate in [
                        d.join(&p).join("@v").join(format!("{v}.zip")),
                        d.join(format!("{p}@{v}.zip")),
                    ] {
                        if candidate.is_file() {
                            return Located::File {
                                from: candidate.display().to_string(),
                                path: candidate,
                                _temp: None,
                            };
                        }
                    }
                }
                Located::NotFound
            }
            Mode::Proxy {
                list,
                noproxy,
                client,
            } => {
                if match_prefix_patterns(noproxy, &m.path) {
                    return Located::Skipped;
                }
                let mut best: Option<Located> = None;
                for entry in list {
                    let (url, fall_back_on_error) = match entry {
                        ProxyEntry::Off => return best.unwrap_or(Located::NotFound),
                        ProxyEntry::Direct => return best.unwrap_or(Located::Skipped),
                        ProxyEntry::Url {
                            url,
                            fall_back_on_error,
                        } => (url, *fall_back_on_error),
                    };
                    let zip_url = format!("{url}/{p}/@v/{v}.zip");
                    match self.get(client, &zip_url).await {
                        Located::NotFound => {
                            best.get_or_insert(Located::NotFound);
                        }
                        Located::Failed(e) => {
                            if !matches!(best, Some(Located::Failed(_))) {
                                best = Some(Located::Failed(e));
                            }
                            if !fall_back_on_error {
                                break;
                            }
                        }
                        found => return found,
                    }
                }
                best.unwrap_or(Located::NotFound)
            }
        }
    }

    async fn get(&self, client: &tokio::sync::OnceCell<reqwest::Client>, url: &str) -> Located {
        if let Some(path) = url.strip_prefix("file://") {
            let path = PathBuf::from(path);
            return if path.is_file() {
                Located::File {
                    from: url.to_owned(),
                    path,
                    _temp: None,
                }
            } else {
                Located::NotFound
            };
        }
        let client = match client
            .get_or_try_init(|| async {
                crate::http::build_client(&crate::http::HttpOptions {
                    ca_files: &[],
                    user_agent: concat!("tofu-sbom/", env!("CARGO_PKG_VERSION")),
                    connect_timeout: std::time::Duration::from_secs(30),
                    read_timeout: std::time::Duration::from_secs(60),
                    request_timeout: std::time::Duration::from_secs(600),
                })
            })
            .await
        {
            Ok(c) => c,
            Err(e) => return Located::Failed(e.to_string()),
        };
        let resp = match client.get(url).send().await {
            Ok(r) => r,
            Err(e) => return Located::Failed(format!("GET {url}: {}", http_error(&e))),
        };
        match resp.status().as_u16() {
            200 => {}
            404 | 410 => return Located::NotFound,
            s => return Located::Failed(format!("GET {url}: HTTP {s}")),
        }
        if resp.content_length().is_some_and(|l| l > self.max_zip) {
            return Located::Failed(format!(
                "GET {url}: larger than the limit of {} bytes",
                self.max_zip
            ));
        }
        let tmp = match tempfile::NamedTempFile::new() {
            Ok(t) => t,
            Err(e) => return Located::Failed(format!("creating a temporary file: {e}")),
        };
        let (file, temp_path) = tmp.into_parts();
        let mut out = tokio::fs::File::from_std(file);
        let mut body = resp.bytes_stream();
        let mut total = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => return Located::Failed(format!("GET {url}: {}", http_error(&e))),
            };
            total += chunk.len() as u64;
            if total > self.max_zip {
                return Located::Failed(format!(
                    "GET {url}: larger than the limit of {} bytes",
                    self.max_zip
                ));
            }
            if let Err(e) = out.write_all(&chunk).await {
                return Located::Failed(format!("writing a temporary file: {e}"));
            }
        }
        if let Err(e) = out.flush().await {
            return Located::Failed(format!("writing a temporary file: {e}"));
        }
        Located::File {
            path: temp_path.to_path_buf(),
            from: url.to_owned(),
            _temp: Some(temp_path),
        }
    }
}
