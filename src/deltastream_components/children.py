"""The provider's own custom resources, registered from inside a component (Construct)."""

from __future__ import annotations

from typing import Any

import pulumi

from deltastream_provider.model.fields import Model


class Child(pulumi.CustomResource):
    """A custom resource of this package; outputs become attributes named as in the schema (camelCase)."""

    def __init__(self, token: str, name: str, inputs: dict[str, Any], state: type[Model],
                 opts: pulumi.ResourceOptions) -> None:
        props: dict[str, Any] = {prop.key: None for prop in state.wire_fields()}
        props.update({k: v for k, v in inputs.items() if v is not None})
        super().__init__(token, name, props, opts)

    def output(self, name: str) -> pulumi.Output[Any]:
        value: pulumi.Output[Any] = getattr(self, name)
        return value


def typed_inputs(model: type[Model], inputs: dict[str, Any], structural: tuple[str, ...]) -> Any:
    """The component's inputs as its typed model; values still to come are UNKNOWN.

    ``structural`` inputs decide which children exist, so they must be known when the program runs.
    """
    from deltastream_provider.model.unknown import UNKNOWN

    values = {k: UNKNOWN if isinstance(v, pulumi.Output) else v for k, v in inputs.items()}
    for key in structural:
        if values.get(key) is UNKNOWN:
            raise pulumi.InputPropertyError(key, f"{key} decides which resources the component creates, so it "
                                                 "cannot depend on another resource's outputs")
    return model.from_props(values)
