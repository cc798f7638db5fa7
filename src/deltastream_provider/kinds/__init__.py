"""Every kind the provider serves, above the resources and lookups that define them: the registry by token and the
package schema built from it (with the components). The engine's process (``plugin``) and the operator's commands
read them; nothing below imports this layer."""
