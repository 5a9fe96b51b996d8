//! The real test providers: `terraform-provider-tsbfw` (terraform-plugin-framework, plugin protocol
//! 6) and `terraform-provider-tsbsdk` (terraform-plugin-sdk/v2, protocol 5), whose sources are
//! `scripts/tools/providers/NAME`. `./scripts/fixtures` (`fixtures_provider_release` in
//! scripts/lib/fixtures.sh) builds each for [`PROVIDER_PLATFORMS`] the way GoReleaser builds
//! providers (`CGO_ENABLED=0`, `-trimpath`, `-ldflags "-s -w -X main.version=0.3.1"`, GOARM=6),
//! zips each binary alone and writes `…_manifest.json` and `…_SHA256SUMS`, into
//! `$TOFU_SBOM_TEST_CACHE/releases/NAME_0.3.1` (`$TOFU_SBOM_TSBFW_RELEASE`,
//! `$TOFU_SBOM_TSBSDK_RELEASE`). The binaries carry no VCS stamp (built outside a git checkout).
//!
//! Both serve one data source, `NAME_echo`: `input` (required) → `sha256` (lowercase hex SHA-256 of
//! `input`), `version` (the linked `main.version`) and `platform` (`GOOS_GOARCH` of the binary), so a
//! `tofu apply` output proves which binary ran; see [`TestProvider::echo_tf`].

use std::path::{Path, PathBuf};

use super::cli::unzip;
use super::{cache_dir, tool_path};

/// The release version both providers are built with (`TSB_PROVIDER_VERSION`).
pub(crate) const PROVIDER_VERSION: &str = "0.3.1";

/// The platforms (`os_arch`) of both releases, in `SHA256SUMS` (name) order.
pub(crate) const PROVIDER_PLATFORMS: [&str; 9] = [
    "darwin_amd64",
    "darwin_arm64",
    "freebsd_amd64",
    "linux_386",
    "linux_amd64",
    "linux_arm",
    "linux_arm64",
    "windows_amd64",
    "windows_arm64",
];

/// One of the two real test providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TestProvider {
    /// `terraform-provider-tsbfw`, on terraform-plugin-framework v1.19.0.
    Framework,
    /// `terraform-provider-tsbsdk`, on terraform-plugin-sdk/v2 v2.40.1 (with one replaced module:
    /// `github.com/mattn/go-colorable v0.1.13 => v0.1.14`).
    SdkV2,
}

impl TestProvider {
    /// Both, framework first.
    pub(crate) const ALL: [Self; 2] = [Self::Framework, Self::SdkV2];

    /// The provider type: `tsbfw` or `tsbsdk`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Framework => "tsbfw",
            Self::SdkV2 => "tsbsdk",
        }
    }

    /// The Go main module path.
    pub(crate) fn main_module(self) -> String {
        format!("github.com/tofu-sbom/terraform-provider-{}", self.name())
    }

    /// The release directory (9 ZIPs, `…_manifest.json`, `…_SHA256SUMS`).
    pub(crate) fn release_dir(self) -> PathBuf {
        let var = format!("TOFU_SBOM_{}_RELEASE", self.name().to_ascii_uppercase());
        tool_path(
            &var,
            cache_dir().join(format!("releases/{}_{PROVIDER_VERSION}", self.name())),
            "./scripts/fixtures (it builds the test providers from the Go module proxy)",
        )
    }

    /// `terraform-provider-NAME_VERSION_PLATFORM.zip` in the release directory.
    pub(crate) fn zip(self, platform: &str) -> PathBuf {
        self.release_dir().join(format!(
            "terraform-provider-{}_{PROVIDER_VERSION}_{platform}.zip",
            self.name()
        ))
    }

    /// The binary's name inside the ZIP: `terraform-provider-NAME_vVERSION[.exe]`.
    pub(crate) fn binary_name(self, platform: &str) -> String {
        let exe = if platform.starts_with("windows_") {
            ".exe"
        } else {
            ""
        };
        format!(
            "terraform-provider-{}_v{PROVIDER_VERSION}{exe}",
            self.name()
        )
    }

    /// Extracts the binary of `platform` into `dir` (Info-ZIP `unzip`) and returns its path.
    pub(crate) fn extract_binary(self, platform: &str, dir: &Path) -> PathBuf {
        unzip(&self.zip(platform), dir);
        let path = dir.join(self.binary_name(platform));
        assert!(
            path.is_file(),
            "{} has no {}",
            self.zip(platform).display(),
            path.display()
        );
        path
    }

    /// A `main.tf` body (without `required_providers`) that reads `NAME_echo` with `input` and
    /// outputs the whole data source as `echo`.
    pub(crate) fn echo_tf(self, input: &str) -> String {
        let name = self.name();
        format!(
            "data \"{name}_echo\" \"e\" {{\n  input = \"{input}\"\n}}\n\noutput \"echo\" {{\n  value = data.{name}_echo.e\n}}\n"
        )
    }
}
