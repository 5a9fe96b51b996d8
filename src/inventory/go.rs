//! The Go rules of the inventory: the toolchain version split into stdlib version and GOEXPERIMENTs (Trivy's
//! reading), the stdlib CPE, the supplier derived from a module path, and the module and stdlib components (replaced
//! and locally replaced modules included). Knows the build info's module lines and the purl rules; not how the graph
//! is assembled nor any SBOM format.

use super::props::{
    PROP_GO_MODULE_H1, PROP_GO_REPLACE_LOCAL_PATH, PROP_GO_REPLACED, PROP_GO_UNVERSIONED_LOCAL,
    prop,
};
use super::{Ancestor, Component, ComponentKind, empty_component, purl};
use crate::buildinfo::Module;

/// The supplier name used for the Go standard library.
pub const GO_SUPPLIER: &str = "golang";

/// The Go toolchain version split into the stdlib version and experiments.
// TODO(merge): use buildinfo::GoVersion once the build-info reader lands; this private helper mirrors Trivy's
// `parseStdlibVersion`: strip `go`, cut at the first space (` X:…` experiments before Go 1.26, vendor suffixes such as
// ` (Red Hat 1.26.5-1.el9)`), cut at `-X:` (Go ≥ 1.26), add `v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GoToolchain {
    /// `v1.22.5`; `None` when the string is not a `go1…` release version (e.g. `devel go1.23-abc…`).
    pub(super) stdlib_version: Option<String>,
    /// GOEXPERIMENT names, in order.
    pub(super) experiments: Vec<String>,
}

pub(super) fn split_go_version(raw: &str) -> GoToolchain {
    let raw = raw.trim();
    let Some(rest) = raw.strip_prefix("go") else {
        return GoToolchain {
            stdlib_version: None,
            experiments: Vec::new(),
        };
    };
    let (head, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let (version, dash_experiments) = head.split_once("-X:").unwrap_or((head, ""));
    let mut experiments: Vec<String> = Vec::new();
    let mut push_list = |list: &str| {
        experiments.extend(list.split(',').filter(|e| !e.is_empty()).map(str::to_owned));
    };
    push_list(dash_experiments);
    if let Some(space_experiments) = tail.strip_prefix("X:") {
        push_list(space_experiments.split(' ').next().unwrap_or(""));
    }
    let valid = version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.');
    GoToolchain {
        stdlib_version: valid.then(|| format!("v{version}")),
        experiments,
    }
}

/// The CPE 2.3 name of a Go toolchain version `v1.22.5` → `cpe:2.3:a:golang:go:1.22.5:-:*:*:*:*:*:*`; a pre-release
/// `v1.21rc2` → `cpe:2.3:a:golang:go:1.21.0:rc2:*:*:*:*:*:*` (NVD's spelling of Go release candidates).
fn stdlib_cpe(stdlib_version: &str) -> String {
    let v = stdlib_version.trim_start_matches('v');
    let split = v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len());
    let (number, pre) = v.split_at(split);
    let (number, update) = if pre.is_empty() {
        (number.to_owned(), "-".to_owned())
    } else {
        let mut parts: Vec<&str> = number.split('.').collect();
        while parts.len() < 3 {
            parts.push("0");
        }
        (parts.join("."), pre.to_owned())
    };
    format!("cpe:2.3:a:golang:go:{number}:{update}:*:*:*:*:*:*")
}

/// The supplier (owner) of a Go module, derived from its path for the NTIA "supplier" element:
/// * code hosts `github.com`, `gitlab.com`, `bitbucket.org`, `codeberg.org`, `gitea.com`, `git.sr.ht`: the first path
///   element after the host (`github.com/hashicorp/go-getter` → `hashicorp`; `git.sr.ht/~user/x` → `user`);
/// * `gopkg.in/user/pkg.v1` → `user`, `gopkg.in/pkg.v3` → `go-pkg` (gopkg.in's own mapping to `github.com/go-pkg/pkg`);
/// * `golang.org/x/…` → `golang`; `google.golang.org/…` and `cloud.google.com/…` → `google`;
///   `k8s.io/…`, `sigs.k8s.io/…` → `kubernetes`;
/// * otherwise the host itself (`go.uber.org/zap` → `go.uber.org`): a vanity domain names its owner.
pub fn supplier_from_module_path(path: &str) -> Option<String> {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let host = parts.next()?.to_ascii_lowercase();
    let second = parts.next();
    let third = parts.next();
    let owner = match host.as_str() {
        "github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org" | "gitea.com"
        | "git.sr.ht" => second.map(|s| s.trim_start_matches('~').to_owned()),
        "gopkg.in" => match (second, third) {
            (Some(user), Some(_)) => Some(user.to_owned()),
            (Some(pkg), None) => pkg.split('.').next().map(|p| format!("go-{p}")),
            _ => None,
        },
        "golang.org" => Some(GO_SUPPLIER.to_owned()),
        "google.golang.org" | "cloud.google.com" => Some("google".to_owned()),
        "k8s.io" | "sigs.k8s.io" => Some("kubernetes".to_owned()),
        _ => None,
    };
    Some(owner.filter(|o| !o.is_empty()).unwrap_or(host))
}

