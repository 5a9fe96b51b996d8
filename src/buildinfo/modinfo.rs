//! The modinfo text inside the blob, parsed exactly like Go's `runtime/debug.ParseBuildInfo`.
//!
//! ```text
//! path\t<main package path>
//! mod\t<path>\t<version>[\t<sum>]      main module (2 or 3 columns)
//! dep\t<path>\t<version>[\t<sum>]      a dependency (2 or 3 columns)
//! =>\t<path>\t<version>\t<sum>         replaces the module on the line before (exactly 3 columns)
//! build\t<key>=<value>                 a build setting; key and value are Go-quoted when they need it
//! ```
//!
//! Every line ends in `\n`; a final line without one is ignored, as are lines with unknown prefixes. The Go version is
//! not part of modinfo (it has its own string in the blob).

use super::error::{Error, Result};
use super::strconv;
use super::{BuildInfo, BuildSetting, Module};

/// Whether a build-setting key must be quoted (`runtime/debug.quoteKey`).
pub(crate) fn quote_key(key: &str) -> bool {
    key.is_empty() || key.contains(['=', ' ', '\t', '\r', '\n', '"', '`'])
}

/// Whether a build-setting value must be quoted (`runtime/debug.quoteValue`).
pub(crate) fn quote_value(value: &str) -> bool {
    value.contains([' ', '\t', '\r', '\n', '"', '`'])
}

/// Go strings are bytes; this crate keeps UTF-8 text. Invalid sequences (never produced by `cmd/go`) become U+FFFD.
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Where the next `=>` line attaches.
#[derive(Debug, Clone, Copy)]
enum Last {
    None,
    Main,
    Dep(usize),
}

