"""pulumi-deltastream: the provider process, its DeltaStream client, and the operator CLI."""

__version__ = "0.1.0"
