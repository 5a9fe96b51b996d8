//! The Go environment the resolver honours, read the way the go command reads it: `GOPROXY` (a list of proxy URLs,
//! `direct` and `off`, separated by `,` — fall through on "not found" only — or `|` — fall through on any error —,
//! `cmd/go/internal/modfetch/proxy.go` `proxyList`/`TryProxies`), `GONOPROXY` (default `GOPRIVATE`: glob patterns of
//! module path prefixes that are fetched directly, `golang.org/x/mod/module.MatchPrefixPatterns`), `GOMODCACHE`
//! (default `$GOPATH/pkg/mod`, `GOPATH` default `$HOME/go`), and the case escaping of module paths and versions in
//! proxy URLs and cache paths (`module.EscapePath`: `!` + lower case for each upper-case letter). Each setting comes
//! from the environment, else the `go env -w` file, else `$GOROOT/go.env`, as `go env` resolves it
//! ([`GoEnv::from_lookup`]) — without running `go`.
//!
//! We never clone repositories: `direct`, and a module matching `GONOPROXY`, mean "skip" — the module's licence is
//! then not asserted. `GOINSECURE` only affects direct fetches in the go command (a proxy may always be `http://`), so
//! it changes nothing here; it is read and reported for completeness.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The default `GOPROXY` of the go command (`$GOROOT/go.env` since Go 1.21).
pub const DEFAULT_GOPROXY: &str = "https://proxy.golang.org,direct";

/// One entry of the `GOPROXY` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyEntry {
    /// A proxy base URL (`https://…`, `http://…`, `file:///…`); `fall_back_on_error`: it was followed by `|`.
    Url {
        /// Base URL without trailing `/`.
        url: String,
        /// Try the next entry on any error, not only on "not found".
        fall_back_on_error: bool,
    },
    /// `direct`: fetch from the origin — we skip (we clone nothing). Ends the list.
    Direct,
    /// `off`: no module may be fetched. Ends the list.
    Off,
}

/// Parses `GOPROXY` as `proxyList` does (empty entries skipped; `off` and `direct` end the list; a token with `.`,
/// `:` or `/` but no `:/` that is not an absolute path gets `https://`). `Err` when nothing is left.
pub fn parse_goproxy(goproxy: &str) -> Result<Vec<ProxyEntry>, String> {
    let mut list = Vec::new();
    let mut rest = goproxy;
    while !rest.is_empty() {
        let (entry, fall_back_on_error) = match rest.find([',', '|']) {
            Some(i) => {
                let e = &rest[..i];
                let fb = rest.as_bytes()[i] == b'|';
                rest = &rest[i + 1..];
                (e, fb)
            }
            None => {
                let e = rest;
                rest = "";
                (e, false)
            }
        };
        let entry = entry.trim();
        match entry {
            "" => continue,
            "off" => {
                list.push(ProxyEntry::Off);
                break;
            }
            "direct" => {
                list.push(ProxyEntry::Direct);
                break;
            }
            _ => {}
        }
        let url = if entry.contains(['.', ':', '/'])
            && !entry.contains(":/")
            && !entry.starts_with('/')
        {
            format!("https://{entry}")
        } else {
            entry.to_owned()
        };
        if !(url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with("file://"))
        {
            return Err(format!(
                "GOPROXY entry {entry:?}: only https://, http:// and file:// proxies, \"direct\" and \"off\" are supported"
            ));
        }
        list.push(ProxyEntry::Url {
            url: url.trim_end_matches('/').to_owned(),
            fall_back_on_error,
        });
    }
    if list.is_empty() {
        return Err(format!(
            "GOPROXY list {goproxy:?} is not the empty string, but contains no entries"
        ));
    }
    Ok(list)
}

