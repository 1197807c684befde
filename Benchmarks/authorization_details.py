"""The authorization details part of Benchmarks/run.py (`--parts authorization-details`): what RFC 9396
authorization details cost an authentication request.

An authentication request with a 4 KiB `authorization_details` (a payment with its remittance lines, validated
against its type's schema, its summary rendered, stored with the request) against the same request without
one, on one server (memory store) in one run: requests/s by wrk in alternating rounds (medians), and
instructions per request under callgrind.
"""
import os, sys, tempfile, urllib.parse, json

# run.py, which imports this as a part: its helpers and the state it set up (the signer, the baseline).
bench = sys.modules["__main__"]

TYPE = """
  authorization_details_types:
    payment_initiation:
      summary: "Transfer {{instructedAmount.amount}} {{instructedAmount.currency}} to {{creditorName}} ({{creditorAccount.iban}})"
      fields:
        instructedAmount:
          type: object
          required: true
          fields: { currency: { type: string, required: true, min_length: 3, max_length: 3 }, amount: { type: decimal, required: true } }
        creditorName: { type: string, required: true, max_length: 140 }
        creditorAccount: { type: object, required: true, fields: { iban: { type: string, required: true, max_length: 34 } } }
        remittanceInformation: { type: array, max_items: 64, items: { type: string, max_length: 140 } }
"""


def details(size=4096):
    """A payment whose remittance lines bring its JSON to about `size` bytes."""
    payment = {"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "1250.00"}, "creditorName": "ACME Ltd",
               "creditorAccount": {"iban": "DE02100100109307118603"}, "remittanceInformation": []}
    n = 0
    while len(json.dumps([payment], separators=(",", ":"))) < size - 70:
        payment["remittanceInformation"].append(f"Invoice 2026-{n:04d}: consulting services, December, net 30 days")
        n += 1
    return json.dumps([payment], separators=(",", ":"))


def configuration(data, port):
    config = os.path.join(data, "config.yaml")
    text = bench.CONFIG.format(port=port, store="{ kind: memory }", receiver_port=1, operations="", bank_key=bench.SIGNER.jwk, **bench.user_entries())
    text = text.replace("policy:\n", "policy:\n" + TYPE.lstrip("\n"), 1)
    text = text.replace("{ client_id: demo-client, client_secret: demo-secret }",
                        "{ client_id: demo-client, client_secret: demo-secret, authorization_details_types: [payment_initiation] }", 1)
    with open(config, "w") as f:
        f.write(text)
    return config


def measure_authorization_details(duration, work):
    text = details()
    extra = "&authorization_details=" + urllib.parse.quote(text, safe="")
    results = {"details_bytes": len(text.encode())}
    data = tempfile.mkdtemp(dir=work, prefix="details-")
    port = bench.free_port()
    config = configuration(data, port)
    log = open(os.path.join(data, "log"), "a")
    server = bench.start([bench.binary("backchanneld"), "--config", config, "--data-dir", data, "--operations-port", str(bench.free_port()),
                          "--log-level", "warning"], f"http://127.0.0.1:{port}/jwks", log)
    url = f"http://127.0.0.1:{port}"
    rounds = {"without": [], "with": []}
    try:
        for _ in range(bench.ROUNDS):
            rounds["without"].append(bench.wrk(url, "authenticate.lua", duration))
            rounds["with"].append(bench.wrk(url, "authenticate.lua", duration, {"EXTRA": extra}))
    finally:
        bench.stop(server)
    for name, measured in rounds.items():
        results[name] = {**bench.median(measured), "rounds_requests_per_second": [m["requests_per_second"] for m in measured]}
    results["with_vs_without"] = results["with"]["requests_per_second"] / results["without"]["requests_per_second"]

    # Instructions per request, the same two requests, under callgrind.
    bench.CALLGRIND_HOST = bench.CALLGRIND_HOST or bench.stripped_callgrind_host(work)
    data = tempfile.mkdtemp(dir=work, prefix="details-callgrind-")
    config = configuration(data, 0)
    server = bench.Callgrind(["--config", config, "--data-dir", data, "--operations-port", str(bench.free_port()), "--log-level", "warning"],
                             work, "server-details", "/jwks")
    client = bench.Client(server.url)
    n = bench.CALLGRIND_REQUESTS

    def start(body):
        def send(connection, i):
            status, answer = client.post(connection, "/backchannel/authentication",
                                         f"scope=openid&login_hint=carol-{i % bench.USERS}&binding_message=BENCH&requested_expiry=3600{body}")
            if status != 200:
                raise RuntimeError(f"authentication answered {status} {answer}")
        return send

    try:
        client.run(n, start(""))
        client.run(n, start(extra))
        instructions = {"without": server.count("auth-without-details", lambda: client.run(n, start(""))) / n,
                        "with": server.count("auth-with-details", lambda: client.run(n, start(extra))) / n}
    finally:
        bench.stop(server.process)
    instructions["with_vs_without"] = instructions["without"] / instructions["with"]
    results["instructions"] = instructions
    print(f"  authorization details: {results['with_vs_without']:.2f} of the requests/s, {instructions['with_vs_without']:.2f} in instructions",
          flush=True)
    return results


def details_lines(r):
    i = r["instructions"]
    return [
        f"Authentication requests with a {r['details_bytes']:,}-byte `authorization_details` (memory store, alternating rounds): "
        f"{r['with']['requests_per_second']:,.0f} req/s against {r['without']['requests_per_second']:,.0f} without, "
        f"{r['with_vs_without']:.2f}; p50 {r['with']['p50_ms']:.2f} ms against {r['without']['p50_ms']:.2f} ms. Instructions per request: "
        f"{i['with']:,.0f} against {i['without']:,.0f}, {i['with_vs_without']:.2f}."
    ]
