"""A TCP relay on loopback that a test can switch off and on: an outage between casp and a
server (Pebble's ACME port) without stopping the server, which keeps its state.

It relays bytes and nothing else, so TLS passes through end to end: the client sees the
server's own certificate. Off means both halves of an outage: the listening socket is closed
(new connections are refused by the kernel) and every relayed connection is reset (RST, as
when a route or a host goes away), so a request in flight fails at once rather than hanging.
On listens again on the same port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

from tests.support.net import free_port

_CHUNK = 65536


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST: SO_LINGER 0, then abort (no FIN, pending data dropped)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class TcpProxy:
    """Relays 127.0.0.1:`port` to `target_host`:`target_port` in the running event loop.

    Use as `async with TcpProxy(host, port) as proxy:`; `await proxy.switch_off()` and
    `await proxy.switch_on()` in between. `accepted` counts the connections relayed."""

    def __init__(self, target_host: str, target_port: int, host: str = "127.0.0.1",
                 port: int | None = None) -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.port = port or free_port()
        self.accepted = 0
        self.cut = 0  # connections reset by switch_off
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter | None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def is_on(self) -> bool:
        return self._server is not None

    async def switch_on(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, self.host, self.port,
                                                      reuse_address=True)

    async def switch_off(self) -> None:
        """Refuse new connections and reset every open one."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for client, upstream in list(self._pairs):
            self.cut += 1
            _reset(client)
            if upstream is not None:
                _reset(upstream)
        self._pairs.clear()
        # Reset, each relay sees its sockets end and returns by itself (cancelling the
        # handler tasks of asyncio.start_server would make asyncio log an error).
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> TcpProxy:
        await self.switch_on()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.switch_off()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter | None] = (writer, None)
        self._pairs.add(pair)
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
            except OSError:
                _reset(writer)
                return
            self._pairs.discard(pair)
            pair = (writer, up_writer)
            self._pairs.add(pair)
            self.accepted += 1
            pumps = [asyncio.create_task(_pump(reader, up_writer)),
                     asyncio.create_task(_pump(up_reader, writer))]
            try:
                # Either side closing ends the relay (a TLS session has nothing to say after).
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
            for w in (writer, up_writer):
                w.close()
        finally:
            self._pairs.discard(pair)
            self._tasks.discard(task)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
