"""What the tests and the benchmarks both drive the provider with: the token the local server accepts, the provider's
gRPC service the way the engine drives it (:mod:`.provider`), and the Pulumi CLI's environment (:mod:`.pulumi`).
Neither tests nor bench import each other's helpers: both import these."""

TOKEN = "test-token"
