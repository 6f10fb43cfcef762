"""Resetting the TCP connection a request came in on, for the `reset` fault.

ASGI gives an app no handle on its connection, and an app that just stops mid-body only gets
uvicorn to close it politely (that is the `drop` fault). A reset needs the socket: it is found
among the uvicorn server's open connections by the request's client address, set to linger
zero and aborted, so the kernel sends RST. Without a server to look in (the app run
in-process), `reset` returns False and the caller falls back to a drop.
"""

from __future__ import annotations

import socket
import struct
from typing import Any, Final

import uvicorn

from pipeline.simulator.asgi import Scope

_LINGER_ZERO: Final = struct.pack("ii", 1, 0)


class ConnectionResetter:
    """Knows the uvicorn server once it is attached; until then resets nothing."""

    def __init__(self) -> None:
        self._server: uvicorn.Server | None = None

    def attach(self, server: uvicorn.Server) -> None:
        self._server = server

    def reset(self, scope: Scope) -> bool:
        """Send RST on the request's connection; False if it could not be found."""
        server, client = self._server, scope.get("client")
        if server is None or client is None:
            return False
        # uvicorn's protocols keep their peer address and transport as public attributes.
        for protocol in list(server.server_state.connections):
            if getattr(protocol, "client", None) != tuple(client):
                continue
            transport: Any = getattr(protocol, "transport", None)
            if transport is None:
                return False
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
            transport.abort()
            return True
        return False
