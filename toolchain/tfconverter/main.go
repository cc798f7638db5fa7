// Command pulumi-converter-terraform is the Terraform converter plugin that `pulumi convert --from terraform` and
// `pulumi import --from terraform` load, built for the end-to-end tests of the Terraform migration guide.
//
// Pulumi's own plugin module (github.com/pulumi/pulumi-converter-terraform) is not served by the Go module proxy the
// toolchain builds from; the Terraform bridge is, and its tf2pulumi converter is the one that plugin grew out of. So
// this plugin serves the converter protocol on top of the bridge's converter, reading provider information from the
// engine's mapper (the mapping `pulumi package get-mapping terraform` prints) as Pulumi's plugin does.
//
// It builds against pkg/v3 and sdk/v3 v3.218.0, the release the bridge builds against: the bridge's converter package
// imports the .NET code generator, which later pkg/v3 releases no longer contain. The engine talks to the plugin over
// the converter protocol, so the pinned CLI's newer release is no obstacle.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	tfconvert "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tf2pulumi/convert"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tf2pulumi/il"
	"github.com/pulumi/pulumi/pkg/v3/codegen/convert"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/spf13/afero"
	"google.golang.org/grpc"
)

type converter struct{}

func (converter) Close() error { return nil }

// ConvertProgram writes the PCL program for the Terraform module in req.SourceDirectory into req.TargetDirectory
// (a .pp file for each .tf file) and returns the diagnostics of the conversion for the CLI to print. The bridge's
// converter binds the program leniently, as the CLI binds PCL by default: an attribute the mapping has no property
// for stays in the program under its Terraform name, and the CLI's bind of the written PCL warns about it
// ("unsupported attribute 'sql'"). (The bridge's Eject binds strictly, so it would stop at the first such attribute,
// and prints its diagnostics instead of returning them; Convert to PCL does neither.)
func (converter) ConvertProgram(
	_ context.Context, req *plugin.ConvertProgramRequest,
) (*plugin.ConvertProgramResponse, error) {
	mapper, err := convert.NewMapperClient(req.MapperTarget)
	if err != nil {
		return nil, fmt.Errorf("create mapper: %w", err)
	}
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, fmt.Errorf("create loader: %w", err)
	}
	files, diagnostics, err := tfconvert.Convert(tfconvert.Options{
		Root:                     afero.NewBasePathFs(afero.NewOsFs(), req.SourceDirectory),
		Loader:                   loader,
		ProviderInfoSource:       il.NewCachingProviderInfoSource(mappingSource{mapper}),
		TargetLanguage:           tfconvert.LanguagePulumi,
		AllowMissingProperties:   true,
		AllowMissingVariables:    true,
		SkipResourceTypechecking: true,
	})
	var bound hcl.Diagnostics
	if errors.As(err, &bound) {
		// The bind of the PCL failed: its diagnostics are the error. Returned as diagnostics, the CLI prints each one
		// (as an error, the protocol's message would carry the first and "and N other diagnostic(s)").
		return &plugin.ConvertProgramResponse{Diagnostics: bound}, nil
	}
	if err != nil {
		return nil, err
	}
	for name, contents := range files {
		if err := os.WriteFile(filepath.Join(req.TargetDirectory, name), contents, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	return &plugin.ConvertProgramResponse{Diagnostics: ofTerraform(diagnostics.All)}, nil
}

// ofTerraform leaves out the diagnostics of the bridge's bind of the PCL it wrote: the CLI binds the written program
// itself and prints those, so they would show twice.
func ofTerraform(diagnostics hcl.Diagnostics) hcl.Diagnostics {
	var kept hcl.Diagnostics
	for _, d := range diagnostics {
		if d.Subject == nil || filepath.Ext(d.Subject.Filename) != ".pp" {
			kept = append(kept, d)
		}
	}
	return kept
}

func main() {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterConverterServer(srv, plugin.NewConverterServer(converter{}))
			return nil
		},
	})
	if err != nil {
		log.Fatalf("fatal: %v", err)
	}
	// The converter protocol: the plugin prints the port it listens on, then serves until the engine is done.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		log.Fatalf("fatal: %v", err)
	}
}
