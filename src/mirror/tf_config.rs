//! `mirror --from-config DIR`: the providers an OpenTofu configuration requires, as catalogue entries — what
//! `tofu providers mirror` reads: every `terraform { required_providers { NAME = { source, version } } }` in the
//! root module's `*.tf` and `*.tofu` files and in the local modules it calls (`module "x" { source = "./sub" }`,
//! followed recursively). A provider required in several places gets all their constraints at once (`>= 1.2, < 2.0`,
//! as OpenTofu combines them); a requirement without `source` is `hashicorp/NAME`, as OpenTofu reads a legacy one.
//! Parsed with `hcl-rs` (a real HCL parser: heredocs, comments, expressions).
//!
//! Knows nothing of registries or the command line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::{Body, Expression, ObjectKey};

use super::catalogue::CatalogueEntry;
use super::error::{MirrorError, Result};
use super::source::MirrorSource;
use crate::archive::ProviderAddress;

/// How deep local module calls are followed.
const MAX_MODULE_DEPTH: usize = 16;

/// The catalogue of `dir`'s configuration (module docs), sorted by provider address; `line` numbers the entries.
pub fn catalogue_from_config(dir: &Path) -> Result<Vec<CatalogueEntry>> {
    let mut required: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    read_module(dir, 0, &mut seen, &mut required)?;
    if required.is_empty() {
        return Err(MirrorError::Catalogue {
            file: dir.display().to_string(),
            line: 0,
            reason: "its configuration requires no provider (no terraform { required_providers { … } } block)"
                .into(),
        });
    }
    let mut out = Vec::new();
    for (i, (address, mut constraints)) in required.into_iter().enumerate() {
        constraints.sort();
        constraints.dedup();
        let text = if constraints.is_empty() {
            address.clone()
        } else {
            format!("{address}@{}", constraints.join(", "))
        };
        let source = MirrorSource::parse(&format!("provider:{text}")).map_err(|e| {
            MirrorError::Catalogue {
                file: dir.display().to_string(),
                line: 0,
                reason: format!("{text}: {e}"),
            }
        })?;
        out.push(CatalogueEntry {
            line: i + 1,
            text,
            source,
        });
    }
    Ok(out)
}

fn read_module(
    dir: &Path,
    depth: usize,
    seen: &mut BTreeSet<PathBuf>,
    required: &mut BTreeMap<String, Vec<String>>,
) -> Result<()> {
    let canonical = dir
        .canonicalize()
        .map_err(|e| MirrorError::io("reading the configuration directory", dir, e))?;
    if !seen.insert(canonical) || depth > MAX_MODULE_DEPTH {
        return Ok(());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| MirrorError::io("listing", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|x| x.to_str()), Some("tf" | "tofu"))
        })
        .collect();
    files.sort();
    let mut children = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| MirrorError::io("reading", &file, e))?;
        let body: Body = hcl::parse(&text).map_err(|e| MirrorError::Catalogue {
            file: file.display().to_string(),
            line: 0,
            reason: format!("not valid HCL: {e}"),
        })?;
        for block in body.blocks() {
            match block.identifier() {
                "terraform" => {
                    for rp in block
                        .body()
                        .blocks()
                        .filter(|b| b.identifier() == "required_providers")
                    {
                        for attr in rp.body().attributes() {
                            let (source, version) = requirement(attr.key(), attr.expr());
                            // One key per provider however it is spelled (`hashicorp/aws`,
                            // `registry.opentofu.org/HashiCorp/AWS`); an unparsable one is kept as written and fails
                            // with its own message when parsed as a source.
                            let key =
                                ProviderAddress::parse(&source).map_or(source, |a| a.to_string());
                            required.entry(key).or_default().extend(version);
                        }
                    }
                }
                "module" => {
                    let local = block
                        .body()
                        .attributes()
                        .find(|a| a.key() == "source")
                        .and_then(|a| match a.expr() {
                            Expression::String(s)
                                if s.starts_with("./") || s.starts_with("../") =>
                            {
                                Some(s.clone())
                            }
                            _ => None,
                        });
                    if let Some(s) = local {
                        children.push(dir.join(s));
                    }
                }
                _ => {}
            }
        }
    }
    for child in children {
        read_module(&child, depth + 1, seen, required)?;
    }
    Ok(())
}

/// `(source address, version constraint)` of one `required_providers` attribute (`NAME = { source, version }`, or
/// the legacy `NAME = "CONSTRAINT"`).
fn requirement(name: &str, expr: &Expression) -> (String, Option<String>) {
    let legacy = || format!("hashicorp/{name}");
    match expr {
        Expression::String(v) => (legacy(), Some(v.clone())),
        Expression::Object(o) => {
            let get = |key: &str| {
                o.iter().find_map(|(k, v)| {
                    let k = match k {
                        ObjectKey::Identifier(i) => i.to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.clone(),
                        _ => return None,
                    };
                    match v {
                        Expression::String(s) if k == key => Some(s.clone()),
                        _ => None,
                    }
                })
            };
            (
                get("source").map_or_else(legacy, |s| s.to_ascii_lowercase()),
                get("version").filter(|v| !v.trim().is_empty()),
            )
        }
        _ => (legacy(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_providers_of_the_root_and_local_modules_are_merged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            r#"
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    # a comment
    tls = "~> 4.0"
  }
}
module "net" {
  source = "./modules/net"
}
module "remote" {
  source = "registry.example/acme/thing/aws"
}
"#,
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("modules/net")).unwrap();
        std::fs::write(
            dir.path().join("modules/net/versions.tofu"),
            r#"terraform {
  required_providers {
    aws = { source = "HashiCorp/AWS", version = "< 6.0" }
    dns = { source = "registry.example/acme/dns" }
  }
}
"#,
        )
        .unwrap();
        let e = catalogue_from_config(dir.path()).unwrap();
        assert_eq!(
            e.iter()
                .map(|e| (e.line, e.text.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (1, "registry.example/acme/dns"),
                (2, "registry.opentofu.org/hashicorp/aws@< 6.0, >= 5.0"),
                (3, "registry.opentofu.org/hashicorp/tls@~> 4.0"),
            ]
        );
        assert_eq!(e[1].shard_key(), "registry.opentofu.org/hashicorp/aws");
        std::fs::write(dir.path().join("bad.tf"), "terraform {").unwrap();
        let err = catalogue_from_config(dir.path()).unwrap_err().to_string();
        assert!(err.contains("bad.tf: not valid HCL"), "{err}");
        let empty = tempfile::tempdir().unwrap();
        assert!(catalogue_from_config(empty.path())
            .unwrap_err()
            .to_string()
            .ends_with("its configuration requires no provider (no terraform { required_providers { … } } block)"));
    }
}
