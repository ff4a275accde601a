#!/usr/bin/python3
"""A real SMTP server for tests: aiosmtpd (Debian's python3-aiosmtpd)
storing each message in a Maildir.

Listens on 127.0.0.1:PORT (0: a free port), prints the port on stdout once
it accepts connections, and runs until killed. Each message is in the
Maildir before the server answers 250 to DATA, so a client that got its 250
can read the mail at once.

    smtp_receiver.py --maildir DIR [--port N]
"""
import argparse
import asyncio
import socket

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--maildir", required=True)
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", a.port))
    sock.listen(16)
    loop = asyncio.new_event_loop()
    handler = Mailbox(a.maildir)
    loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, hostname="receiver.test"),
                           sock=sock))
    print(sock.getsockname()[1], flush=True)
    loop.run_forever()


if __name__ == "__main__":
    main()
