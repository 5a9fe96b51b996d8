//! The text forms of build info: Go's `runtime/debug.BuildInfo.String()` and `go version -m` output.
//!
//! `String()` writes `go`, `path`, `mod`, `dep`, `=>` and `build` lines, each ending in `\n`. A replaced module is
//! written as `mod\tPATH\tVERSION\n=>\tPATH\tVERSION\tSUM\n` followed by one more `\n` (the line break the module
//! line would have had): after the tab-indentation of `go version -m` that empty line becomes a line holding a single
//! tab.

use super::modinfo::{quote_key, quote_value};
use super::strconv::quote;
use super::{BuildInfo, Module};
use std::fmt::Write as _;

impl BuildInfo {
    /// Go's `BuildInfo.String()`: the modinfo text, with a leading `go\tVERSION` line when `go_version` is set.
    pub fn to_go_string(&self) -> String {
        let mut buf = String::new();
        if !self.go_version.is_empty() {
            let _ = writeln!(buf, "go\t{}", self.go_version);
        }
        if !self.path.is_empty() {
            let _ = writeln!(buf, "path\t{}", self.path);
        }
        if let Some(main) = self.main.as_ref().filter(|m| **m != Module::default()) {
            format_module(&mut buf, "mod", main);
        }
        for dep in &self.deps {
            format_module(&mut buf, "dep", dep);
        }
        for s in &self.settings {
            let key = if quote_key(&s.key) {
                quote(&s.key)
            } else {
                s.key.clone()
            };
            let value = if quote_value(&s.value) {
                quote(&s.value)
            } else {
                s.value.clone()
            };
            let _ = writeln!(buf, "build\t{key}={value}");
        }
        buf
    }

    /// The output of `go version -m NAME` for this binary, byte for byte: `NAME: GOVERSION\n`, then the
    /// `String()` lines (without `go`) each indented by a tab. `name` is printed as given, so a caller can pass
    /// `archive.zip!entry`.
    pub fn go_version_m(&self, name: &str) -> String {
        let mut out = format!("{name}: {}\n", self.go_version);
        let body = Self {
            go_version: String::new(),
            ..self.clone()
        }
        .to_go_string();
        if let Some(body) = body.strip_suffix('\n') {
            out.push('\t');
            out.push_str(&body.replace('\n', "\n\t"));
            out.push('\n');
        }
        out
    }
}

/// Go's `formatMod` closure in `BuildInfo.String()`.
fn format_module(buf: &mut String, word: &str, m: &Module) {
    buf.push_str(word);
    buf.push('\t');
    buf.push_str(&m.path);
    buf.push('\t');
    buf.push_str(&m.version);
    match &m.replace {
        None => {
            buf.push('\t');
            buf.push_str(&m.sum);
        }
        Some(r) => {
            buf.push('\n');
            format_module(buf, "=>", r);
        }
    }
    buf.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buildinfo::BuildSetting;

    fn module(path: &str, version: &str, sum: &str, replace: Option<Module>) -> Module {
        Module {
            path: path.into(),
            version: version.into(),
            sum: sum.into(),
            replace: replace.map(Box::new),
        }
    }

    #[test]
    fn go_version_m_layout_with_replacements() {
        let bi = BuildInfo {
            go_version: "go1.22.5".into(),
            path: "example.com/cmd".into(),
            main: Some(module("example.com", "(devel)", "", None)),
            deps: vec![
                module("a.com/x", "v1.0.0", "h1:x=", None),
                module(
                    "b.com/y",
                    "v1.0.0",
                    "h1:y=",
                    Some(module("c.com/y", "v1.1.0", "h1:z=", None)),
                ),
                module(
                    "d.com/l",
                    "v0.0.0",
                    "",
                    Some(module("../l", "(devel)", "", None)),
                ),
            ],
            settings: vec![
                BuildSetting {
                    key: "-ldflags".into(),
                    value: "-s -w".into(),
                },
                BuildSetting {
                    key: "GOOS".into(),
                    value: "linux".into(),
                },
            ],
        };
        assert_eq!(
            bi.go_version_m("bin"),
            "bin: go1.22.5\n\
             \tpath\texample.com/cmd\n\
             \tmod\texample.com\t(devel)\t\n\
             \tdep\ta.com/x\tv1.0.0\th1:x=\n\
             \tdep\tb.com/y\tv1.0.0\n\
             \t=>\tc.com/y\tv1.1.0\th1:z=\n\
             \t\n\
             \tdep\td.com/l\tv0.0.0\n\
             \t=>\t../l\t(devel)\t\n\
             \t\n\
             \tbuild\t-ldflags=\"-s -w\"\n\
             \tbuild\tGOOS=linux\n"
        );
    }

    #[test]
    fn a_trailing_replacement_ends_with_a_tab_line() {
        let bi = BuildInfo {
            go_version: "go1.21.0".into(),
            path: "p".into(),
            main: None,
            deps: vec![module("a", "v1", "", Some(module("b", "v2", "", None)))],
            settings: vec![],
        };
        assert_eq!(
            bi.go_version_m("f"),
            "f: go1.21.0\n\tpath\tp\n\tdep\ta\tv1\n\t=>\tb\tv2\t\n\t\n"
        );
    }

    #[test]
    fn no_module_info_prints_only_the_version_line() {
        let bi = BuildInfo {
            go_version: "go1.17".into(),
            ..BuildInfo::default()
        };
        assert_eq!(bi.go_version_m("old"), "old: go1.17\n");
        // An all-empty main module is not printed (Go compares it with Module{}).
        let bi = BuildInfo {
            go_version: "go1.17".into(),
            main: Some(Module::default()),
            ..BuildInfo::default()
        };
        assert_eq!(bi.to_go_string(), "go\tgo1.17\n");
    }

    #[test]
    fn settings_are_quoted_like_runtime_debug() {
        let bi = BuildInfo {
            settings: vec![
                BuildSetting {
                    key: "a=b".into(),
                    value: "x".into(),
                },
                BuildSetting {
                    key: String::new(),
                    value: "tab\tand`tick".into(),
                },
                BuildSetting {
                    key: "-tags".into(),
                    value: "netgo,osusergo".into(),
                },
            ],
            ..BuildInfo::default()
        };
        assert_eq!(
            bi.to_go_string(),
            "build\t\"a=b\"=x\nbuild\t\"\"=\"tab\\tand`tick\"\nbuild\t-tags=netgo,osusergo\n"
        );
    }
}