/// `module.MatchPrefixPatterns`: whether a leading path prefix of `target` (as many elements as the pattern has)
/// matches one of the comma-separated glob patterns (`path.Match` syntax: `*`, `?`, `[…]`; empty patterns skipped).
pub fn match_prefix_patterns(globs: &str, target: &str) -> bool {
    for glob in globs.split(',') {
        let glob = glob.trim().trim_end_matches('/');
        if glob.is_empty() {
            continue;
        }
        let n = glob.split('/').count();
        let prefix: Vec<&str> = target.split('/').take(n).collect();
        if prefix.len() < n {
            continue;
        }
        if path_match(glob, &prefix.join("/")) {
            return true;
        }
    }
    false
}

/// Go's `path.Match` for the subset used in module patterns: `*` (any run of non-`/`), `?` (one non-`/`), `[…]`
/// classes with ranges and `^` negation, `\` escapes. A malformed pattern matches nothing.
fn path_match(pattern: &str, name: &str) -> bool {
    fn m(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => {
                let rest = &p[1..];
                for i in 0..=n.len() {
                    if i > 0 && n[i - 1] == '/' {
                        break;
                    }
                    if m(rest, &n[i..]) {
                        return true;
                    }
                }
                false
            }
            Some('?') => !n.is_empty() && n[0] != '/' && m(&p[1..], &n[1..]),
            Some('[') => {
                let Some(c) = n.first() else { return false };
                if *c == '/' {
                    return false;
                }
                let mut i = 1;
                let negate = p.get(1) == Some(&'^');
                if negate {
                    i += 1;
                }
                let mut matched = false;
                let mut first = true;
                loop {
                    let Some(&lo) = p.get(i) else { return false };
                    if lo == ']' && !first {
                        break;
                    }
                    first = false;
                    let lo = if lo == '\\' {
                        i += 1;
                        match p.get(i) {
                            Some(&x) => x,
                            None => return false,
                        }
                    } else {
                        lo
                    };
                    i += 1;
                    let hi = if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|x| *x != ']') {
                        i += 2;
                        p[i - 1]
                    } else {
                        lo
                    };
                    if lo <= *c && *c <= hi {
                        matched = true;
                    }
                }
                matched != negate && m(&p[i + 1..], &n[1..])
            }
            Some('\\') => p.len() > 1 && n.first() == Some(&p[1]) && m(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && m(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    m(&p, &n)
}

/// The Go settings the resolver uses, resolved as `go env` prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoEnv {
    /// `GOPROXY`.
    pub goproxy: String,
    /// `GOPRIVATE`.
    pub goprivate: String,
    /// `GONOPROXY` (defaults to `GOPRIVATE`).
    pub gonoproxy: String,
    /// `GOINSECURE` (no effect on proxy fetches; see the module docs).
    pub goinsecure: String,
    /// `GOPATH` (may be empty: no `HOME`).
    pub gopath: String,
    /// `GOMODCACHE`, when one could be determined.
    pub gomodcache: Option<PathBuf>,
}

impl GoEnv {
    /// Reads the process environment, the `go env -w` file and `$GOROOT/go.env` as the go command does
    /// ([`Self::from_lookup`]).
    pub fn from_process() -> Self {
        Self::from_lookup(|k| std::env::var_os(k))
    }

    /// The settings under the environment `var` (the process's in [`Self::from_process`]), with the go command's
    /// precedence (`cmd/go/internal/cfg`: `Getenv`, `EnvOrAndChanged`, `initEnvCache`):
    ///
    /// 1. the environment variable, when set and not empty;
    /// 2. the user's `go env -w` file: `$GOENV`, else `os.UserConfigDir()/go/env` (`$XDG_CONFIG_HOME/go/env` — an
    ///    absolute `XDG_CONFIG_HOME` only — or `$HOME/.config/go/env`; macOS `$HOME/Library/Application
    ///    Support/go/env`; Windows `%AppData%\go\env`); `GOENV=off` reads none;
    /// 3. `$GOROOT/go.env` for the keys the user file does not name, GOROOT being the user file's `GOROOT`, else
    ///    `$GOROOT`, else the one holding the `go` found on `PATH` (its `../..`, symbolic links resolved, as
    ///    `findGOROOT` looks from its own executable) — that is where `GOPROXY=https://proxy.golang.org,direct`
    ///    comes from;
    /// 4. the defaults: `GONOPROXY` = `GOPRIVATE`; `GOPATH` = `$HOME/go` (`%USERPROFILE%\go`); `GOMODCACHE` =
    ///    the first `GOPATH` entry + `/pkg/mod`; `GOPROXY`, when nothing above sets it (no `go` found), the default
    ///    of go.env, [`DEFAULT_GOPROXY`].
    ///
    /// Files are read as `readEnvFile` reads them: `KEY=VALUE` lines whose key starts with `A`–`Z`, the value taken
    /// verbatim, anything else ignored; an unreadable file is no file.
    pub fn from_lookup(var: impl Fn(&str) -> Option<OsString>) -> Self {
        let env = |k: &str| {
            var(k)
                .and_then(|v| v.into_string().ok())
                .filter(|v| !v.is_empty())
        };
        let files = env_files(&var);
        // `Getenv`: the environment, else the files (a key present with an empty value there counts as unset).
        let get = |k: &str| env(k).or_else(|| files.get(k).filter(|v| !v.is_empty()).cloned());
        let goprivate = get("GOPRIVATE").unwrap_or_default();
        let gopath = get("GOPATH").unwrap_or_else(|| default_gopath(&var, files.goroot.as_deref()));
        let gomodcache = get("GOMODCACHE").map(PathBuf::from).or_else(|| {
            // `gopathDir`: the first list entry, none when it is empty.
            std::env::split_paths(&gopath)
                .next()
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| p.join("pkg").join("mod"))
        });
        Self {
            goproxy: get("GOPROXY").unwrap_or_else(|| DEFAULT_GOPROXY.to_owned()),
            gonoproxy: get("GONOPROXY").unwrap_or_else(|| goprivate.clone()),
            goprivate,
            goinsecure: get("GOINSECURE").unwrap_or_default(),
            gopath,
            gomodcache,
        }
    }
}

