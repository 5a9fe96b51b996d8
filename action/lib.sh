# shellcheck shell=bash
# Shared by the action's step scripts (action/*.sh); sourced, never run. Every input arrives as an environment
# variable (INPUT_*, set by action.yml's `env:`), is quoted wherever it is used and reaches tofu-sbom only as one
# argument each: input text is data, never shell code.

# Stops the step with a message on stderr. Input values in messages go through %q, so a newline in an input cannot
# start a workflow command line (`::…::`).
tsa_die() {
	printf 'tofu-sbom action: error: %s\n' "$*" >&2
	exit 1
}

# Prints $1 shell-quoted (a safe way to show an input value in a message).
tsa_q() {
	printf '%q' "$1"
}

# Requires the variables named by the arguments to be set and non-empty.
tsa_need() {
	local v
	for v in "$@"; do
		[[ -n ${!v:-} ]] || tsa_die "$v is not set (the action's step environment is incomplete)"
	done
}

# Prints `true` or `false` for the boolean input named $1 (value $2); anything else stops the step.
tsa_bool() {
	case $2 in
	true | True | TRUE) printf true ;;
	false | False | FALSE | '') printf false ;;
	*) tsa_die "input $1 must be true or false, not $(tsa_q "$2")" ;;
	esac
}

# Prints the registry host of the `repository` input (lowercased), nothing for `oci-layout:DIR`.
tsa_registry_host() {
	local repo=$1
	[[ $repo == oci-layout:* ]] && return 0
	# tr, not ${host,,}: macOS's /bin/bash is 3.2 (self-hosted runners may use it).
	printf '%s' "${repo%%/*}" | tr '[:upper:]' '[:lower:]'
}

# Exports the registry credentials for tofu-sbom (TOFU_SBOM_REGISTRY_USERNAME/_PASSWORD, the second link of its
# credential chain) into this step's process only: registry-username + registry-password when given; else, only when
# the registry host is exactly ghcr.io, github.actor + github.token (GHCR_ACTOR/GHCR_TOKEN); else nothing, and
# tofu-sbom goes on with the runner's Docker config and credential helpers. The token variables are removed from the
# environment in every case, so no other host ever sees the token.
tsa_credentials() {
	local user=${INPUT_REGISTRY_USERNAME:-} pass=${INPUT_REGISTRY_PASSWORD:-}
	local token=${GHCR_TOKEN:-} actor=${GHCR_ACTOR:-}
	unset GHCR_TOKEN GHCR_ACTOR INPUT_REGISTRY_PASSWORD
	if [[ -n $user || -n $pass ]]; then
		[[ -n $user && -n $pass ]] || tsa_die "registry-username and registry-password must be given together"
		export TOFU_SBOM_REGISTRY_USERNAME=$user TOFU_SBOM_REGISTRY_PASSWORD=$pass
		echo "tofu-sbom action: registry credentials from the registry-username/registry-password inputs"
	elif [[ $(tsa_registry_host "${INPUT_REPOSITORY:-}") == ghcr.io && -n $token ]]; then
		export TOFU_SBOM_REGISTRY_USERNAME=${actor:-github-actions} TOFU_SBOM_REGISTRY_PASSWORD=$token
		echo "tofu-sbom action: registry credentials: the workflow's GITHUB_TOKEN (ghcr.io)"
	else
		unset TOFU_SBOM_REGISTRY_USERNAME TOFU_SBOM_REGISTRY_PASSWORD
	fi
}
