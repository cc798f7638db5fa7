package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tf2pulumi/il"
	"github.com/pulumi/pulumi/pkg/v3/codegen/convert"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// stateFile is the part of a Terraform state (format version 4, which Terraform 0.12 and later write) that an
// import reads.
type stateFile struct {
	Version   int `json:"version"`
	Resources []struct {
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			IndexKey   any            `json:"index_key"`
			Deposed    string         `json:"deposed"` // set on an object a replacement has deposed
			Attributes map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

// ConvertState turns the Terraform state file named by the one argument into the resources `pulumi import` imports,
// with the contract of Pulumi's converter (pulumi-converter-terraform, pkg/convert/tf_state.go): each managed
// resource is imported by its `id` attribute, and one without it ends the import with "failed to find id attribute
// in <type>.<name>"; the Pulumi type comes from the provider's mapping; an instance of a counted or keyed resource
// gets its key as a suffix. Pulumi's table of AWS resources imported by other attributes is left out.
func (converter) ConvertState(
	_ context.Context, req *plugin.ConvertStateRequest,
) (*plugin.ConvertStateResponse, error) {
	if len(req.Args) != 1 {
		return nil, fmt.Errorf("expected exactly one argument, the Terraform state file")
	}
	mapper, err := convert.NewMapperClient(req.MapperTarget)
	if err != nil {
		return nil, fmt.Errorf("create mapper: %w", err)
	}
	info := il.NewCachingProviderInfoSource(mappingSource{mapper})

	contents, err := os.ReadFile(req.Args[0])
	if err != nil {
		return nil, err
	}
	var state stateFile
	if err := json.Unmarshal(contents, &state); err != nil {
		return nil, fmt.Errorf("failed to read state file %s: %w", req.Args[0], err)
	}
	if state.Version != 4 {
		return nil, fmt.Errorf("state file %s has format version %d; this converter reads version 4",
			req.Args[0], state.Version)
	}

	response := &plugin.ConvertStateResponse{Diagnostics: hcl.Diagnostics{}}
	for _, resource := range state.Resources {
		if resource.Mode != "managed" { // data sources are not imported
			continue
		}
		address := resource.Type + "." + resource.Name
		provider, _, _ := strings.Cut(resource.Type, "_")
		token := impliedToken(resource.Type)
		providerInfo, err := info.GetProviderInfo("", "", provider, "")
		switch {
		case err != nil:
			response.Diagnostics = append(response.Diagnostics, warning(
				fmt.Sprintf("Failed to get provider info for %q: %v", resource.Type, err)))
		case providerInfo.Resources[resource.Type] == nil:
			response.Diagnostics = append(response.Diagnostics, warning(
				fmt.Sprintf("Failed to get resource info for %q", resource.Type)))
		default:
			token = providerInfo.Resources[resource.Type].Tok.String()
		}
		for _, instance := range resource.Instances {
			if instance.Deposed != "" { // only current objects are imported
				continue
			}
			id, ok := instance.Attributes["id"]
			if !ok {
				return nil, fmt.Errorf("failed to find id attribute in %s", address)
			}
			idString, ok := id.(string)
			if !ok {
				return nil, fmt.Errorf("id attribute for %s was not a string", address)
			}
			response.Resources = append(response.Resources, resourceImport(token, resource.Name, instance.IndexKey, idString))
		}
	}
	return response, nil
}

// resourceImport names an instance as Pulumi's converter does: the key as a suffix, then a valid identifier, with
// the original kept as the logical name when that changed it.
func resourceImport(token, name string, key any, id string) plugin.ResourceImport {
	switch key := key.(type) {
	case float64:
		name = fmt.Sprintf("%s-%d", name, int64(key))
	case string:
		name = fmt.Sprintf("%s-%s", name, key)
	}
	logicalName := name
	if name != "" && unicode.IsDigit(rune(name[0])) {
		name = "_" + name
	}
	name = strings.Map(func(r rune) rune {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return '_'
		}
		return r
	}, name)
	imported := plugin.ResourceImport{Type: token, Name: name, ID: id}
	if name != logicalName {
		imported.LogicalName = logicalName
	}
	return imported
}

// impliedToken is the best guess at a Pulumi type when the mapping has none: provider:index:PascalCaseName.
func impliedToken(tfType string) string {
	provider, rest, ok := strings.Cut(tfType, "_")
	if !ok {
		return tfType
	}
	var pascal strings.Builder
	for _, part := range strings.Split(rest, "_") {
		if part != "" {
			pascal.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return provider + ":index:" + pascal.String()
}

func warning(detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Failed to get provider info", Detail: detail}
}
