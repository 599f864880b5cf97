"""The grader's and the zygote's messages: one framing, both ways, with the task's pipes attached."""

from __future__ import annotations

import os
import socket
import struct
import threading
from typing import Iterator

import pytest

from autograder.sandbox import framing


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        yield ours, theirs


def test_messages_round_trip_in_order(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    framing.send_message(ours, {"ready": True})
    framing.send_message(ours, {"pid": 12, "status": 0})
    assert framing.read_message(theirs) == ({"ready": True}, [])
    assert framing.read_message(theirs) == ({"pid": 12, "status": 0}, [])


def test_descriptors_travel_with_the_message(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    read_end, write_end = os.pipe()
    fds: list[int] = []
    try:
        framing.send_message(ours, {"request": {"op": "value"}}, fds=(write_end, write_end))
        message, fds = framing.read_message(theirs, max_fds=2)
        assert message == {"request": {"op": "value"}} and len(fds) == 2
        os.write(fds[0], b"through the passed descriptor")
        assert os.read(read_end, 100) == b"through the passed descriptor"
    finally:
        for fd in (read_end, write_end, *fds):
            os.close(fd)


def test_a_large_message_arrives_whole(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    message = {"env": {"X": "x" * (3 << 20)}}  # several reads, more than the socket buffers
    sender = threading.Thread(target=framing.send_message, args=(ours, message))
    sender.start()
    assert framing.read_message(theirs, max_fds=2) == (message, [])
    sender.join()


def test_a_header_in_pieces_is_still_one_message(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    data = b'{"pid": 3}'
    header = struct.pack("!I", len(data))
    ours.sendall(header[:1])
    sender = threading.Timer(0.05, ours.sendall, args=(header[1:] + data,))
    sender.start()
    assert framing.read_message(theirs, max_fds=2) == ({"pid": 3}, [])
    sender.join()


@pytest.mark.parametrize("sent", [b"", b"\x00\x00", struct.pack("!I", 10) + b'{"pi'])
@pytest.mark.parametrize("max_fds", [0, 2])
def test_a_closed_socket_ends_the_conversation(
    pair: tuple[socket.socket, socket.socket], sent: bytes, max_fds: int
) -> None:
    ours, theirs = pair
    ours.sendall(sent)
    ours.shutdown(socket.SHUT_WR)
    with pytest.raises(framing.Closed):
        framing.read_message(theirs, max_fds=max_fds)
    assert issubclass(framing.Closed, OSError)  # the grader's handlers catch OSError
