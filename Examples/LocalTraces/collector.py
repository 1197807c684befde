#!/usr/bin/env python3
"""A stand-in OpenTelemetry collector for trying backchanneld's traces on one machine: it takes OTLP/HTTP
exports (protobuf, as backchanneld sends them) on 127.0.0.1:4318/v1/traces and prints each trace as a tree
of spans, once no span of it has arrived for two seconds. Standard library only; not for production
(run an OpenTelemetry Collector, Jaeger or Tempo there).

    python3 Examples/LocalTraces/collector.py [--port 4318]
"""
import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def fields(data):
    """The (number, wire type, value) of each field of a protobuf message."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 1:
            value, i = int.from_bytes(data[i:i + 8], "little"), i + 8
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = int.from_bytes(data[i:i + 4], "little"), i + 4
        else:
            raise ValueError("unknown wire type")
        yield number, wire, value


def varint(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def any_value(data):
    for number, _, value in fields(data):
        if number == 1:
            return value.decode()
        if number in (2, 3):
            return str(value)
    return ""


def spans(body):
    """Each span of an ExportTraceServiceRequest (opentelemetry-proto trace/v1) as a dict."""
    for number, _, resource_spans in fields(body):
        if number != 1:
            continue
        for number, _, scope_spans in fields(resource_spans):
            if number != 2:
                continue
            for number, _, raw in fields(scope_spans):
                if number != 2:
                    continue
                span = {"attributes": {}, "parent": "", "status": 0}
                for n, _, value in fields(raw):
                    if n == 1:
                        span["trace"] = value.hex()
                    elif n == 2:
                        span["id"] = value.hex()
                    elif n == 4:
                        span["parent"] = value.hex()
                    elif n == 5:
                        span["name"] = value.decode()
                    elif n == 7:
                        span["start"] = value
                    elif n == 8:
                        span["end"] = value
                    elif n == 9:
                        key, val = "", ""
                        for m, _, v in fields(value):
                            key, val = (v.decode(), val) if m == 1 else (key, any_value(v))
                        span["attributes"][key] = val
                    elif n == 15:
                        span["status"] = next((v for m, _, v in fields(value) if m == 3), 0)
                yield span


traces, last_seen, lock = {}, {}, threading.Lock()


def tree(trace, items):
    ids = {s["id"] for s in items}
    lines = [f"trace {trace}"]

    def walk(span, depth):
        millis = (span.get("end", 0) - span.get("start", 0)) / 1e6
        attributes = " ".join(f"{k}={v}" for k, v in sorted(span["attributes"].items()))
        failed = "  ERROR" if span["status"] == 2 else ""
        lines.append(f"{'  ' * (depth + 1)}{span['name']}  {millis:.2f} ms{failed}  [{attributes}]")
        for child in sorted((s for s in items if s["parent"] == span["id"]), key=lambda s: s.get("start", 0)):
            walk(child, depth + 1)
    for root in sorted((s for s in items if s["parent"] not in ids), key=lambda s: s.get("start", 0)):
        walk(root, 0)
    return "\n".join(lines)


def printer():
    while True:
        time.sleep(0.5)
        with lock:
            quiet = [t for t, seen in last_seen.items() if time.time() - seen > 2]
            done = [(t, traces.pop(t)) for t in quiet]
            for t in quiet:
                del last_seen[t]
        for trace, items in done:
            print(tree(trace, items) + "\n", flush=True)


class Collector(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            for span in spans(body):
                traces.setdefault(span["trace"], []).append(span)
                last_seen[span["trace"]] = time.time()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=4318)
    port = parser.parse_args().port
    threading.Thread(target=printer, daemon=True).start()
    print(f"collecting OTLP/HTTP traces on http://127.0.0.1:{port}/v1/traces", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Collector).serve_forever()


if __name__ == "__main__":
    main()
