package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"runtime"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

type tsbfwProvider struct {
	version string
}

func newProvider(version string) func() provider.Provider {
	return func() provider.Provider { return &tsbfwProvider{version: version} }
}

func (p *tsbfwProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "tsbfw"
	resp.Version = p.version
}

func (p *tsbfwProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{Description: "tofu-sbom's terraform-plugin-framework test provider."}
}

func (p *tsbfwProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *tsbfwProvider) Resources(context.Context) []func() resource.Resource {
	return nil
}

func (p *tsbfwProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		func() datasource.DataSource { return &echoDataSource{version: p.version} },
	}
}

// echoDataSource is tsbfw_echo.
type echoDataSource struct {
	version string
}

type echoModel struct {
	Input    types.String `tfsdk:"input"`
	Sha256   types.String `tfsdk:"sha256"`
	Version  types.String `tfsdk:"version"`
	Platform types.String `tfsdk:"platform"`
}

func (d *echoDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_echo"
}

func (d *echoDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dsschema.Schema{
		Description: "Echoes facts that only the running provider binary knows.",
		Attributes: map[string]dsschema.Attribute{
			"input":    dsschema.StringAttribute{Required: true, Description: "Any string."},
			"sha256":   dsschema.StringAttribute{Computed: true, Description: "Lowercase hex SHA-256 of input."},
			"version":  dsschema.StringAttribute{Computed: true, Description: "The provider's main.version."},
			"platform": dsschema.StringAttribute{Computed: true, Description: "GOOS_GOARCH of the binary."},
		},
	}
}

func (d *echoDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m echoModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sum := sha256.Sum256([]byte(m.Input.ValueString()))
	m.Sha256 = types.StringValue(hex.EncodeToString(sum[:]))
	m.Version = types.StringValue(d.version)
	m.Platform = types.StringValue(runtime.GOOS + "_" + runtime.GOARCH)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
