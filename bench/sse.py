"""Many open Server-Sent Events streams from one process, as many browser tabs hold them.

Each stream is a plain socket (HTTP/1.1, the response head read at once, then chunked
transfer decoding and SSE parsing); one reader thread serves them all with a selector,
so 200 streams cost 200 sockets and one thread. Used by bench/streams_bench.py and by the
test suite (tests/billing/test_live_streams.py).
"""

from __future__ import annotations

import queue
import selectors
import socket
import threading
import time
from urllib.parse import urlsplit


class Stream:
    """One open GET; ``events`` receives (event name, data) pairs as they arrive."""

    def __init__(self, sock: socket.socket, status: int, headers: dict[str, str], rest: bytes):
        self.sock, self.status, self.headers = sock, status, headers
        self.events: queue.Queue = queue.Queue()
        self.closed = threading.Event()
        self.body = b""  # what came after the head (the whole body of a refusal)
        self._raw, self._text, self._name = rest, "", None

    def next_event(self, kind: str | None = None, timeout: float = 5.0) -> tuple[str, str]:
        """The next event (of ``kind`` if given); AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                name, data = self.events.get(timeout=max(0.001, left))
            except queue.Empty:
                raise AssertionError(f"no {kind or 'event'} within {timeout}s") from None
            if kind is None or name == kind:
                return name, data

    def close(self) -> None:
        """Close the connection like a browser closing the tab (FIN)."""
        self.closed.set()
        try:
            self.sock.close()
        except OSError:
            pass

    def _feed(self, data: bytes) -> None:
        self._raw += data
        while True:  # chunked transfer coding (RFC 9112 §7.1)
            head, sep, rest = self._raw.partition(b"\r\n")
            if not sep:
                return
            size = int(head.split(b";")[0] or b"0", 16)
            if len(rest) < size + 2:
                return
            self._raw = rest[size + 2:]
            if size == 0:
                self.closed.set()
                return
            self._lines(rest[:size].decode())

    def _lines(self, text: str) -> None:
        self._text += text
        while "\n" in self._text:
            line, self._text = self._text.split("\n", 1)
            if line.startswith("event: "):
                self._name = line[7:]
            elif line.startswith("data: "):
                self.events.put((self._name, line[6:]))
            elif line == "":
                self._name = None


class Streams:
    """Open streams and read them all on one thread."""

    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self.open_streams: list[Stream] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="sse-reader", daemon=True)
        self._thread.start()

    def open(self, url: str, cookie: str = "", timeout: float = 10.0,
             bind: str | None = None) -> Stream:
        """GET ``url``; return the stream (its status and headers read already)."""
        parts = urlsplit(url)
        sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout,
                                        source_address=(bind, 0) if bind else None)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        request = (f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                   "Accept: text/event-stream\r\nCache-Control: no-cache\r\n"
                   + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n")
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the response head")
            head += chunk
        head, rest = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        stream = Stream(sock, int(lines[0].split()[1]), headers, b"")
        if stream.status != 200 or headers.get("transfer-encoding") != "chunked":
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            stream.body = rest
            sock.close()
            stream.closed.set()
            return stream
        sock.setblocking(False)
        with self._lock:
            self.open_streams.append(stream)
            self.selector.register(sock, selectors.EVENT_READ, stream)
        if rest:
            stream._feed(rest)
        return stream

    def _read(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                empty = not self.selector.get_map()
            if empty:
                time.sleep(0.01)
                continue
            for key, _ in self.selector.select(timeout=0.05):
                stream: Stream = key.data
                try:
                    data = stream.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if data:
                    stream._feed(data)
                if not data or stream.closed.is_set():
                    self.forget(stream)
                    stream.closed.set()

    def forget(self, stream: Stream) -> None:
        with self._lock:
            try:
                self.selector.unregister(stream.sock)
            except (KeyError, ValueError, OSError):
                pass
            if stream in self.open_streams:
                self.open_streams.remove(stream)

    def close(self, stream: Stream) -> None:
        self.forget(stream)
        stream.close()

    def close_all(self) -> None:
        for stream in list(self.open_streams):
            self.close(stream)
        self._stop.set()
        self._thread.join(5)
