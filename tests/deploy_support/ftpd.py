"""A loopback FTP/FTPS server for tests/deploy.rs (pyftpdlib).

Usage: ftpd.py PORT HOME USER [--tls CERT KEY] [--corrupt] [--umask 022]
The password is read from the environment variable CB12_FTP_PASSWORD (never an argument,
so it is in no process list). --corrupt stores every upload as ASCII whatever TYPE the
client asked (CRLF becomes LF), as a misconfigured client or server would.
Prints "ready" on stdout once listening; logs commands to stderr (PASS masked by pyftpdlib).
"""
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    port, home, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rest = sys.argv[4:]
    password = os.environ.pop("CB12_FTP_PASSWORD")
    base = FTPHandler
    if "--tls" in rest:
        from pyftpdlib.handlers import TLS_FTPHandler

        base = TLS_FTPHandler
        i = rest.index("--tls")
        base.certfile, base.keyfile = rest[i + 1], rest[i + 2]
        base.tls_control_required = True
        base.tls_data_required = True
    corrupt = "--corrupt" in rest

    class Handler(base):
        def ftp_STOR(self, file, mode="w"):
            if corrupt:
                self._current_type = "a"
            return super().ftp_STOR(file, mode)

        def on_file_received(self, file):
            if corrupt:
                self._current_type = "i"

        def on_incomplete_file_received(self, file):
            if corrupt:
                self._current_type = "i"

    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, home, perm="elradfmwMT")
    Handler.authorizer = authorizer
    Handler.passive_ports = None
    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    os.umask(0o022)
    server = FTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


main()
