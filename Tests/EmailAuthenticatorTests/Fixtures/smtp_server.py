#!/usr/bin/env python3
"""A real SMTP server for the e-mail tests (aiosmtpd): stores each message as <maildir>/<n>.eml.

    smtp_server.py --port P --maildir DIR [--starttls CERT KEY | --tls CERT KEY] [--auth USER:PASSWORD]
"""
import argparse, asyncio, itertools, os, ssl, signal
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--maildir", required=True)
parser.add_argument("--starttls", nargs=2)
parser.add_argument("--tls", nargs=2)
parser.add_argument("--auth")
options = parser.parse_args()
counter = itertools.count(1)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(options.maildir, f"{next(counter)}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode() + envelope.original_content)
        os.rename(path + ".tmp", path)
        # The test waits for this line, not for the file to show up.
        print("stored", flush=True)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = options.auth.split(":", 1)
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False)


def context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


kwargs = {}
if options.starttls:
    kwargs.update(tls_context=context(*options.starttls), require_starttls=True)
if options.tls:
    kwargs.update(ssl_context=context(*options.tls))
if options.auth:
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(options.starttls or options.tls))
controller = Controller(Handler(), hostname="127.0.0.1", port=options.port, **kwargs)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
