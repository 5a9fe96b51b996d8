// Command terraform-provider-tsbsdk is tofu-sbom's test provider on terraform-plugin-sdk/v2
// (protocol 5). Its one data source, tsbsdk_echo, proves that this very binary ran: it returns the
// version linked in with -X main.version, the platform it was built for, and the SHA-256 of its
// input. Built by scripts/lib/providers.sh the way GoReleaser builds providers.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"runtime"

	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/hashicorp/terraform-plugin-sdk/v2/plugin"
)

// version is set at link time (-ldflags "-X main.version=VERSION").
var version = "dev"

func main() {
	plugin.Serve(&plugin.ServeOpts{
		ProviderFunc: func() *schema.Provider { return newProvider(version) },
	})
}

func newProvider(version string) *schema.Provider {
	return &schema.Provider{
		DataSourcesMap: map[string]*schema.Resource{
			"tsbsdk_echo": echoDataSource(version),
		},
	}
}

// echoDataSource is tsbsdk_echo.
func echoDataSource(version string) *schema.Resource {
	return &schema.Resource{
		Description: "Echoes facts that only the running provider binary knows.",
		Schema: map[string]*schema.Schema{
			"input":    {Type: schema.TypeString, Required: true, Description: "Any string."},
			"sha256":   {Type: schema.TypeString, Computed: true, Description: "Lowercase hex SHA-256 of input."},
			"version":  {Type: schema.TypeString, Computed: true, Description: "The provider's main.version."},
			"platform": {Type: schema.TypeString, Computed: true, Description: "GOOS_GOARCH of the binary."},
		},
		ReadContext: func(_ context.Context, d *schema.ResourceData, _ any) diag.Diagnostics {
			input := d.Get("input").(string)
			sum := sha256.Sum256([]byte(input))
			d.SetId(hex.EncodeToString(sum[:]))
			for k, v := range map[string]string{
				"sha256":   hex.EncodeToString(sum[:]),
				"version":  version,
				"platform": runtime.GOOS + "_" + runtime.GOARCH,
			} {
				if err := d.Set(k, v); err != nil {
					return diag.FromErr(err)
				}
			}
			return nil
		},
	}
}
