#!/usr/bin/env python3
"""A stand-in SMS gateway for Examples/LocalSMS: accepts the webhook provider's JSON POSTs on
127.0.0.1:9099 and prints each message instead of sending it."""
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
    HTTPServer(("127.0.0.1", 9099), Gateway).serve_forever()
