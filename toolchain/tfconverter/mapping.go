package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tf2pulumi/il"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/info"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/pkg/v3/codegen/convert"
)

// mappingSource reads a Terraform provider's mapping from the engine's mapper, as the bridge's
// il.NewMapperProviderInfoSource does, with one change. A mapping describes a Terraform object attribute (`kafka =
// { ... }`) as a map whose element is a resource; the bridge's tf2pulumi converter predates that encoding and keeps a
// map's keys verbatim, where Pulumi's converter renames them (sasl_hash_function becomes saslHashFunction). So each
// such attribute is presented as the one-element list of that resource, whose object keys tf2pulumi renames.
type mappingSource struct{ mapper convert.Mapper }

func (s mappingSource) GetProviderInfo(_, _, name, _ string) (*tfbridge.ProviderInfo, error) {
	data, err := s.mapper.GetMapping(context.TODO(), name, &convert.MapperPackageHint{
		PluginName: il.GetPulumiProviderName(name),
	})
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("could not find mapping information for provider %s; "+
			"try installing a pulumi plugin that supports this terraform provider", name)
	}
	var mapping info.MarshallableProvider
	if err := json.Unmarshal(data, &mapping); err != nil {
		return nil, fmt.Errorf("could not decode schema information for provider %s: %w", name, err)
	}
	if mapping.Provider != nil {
		objectsAsLists(mapping.Provider.Schema)
		for _, resources := range []map[string]info.MarshallableResourceShim{
			mapping.Provider.Resources, mapping.Provider.DataSources,
		} {
			for _, resource := range resources {
				objectsAsLists(resource)
			}
		}
	}
	return mapping.Unmarshal(), nil
}

// objectsAsLists turns each object attribute (a map of a resource) into a one-element list of it, at any depth.
func objectsAsLists(fields map[string]*info.MarshallableSchemaShim) {
	for _, field := range fields {
		if field == nil || field.Elem == nil {
			continue
		}
		if field.Elem.Resource != nil && field.Type == shim.TypeMap {
			field.Type, field.MaxItems = shim.TypeList, 1
		}
		objectsAsLists(field.Elem.Resource)
		if field.Elem.Schema != nil {
			objectsAsLists(map[string]*info.MarshallableSchemaShim{"": field.Elem.Schema})
		}
	}
}
