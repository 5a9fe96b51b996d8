//! The Go settings of `--licenses` (`licenses::GoEnv`) resolve as the real go command resolves them: settings written
//! with `go env -w` into the user's env file (`$GOENV`, `$XDG_CONFIG_HOME/go/env`, `$HOME/.config/go/env`), then
//! `$GOROOT/go.env`, environment variables first — compared with what `go env -json` prints under the same
//! environment (issue 13). `go` is never run by tofu-sbom itself; here it is the oracle.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use tofu_sbom::licenses::GoEnv;

use crate::support::go_binary;

const KEYS: [&str; 6] = crate::support::GO_MODULE_SETTINGS;

/// A clean environment for both `go` and the resolver: `go`'s directory first on `PATH`, `HOME` in `dir`, no
/// toolchain switching; `extra` added (an empty value removes the variable).
fn environment(dir: &Path, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let bin = go_binary().parent().unwrap().to_path_buf();
    let mut env: BTreeMap<String, String> = [
        ("PATH", format!("{}:/usr/bin:/bin", bin.display())),
        ("HOME", dir.join("home").display().to_string()),
        ("GOTOOLCHAIN", "local".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in extra {
        if v.is_empty() {
            env.remove(*k);
        } else {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
    }
    env
}

/// Runs `go ARGS` (from `PATH[0]`, so a symlinked `go` is run as itself) under exactly `env`, in `dir`.
fn go(dir: &Path, env: &BTreeMap<String, String>, args: &[&str]) -> String {
    let path = env["PATH"].split(':').next().unwrap();
    let run = || {
        Command::new(Path::new(path).join("go"))
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(env)
            .output()
    };
    // A `go` copied just now can be briefly "text file busy" (ETXTBSY): another test thread forking at the moment the
    // copy's write descriptor was open holds it until its own exec. Retried, not slept on blindly.
    let mut attempts = 0;
    let out = loop {
        match run() {
            Err(e) if e.raw_os_error() == Some(26) && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.expect("run go"),
        }
    };
    assert!(
        out.status.success(),
        "go {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What `go env -json` prints for [`KEYS`] under `env`.
fn go_env(dir: &Path, env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut args = vec!["env", "-json"];
    args.extend(KEYS);
    serde_json::from_str(&go(dir, env, &args)).unwrap()
}

/// Our resolution of [`KEYS`] under `env`, in `go env`'s spelling (no module cache = empty).
fn ours(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let g = GoEnv::from_lookup(|k| env.get(k).map(OsString::from));
    let cache = g
        .gomodcache
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    [
        ("GOPROXY", g.goproxy),
        ("GONOPROXY", g.gonoproxy),
        ("GOPRIVATE", g.goprivate),
        ("GOINSECURE", g.goinsecure),
        ("GOMODCACHE", cache),
        ("GOPATH", g.gopath),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Asserts that ours equals `go env` under `env` and returns it.
fn agree(dir: &Path, env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let theirs = go_env(dir, env);
    assert_eq!(ours(env), theirs, "under {env:?}");
    theirs
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    (tmp, home)
}

#[test]
fn go_env_w_settings_in_the_goenv_file_and_env_vars_over_them() {
    let (tmp, home) = setup();
    let dir = tmp.path();
    let file = dir.join("goenv");
    let gp = format!(
        "{}:{}",
        dir.join("gp1").display(),
        dir.join("gp2").display()
    );
    let with_file = environment(dir, &[("GOENV", file.to_str().unwrap())]);
    go(
        dir,
        &with_file,
        &[
            "env",
            "-w",
            "GOPROXY=https://corp.example/mod|file:///srv/proxy,off",
            "GOPRIVATE=*.corp.example,rsc.io/private",
            "GOINSECURE=insecure.example",
            &format!("GOPATH={gp}"),
        ],
    );
    let got = agree(dir, &with_file);
    assert_eq!(
        got["GOPROXY"],
        "https://corp.example/mod|file:///srv/proxy,off"
    );
    assert_eq!(got["GONOPROXY"], "*.corp.example,rsc.io/private");
    assert_eq!(got["GOINSECURE"], "insecure.example");
    // GOMODCACHE from the file's GOPATH: its first entry.
    assert_eq!(
        got["GOMODCACHE"],
        dir.join("gp1/pkg/mod").display().to_string()
    );

    // An environment variable overrides the file; GONOPROXY still defaults to the (now the environment's) GOPRIVATE.
    let overridden = environment(
        dir,
        &[
            ("GOENV", file.to_str().unwrap()),
            ("GOPROXY", "off"),
            ("GOPRIVATE", "env.example"),
        ],
    );
    let got = agree(dir, &overridden);
    assert_eq!(got["GOPROXY"], "off");
    assert_eq!(got["GONOPROXY"], "env.example");
    assert_eq!(got["GOINSECURE"], "insecure.example");

    // Go's order: GONOPROXY from the file beats the GOPRIVATE default even when GOPRIVATE comes from the environment.
    go(
        dir,
        &with_file,
        &["env", "-w", "GONOPROXY=file-noproxy.example"],
    );
    let got = agree(dir, &overridden);
    assert_eq!(got["GONOPROXY"], "file-noproxy.example");
    assert_eq!(got["GOPRIVATE"], "env.example");

    // An empty environment value is unset: the file's value stands.
    let empty = environment(
        dir,
        &[("GOENV", file.to_str().unwrap()), ("GOMODCACHE", "")],
    );
    agree(dir, &empty);

    // GOENV=off: the file is not read; GOROOT/go.env's GOPROXY and the $HOME/go defaults remain.
    let off = environment(dir, &[("GOENV", "off")]);
    let got = agree(dir, &off);
    assert_eq!(got["GOPROXY"], "https://proxy.golang.org,direct");
    assert_eq!(got["GOPRIVATE"], "");
    assert_eq!(
        got["GOMODCACHE"],
        home.join("go/pkg/mod").display().to_string()
    );
}

#[test]
fn the_default_file_is_in_the_user_config_dir() {
    let (tmp, home) = setup();
    let dir = tmp.path();
    // $XDG_CONFIG_HOME/go/env.
    let xdg = dir.join("xdg");
    let with_xdg = environment(dir, &[("XDG_CONFIG_HOME", xdg.to_str().unwrap())]);
    go(
        dir,
        &with_xdg,
        &[
            "env",
            "-w",
            "GOPROXY=https://xdg.example",
            "GOMODCACHE=/srv/modcache",
        ],
    );
    assert!(xdg.join("go/env").is_file());
    let got = agree(dir, &with_xdg);
    assert_eq!(got["GOPROXY"], "https://xdg.example");
    assert_eq!(got["GOMODCACHE"], "/srv/modcache");

    // Without XDG_CONFIG_HOME: $HOME/.config/go/env.
    let plain = environment(dir, &[]);
    go(dir, &plain, &["env", "-w", "GOPRIVATE=home.example"]);
    assert!(home.join(".config/go/env").is_file());
    let got = agree(dir, &plain);
    assert_eq!(got["GONOPROXY"], "home.example");
    assert_eq!(got["GOPROXY"], "https://proxy.golang.org,direct");

    // A relative XDG_CONFIG_HOME is no config dir for Go: no file at all (not $HOME/.config either).
    let relative = environment(dir, &[("XDG_CONFIG_HOME", "relative/xdg")]);
    let got = agree(dir, &relative);
    assert_eq!(got["GOPRIVATE"], "");

    // GOENV=off wins over a file in the default place.
    let off = environment(
        dir,
        &[("XDG_CONFIG_HOME", xdg.to_str().unwrap()), ("GOENV", "off")],
    );
    assert_eq!(
        agree(dir, &off)["GOPROXY"],
        "https://proxy.golang.org,direct"
    );

    // No HOME at all: no GOPATH, no module cache.
    let homeless = environment(dir, &[("HOME", ""), ("GOENV", "off")]);
    let got = agree(dir, &homeless);
    assert_eq!(
        (got["GOPATH"].as_str(), got["GOMODCACHE"].as_str()),
        ("", "")
    );
}

/// A GOROOT under `dir` that is the real one but for its go.env (`go_env`) and, with `own_go`, a copy of `go` in its
/// `bin/` (so that go finds this GOROOT from its own executable); every other entry links back.
fn fake_goroot(dir: &Path, go_env: &str, own_go: bool) -> PathBuf {
    let real = go_binary()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let goroot = dir.join("goroot");
    std::fs::create_dir(&goroot).unwrap();
    for e in std::fs::read_dir(&real).unwrap() {
        let name = e.unwrap().file_name();
        if name == "go.env" || (own_go && name == "bin") {
            continue;
        }
        std::os::unix::fs::symlink(real.join(&name), goroot.join(&name)).unwrap();
    }
    if own_go {
        std::fs::create_dir(goroot.join("bin")).unwrap();
        std::fs::copy(go_binary(), goroot.join("bin/go")).unwrap();
    }
    std::fs::write(goroot.join("go.env"), go_env).unwrap();
    goroot
}

#[test]
fn goroot_go_env_supplies_what_the_user_file_does_not() {
    let (tmp, _home) = setup();
    let dir = tmp.path();
    let goroot = fake_goroot(
        dir,
        "# defaults\nGOPROXY=https://goroot.example/mod|off\nGOPRIVATE=goroot.example\n\nlower=ignored\n",
        false,
    );
    let file = dir.join("goenv");
    let env = environment(
        dir,
        &[
            ("GOROOT", goroot.to_str().unwrap()),
            ("GOENV", file.to_str().unwrap()),
        ],
    );
    let got = agree(dir, &env);
    assert_eq!(got["GOPROXY"], "https://goroot.example/mod|off");
    assert_eq!(got["GONOPROXY"], "goroot.example");
    // The user file beats go.env.
    go(dir, &env, &["env", "-w", "GOPROXY=https://user.example"]);
    let got = agree(dir, &env);
    assert_eq!(got["GOPROXY"], "https://user.example");
    assert_eq!(got["GOPRIVATE"], "goroot.example");
}

#[test]
fn without_goroot_the_go_on_path_names_it_through_a_symlink() {
    let (tmp, _home) = setup();
    let dir = tmp.path();
    let goroot = fake_goroot(dir, "GOPROXY=https://found.example\n", true);
    // `PATH` holds a link to `GOROOT/bin/go`: its own `../..` is no GOROOT, the link's target's is.
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(goroot.join("bin/go"), bin.join("go")).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let env = environment(dir, &[("PATH", &path), ("GOENV", "off")]);
    assert_eq!(agree(dir, &env)["GOPROXY"], "https://found.example");
    // Directly in `GOROOT/bin` too.
    let path = format!("{}:/usr/bin:/bin", goroot.join("bin").display());
    let env = environment(dir, &[("PATH", &path), ("GOENV", "off")]);
    assert_eq!(agree(dir, &env)["GOPROXY"], "https://found.example");
    // No go anywhere: the default of go.env.
    let env = environment(dir, &[("PATH", "/nonexistent"), ("GOENV", "off")]);
    assert_eq!(
        ours(&env)["GOPROXY"],
        tofu_sbom::licenses::goenv::DEFAULT_GOPROXY
    );
}
