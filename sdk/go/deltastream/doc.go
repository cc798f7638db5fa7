// Manage DeltaStream databases, namespaces, stores, objects and queries as code.
package deltastream
