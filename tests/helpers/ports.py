"""Ports for servers a test starts: one helper, so no test picks a port another one uses.

A server started in this process binds port 0 itself and keeps its socket (nothing to
reserve: see the receivers in tests/sessions/conftest.py). A process started by a test
(redis-server, Postgres, gunicorn, ``idp serve``) needs a number first: ``reserve_port``
hands one out that the kernel will not give to anyone else for a minute, yet a server
can bind at once. It accepts one connection on the port and closes the accepted side
first, which leaves that side in TIME_WAIT: binds without SO_REUSEADDR (every port-0
bind, every outgoing connection's local port) avoid it, while servers, which all set
SO_REUSEADDR, bind it normally. No number is handed out twice in one run.
"""

from __future__ import annotations

import contextlib
import socket
import threading

_given: set[int] = set()
_lock = threading.Lock()


def _time_wait_port(host: str) -> int:
    with contextlib.closing(socket.socket()) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        listener.listen(1)
        address = listener.getsockname()
        with contextlib.closing(socket.create_connection(address)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server side closes first: it is the one in TIME_WAIT
            client.recv(1)  # wait for the FIN
        return address[1]


def reserve_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` for a server this test starts (bound with SO_REUSEADDR)."""
    for _ in range(100):
        port = _time_wait_port(host)
        with _lock:
            if port not in _given:
                _given.add(port)
                return port
    raise AssertionError("no port to reserve")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind ``port`` now."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def reserve_port_block(count: int = 4, host: str = "127.0.0.1") -> int:
    """A port P such that P..P+count-1 are free now (``idp demo`` takes P and the next
    three). Only P is reserved; the others are merely free, so callers retry on a clash."""
    for _ in range(200):
        base = reserve_port(host)
        if base + count < 65536 and all(port_is_free(base + i, host) for i in range(1, count)):
            return base
    raise AssertionError("no block of free ports")
