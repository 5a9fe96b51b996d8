//! Whether OpenTofu finds the registry credentials we used, and the `.tofurc` lines that make it find them.
//!
//! OpenTofu 1.12 reads fewer credential sources than we do (`internal/command/cliconfig/ociauthconfig`,
//! `docker_cli_credentials_config.go`): without `oci_credentials`/`oci_default_credentials` blocks it searches a fixed
//! list of files — `$XDG_RUNTIME_DIR/containers/auth.json` (Linux; `~/.config/containers/auth.json` on macOS and
//! Windows), `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`, `~/.docker/config.json`, `~/.dockercfg` — and
//! ignores `DOCKER_CONFIG` and `REGISTRY_AUTH_FILE`. Of a file it reads `auths.*.auth` only (no `identitytoken`),
//! `credHelpers` and `credsStore`, and an `auths` key with a scheme (`https://HOST`) never matches
//! (`ContainersAuthPropertyNameMatch`). So `publish` can succeed with credentials `tofu init` never sees.
//!
//! [`tofu_credentials_advice`] compares the source the credentials chain used with that list and, where OpenTofu would
//! not find it, gives the reason and the `.tofurc` lines (syntax of `internal/command/cliconfig/oci_credentials.go`:
//! `oci_default_credentials { docker_style_config_files = [...] }`, `oci_credentials "HOST" { username/password |
//! docker_credentials_helper }`). Never a secret: a password is always the placeholder [`PASSWORD_PLACEHOLDER`].

use std::path::{Path, PathBuf};

use crate::provider::artifact::tofu_registry_host;
use crate::registry::credentials::{Credential, CredentialEnv, CredentialSource};

/// What the printed `oci_credentials` block says instead of a password.
pub const PASSWORD_PLACEHOLDER: &str = "<password or token>";

/// Credentials OpenTofu would not find, and how to make it find them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TofuCredentialsAdvice {
    /// One sentence: where our credentials came from and why `tofu init` would not read them.
    pub reason: String,
    /// The `.tofurc` lines to add (no secret).
    pub tofurc: String,
}

/// The files OpenTofu 1.12 searches on Linux, in order (`dockerCLIStyleAuthFileSearchLocations`).
pub fn tofu_search_paths(env: &CredentialEnv) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(run) = &env.xdg_runtime_dir {
        v.push(run.join("containers").join("auth.json"));
    }
    let Some(home) = &env.home else {
        return v;
    };
    let config = env
        .xdg_config_home
        .clone()
        .unwrap_or_else(|| home.join(".config"));
    v.push(config.join("containers").join("auth.json"));
    v.push(home.join(".docker").join("config.json"));
    v.push(home.join(".dockercfg"));
    v
}

