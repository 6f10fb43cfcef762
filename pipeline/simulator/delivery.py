"""Sending an answer over ASGI: whole, slowly, cut short, or not at all for a while."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field

from pipeline.simulator.asgi import ASGIApp, Header, Message, Receive, Scope, Send
from pipeline.simulator.connections import ConnectionResetter

# A trickled body comes in this many pieces, evenly spread over the trickle time.
TRICKLE_PIECES = 16
# How long a reset waits after the partial body, so that the client has read the headers and
# sees the reset mid-body rather than before the response.
_RESET_GRACE_S = 0.05


@dataclass
class Answer:
    """A complete answer, held back so that it can be changed or sent in another way."""

    status: int
    headers: list[Header] = field(default_factory=list)
    body: bytes = b""

    @property
    def content_type(self) -> bytes:
        for name, value in self.headers:
            if name.lower() == b"content-type":
                return value
        return b""

    def with_body(self, body: bytes, content_type: bytes | None = None) -> Answer:
        headers = self.headers
        if content_type is not None:
            headers = [(n, v) for n, v in headers if n.lower() != b"content-type"]
            headers.append((b"content-type", content_type))
        return Answer(self.status, headers, body)

    def start_message(self, declared_length: int | None = None) -> Message:
        length = len(self.body) if declared_length is None else declared_length
        headers = [(n, v) for n, v in self.headers if n.lower() != b"content-length"]
        headers.append((b"content-length", str(length).encode()))
        return {"type": "http.response.start", "status": self.status, "headers": headers}


async def capture(app: ASGIApp, scope: Scope, receive: Receive) -> Answer:
    """Run the app and keep its answer instead of sending it."""
    answer = Answer(500)
    pieces: list[bytes] = []

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = int(message["status"])
            answer.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            pieces.append(bytes(message.get("body", b"")))

    await app(scope, receive, keep)
    answer.body = b"".join(pieces)
    return answer


async def send_whole(send: Send, answer: Answer) -> None:
    await send(answer.start_message())
    await send({"type": "http.response.body", "body": answer.body})


async def send_trickle(send: Send, answer: Answer, duration_s: float) -> None:
    """The answer, its body in small pieces spread over `duration_s`."""
    await send(answer.start_message())
    size = max(1, math.ceil(len(answer.body) / TRICKLE_PIECES))
    pause = duration_s / TRICKLE_PIECES
    for start in range(0, len(answer.body), size):
        await asyncio.sleep(pause)
        piece = answer.body[start : start + size]
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def send_cut(send: Send, answer: Answer) -> None:
    """Headers promising the whole body, part of it, and no more.

    Returning with `more_body` still set makes the server close the connection, which the
    client sees as an incomplete read.
    """
    await send(answer.start_message(declared_length=max(len(answer.body), 2)))
    partial = answer.body[: len(answer.body) // 2]
    await send({"type": "http.response.body", "body": partial, "more_body": True})


async def send_reset(
    send: Send, answer: Answer, scope: Scope, resetter: ConnectionResetter
) -> None:
    """Like a cut, but the connection is reset (TCP RST) instead of closed."""
    await send_cut(send, answer)
    await asyncio.sleep(_RESET_GRACE_S)
    resetter.reset(scope)  # if it cannot, returning still cuts the answer short


async def send_refusal(send: Send, status: int, body: bytes, headers: list[Header]) -> None:
    """An error answer made up here, without asking the API."""
    answer = Answer(status, [(b"content-type", b"application/json"), *headers], body)
    await send_whole(send, answer)


async def hold(receive: Receive, seconds: float) -> tuple[bool, Receive]:
    """Wait `seconds` without answering, or until the client hangs up.

    Returns whether it hung up, and a `receive` that replays what was read while waiting.
    """
    read: list[Message] = []

    async def until_hang_up() -> None:
        while (message := await receive())["type"] != "http.disconnect":
            read.append(message)

    try:
        async with asyncio.timeout(seconds):
            await until_hang_up()
    except TimeoutError:
        pass
    else:
        return True, receive

    async def replay() -> Message:
        return read.pop(0) if read else await receive()

    return False, replay
