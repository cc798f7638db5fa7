"""The provider's gRPC service driven the way the engine drives it (no CLI): in-process, or as its own process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from deltastream_provider.plugin.engine_log import EngineLog
from deltastream_provider.plugin.servicer import DeltaStreamProvider
from deltastream_provider.plugin.wire import SecretValue, decode, encode

ProviderStub = provider_pb2_grpc.ResourceProviderStub
PROVIDER = Path(sys.executable).parent / "pulumi-resource-deltastream"  # this checkout's console script


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::project::{type_}::{name}"


@asynccontextmanager
async def provider_process(server: str, api_key: str, executable: Path = PROVIDER, stderr: int = subprocess.PIPE
                           ) -> AsyncIterator[tuple[asyncio.subprocess.Process, ProviderStub]]:
    """The provider at ``executable`` started as the engine starts it (its port read from stdout; stderr piped, or
    discarded by a long benchmark) and configured for ``server``; killed on the way out if it is still running."""
    process = await asyncio.create_subprocess_exec(executable, stdout=subprocess.PIPE, stderr=stderr)
    try:
        assert process.stdout is not None
        port = int(await process.stdout.readline())
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            await stub.Configure(provider_pb2.ConfigureRequest(
                args=encode({"server": server, "apiKey": SecretValue(api_key)}), acceptSecrets=True))
            yield process, stub
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


class Harness:
    def __init__(self) -> None:
        self.server = grpc.aio.server()
        self.provider = DeltaStreamProvider(EngineLog(None))
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(self.provider, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.channel = grpc.aio.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    async def start(self) -> Harness:
        await self.server.start()
        return self

    async def stop(self) -> None:
        await self.channel.close()
        await self.server.stop(None)
        if self.provider.client is not None:
            await self.provider.client.aclose()

    async def configure(self, **config: Any) -> None:
        await self.stub.Configure(provider_pb2.ConfigureRequest(args=encode(config), acceptSecrets=True,
                                                                acceptResources=True))

    async def check(self, type_: str, news: dict[str, Any], olds: dict[str, Any] | None = None
                    ) -> tuple[dict[str, Any], dict[str, str]]:
        response = await self.stub.Check(provider_pb2.CheckRequest(urn=urn(type_, "r"), type=type_, news=encode(news),
                                                                   olds=encode(olds or {})))
        # A failure the engine would print without a value (nested or absent) names its path first in the reason.
        return decode(response.inputs), {f.property or f.reason.split()[0].rstrip(":"): f.reason
                                         for f in response.failures}

    async def diff(self, type_: str, resource_id: str, olds: dict[str, Any], news: dict[str, Any],
                   old_inputs: dict[str, Any] | None = None) -> provider_pb2.DiffResponse:
        return await self.stub.Diff(provider_pb2.DiffRequest(
            id=resource_id, urn=urn(type_, "r"), type=type_, olds=encode(olds), news=encode(news),
            old_inputs=encode(old_inputs if old_inputs is not None else olds)))

    async def create(self, type_: str, props: dict[str, Any], preview: bool = False,
                     timeout: float = 0) -> tuple[str, dict[str, Any]]:
        response = await self.stub.Create(provider_pb2.CreateRequest(
            urn=urn(type_, "r"), type=type_, properties=encode(props), preview=preview, timeout=timeout))
        return response.id, decode(response.properties)

    async def read(self, type_: str, resource_id: str, props: dict[str, Any] | None = None,
                   inputs: dict[str, Any] | None = None) -> tuple[str, dict[str, Any], dict[str, Any]]:
        response = await self.stub.Read(provider_pb2.ReadRequest(
            id=resource_id, urn=urn(type_, "r"), type=type_, properties=encode(props or {}),
            inputs=encode(inputs or {})))
        return response.id, decode(response.properties), decode(response.inputs)

    async def update(self, type_: str, resource_id: str, olds: dict[str, Any], news: dict[str, Any],
                     preview: bool = False) -> dict[str, Any]:
        response = await self.stub.Update(provider_pb2.UpdateRequest(
            id=resource_id, urn=urn(type_, "r"), type=type_, olds=encode(olds), news=encode(news),
            old_inputs=encode(olds), preview=preview))
        return decode(response.properties)

    async def delete(self, type_: str, resource_id: str, props: dict[str, Any], timeout: float = 0) -> None:
        await self.stub.Delete(provider_pb2.DeleteRequest(id=resource_id, urn=urn(type_, "r"), type=type_,
                                                          properties=encode(props), timeout=timeout))

    async def schema(self) -> str:
        return (await self.stub.GetSchema(provider_pb2.GetSchemaRequest())).schema

    async def cancel(self) -> None:
        await self.stub.Cancel(empty_pb2.Empty())


async def invoke(harness: Harness, token: str, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    response = await harness.stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=encode(args)))
    return decode(getattr(response, "return")), {f.property: f.reason for f in response.failures}
