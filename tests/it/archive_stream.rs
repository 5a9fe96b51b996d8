//! Streaming a real Go binary out of provider ZIPs written by three independent writers (Go's `archive/zip`, as
//! GoReleaser uses it; Python's `zipfile`; Info-ZIP `zip`): byte-identical content, pass counting, digests against
//! `sha256sum`/`sha512sum`, and `h1:` against `scripts/h1.py`.
//!
//! The Go binary is built once into `~/.cache/tofu-sbom-test/fixtures/archive/` (override the cache root with
//! `TOFU_SBOM_TEST_CACHE`) with the Go toolchain the test script installs there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tofu_sbom::archive::{ArchiveError, BinarySelector, Digests, Observe, ProviderZip};
use tofu_sbom::limits::Limits;
use tofu_sbom::read_at::ReadAt;

use crate::support;

fn go_command(dir: &Path) -> Command {
    let mut cmd = Command::new(support::go_binary());
    cmd.current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", "0");
    cmd
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const HELLO: &str =
    "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from a provider\") }\n";

/// `archive/zip` exactly as GoReleaser writes archives: `Create` (deflate, data descriptors), 0755 mode.
const GO_ZIP: &str = r#"package main

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
)

func main() {
	out, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	w := zip.NewWriter(out)
	for _, src := range os.Args[2:] {
		info, err := os.Stat(src)
		if err != nil {
			panic(err)
		}
		h, err := zip.FileInfoHeader(info)
		if err != nil {
			panic(err)
		}
		h.Name = filepath.Base(src)
		h.Method = zip.Deflate
		f, err := w.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		in, err := os.Open(src)
		if err != nil {
			panic(err)
		}
		if _, err := io.Copy(f, in); err != nil {
			panic(err)
		}
		in.Close()
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
}
"#;

/// The Go binary and the three ZIPs of it (plus a README), built once per test run.
struct Fixture {
    binary: PathBuf,
    zips: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let cache = support::cache_dir().join("fixtures/archive");
        std::fs::create_dir_all(&cache).unwrap();
        let binary = cache.join("hello_linux_amd64");
        let tmp = tempfile::tempdir().unwrap();
        if !binary.is_file() {
            std::fs::write(tmp.path().join("main.go"), HELLO).unwrap();
            std::fs::write(
                tmp.path().join("go.mod"),
                "module example.com/hello\n\ngo 1.21\n",
            )
            .unwrap();
            let built = tmp.path().join("hello");
            run(go_command(tmp.path())
                .env("GOOS", "linux")
                .env("GOARCH", "amd64")
                .args(["build", "-trimpath", "-buildvcs=false", "-o"])
                .arg(&built));
            std::fs::rename(&built, &binary).unwrap();
        }
        let pkg = tmp.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        let exe = pkg.join("terraform-provider-hello_v0.1.0");
        std::fs::copy(&binary, &exe).unwrap();
        std::fs::write(pkg.join("README.md"), "# hello provider\n").unwrap();

        let go_dir = tmp.path().join("gozip");
        std::fs::create_dir(&go_dir).unwrap();
        std::fs::write(go_dir.join("main.go"), GO_ZIP).unwrap();
        std::fs::write(
            go_dir.join("go.mod"),
            "module example.com/gozip\n\ngo 1.21\n",
        )
        .unwrap();
        let go_zip = tmp.path().join("go.zip");
        run(go_command(&go_dir)
            .args(["run", "."])
            .arg(&go_zip)
            .arg(&exe)
            .arg(pkg.join("README.md")));

        let py_zip = tmp.path().join("python.zip");
        run(Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, zipfile\n\
                 with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n\
                 \x20   z.write(sys.argv[2], 'terraform-provider-hello_v0.1.0')\n\
                 \x20   z.write(sys.argv[3], 'docs/README.md')\n",
            )
            .arg(&py_zip)
            .arg(&exe)
            .arg(pkg.join("README.md")));

        // Info-ZIP adds extended-timestamp and Unix extra fields. Its MS-DOS times are local time: with TZ at
        // +05:30 they are 5.5 hours off the UTC extended timestamp, so the test below tells the two apart.
        let info_zip = tmp.path().join("infozip.zip");
        run(Command::new("zip")
            .current_dir(&pkg)
            .env("TZ", "Asia/Kolkata")
            .args(["-q", "-r"])
            .arg(&info_zip)
            .args(["terraform-provider-hello_v0.1.0", "README.md"]));
        Fixture {
            binary,
            zips: vec![go_zip, py_zip, info_zip],
            _dir: tmp,
        }
    })
}

fn open(zip: &Path) -> ProviderZip {
    ProviderZip::open(
        zip,
        &BinarySelector::ProviderType("hello".into()),
        &Limits::default(),
    )
    .unwrap()
}