/// Parses modinfo text (sentinels already stripped) into a [`BuildInfo`] whose `go_version` is empty.
///
/// A `mod` line whose fields are all empty gives `main: None`, as no `mod` line does (Go's `String()` treats both
/// alike).
///
/// Errors carry Go's exact reason text and 1-based line number (`could not parse Go build info: line N: …`).
pub fn parse_modinfo(data: &[u8]) -> Result<BuildInfo> {
    let mut bi = BuildInfo::default();
    let mut last = Last::None;
    let mut rest = data;
    let mut line_num = 1usize;
    let err = |line: usize, reason: String| Error::Modinfo { line, reason };
    while !rest.is_empty() {
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let line = &rest[..nl];
        rest = &rest[nl + 1..];
        if let Some(elem) = line.strip_prefix(b"path\t") {
            bi.path = text(elem);
        } else if let Some(elem) = line.strip_prefix(b"mod\t") {
            bi.main = Some(module_line(elem).map_err(|r| err(line_num, r))?);
            last = Last::Main;
        } else if let Some(elem) = line.strip_prefix(b"dep\t") {
            bi.deps
                .push(module_line(elem).map_err(|r| err(line_num, r))?);
            last = Last::Dep(bi.deps.len() - 1);
        } else if let Some(elem) = line.strip_prefix(b"=>\t") {
            let cols: Vec<&[u8]> = elem.split(|&b| b == b'\t').collect();
            if cols.len() != 3 {
                return Err(err(
                    line_num,
                    format!("expected 3 columns for replacement; got {}", cols.len()),
                ));
            }
            let target = match last {
                Last::None => {
                    return Err(err(
                        line_num,
                        "replacement with no module on previous line".into(),
                    ));
                }
                Last::Main => bi.main.as_mut(),
                Last::Dep(i) => bi.deps.get_mut(i),
            };
            if let Some(m) = target {
                m.replace = Some(Box::new(Module {
                    path: text(cols[0]),
                    version: text(cols[1]),
                    sum: text(cols[2]),
                    replace: None,
                }));
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix(b"build\t") {
            bi.settings
                .push(build_line(kv).map_err(|r| err(line_num, r))?);
        }
        line_num += 1;
    }
    // Go cannot tell an all-empty main module from none (`BuildInfo.String()` skips `Main == Module{}`).
    if bi.main.as_ref().is_some_and(|m| *m == Module::default()) {
        bi.main = None;
    }
    Ok(bi)
}

/// A `mod`/`dep` line's columns: 2 or 3.
fn module_line(elem: &[u8]) -> std::result::Result<Module, String> {
    let cols: Vec<&[u8]> = elem.split(|&b| b == b'\t').collect();
    if cols.len() != 2 && cols.len() != 3 {
        return Err(format!("expected 2 or 3 columns; got {}", cols.len()));
    }
    Ok(Module {
        path: text(cols[0]),
        version: text(cols[1]),
        sum: cols.get(2).map(|s| text(s)).unwrap_or_default(),
        replace: None,
    })
}

/// A `build` line's `key=value`, with Go's quoting rules.
fn build_line(kv: &[u8]) -> std::result::Result<BuildSetting, String> {
    let Some(&first) = kv.first() else {
        return Err("build line missing '='".into());
    };
    let (key, raw_value) = match first {
        b'=' => return Err("build line with missing key".into()),
        b'`' | b'"' => {
            let n = strconv::quoted_prefix(kv)
                .map_err(|_| "invalid quoted key in build line".to_string())?;
            let Some(&c) = kv.get(n) else {
                return Err("build line missing '=' after quoted key".into());
            };
            if c != b'=' {
                return Err(format!(
                    "unexpected character after quoted key: {}",
                    strconv::quote_byte(c)
                ));
            }
            let key = strconv::unquote(&kv[..n]).unwrap_or_default();
            (text(&key), &kv[n + 1..])
        }
        _ => {
            let Some(eq) = kv.iter().position(|&b| b == b'=') else {
                return Err("build line missing '=' after key".into());
            };
            let key = text(&kv[..eq]);
            if quote_key(&key) {
                return Err(format!(
                    "unquoted key {} must be quoted",
                    strconv::quote(&key)
                ));
            }
            (key, &kv[eq + 1..])
        }
    };
    let value = match raw_value.first() {
        None => String::new(),
        Some(b'`' | b'"') => text(
            &strconv::unquote(raw_value)
                .map_err(|_| "invalid quoted value in build line".to_string())?,
        ),
        Some(_) => {
            let value = text(raw_value);
            if quote_value(&value) {
                return Err(format!(
                    "unquoted value {} must be quoted",
                    strconv::quote(&value)
                ));
            }
            value
        }
    };
    Ok(BuildSetting { key, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(path: &str, version: &str, sum: &str) -> Module {
        Module {
            path: path.into(),
            version: version.into(),
            sum: sum.into(),
            replace: None,
        }
    }

    fn s(key: &str, value: &str) -> BuildSetting {
        BuildSetting {
            key: key.into(),
            value: value.into(),
        }
    }

    fn parse_err(text: &str) -> String {
        parse_modinfo(text.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn parses_every_line_kind() {
        let text = "path\texample.com/cmd\n\
                    mod\texample.com\t(devel)\t\n\
                    dep\tgolang.org/x/text\tv0.3.0\th1:abc=\n\
                    dep\texample.com/old\tv1.0.0\th1:old=\n\
                    =>\texample.com/new\tv1.1.0\th1:new=\n\
                    dep\texample.com/local\tv0.0.0\n\
                    =>\t../local\t(devel)\t\n\
                    build\t-buildmode=exe\n\
                    build\t-ldflags=\"-s -w -X main.v=1\"\n\
                    build\tCGO_ENABLED=0\n\
                    build\tempty=\n\
                    unknown\tline\n\
                    build\ttrailing=ignored-without-newline";
        let bi = parse_modinfo(text.as_bytes()).unwrap();
        let mut old = m("example.com/old", "v1.0.0", "h1:old=");
        old.replace = Some(Box::new(m("example.com/new", "v1.1.0", "h1:new=")));
        let mut local = m("example.com/local", "v0.0.0", "");
        local.replace = Some(Box::new(m("../local", "(devel)", "")));
        assert_eq!(
            bi,
            BuildInfo {
                go_version: String::new(),
                path: "example.com/cmd".into(),
                main: Some(m("example.com", "(devel)", "")),
                deps: vec![m("golang.org/x/text", "v0.3.0", "h1:abc="), old, local],
                settings: vec![
                    s("-buildmode", "exe"),
                    s("-ldflags", "-s -w -X main.v=1"),
                    s("CGO_ENABLED", "0"),
                    s("empty", ""),
                ],
            }
        );
    }

    #[test]
    fn replacement_of_the_main_module() {
        let bi = parse_modinfo(b"mod\ta\tv1\t\n=>\tb\tv2\th1:x\n").unwrap();
        let mut main = m("a", "v1", "");
        main.replace = Some(Box::new(m("b", "v2", "h1:x")));
        assert_eq!(bi.main, Some(main));
    }

    #[test]
    fn quoted_keys_and_values() {
        let bi = parse_modinfo(
            b"build\t\"a b\"=\"c\\td\"\nbuild\t`raw key`=`raw value`\nbuild\t\"\"=x\nbuild\tk=\"\\u00e9\\x41\"\n",
        )
        .unwrap();
        assert_eq!(
            bi.settings,
            vec![
                s("a b", "c\td"),
                s("raw key", "raw value"),
                s("", "x"),
                s("k", "éA")
            ]
        );
    }

    #[test]
    fn errors_match_go() {
        // Messages as produced by Go 1.27.3 runtime/debug.ParseBuildInfo.
        assert_eq!(
            parse_err("path\tp\nmod\ta\n"),
            "could not parse Go build info: line 2: expected 2 or 3 columns; got 1"
        );
        assert_eq!(
            parse_err("dep\ta\tb\tc\td\n"),
            "could not parse Go build info: line 1: expected 2 or 3 columns; got 4"
        );
        assert_eq!(
            parse_err("=>\ta\tb\tc\n"),
            "could not parse Go build info: line 1: replacement with no module on previous line"
        );
        assert_eq!(
            parse_err("dep\ta\tb\n=>\ta\tb\n"),
            "could not parse Go build info: line 2: expected 3 columns for replacement; got 2"
        );
        assert_eq!(
            parse_err("dep\ta\tb\n=>\ta\tb\tc\n=>\ta\tb\tc\n"),
            "could not parse Go build info: line 3: replacement with no module on previous line"
        );
        assert_eq!(
            parse_err("build\t\n"),
            "could not parse Go build info: line 1: build line missing '='"
        );
        assert_eq!(
            parse_err("build\t=v\n"),
            "could not parse Go build info: line 1: build line with missing key"
        );
        assert_eq!(
            parse_err("build\t\"k\n"),
            "could not parse Go build info: line 1: invalid quoted key in build line"
        );
        assert_eq!(
            parse_err("build\t\"k\"\n"),
            "could not parse Go build info: line 1: build line missing '=' after quoted key"
        );
        assert_eq!(
            parse_err("build\t\"k\"\tv\n"),
            "could not parse Go build info: line 1: unexpected character after quoted key: '\\t'"
        );
        assert_eq!(
            parse_err("build\tkey\n"),
            "could not parse Go build info: line 1: build line missing '=' after key"
        );
        assert_eq!(
            parse_err("build\ta b=c\n"),
            "could not parse Go build info: line 1: unquoted key \"a b\" must be quoted"
        );
        assert_eq!(
            parse_err("build\tk=\"bad\n"),
            "could not parse Go build info: line 1: invalid quoted value in build line"
        );
        assert_eq!(
            parse_err("build\tk=\"a\"b\n"),
            "could not parse Go build info: line 1: invalid quoted value in build line"
        );
        assert_eq!(
            parse_err("build\tk=a b\n"),
            "could not parse Go build info: line 1: unquoted value \"a b\" must be quoted"
        );
        // Unknown lines still count.
        assert_eq!(
            parse_err("x\ny\nmod\t\n"),
            "could not parse Go build info: line 3: expected 2 or 3 columns; got 1"
        );
    }

    #[test]
    fn empty_and_unterminated_input() {
        assert_eq!(parse_modinfo(b"").unwrap(), BuildInfo::default());
        assert_eq!(parse_modinfo(b"path\tx").unwrap(), BuildInfo::default());
    }
}
