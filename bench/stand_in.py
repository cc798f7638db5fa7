"""A provider that does no work: what the engine and Python cost without ours (``bench.stack --stand-in``).

It is this provider's process (the same entry point, start-up and gRPC server) with Check, Diff, Create, Read and
Delete answering at once with what they were given, so a step's time with it is the floor any provider process
started by the engine pays on the machine.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import Any

from deltastream_provider.plugin.main import keep_bytecode
from deltastream_provider.plugin.protocol import stand_in_for_the_sdk


def main() -> None:
    keep_bytecode()
    stand_in_for_the_sdk()
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import provider_pb2

    from deltastream_provider.plugin.servicer import DeltaStreamProvider, serve

    class NoWork(DeltaStreamProvider):
        async def Check(self, request: Any, context: Any) -> Any:
            return provider_pb2.CheckResponse(inputs=request.news)

        async def Diff(self, request: Any, context: Any) -> Any:
            return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

        async def Create(self, request: Any, context: Any) -> Any:
            properties = request.properties
            properties.fields["fqn"].string_value = "stand-in"  # the stack's queries refer to their objects' fqn
            return provider_pb2.CreateResponse(id=uuid.uuid4().hex, properties=properties)

        async def Read(self, request: Any, context: Any) -> Any:
            return provider_pb2.ReadResponse(id=request.id, properties=request.properties, inputs=request.inputs)

        async def Delete(self, request: Any, context: Any) -> Any:
            return empty_pb2.Empty()

    asyncio.run(serve(sys.argv[1:], NoWork))


if __name__ == "__main__":
    main()
