//! The note commands that wrote to or read from a registry print when `tofu init` would not find the credentials they
//! used there ([`tofu_sbom::provider::tofu_credentials`]): one warning line on stderr naming the source and why, then
//! the `.tofurc` lines that make OpenTofu find them (never a secret). Not printed with `-q`.

use tofu_sbom::provider::tofu_credentials::tofu_credentials_advice;
use tofu_sbom::registry::client::ClientOptions;
use tofu_sbom::registry::credentials;
use tofu_sbom::registry::reference::Target;

use super::GlobalArgs;

/// The warning and `.tofurc` lines for `target` (a registry), as text; `None` when OpenTofu finds the same
/// credentials, there are none, or the chain fails (the command itself reported that).
pub(crate) async fn tofu_credentials_note(opts: &ClientOptions, target: &Target) -> Option<String> {
    let Target::Registry(r) = target else {
        return None;
    };
    let resolved = credentials::resolve(&opts.credentials, &r.registry, &r.repository)
        .await
        .ok()?;
    let advice = tofu_credentials_advice(
        &r.registry,
        &resolved.source,
        resolved.credential.as_ref(),
        &opts.credentials,
    )?;
    Some(format!(
        "tofu-sbom: warning: {}; add to the .tofurc:\n{}",
        advice.reason, advice.tofurc
    ))
}

/// Prints [`tofu_credentials_note`] on stderr unless `-q`.
pub(crate) async fn print_tofu_credentials_note(
    global: &GlobalArgs,
    opts: &ClientOptions,
    target: &Target,
) {
    if global.quiet {
        return;
    }
    if let Some(note) = tofu_credentials_note(opts, target).await {
        eprint!("{note}");
    }
}
