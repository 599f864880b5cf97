"""Messages between the grader and the zygote: a 4-byte length, then that much JSON.

Both ends use this one module: the grader imports it from the package, the zygote imports the
copy beside it (it is one of the runner's files), so it imports only the standard library. File
descriptors (the task's pipes) travel as SCM_RIGHTS with a message's first bytes.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any, Iterable

_HEADER = struct.Struct("!I")
_CHUNK = 1 << 20


class Closed(OSError):
    """The other end closed the socket (an OSError, as any other failure of the channel)."""


def send_message(sock: socket.socket, message: Any, fds: Iterable[int] = ()) -> None:
    """Send ``message`` as JSON, with ``fds`` attached to its length."""
    data = json.dumps(message).encode()
    header = _HEADER.pack(len(data))
    fds = list(fds)
    if fds:
        socket.send_fds(sock, [header], fds)
        sock.sendall(data)
    else:
        sock.sendall(header + data)


def read_message(sock: socket.socket, max_fds: int = 0) -> tuple[Any, list[int]]:
    """The next message and the descriptors that came with it (up to ``max_fds``).

    Raises :class:`Closed` when the socket ends before a whole message has arrived.
    """
    if max_fds:
        first, fds, _, _ = socket.recv_fds(sock, _HEADER.size, max_fds)
        if not first:
            raise Closed("the socket was closed")
    else:
        first, fds = b"", []
    header = _exactly(sock, _HEADER.size, bytes(first))
    (size,) = _HEADER.unpack(header)
    return json.loads(_exactly(sock, size)), list(fds)


def _exactly(sock: socket.socket, size: int, data: bytes = b"") -> bytes:
    received = bytearray(data)
    while len(received) < size:
        chunk = sock.recv(min(size - len(received), _CHUNK))
        if not chunk:
            raise Closed("the socket was closed")
        received += chunk
    return bytes(received)