/// The user's `go env -w` file and `$GOROOT/go.env`, merged as `initEnvCache` merges them.
#[derive(Debug, Default)]
struct EnvFiles {
    /// Every key of the user file, and the keys of go.env the user file does not have.
    values: BTreeMap<String, String>,
    /// The GOROOT whose go.env was read.
    goroot: Option<PathBuf>,
}

impl EnvFiles {
    fn get(&self, key: &str) -> Option<&String> {
        self.values.get(key)
    }
}

fn env_files(var: &impl Fn(&str) -> Option<OsString>) -> EnvFiles {
    let mut files = EnvFiles::default();
    if let Some(user) = user_env_file(var) {
        read_env_file(&user, &mut files.values, true);
    }
    let goroot = files
        .values
        .get("GOROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| nonempty(var("GOROOT")).map(PathBuf::from))
        .or_else(|| goroot_of_path_go(var));
    if let Some(root) = &goroot {
        read_env_file(&root.join("go.env"), &mut files.values, false);
    }
    files.goroot = goroot;
    files
}

fn nonempty(v: Option<OsString>) -> Option<OsString> {
    v.filter(|v| !v.is_empty())
}

/// `cfg.EnvFile`: `$GOENV` (`off`: none), else `os.UserConfigDir()/go/env`.
fn user_env_file(var: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(file) = nonempty(var("GOENV")) {
        return (file != "off").then(|| PathBuf::from(file));
    }
    user_config_dir(var).map(|d| d.join("go").join("env"))
}

/// `os.UserConfigDir` for the platform we run on.
fn user_config_dir(var: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if cfg!(windows) {
        nonempty(var("AppData")).map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        nonempty(var("HOME")).map(|h| PathBuf::from(h).join("Library/Application Support"))
    } else {
        match nonempty(var("XDG_CONFIG_HOME")) {
            // A relative XDG_CONFIG_HOME is an error in Go: no user file.
            Some(x) => Some(PathBuf::from(x)).filter(|p| p.is_absolute()),
            None => nonempty(var("HOME")).map(|h| PathBuf::from(h).join(".config")),
        }
    }
}

/// `readEnvFile`: `KEY=VALUE` lines (key starting with `A`–`Z`, value verbatim up to the newline). The user file
/// (`user`) sets every key; go.env only the keys not set yet.
fn read_env_file(path: &Path, into: &mut BTreeMap<String, String>, user: bool) {
    let Ok(data) = std::fs::read(path) else {
        return;
    };
    for line in data.split(|b| *b == b'\n') {
        let Some(eq) = line.iter().position(|b| *b == b'=') else {
            continue;
        };
        if !line[0].is_ascii_uppercase() {
            continue;
        }
        let (Ok(key), Ok(value)) = (
            std::str::from_utf8(&line[..eq]),
            std::str::from_utf8(&line[eq + 1..]),
        ) else {
            continue;
        };
        if user || !into.contains_key(key) {
            into.insert(key.to_owned(), value.to_owned());
        }
    }
}

/// The GOROOT of the `go` command on `PATH`, found as `findGOROOT` finds its own: `../..` of the executable, or
/// `../../..` (a cross-compiled `bin/GOOS_GOARCH/go`), first as found, then with symbolic links resolved; a GOROOT
/// has a `pkg/tool` directory.
fn goroot_of_path_go(var: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let name = if cfg!(windows) { "go.exe" } else { "go" };
    let path = var("PATH")?;
    let exe = std::env::split_paths(&path)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| p.is_file())?;
    let is_goroot = |d: &Path| d.join("pkg").join("tool").is_dir();
    let up = |exe: &Path| {
        [2, 3].into_iter().find_map(|n| {
            let dir = exe.ancestors().nth(n)?;
            is_goroot(dir).then(|| dir.to_path_buf())
        })
    };
    up(&exe).or_else(|| up(&std::fs::canonicalize(&exe).ok()?))
}

