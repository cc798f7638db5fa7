"""Component resources (Pipeline, Environment) that the provider constructs from its own resources."""
