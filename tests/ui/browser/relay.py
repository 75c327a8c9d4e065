"""A byte relay between a TCP port on 127.0.0.1 and a Unix socket, for the browser tests:
the console runs in a network namespace of its own, which the browser (outside it) reaches
only through a Unix socket, the one kind of socket namespaces do not separate.

    python relay.py tcp PORT SOCKET    listen on 127.0.0.1:PORT, forward to SOCKET
    python relay.py unix SOCKET PORT   listen on SOCKET, forward to 127.0.0.1:PORT
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def _forwarding(
    connect: Callable[[], Awaitable[Streams]],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await connect()
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    return handle


async def _serve(mode: str, listen: str, target: str) -> None:
    if mode == "tcp":
        handle = _forwarding(lambda: asyncio.open_unix_connection(target))
        server = await asyncio.start_server(handle, "127.0.0.1", int(listen))
    else:
        handle = _forwarding(lambda: asyncio.open_connection("127.0.0.1", int(target)))
        server = await asyncio.start_unix_server(handle, listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(*sys.argv[1:4]))