/// `go/build.defaultGOPATH`: `$HOME/go` (`%USERPROFILE%\go` on Windows), empty without a home or when that is
/// GOROOT.
fn default_gopath(var: &impl Fn(&str) -> Option<OsString>, goroot: Option<&Path>) -> String {
    let home = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    let Some(home) = nonempty(var(home)) else {
        return String::new();
    };
    let def = PathBuf::from(home).join("go");
    if goroot.is_some_and(|g| g == def) {
        return String::new();
    }
    def.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goproxy_lists_as_the_go_command_reads_them() {
        assert_eq!(
            parse_goproxy(DEFAULT_GOPROXY).unwrap(),
            vec![
                ProxyEntry::Url {
                    url: "https://proxy.golang.org".into(),
                    fall_back_on_error: false
                },
                ProxyEntry::Direct
            ]
        );
        assert_eq!(
            parse_goproxy("corp.example/go|file:///srv/proxy/, off ,https://x").unwrap(),
            vec![
                ProxyEntry::Url {
                    url: "https://corp.example/go".into(),
                    fall_back_on_error: true
                },
                ProxyEntry::Url {
                    url: "file:///srv/proxy".into(),
                    fall_back_on_error: false
                },
                ProxyEntry::Off
            ]
        );
        assert!(parse_goproxy(" , ").is_err());
        assert!(parse_goproxy("noscheme").is_err());
    }

    #[test]
    fn escaping_and_prefix_patterns() {
        assert_eq!(
            crate::inventory::purl::escape_module_case("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
        assert!(match_prefix_patterns(
            "*.corp.example,rsc.io/private",
            "git.corp.example/x/y"
        ));
        assert!(match_prefix_patterns(
            "rsc.io/private",
            "rsc.io/private/quote"
        ));
        assert!(!match_prefix_patterns("rsc.io/private", "rsc.io/privately"));
        assert!(!match_prefix_patterns("rsc.io/private", "rsc.io"));
        assert!(match_prefix_patterns(
            "github.com/[a-c]cme",
            "github.com/bcme/x"
        ));
        assert!(!match_prefix_patterns("", "github.com/x"));
    }
}
