//! The Go environment the resolver honours, read the way the go command reads it: `GOPROXY` (a list of proxy URLs,
//! `direct` and `off`, separated by `,` — fall through on "not found" only — or `|` — fall through on any error —,
//! `cmd/go/internal/modfetch/proxy.go` `proxyList`/`TryProxies`), `GONOPROXY` (default `GOPRIVATE`: glob patterns of
//! module path prefixes that are fetched directly, `golang.org/x/mod/module.MatchPrefixPatterns`), `GOMODCACHE`
//! (default `$GOPATH/pkg/mod`, `GOPATH` default `$HOME/go`), and the case escaping of module paths and versions in
//! proxy URLs and cache paths (`module.EscapePath`: `!` + lower case for each upper-case letter).
//!
//! We never clone repositories: `direct`, and a module matching `GONOPROXY`, mean "skip" — the module's licence is
//! then not asserted. `GOINSECURE` only affects direct fetches in the go command (a proxy may always be `http://`), so
//! it changes nothing here; it is read and reported for completeness.

use std::path::PathBuf;

/// The default `GOPROXY` of the go command.
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

/// The Go settings the resolver uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoEnv {
    /// `GOPROXY`.
    pub goproxy: String,
    /// `GONOPROXY` (defaults to `GOPRIVATE`).
    pub gonoproxy: String,
    /// `GOINSECURE` (no effect on proxy fetches; see the module docs).
    pub goinsecure: String,
    /// `GOMODCACHE`, when one could be determined.
    pub gomodcache: Option<PathBuf>,
}

impl GoEnv {
    /// Reads the process environment with the go command's defaults (`GOPROXY` unset or empty → the default list;
    /// `GOMODCACHE` → `$GOPATH/pkg/mod` with the first `GOPATH` entry, else `$HOME/go/pkg/mod`). The go command's
    /// own `go env -w` file is not read: set the variables explicitly when it holds them.
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let goproxy = var("GOPROXY").unwrap_or_else(|| DEFAULT_GOPROXY.to_owned());
        let gonoproxy = var("GONOPROXY")
            .or_else(|| var("GOPRIVATE"))
            .unwrap_or_default();
        let goinsecure = var("GOINSECURE").unwrap_or_default();
        let gomodcache = var("GOMODCACHE").map(PathBuf::from).or_else(|| {
            let gopath = var("GOPATH")
                .and_then(|p| std::env::split_paths(&p).next())
                .or_else(|| var("HOME").map(|h| PathBuf::from(h).join("go")))?;
            Some(gopath.join("pkg/mod"))
        });
        Self {
            goproxy,
            gonoproxy,
            goinsecure,
            gomodcache,
        }
    }
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
