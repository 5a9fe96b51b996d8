//! The stable `--json` schema for one binary's build info.
//!
//! ```json
//! {
//!   "goVersion": "go1.22.3 X:boringcrypto",
//!   "goVersionInfo": {
//!     "version": "go1.22.3",
//!     "semver": "1.22.3",
//!     "experiments": ["boringcrypto"],
//!     "vendor": null
//!   },
//!   "path": "github.com/org/terraform-provider-x",
//!   "main": {"path": "github.com/org/terraform-provider-x", "version": "(devel)", "sum": "", "replace": null},
//!   "deps": [
//!     {"path": "golang.org/x/text", "version": "v0.14.0", "sum": "h1:…", "replace": null},
//!     {"path": "example.com/a", "version": "v1.0.0", "sum": "h1:…",
//!      "replace": {"path": "example.com/b", "version": "v1.1.0", "sum": "h1:…", "replace": null}}
//!   ],
//!   "settings": [{"key": "-buildmode", "value": "exe"}, {"key": "GOOS", "value": "linux"}]
//! }
//! ```
//!
//! Rules (stable across releases; new keys may be added, none removed or renamed):
//! - every key is always present; `main`, `replace`, `goVersionInfo.semver` and `goVersionInfo.vendor` are `null`
//!   when absent; `sum` is `""` when the binary records none (local replacements, main module);
//! - `main` is `null` for a binary built without module information (`path` may still be set, e.g.
//!   `command-line-arguments`), and `deps`/`settings` are then `[]`;
//! - `deps` and `settings` keep the binary's order; values are the decoded (unquoted) strings;
//! - `goVersion` is the raw embedded string; `goVersionInfo` is its split form (see [`GoVersion`]).

use super::goversion::GoVersion;
use super::{BuildInfo, BuildSetting, Module};
use serde::{Deserialize, Serialize};

/// One binary's build info in the `--json` schema (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfoJson {
    /// The raw Go version string.
    pub go_version: String,
    /// The Go version split into its parts.
    pub go_version_info: GoVersionJson,
    /// The main package path.
    pub path: String,
    /// The main module; `null` without module information.
    pub main: Option<ModuleJson>,
    /// The dependency modules, in binary order.
    pub deps: Vec<ModuleJson>,
    /// The build settings, in binary order.
    pub settings: Vec<SettingJson>,
}

/// The split Go version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoVersionJson {
    /// E.g. `go1.22.5`.
    pub version: String,
    /// E.g. `1.22.5`; `null` when the version is not a release or pre-release.
    pub semver: Option<String>,
    /// Baked-in `GOEXPERIMENT`s.
    pub experiments: Vec<String>,
    /// A vendor suffix such as `Red Hat 1.26.5-1.el9`; `null` when absent.
    pub vendor: Option<String>,
}

/// A module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleJson {
    /// Module path.
    pub path: String,
    /// Module version (`(devel)` for unversioned main modules and local replacements).
    pub version: String,
    /// go.sum hash (`h1:…`) or `""`.
    pub sum: String,
    /// The replacement module, or `null`.
    pub replace: Option<Box<Self>>,
}

/// A build setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingJson {
    /// The key, e.g. `-trimpath`.
    pub key: String,
    /// The value, e.g. `true`.
    pub value: String,
}

impl From<&Module> for ModuleJson {
    fn from(m: &Module) -> Self {
        Self {
            path: m.path.clone(),
            version: m.version.clone(),
            sum: m.sum.clone(),
            replace: m.replace.as_deref().map(|r| Box::new(Self::from(r))),
        }
    }
}

impl From<&BuildSetting> for SettingJson {
    fn from(s: &BuildSetting) -> Self {
        Self {
            key: s.key.clone(),
            value: s.value.clone(),
        }
    }
}

impl From<GoVersion> for GoVersionJson {
    fn from(v: GoVersion) -> Self {
        Self {
            version: v.version,
            semver: v.semver,
            experiments: v.experiments,
            vendor: v.vendor,
        }
    }
}

impl From<&BuildInfo> for BuildInfoJson {
    fn from(bi: &BuildInfo) -> Self {
        Self {
            go_version: bi.go_version.clone(),
            go_version_info: GoVersion::parse(&bi.go_version).into(),
            path: bi.path.clone(),
            main: bi
                .main
                .as_ref()
                .filter(|m| **m != Module::default())
                .map(ModuleJson::from),
            deps: bi.deps.iter().map(ModuleJson::from).collect(),
            settings: bi.settings.iter().map(SettingJson::from).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_shape_is_stable() {
        let bi = BuildInfo {
            go_version: "go1.22.3 X:boringcrypto".into(),
            path: "example.com/cmd".into(),
            main: Some(Module {
                path: "example.com".into(),
                version: "(devel)".into(),
                sum: String::new(),
                replace: None,
            }),
            deps: vec![Module {
                path: "a.com/x".into(),
                version: "v1.0.0".into(),
                sum: "h1:x=".into(),
                replace: Some(Box::new(Module {
                    path: "../x".into(),
                    version: "(devel)".into(),
                    sum: String::new(),
                    replace: None,
                })),
            }],
            settings: vec![BuildSetting {
                key: "GOOS".into(),
                value: "linux".into(),
            }],
        };
        let json = serde_json::to_string(&BuildInfoJson::from(&bi)).unwrap();
        assert_eq!(
            json,
            r#"{"goVersion":"go1.22.3 X:boringcrypto","goVersionInfo":{"version":"go1.22.3","semver":"1.22.3","experiments":["boringcrypto"],"vendor":null},"path":"example.com/cmd","main":{"path":"example.com","version":"(devel)","sum":"","replace":null},"deps":[{"path":"a.com/x","version":"v1.0.0","sum":"h1:x=","replace":{"path":"../x","version":"(devel)","sum":"","replace":null}}],"settings":[{"key":"GOOS","value":"linux"}]}"#
        );
        let back: BuildInfoJson = serde_json::from_str(&json).unwrap();
        assert_eq!(back, BuildInfoJson::from(&bi));
    }

    #[test]
    fn no_module_info_has_null_main() {
        let bi = BuildInfo {
            go_version: "go1.27.3".into(),
            path: "command-line-arguments".into(),
            ..BuildInfo::default()
        };
        let json = serde_json::to_string(&BuildInfoJson::from(&bi)).unwrap();
        assert_eq!(
            json,
            r#"{"goVersion":"go1.27.3","goVersionInfo":{"version":"go1.27.3","semver":"1.27.3","experiments":[],"vendor":null},"path":"command-line-arguments","main":null,"deps":[],"settings":[]}"#
        );
    }
}
