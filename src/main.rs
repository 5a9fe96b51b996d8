//! The `tofu-sbom` command line: a thin layer over the `tofu_sbom` library.
//!
//! Exit codes (every command): 0 success; 1 the command ran but found problems (unreadable inputs for `inspect`,
//! failed checks for `verify`); 2 usage, input/output or registry errors (no tag was written or moved); 3 `push`/
//! `publish` left the version tag live but an extra tag unwritten. A closed output pipe exits 0.

mod cli;

use std::io;
use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("tofu-sbom: error: {}", cli::error_chain(&err));
            cli::Status::of_error(&err).into()
        }
    }
}

/// A closed stdout (`tofu-sbom … | head`) ends the program quietly, as in ripgrep.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