/// The URL of the Go project, creator of the stdlib and of `golang.org/x/…`.
pub const GO_CREATOR_URL: &str = "https://go.dev";

/// The URL of the creator (owner) of a Go module, derived from its path like [`supplier_from_module_path`] (BSI
/// TR-03183-2 asks for the creator's e-mail address or URL): on a code host the owner's page
/// (`github.com/hashicorp/go-plugin` → `https://github.com/hashicorp`; `gopkg.in/user/pkg.v1` →
/// `https://github.com/user`), `golang.org/x/…` → `https://go.dev`, otherwise the vanity host
/// (`google.golang.org/grpc` → `https://google.golang.org`, `go.uber.org/zap` → `https://go.uber.org`).
pub fn creator_url_from_module_path(path: &str) -> Option<String> {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let host = parts.next()?.to_ascii_lowercase();
    let second = parts.next();
    let third = parts.next();
    let url = match host.as_str() {
        "github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org" | "gitea.com"
        | "git.sr.ht" => match second {
            Some(owner) if !owner.is_empty() => format!("https://{host}/{owner}"),
            _ => format!("https://{host}"),
        },
        "gopkg.in" => match (second, third) {
            (Some(user), Some(_)) => format!("https://github.com/{user}"),
            (Some(pkg), None) => format!(
                "https://github.com/go-{}",
                pkg.split('.').next().unwrap_or(pkg)
            ),
            _ => "https://gopkg.in".to_owned(),
        },
        "golang.org" => GO_CREATOR_URL.to_owned(),
        _ => format!("https://{host}"),
    };
    Some(url)
}

fn version_of(m: &Module) -> Option<&str> {
    Some(m.version.as_str()).filter(|v| !v.is_empty() && *v != "(devel)")
}

pub(super) fn module_component(dep: &Module) -> Component {
    let original_label = match version_of(dep) {
        Some(v) => format!("{}@{v}", dep.path),
        None => dep.path.clone(),
    };
    let ancestor = || Ancestor {
        name: dep.path.clone(),
        version: version_of(dep).map(str::to_owned),
        purl: purl::golang(&dep.path, version_of(dep)),
    };
    let (name, version, sum, mut properties, ancestors) = match dep.replace.as_deref() {
        Some(repl) if purl::is_local_replacement(&repl.path) => (
            dep.path.clone(),
            None,
            "",
            vec![
                prop(PROP_GO_REPLACED, &original_label),
                prop(PROP_GO_REPLACE_LOCAL_PATH, &repl.path),
                prop(PROP_GO_UNVERSIONED_LOCAL, "true"),
            ],
            vec![ancestor()],
        ),
        Some(repl) => (
            repl.path.clone(),
            version_of(repl).map(str::to_owned),
            repl.sum.as_str(),
            vec![prop(PROP_GO_REPLACED, &original_label)],
            vec![ancestor()],
        ),
        None => (
            dep.path.clone(),
            version_of(dep).map(str::to_owned),
            dep.sum.as_str(),
            Vec::new(),
            Vec::new(),
        ),
    };
    if !sum.is_empty() {
        properties.push(prop(PROP_GO_MODULE_H1, sum));
    }
    let purl = purl::golang(&name, version.as_deref());
    let mut c = empty_component(purl.clone(), ComponentKind::Module, name.clone());
    c.download_location = version.as_deref().map(|v| purl::go_proxy_zip_url(&name, v));
    c.supplier = supplier_from_module_path(&name);
    c.creator_url = creator_url_from_module_path(&name);
    c.version = version;
    c.purl = Some(purl);
    c.ancestors = ancestors;
    c.properties = properties;
    c
}