/// `None` when OpenTofu finds the same credentials for `registry` (or there are none); else why not and the
/// `.tofurc` lines that fix it. `credential` is what the chain found through `source`.
pub fn tofu_credentials_advice(
    registry: &str,
    source: &CredentialSource,
    credential: Option<&Credential>,
    env: &CredentialEnv,
) -> Option<TofuCredentialsAdvice> {
    let host = tofu_registry_host(registry);
    let username = credential
        .and_then(Credential::username)
        .unwrap_or("<username>");
    let static_block = || {
        format!(
            "oci_credentials \"{host}\" {{\n  username = \"{username}\"\n  password = \"{PASSWORD_PLACEHOLDER}\"\n}}\n"
        )
    };
    let files_block = |path: &Path| {
        format!(
            "oci_default_credentials {{\n  docker_style_config_files = [\"{}\"]\n}}\n",
            path.display()
        )
    };
    let searched = |path: &Path| tofu_search_paths(env).iter().any(|p| p == path);
    let advice = |reason: String, tofurc: String| {
        Some(TofuCredentialsAdvice {
            reason: format!(
                "tofu init would not find the credentials used for {registry}: {reason}"
            ),
            tofurc,
        })
    };
    match source {
        CredentialSource::Anonymous => None,
        CredentialSource::Explicit | CredentialSource::Environment => advice(
            format!(
                "they came from {source}, which OpenTofu does not read; give tofu the same ones (fill in the password)"
            ),
            static_block(),
        ),
        CredentialSource::DockerConfig { path, key } => {
            if matches!(credential, Some(Credential::IdentityToken { .. })) {
                return advice(
                    format!(
                        "the auths entry {key:?} of {} holds an identitytoken, which OpenTofu does not read; give tofu a \
                         username and password or token",
                        path.display()
                    ),
                    static_block(),
                );
            }
            if key.contains("://") {
                return advice(
                    format!(
                        "the auths key {key:?} of {} has a scheme, and OpenTofu skips such keys; give tofu the same \
                         credentials (fill in the password), or rename the key to {host:?}",
                        path.display()
                    ),
                    static_block(),
                );
            }
            if key.split('/').next() != Some(host) {
                return advice(
                    format!(
                        "OpenTofu looks credentials up under {host:?}, not under the auths key {key:?} of {}; give \
                         tofu the same credentials (fill in the password), or rename the key to {host:?}",
                        path.display()
                    ),
                    static_block(),
                );
            }
            if searched(path) {
                return None;
            }
            advice(
                format!(
                    "{} is not among the files OpenTofu searches (it ignores DOCKER_CONFIG); point tofu at it (this \
                     replaces its search list)",
                    path.display()
                ),
                files_block(path),
            )
        }
        CredentialSource::CredHelper { helper } | CredentialSource::CredsStore { helper } => {
            if host != registry {
                // We ask a helper about Docker Hub's legacy `https://index.docker.io/v1/`, where `docker login` stores
                // it; OpenTofu asks about `https://registry-1.docker.io`.
                return advice(
                    format!(
                        "docker-credential-{helper} answered for Docker Hub's https://index.docker.io/v1/, but OpenTofu \
                         asks it about https://{host}; give tofu the same credentials (fill in the password)"
                    ),
                    static_block(),
                );
            }
            let from = env.docker_config_path();
            if from.as_deref().is_some_and(searched) {
                return None;
            }
            let file = from.map_or_else(String::new, |p| format!(" {}", p.display()));
            advice(
                format!(
                    "docker-credential-{helper} is configured in{file}, a file OpenTofu does not search (it ignores \
                     DOCKER_CONFIG); name the helper for {host}"
                ),
                format!(
                    "oci_credentials \"{host}\" {{\n  docker_credentials_helper = \"{helper}\"\n}}\n"
                ),
            )
        }
        CredentialSource::ContainersAuth { path, key } => {
            if key.contains("://") {
                return advice(
                    format!(
                        "the key {key:?} of {} has a scheme, and OpenTofu skips such keys; give tofu the same \
                         credentials (fill in the password), or rename the key to {host:?}",
                        path.display()
                    ),
                    static_block(),
                );
            }
            if key.split('/').next() != Some(host) {
                return advice(
                    format!(
                        "OpenTofu looks credentials up under {host:?}, not under the key {key:?} of {}; give tofu the \
                         same credentials (fill in the password), or rename the key to {host:?}",
                        path.display()
                    ),
                    static_block(),
                );
            }
            if searched(path) {
                return None;
            }
            advice(
                format!(
                    "{} is not among the files OpenTofu searches (it ignores REGISTRY_AUTH_FILE); point tofu at it \
                     (this replaces its search list)",
                    path.display()
                ),
                files_block(path),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &str, docker_config: Option<&str>) -> CredentialEnv {
        CredentialEnv {
            home: Some(home.into()),
            docker_config_dir: docker_config.map(PathBuf::from),
            xdg_runtime_dir: Some("/run/user/1000".into()),
            ..CredentialEnv::isolated()
        }
    }

    fn basic() -> Credential {
        Credential::Basic {
            username: "ci".into(),
            password: "s3cret".into(),
        }
    }

    #[test]
    fn sources_tofu_reads_need_no_advice() {
        let e = env("/home/u", None);
        let docker = CredentialSource::DockerConfig {
            path: "/home/u/.docker/config.json".into(),
            key: "ghcr.io".into(),
        };
        assert_eq!(
            tofu_credentials_advice("ghcr.io", &docker, Some(&basic()), &e),
            None
        );
        for path in [
            "/run/user/1000/containers/auth.json",
            "/home/u/.config/containers/auth.json",
        ] {
            let c = CredentialSource::ContainersAuth {
                path: path.into(),
                key: "ghcr.io/acme".into(),
            };
            assert_eq!(
                tofu_credentials_advice("ghcr.io", &c, Some(&basic()), &e),
                None
            );
        }
        let helper = CredentialSource::CredHelper {
            helper: "gcloud".into(),
        };
        assert_eq!(
            tofu_credentials_advice("ghcr.io", &helper, Some(&basic()), &e),
            None
        );
        assert_eq!(
            tofu_credentials_advice("ghcr.io", &CredentialSource::Anonymous, None, &e),
            None
        );
    }

    #[test]
    fn sources_tofu_ignores_get_the_tofurc_lines() {
        let e = env("/home/u", Some("/ci/docker"));
        let docker = CredentialSource::DockerConfig {
            path: "/ci/docker/config.json".into(),
            key: "ghcr.io".into(),
        };
        let a = tofu_credentials_advice("ghcr.io", &docker, Some(&basic()), &e).unwrap();
        assert_eq!(
            a.reason,
            "tofu init would not find the credentials used for ghcr.io: /ci/docker/config.json is not among the files \
             OpenTofu searches (it ignores DOCKER_CONFIG); point tofu at it (this replaces its search list)"
        );
        assert_eq!(
            a.tofurc,
            "oci_default_credentials {\n  docker_style_config_files = [\"/ci/docker/config.json\"]\n}\n"
        );

        let e = env("/home/u", None);
        let scheme = CredentialSource::DockerConfig {
            path: "/home/u/.docker/config.json".into(),
            key: "https://ghcr.io".into(),
        };
        let a = tofu_credentials_advice("ghcr.io", &scheme, Some(&basic()), &e).unwrap();
        assert_eq!(
            a.tofurc,
            "oci_credentials \"ghcr.io\" {\n  username = \"ci\"\n  password = \"<password or token>\"\n}\n"
        );
        assert!(!a.tofurc.contains("s3cret") && !a.reason.contains("s3cret"));
        assert!(
            a.reason
                .contains("has a scheme, and OpenTofu skips such keys")
        );

        let token = Credential::IdentityToken {
            token: "refresh".into(),
        };
        let plain = CredentialSource::DockerConfig {
            path: "/home/u/.docker/config.json".into(),
            key: "ghcr.io".into(),
        };
        let a = tofu_credentials_advice("ghcr.io", &plain, Some(&token), &e).unwrap();
        assert!(a.reason.contains("holds an identitytoken"), "{}", a.reason);
        assert_eq!(
            a.tofurc,
            "oci_credentials \"ghcr.io\" {\n  username = \"<username>\"\n  password = \"<password or token>\"\n}\n"
        );

        let a = tofu_credentials_advice(
            "127.0.0.1:5000",
            &CredentialSource::Environment,
            Some(&basic()),
            &e,
        )
        .unwrap();
        assert_eq!(
            a.reason,
            "tofu init would not find the credentials used for 127.0.0.1:5000: they came from environment \
             TOFU_SBOM_REGISTRY_USERNAME/TOFU_SBOM_REGISTRY_PASSWORD, which OpenTofu does not read; give tofu the \
             same ones (fill in the password)"
        );
        assert_eq!(
            a.tofurc,
            "oci_credentials \"127.0.0.1:5000\" {\n  username = \"ci\"\n  password = \"<password or token>\"\n}\n"
        );

        let e = env("/home/u", Some("/ci/docker"));
        let helper = CredentialSource::CredsStore {
            helper: "pass".into(),
        };
        let a = tofu_credentials_advice("ghcr.io", &helper, Some(&basic()), &e).unwrap();
        assert_eq!(
            a.tofurc,
            "oci_credentials \"ghcr.io\" {\n  docker_credentials_helper = \"pass\"\n}\n"
        );

        let auth_file = CredentialSource::ContainersAuth {
            path: "/etc/ci/auth.json".into(),
            key: "ghcr.io".into(),
        };
        let a = tofu_credentials_advice("ghcr.io", &auth_file, Some(&basic()), &e).unwrap();
        assert!(a.reason.contains("it ignores REGISTRY_AUTH_FILE"));
        assert_eq!(
            a.tofurc,
            "oci_default_credentials {\n  docker_style_config_files = [\"/etc/ci/auth.json\"]\n}\n"
        );
    }

    /// Docker Hub: `docker login` writes the key `https://index.docker.io/v1/`, which OpenTofu skips, and OpenTofu
    /// looks credentials up for `registry-1.docker.io` (the host oras-go talks to, which our `.tofurc` names).
    #[test]
    fn docker_hub_credentials_are_named_for_registry_1() {
        let e = env("/home/u", None);
        let hub = CredentialSource::DockerConfig {
            path: "/home/u/.docker/config.json".into(),
            key: "https://index.docker.io/v1/".into(),
        };
        let a = tofu_credentials_advice("docker.io", &hub, Some(&basic()), &e).unwrap();
        assert_eq!(
            a.tofurc,
            "oci_credentials \"registry-1.docker.io\" {\n  username = \"ci\"\n  password = \"<password or token>\"\n}\n"
        );
        let alias = CredentialSource::DockerConfig {
            path: "/home/u/.docker/config.json".into(),
            key: "docker.io".into(),
        };
        let a = tofu_credentials_advice("docker.io", &alias, Some(&basic()), &e).unwrap();
        assert!(
            a.reason
                .contains("OpenTofu looks credentials up under \"registry-1.docker.io\", not under the auths key \"docker.io\""),
            "{}",
            a.reason
        );
        let exact = CredentialSource::DockerConfig {
            path: "/home/u/.docker/config.json".into(),
            key: "registry-1.docker.io".into(),
        };
        assert_eq!(
            tofu_credentials_advice("docker.io", &exact, Some(&basic()), &e),
            None
        );
        let helper = CredentialSource::CredsStore {
            helper: "desktop".into(),
        };
        let a = tofu_credentials_advice("docker.io", &helper, Some(&basic()), &e).unwrap();
        assert_eq!(
            a.tofurc,
            "oci_credentials \"registry-1.docker.io\" {\n  username = \"ci\"\n  password = \"<password or token>\"\n}\n"
        );
    }
}
