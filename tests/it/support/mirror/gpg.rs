//! Keys and signatures made by Debian's GnuPG (`apt-get install -y gnupg`), in a temporary `GNUPGHOME` per test.
//! Signatures are binary detached signatures (`gpg --detach-sign`), as GoReleaser writes and registries serve.

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) struct Gpg {
    pub home: tempfile::TempDir,
}

/// A generated key.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    /// Primary key fingerprint (uppercase hex).
    pub fingerprint: String,
    /// Primary key id (uppercase hex, 16 digits).
    pub key_id: String,
    /// `gpg --armor --export`.
    pub armor: String,
    /// Signing subkey (fingerprint, key id), when one was added.
    pub signing_subkey: Option<(String, String)>,
}

impl Gpg {
    pub(crate) fn new() -> Self {
        assert!(
            Command::new("gpg").arg("--version").output().is_ok(),
            "gpg is not installed: apt-get install -y gnupg"
        );
        // A short path: gpg-agent's socket path must fit in sun_path.
        let home = tempfile::Builder::new()
            .prefix("gpg")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::set_permissions(
            home.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        Self { home }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", self.home.path()).args([
            "--batch",
            "--yes",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]);
        c
    }

    fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `gpg --quick-gen-key USER ALGO sign never` (e.g. `ed25519`, `rsa2048`).
    pub(crate) fn gen_key(&self, user: &str, algo: &str) -> Key {
        self.run(&["--quick-gen-key", user, algo, "sign", "never"]);
        let colons = String::from_utf8(self.run(&["--with-colons", "--list-keys", user])).unwrap();
        let mut key_id = String::new();
        let mut fingerprint = String::new();
        for line in colons.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f[0] == "pub" {
                key_id = f[4].to_owned();
            }
            if f[0] == "fpr" && fingerprint.is_empty() {
                fingerprint = f[9].to_owned();
            }
        }
        assert_eq!(key_id.len(), 16, "{colons}");
        let armor = String::from_utf8(self.run(&["--armor", "--export", &fingerprint])).unwrap();
        Key {
            fingerprint,
            key_id,
            armor,
            signing_subkey: None,
        }
    }

    /// Adds an ed25519 signing subkey to `key` (and re-exports it).
    pub(crate) fn add_signing_subkey(&self, key: &Key) -> Key {
        self.run(&[
            "--quick-add-key",
            &key.fingerprint,
            "ed25519",
            "sign",
            "never",
        ]);
        let colons =
            String::from_utf8(self.run(&["--with-colons", "--list-keys", &key.fingerprint]))
                .unwrap();
        let mut sub: Option<(String, String)> = None;
        let mut in_sub = false;
        for line in colons.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f[0] == "sub" {
                in_sub = true;
                sub = Some((String::new(), f[4].to_owned()));
            } else if f[0] == "fpr" && in_sub {
                if let Some((fp, _)) = &mut sub {
                    *fp = f[9].to_owned();
                }
                in_sub = false;
            }
        }
        let armor =
            String::from_utf8(self.run(&["--armor", "--export", &key.fingerprint])).unwrap();
        Key {
            armor,
            signing_subkey: sub,
            ..key.clone()
        }
    }

    /// A binary detached signature of `file` by `signer` (a fingerprint; append `!` to force a subkey).
    pub(crate) fn sign(&self, signer: &str, file: &Path) -> Vec<u8> {
        let out = self.home.path().join("sig.tmp");
        self.run(&[
            "--local-user",
            signer,
            "--detach-sign",
            "--output",
            out.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
        let sig = std::fs::read(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        sig
    }

    /// An ASCII-armored detached signature.
    pub(crate) fn sign_armored(&self, signer: &str, file: &Path) -> Vec<u8> {
        let out = self.home.path().join("sig.asc.tmp");
        self.run(&[
            "--local-user",
            signer,
            "--armor",
            "--detach-sign",
            "--output",
            out.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
        let sig = std::fs::read(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        sig
    }

    /// `gpg --verify SIG FILE` succeeds (the independent oracle).
    pub(crate) fn verifies(&self, sig: &[u8], file: &Path) -> bool {
        let sig_path: PathBuf = self.home.path().join("verify.sig");
        std::fs::write(&sig_path, sig).unwrap();
        let ok = self
            .cmd()
            .args([
                "--verify",
                sig_path.to_str().unwrap(),
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap()
            .status
            .success();
        std::fs::remove_file(&sig_path).unwrap();
        ok
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        // Stop the agent this GNUPGHOME started (it exits by itself once its home is gone, but promptly is better).
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}
