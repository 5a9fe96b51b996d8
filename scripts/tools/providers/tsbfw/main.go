// Command terraform-provider-tsbfw is tofu-sbom's test provider on terraform-plugin-framework
// (protocol 6). Its one data source, tsbfw_echo, proves that this very binary ran: it returns the
// version linked in with -X main.version, the platform it was built for, and the SHA-256 of its
// input. Built by scripts/lib/providers.sh the way GoReleaser builds providers.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// version is set at link time (-ldflags "-X main.version=VERSION").
var version = "dev"

func main() {
	err := providerserver.Serve(context.Background(), newProvider(version), providerserver.ServeOpts{
		Address: "registry.opentofu.org/tofu-sbom/tsbfw",
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
