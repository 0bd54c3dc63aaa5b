"""A real local SMTP server (aiosmtpd) that keeps what it receives: the mail tests read it."""

from __future__ import annotations

import contextlib

from aiosmtpd.controller import Controller

from tests.helpers.ports import reserve_port


class Sink:
    """The messages (aiosmtpd envelopes) received, in order."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@contextlib.contextmanager
def smtp_sink(configure, sink: Sink | None = None):
    """Start a sink on a free port and point the app's ``smtp_host``/``smtp_port`` at it."""
    sink = sink or Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=reserve_port())
    controller.start()
    configure(smtp_host="127.0.0.1", smtp_port=controller.port)
    try:
        yield sink
    finally:
        controller.stop()