pub(super) fn stdlib_component(go_version: &str) -> Component {
    let go = split_go_version(go_version);
    let purl = purl::stdlib(go.stdlib_version.as_deref());
    let mut c = empty_component(
        purl.clone(),
        ComponentKind::Stdlib,
        purl::STDLIB_NAME.to_owned(),
    );
    c.cpe = go.stdlib_version.as_deref().map(stdlib_cpe);
    c.download_location = go.stdlib_version.as_deref().map(|v| {
        format!(
            "https://go.dev/dl/go{}.src.tar.gz",
            v.trim_start_matches('v')
        )
    });
    c.version = go.stdlib_version;
    c.purl = Some(purl);
    c.supplier = Some(GO_SUPPLIER.to_owned());
    c.creator_url = Some(GO_CREATOR_URL.to_owned());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_version_split_matches_trivy_rules() {
        let cases = [
            ("go1.22.5", Some("v1.22.5"), vec![]),
            (
                "go1.22.3 X:boringcrypto",
                Some("v1.22.3"),
                vec!["boringcrypto"],
            ),
            ("go1.26.0-X:nodwarf5", Some("v1.26.0"), vec!["nodwarf5"]),
            (
                "go1.26.0-X:nodwarf5,boringcrypto",
                Some("v1.26.0"),
                vec!["nodwarf5", "boringcrypto"],
            ),
            ("go1.26.5 (Red Hat 1.26.5-1.el9)", Some("v1.26.5"), vec![]),
            ("go1.21rc2", Some("v1.21rc2"), vec![]),
            ("devel go1.23-abcdef Tue Jan 1", None, vec![]),
            ("", None, vec![]),
        ];
        for (raw, version, experiments) in cases {
            let got = split_go_version(raw);
            assert_eq!(got.stdlib_version.as_deref(), version, "{raw}");
            assert_eq!(got.experiments, experiments, "{raw}");
        }
    }

    #[test]
    fn stdlib_cpes() {
        assert_eq!(
            stdlib_cpe("v1.22.5"),
            "cpe:2.3:a:golang:go:1.22.5:-:*:*:*:*:*:*"
        );
        assert_eq!(
            stdlib_cpe("v1.21rc2"),
            "cpe:2.3:a:golang:go:1.21.0:rc2:*:*:*:*:*:*"
        );
    }

    #[test]
    fn suppliers_from_module_paths() {
        let cases = [
            ("github.com/hashicorp/go-getter", "hashicorp"),
            ("github.com/hashicorp", "hashicorp"),
            ("github.com", "github.com"),
            ("gitlab.com/group/sub/project", "group"),
            ("git.sr.ht/~sircmpwn/getopt", "sircmpwn"),
            ("gopkg.in/yaml.v3", "go-yaml"),
            ("gopkg.in/src-d/go-git.v4", "src-d"),
            ("golang.org/x/net", "golang"),
            ("google.golang.org/grpc", "google"),
            ("cloud.google.com/go/storage", "google"),
            ("k8s.io/apimachinery", "kubernetes"),
            ("go.uber.org/zap", "go.uber.org"),
            ("buf.build/go/app", "buf.build"),
        ];
        for (path, supplier) in cases {
            assert_eq!(
                supplier_from_module_path(path).as_deref(),
                Some(supplier),
                "{path}"
            );
        }
        assert_eq!(supplier_from_module_path(""), None);
        for (path, url) in [
            (
                "github.com/hashicorp/go-plugin",
                "https://github.com/hashicorp",
            ),
            ("gopkg.in/yaml.v3", "https://github.com/go-yaml"),
            ("gopkg.in/user/pkg.v1", "https://github.com/user"),
            ("golang.org/x/net", "https://go.dev"),
            ("google.golang.org/grpc", "https://google.golang.org"),
            ("go.uber.org/zap", "https://go.uber.org"),
        ] {
            assert_eq!(
                creator_url_from_module_path(path).as_deref(),
                Some(url),
                "{path}"
            );
        }
        assert_eq!(creator_url_from_module_path(""), None);
    }
}