fn tool_digest(tool: &str, path: &Path) -> String {
    let out = Command::new(tool).arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn forward_reading_yields_the_original_bytes_in_one_pass() {
    let f = fixture();
    let original = std::fs::read(&f.binary).unwrap();
    assert!(original.len() > 1_000_000, "a real Go binary");
    for zip_path in &f.zips {
        let zip = open(zip_path);
        let mut reader = zip.binary_reader(Observe::Sha256AndSha512);
        assert_eq!(reader.len(), original.len() as u64);
        assert!(reader.is_forward_only());
        let mut content = Vec::with_capacity(original.len());
        let mut chunk = vec![0u8; 10_007];
        let mut offset = 0u64;
        while offset < reader.len() {
            let n = chunk
                .len()
                .min(usize::try_from(reader.len() - offset).unwrap());
            reader.read_exact_at(offset, &mut chunk[..n]).unwrap();
            content.extend_from_slice(&chunk[..n]);
            offset += n as u64;
        }
        assert_eq!(reader.passes(), 1, "{}", zip_path.display());
        let outcome = reader.finish().unwrap();
        assert_eq!(outcome.passes, 1);
        assert!(
            content == original,
            "{}: content differs",
            zip_path.display()
        );
        let digests = outcome.digests.both().unwrap();
        assert_eq!(digests.sha256_hex(), tool_digest("sha256sum", &f.binary));
        assert_eq!(digests.sha512_hex(), tool_digest("sha512sum", &f.binary));
    }
}

#[test]
fn skipping_forward_is_one_pass_and_a_backward_read_restarts_once() {
    let f = fixture();
    let original = std::fs::read(&f.binary).unwrap();
    let len = original.len() as u64;
    let zip = open(&f.zips[0]);
    let mut reader = zip.binary_reader(Observe::Sha256AndSha512);
    let mut buf = [0u8; 64];
    for offset in [0, 4096, len / 2, len - 64] {
        reader.read_exact_at(offset, &mut buf).unwrap();
        let at = usize::try_from(offset).unwrap();
        assert_eq!(buf[..], original[at..at + 64]);
    }
    assert_eq!(reader.passes(), 1);
    // Behind the position: a second pass.
    reader.read_exact_at(100, &mut buf).unwrap();
    assert_eq!(buf[..], original[100..164]);
    assert_eq!(reader.passes(), 2);
    reader.read_exact_at(len / 3, &mut buf).unwrap();
    assert_eq!(reader.passes(), 2);
    let outcome = reader.finish().unwrap();
    assert_eq!(outcome.passes, 2);
    assert_eq!(outcome.digests.both().unwrap(), Digests::of(&original));
}

#[test]
fn a_backward_read_mid_entry_still_hashes_every_byte_once() {
    let f = fixture();
    let original = std::fs::read(&f.binary).unwrap();
    let zip = open(&f.zips[1]);
    // A scan whose callback reads the middle, then the start (as a pre-1.18 build-info reader does).
    let scan = zip
        .scan(|r| {
            let mut a = [0u8; 16];
            r.read_exact_at(r.len() / 2, &mut a).unwrap();
            let mut b = [0u8; 4];
            r.read_exact_at(0, &mut b).unwrap();
            b
        })
        .unwrap();
    assert_eq!(&scan.binary, b"\x7fELF");
    assert_eq!(scan.binary_passes, 2);
    assert_eq!(scan.binary_digests, Digests::of(&original));
}

#[test]
fn exceeding_the_pass_limit_is_an_error() {
    let f = fixture();
    let zip = open(&f.zips[0]);
    let mut reader = zip.binary_reader(Observe::Nothing);
    let mut buf = [0u8; 8];
    reader.read_exact_at(1000, &mut buf).unwrap();
    reader.read_exact_at(10, &mut buf).unwrap();
    let err = reader.read_exact_at(0, &mut buf).unwrap_err();
    let path = f.zips[0].display().to_string();
    let want = format!(
        "{path}: entry \"terraform-provider-hello_v0.1.0\": reading it needs more than 2 inflation passes"
    );
    assert_eq!(err.to_string(), want);
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    // Sticky, and typed at the end.
    assert_eq!(
        reader
            .read_exact_at(2000, &mut buf)
            .unwrap_err()
            .to_string(),
        want
    );
    assert!(matches!(
        reader.finish().unwrap_err(),
        ArchiveError::TooManyPasses { limit: 2, .. }
    ));
}

#[test]
fn lock_file_hashes_match_independent_computations() {
    let f = fixture();
    for zip_path in &f.zips {
        let mut zip = open(zip_path);
        assert_eq!(
            zip.file_digests().unwrap().zh(),
            format!("zh:{}", tool_digest("sha256sum", zip_path))
        );
        let scan = zip.scan(|_| ()).unwrap();
        let out = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/h1.py"))
            .arg(zip_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            scan.h1(),
            String::from_utf8(out.stdout).unwrap().trim(),
            "{}",
            zip_path.display()
        );
    }
}

#[test]
fn entry_times_come_from_the_extended_timestamp_when_present() {
    let f = fixture();
    // Info-ZIP writes the extended timestamp (field 0x5455, exact seconds); Python reads it independently.
    let info_zip = &f.zips[2];
    let zip = open(info_zip);
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile, struct\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             i = z.getinfo('terraform-provider-hello_v0.1.0')\n\
             e = i.extra\n\
             while e:\n\
             \x20   tag, size = struct.unpack('<HH', e[:4])\n\
             \x20   if tag == 0x5455:\n\
             \x20       print(struct.unpack('<I', e[5:9])[0]); break\n\
             \x20   e = e[4 + size:]\n",
        )
        .arg(info_zip)
        .output()
        .unwrap();
    let want: i64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(zip.binary().modified, Some(want));
}
