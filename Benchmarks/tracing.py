"""The tracing part of Benchmarks/run.py (`--parts tracing`): what distributed tracing costs a request.

Three memory-store servers side by side, the same but for `observability.tracing`: off (the default), on
with every trace recorded (`sampling: 1.0`), and on with one trace in a hundred (`sampling: 0.01`), each
exporting over OTLP/HTTP to a collector stand-in in this process that reads and drops what it gets.
Authentication requests and polls with 1 000 pending, by wrk in alternating rounds (medians), as ratios to
the server without tracing; and instructions per authentication request and per poll under callgrind, off
against on, and (TRACING_BEFORE_CALLGRIND_HOST=path of an earlier build's callgrind-host) off against the
code before tracing existed.
"""
import os, sys, tempfile, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# run.py, which imports this as a part: its helpers and the state it set up (the signer, the baseline).
bench = sys.modules["__main__"]

SETTINGS = {"off": None, "on_1": "1.0", "on_0_01": "0.01"}


class Collector(BaseHTTPRequestHandler):
    """Reads each export and answers 200, counting the bytes it got."""
    received = 0

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        Collector.received += len(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


def configuration(data, port, sampling, collector_port):
    config = os.path.join(data, "config.yaml")
    text = bench.CONFIG.format(port=port, store="{ kind: memory }", receiver_port=1, operations="", bank_key=bench.SIGNER.jwk, **bench.user_entries())
    if sampling is not None:
        text += f"observability:\n  tracing: {{ endpoint: \"http://127.0.0.1:{collector_port}/v1/traces\", sampling: {sampling} }}\n"
    with open(config, "w") as f:
        f.write(text)
    return config


def measure_tracing(duration, work):
    collector = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    servers = {}
    results = {}
    try:
        for name, sampling in SETTINGS.items():
            data = tempfile.mkdtemp(dir=work, prefix=f"tracing-{name}-")
            port = bench.free_port()
            config = configuration(data, port, sampling, collector.server_port)
            process = bench.start([bench.binary("backchanneld"), "--config", config, "--data-dir", data, "--operations-port", str(bench.free_port()),
                                   "--log-level", "warning"], f"http://127.0.0.1:{port}/jwks", open(os.path.join(data, "log"), "a"))
            url = f"http://127.0.0.1:{port}"
            hot = os.path.join(data, "hot.ids")
            bench.wrk(url, "token-poll.lua", 1, {"AUTH_REQ_IDS": bench.write_ids(data, ["warm-up"])}, counted=False)
            bench.populate(url, 1000, hot)
            servers[name] = (process, url, hot)
        rounds = {name: {"authentication": [], "poll": []} for name in SETTINGS}
        for _ in range(bench.ROUNDS):
            for name, (_, url, hot) in servers.items():
                rounds[name]["authentication"].append(bench.wrk(url, "authenticate.lua", duration))
                rounds[name]["poll"].append(bench.wrk(url, "token-poll.lua", duration, {"AUTH_REQ_IDS": hot}))
    finally:
        for process, _, _ in servers.values():
            bench.stop(process)
    for name in SETTINGS:
        results[name] = {kind: {**bench.median(measured), "rounds_requests_per_second": [m["requests_per_second"] for m in measured]}
                         for kind, measured in rounds[name].items()}
    for name in ("on_1", "on_0_01"):
        for kind in ("authentication", "poll"):
            results[name][f"{kind}_vs_off"] = results[name][kind]["requests_per_second"] / results["off"][kind]["requests_per_second"]
    results["collector_bytes"] = Collector.received

    # Instructions per authentication request and per pending poll under callgrind: off, and on with every
    # trace recorded; and off for a build of an earlier commit when TRACING_BEFORE_CALLGRIND_HOST names its
    # callgrind-host (what the tracing code costs when off, against the code without it).
    own = bench.CALLGRIND_HOST = bench.CALLGRIND_HOST or bench.stripped_callgrind_host(work)
    hosts = {"off": own, "on_1": own}
    if os.environ.get("TRACING_BEFORE_CALLGRIND_HOST"):
        before = os.path.join(work, "callgrind-host-before")
        bench.run(["objcopy", "--strip-debug", os.environ["TRACING_BEFORE_CALLGRIND_HOST"], before])
        hosts = {"before": before, **hosts}
    instructions = {}
    for name, host in hosts.items():
        instructions[name] = count_instructions(host, name, work, SETTINGS.get(name), collector.server_port)
    bench.CALLGRIND_HOST = own
    instructions["on_vs_off"] = instructions["off"]["authentication"] / instructions["on_1"]["authentication"]
    instructions["poll_on_vs_off"] = instructions["off"]["poll"] / instructions["on_1"]["poll"]
    if "before" in instructions:
        instructions["off_vs_before"] = instructions["before"]["authentication"] / instructions["off"]["authentication"]
        instructions["poll_off_vs_before"] = instructions["before"]["poll"] / instructions["off"]["poll"]
    results["instructions"] = instructions
    collector.shutdown()
    print(f"  tracing: on (1.0) {results['on_1']['authentication_vs_off']:.2f} of the authentications/s, "
          f"{results['on_1']['poll_vs_off']:.2f} of the polls/s; on (0.01) {results['on_0_01']['authentication_vs_off']:.2f} and "
          f"{results['on_0_01']['poll_vs_off']:.2f}; instructions {instructions['on_vs_off']:.2f} and {instructions['poll_on_vs_off']:.2f}", flush=True)
    return results


def count_instructions(host, name, work, sampling, collector_port):
    """Instructions per authentication request and per poll answering authorization_pending, on `host`."""
    data = tempfile.mkdtemp(dir=work, prefix=f"tracing-callgrind-{name}-")
    config = configuration(data, 0, sampling, collector_port)
    bench.CALLGRIND_HOST = host
    server = bench.Callgrind(["--config", config, "--data-dir", data, "--operations-port", str(bench.free_port()), "--log-level", "warning"],
                             work, f"server-tracing-{name}", "/jwks")
    client = bench.Client(server.url)
    n = bench.CALLGRIND_REQUESTS
    try:
        client.run(n, lambda connection, i: client.authenticate(connection, i))
        counted = {"authentication": server.count(f"auth-tracing-{name}", lambda: client.run(n, lambda c, i: client.authenticate(c, i))) / n}
        ids = client.run(n, lambda connection, i: client.authenticate(connection, i))
        client.run(n, lambda connection, i: client.pending_poll(connection, ids[i]))
        counted["poll"] = server.count(f"poll-tracing-{name}", lambda: client.run(n, lambda c, i: client.pending_poll(c, ids[i]))) / n
    finally:
        bench.stop(server.process)
    return counted


def tracing_lines(r):
    i = r["instructions"]
    rows = ["| tracing | authentications/s (× off) | p50 / p99 ms | polls/s, 1k pending (× off) | p50 / p99 ms |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, label in (("off", "off"), ("on_1", "on, sampling 1.0"), ("on_0_01", "on, sampling 0.01")):
        a, p = r[name]["authentication"], r[name]["poll"]
        ratio_a = r[name].get("authentication_vs_off", 1.0)
        ratio_p = r[name].get("poll_vs_off", 1.0)
        rows.append(f"| {label} | {a['requests_per_second']:,.0f} ({ratio_a:.2f}) | {a['p50_ms']:.2f} / {a['p99_ms']:.2f} | "
                    f"{p['requests_per_second']:,.0f} ({ratio_p:.2f}) | {p['p50_ms']:.2f} / {p['p99_ms']:.2f} |")
    rows += ["", f"Instructions per authentication request: {i['off']['authentication']:,.0f} off, {i['on_1']['authentication']:,.0f} with "
                 f"every trace recorded ({i['on_vs_off']:.2f}); per poll: {i['off']['poll']:,.0f} and {i['on_1']['poll']:,.0f} "
                 f"({i['poll_on_vs_off']:.2f}). The collector stand-in received {r['collector_bytes']:,} bytes of spans."]
    if "before" in i:
        rows.append(f"Off against the earlier build: authentication {i['before']['authentication']:,.0f} before, {i['off']['authentication']:,.0f} "
                    f"now ({i['off_vs_before']:.3f}); poll {i['before']['poll']:,.0f} and {i['off']['poll']:,.0f} ({i['poll_off_vs_before']:.3f}).")
    return rows
