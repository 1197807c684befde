#!/usr/bin/env python3
"""A stand-in SMS gateway for Examples/LocalSMS: accepts the webhook provider's JSON POSTs on
127.0.0.1 (port 9099 unless --port says otherwise) and prints each message instead of sending it."""
import argparse
import json
from http.server import BaseHTTPRequestHandler, HTTPServer


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            message = json.loads(body)
            print(f"SMS to {message['to']} from {message['from']}: {message['text']}", flush=True)
            self.send_response(201)
        except (ValueError, KeyError):
            self.send_response(400)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9099, help="the loopback port to listen on (default 9099)")
    port = parser.parse_args().port
    server = HTTPServer(("127.0.0.1", port), Gateway)
    print(f"SMS gateway listening on http://127.0.0.1:{port}/messages", flush=True)
    server.serve_forever()
