#!/usr/bin/env python3
"""Soak: sustained load on one backchanneld for a long time, to show it holds steady.

Starts the release backchanneld on one store with a short expiry (default_expiry 10 s, expired requests kept
5 s), measures the peak of the soak's load mix for 10 s, then runs the mix paced at 80 % of that peak for
--minutes: authentications for a user who never answers (each expires), two polls of each, and complete
flows (start, approve, redeem) beside them. Every 10 s it samples, from the server's own /metrics and
/proc: requests/s, p99 latency, RSS, the store's files, pending requests and the expiry sweep's lag.

It passes when, after the warm-up (the first fifth of the run, at least 60 s): pending stays within
1.2 × arrival rate × (expiry + retention); requests/s and RSS stay within ±10 % of their medians; the
store's files stop growing (the last third grows less than 10 % over the middle third: SQLite reuses freed
pages and WAL checkpoints keep up). Writes Benchmarks/results/soak-<store>.json and docs/soak-<store>.svg.

    python3 Benchmarks/soak.py --store sqlite [--minutes 30] [--self-check]   # self-check: 3 minutes
    python3 Benchmarks/soak.py --store sqlite --minutes 5 --kill-at 120       # kill -9 at 2 minutes

With --kill-at, the server is killed with SIGKILL that many seconds into the soak and started again at once
on the same files and port, while a tracer beside the load starts requests of its own and notes each one the
server acknowledged: authentications for a user who never answers (expiring in 30 minutes) and complete flows.
At the end every acknowledged request must be accounted for: each of the first still pending, each flow
redeemed exactly once (a second redemption is refused) or, if its approval was lost with the process,
still pending. The samples of the 30 s after the kill are left out of the flatness checks.

Needs the release build (swift build -c release --product backchanneld) and wrk; PostgreSQL is started on
loopback for --store postgres.
"""
import argparse, base64, json, os, re, statistics, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # the end-to-end benchmark's helpers: start, stop, wrk, ports, PostgreSQL

EXPIRY, RETENTION, CONNECTIONS, SAMPLE_SECONDS = 10, 5, 16, 10
# Paced streams use many connections, so that each connection's wait dwarfs the response time it adds.
PACED_CONNECTIONS = 64

CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, operations: {{ port: {operations} }} }}
store: {store}
policy:
  enforce_poll_interval: false
  default_expiry: {expiry}
  expired_request_retention: {retention}
  min_client_secret_length: 8
  limits: {{ max_pending_per_subject: 1000000000, max_pending_per_client_subject: 1000000000, subject_burst: 1000000000,
            subject_per_minute: 1000000000, client_burst: 1000000000, client_per_minute: 1000000000 }}
clients:
  - {{ client_id: demo-client, client_secret: demo-secret }}
authenticators:
  - plugin: mock-push
    configuration:
      users:
{mock_users}
users:
{directory_users}
"""


def metrics(url):
    """Every sample of the Prometheus text at `url`, as {(name, labels): value}."""
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    samples = {}
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$", line)
        if match:
            samples[(match.group(1), match.group(2) or "")] = float(match.group(3))
    return samples


def total(samples, name, **labels):
    return sum(v for (n, l), v in samples.items() if n == name and all(f'{k}="{v}"' in l for k, v in labels.items()))


def p99(before, after):
    """The 99th percentile (ms) of the requests between two scrapes, from the latency histograms' buckets."""
    buckets = {}
    for (name, labels), value in after.items():
        if name == "backchannel_request_duration_seconds_bucket":
            le = re.search(r'le="([^"]+)"', labels).group(1)
            buckets[le] = buckets.get(le, 0) + value - before.get((name, labels), 0)
    if not buckets:
        return None
    ordered = sorted(buckets.items(), key=lambda item: float("inf") if item[0] == "+Inf" else float(item[0]))
    count = ordered[-1][1]
    if count <= 0:
        return None
    for le, cumulative in ordered:
        if cumulative >= 0.99 * count:
            return None if le == "+Inf" else float(le) * 1000
    return None


def files_size(data):
    return sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("backchannel.sqlite"))


def paced(url, script, rate, seconds, env=None):
    """wrk paced at about `rate` requests/s (each of CONNECTIONS connections waits between requests)."""
    delay = max(1, int(PACED_CONNECTIONS * 1000 / rate))
    return subprocess.Popen(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{PACED_CONNECTIONS}", f"-d{seconds}s", "-s", os.path.join(bench.WRK_DIR, script), url],
        env={**os.environ, "USERS": str(bench.USERS), **(env or {}), "DELAY_MS": str(delay)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def unexpected(process):
    out = process.communicate()[0]
    found = re.search(r"unexpected_answers (\d+)", out)
    kinds = re.search(r"unexpected_kinds (.*)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        print(f"wrk socket errors: {errors.group(1).strip()}")
    if found and int(found.group(1)) and kinds:
        print(f"unexpected answers: {found.group(1)} ({kinds.group(1).strip()})")
    return int(found.group(1)) if found else None


class Tracer:
    """Requests of its own beside the load, each noted once the server acknowledged it, for the kill -9
    accounting: `silent` (carol, never answers, expiring in 30 minutes) and `flows` (dave, approves at once;
    redeemed, or not yet when the process died)."""

    def __init__(self, url):
        self.url, self.silent, self.flows, self.stopped = url, [], {}, False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def post(self, path, body):
        request = urllib.request.Request(f"{self.url}{path}", data=body.encode(), headers={
            "Authorization": "Basic " + base64.b64encode(b"demo-client:demo-secret").decode(),
            "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def start(self, user):
        try:
            status, answer = self.post("/backchannel/authentication", f"scope=openid&login_hint={user}&requested_expiry=1800")
        except (OSError, ValueError):
            return None  # not acknowledged: the server was down
        return answer["auth_req_id"] if status == 200 else None

    def poll(self, auth_req_id):
        return self.post("/token", f"grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id={auth_req_id}")

    def loop(self):
        while not self.stopped:
            silent = self.start("carol")
            if silent:
                self.silent.append(silent)
            flow = self.start("dave")
            if flow:
                self.flows[flow] = "acknowledged"
                for _ in range(20):
                    try:
                        status, answer = self.poll(flow)
                    except (OSError, ValueError):
                        self.flows[flow] = "interrupted"  # the process died: the poll may have redeemed it
                        break
                    if status == 200 and "access_token" in answer:
                        self.flows[flow] = "redeemed"
                        break
                    time.sleep(0.05)
            time.sleep(0.2)

    def account(self):
        """Every acknowledged request's state now: {label: count}, and the problems (lost or twice redeemed)."""
        self.stopped = True
        self.thread.join()
        tally, problems = {}, []

        def note(label):
            tally[label] = tally.get(label, 0) + 1

        for auth_req_id in self.silent:
            status, answer = self.poll(auth_req_id)
            if answer.get("error") == "authorization_pending":
                note("silent: still pending")
            else:
                note("silent: lost")
                problems.append((auth_req_id[:8], "silent", status, answer.get("error")))
        for auth_req_id, state in self.flows.items():
            status, answer = self.poll(auth_req_id)
            if state == "redeemed" and answer.get("error") == "invalid_grant":
                note("flow: redeemed once, second redemption refused")
            elif state in ("acknowledged", "interrupted") and status == 200 and "access_token" in answer:
                note("flow: redeemed after the restart")
            elif state in ("acknowledged", "interrupted") and answer.get("error") == "authorization_pending":
                note("flow: approval lost with the process, still pending (expires)")
            elif state == "interrupted" and answer.get("error") == "invalid_grant":
                note("flow: redeemed by the poll the process died answering (once)")
            else:
                note(f"flow ({state}): wrong answer")
                problems.append((auth_req_id[:8], state, status, answer.get("error")))
        return tally, problems


def restart(server, command, url, log):
    """kill -9, then the same command again on the same files and port; returns the new process."""
    server.kill()
    server.wait()
    return bench.start(command, f"{url}/jwks", log)


def svg(samples, path, title):
    """A small plot per series (no plotting library here): requests/s, p99, RSS, files, pending, lag."""
    series = [("requests/s", "rate"), ("p99 ms", "p99_ms"), ("RSS MB", "rss_mb"), ("store files MB", "files_mb"),
              ("pending", "pending"), ("sweep lag s", "sweep_lag_s")]
    width, height, pad = 420, 150, 34
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width}" height="{3 * height + 30}" font-family="sans-serif" font-size="11">',
             f'<text x="8" y="18" font-size="14">{title}</text>']
    for index, (label, key) in enumerate(series):
        x0, y0 = (index % 2) * width, 30 + (index // 2) * height
        points = [(s["t"], s[key]) for s in samples if s.get(key) is not None]
        parts.append(f'<text x="{x0 + pad}" y="{y0 + 12}">{label}</text>')
        parts.append(f'<rect x="{x0 + pad}" y="{y0 + 18}" width="{width - 2 * pad}" height="{height - 46}" fill="none" stroke="#999"/>')
        if not points:
            continue
        tmax = max(p[0] for p in points) or 1
        vmax = max(p[1] for p in points) or 1
        coords = " ".join(f"{x0 + pad + (t / tmax) * (width - 2 * pad):.1f},{y0 + height - 28 - (v / vmax) * (height - 46):.1f}" for t, v in points)
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#1f6fb2" stroke-width="1.5"/>')
        parts.append(f'<text x="{x0 + 2}" y="{y0 + 26}">{vmax:,.0f}</text><text x="{x0 + 2}" y="{y0 + height - 28}">0</text>')
        parts.append(f'<text x="{x0 + width - pad - 30}" y="{y0 + height - 14}">{tmax:.0f} s</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default="sqlite", choices=["sqlite", "memory", "postgres"])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--self-check", action="store_true", help="a 3-minute run")
    parser.add_argument("--kill-at", type=int, help="kill -9 the server this many seconds into the soak, and start it again")
    options = parser.parse_args()
    if options.kill_at and options.store == "memory":
        parser.error("--kill-at needs a store that survives the process (sqlite or postgres)")
    seconds = int((3 if options.self_check else options.minutes) * 60)
    bench.ensure_wrk()
    work = tempfile.mkdtemp(prefix="backchannel-soak-")
    postgres = bench.Postgres() if options.store == "postgres" else None
    try:
        port, operations = bench.free_port(), bench.free_port()
        store = {"memory": "{ kind: memory }", "sqlite": "{ kind: sqlite }",
                 "postgres": f'{{ kind: postgres, url: "{postgres.database() if postgres else ""}" }}'}[options.store]
        config = os.path.join(work, "config.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(port=port, operations=operations, store=store, expiry=EXPIRY, retention=RETENTION, **bench.user_entries()))
        url, metrics_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{operations}/metrics"
        command = [bench.binary("backchanneld"), "--config", config, "--data-dir", work, "--log-level", "warning"]
        log = open(os.path.join(work, "log"), "w")
        server = bench.start(command, f"{url}/jwks", log)

        # The peak of the mix: both scripts unpaced for 10 s, side by side.
        before = metrics(metrics_url)
        mix = [subprocess.Popen(["taskset", "-c", "1", "wrk", "-t1", f"-c{CONNECTIONS}", "-d10s", "-s", os.path.join(bench.WRK_DIR, s), url],
                                env={**os.environ, "USERS": str(bench.USERS)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for s in ("soak.lua", "flow.lua")]
        for process in mix:
            process.communicate()
        after = metrics(metrics_url)
        peak_auth = (total(after, "backchannel_requests_total", endpoint="backchannel_authentication")
                     - total(before, "backchannel_requests_total", endpoint="backchannel_authentication")) / 10
        peak_all = (total(after, "backchannel_requests_total") - total(before, "backchannel_requests_total")) / 10
        print(f"peak of the mix: {peak_all:,.0f} requests/s ({peak_auth:,.0f} authentications/s); soaking at 80 % for {seconds} s", flush=True)
        target = 0.8 * peak_all
        # Let the peak's requests expire and be purged before the soak is measured.
        time.sleep(EXPIRY + RETENTION + 5)

        # soak.lua sends 3 requests per authentication (start, 2 polls); flow.lua 2 per flow (half of them starts).
        soak_rate, flow_rate = 0.8 * peak_all * 0.75, 0.8 * peak_all * 0.25
        # wrk runs a little past the last sample, so that every sample's window is under load.
        load = [paced(url, "soak.lua", soak_rate, seconds + 15), paced(url, "flow.lua", flow_rate, seconds + 15)]
        samples, previous, started = [], metrics(metrics_url), time.time()
        tracer = Tracer(url) if options.kill_at else None
        killed = None
        for _ in range(seconds // SAMPLE_SECONDS):
            time.sleep(SAMPLE_SECONDS)
            if options.kill_at and killed is None and time.time() - started >= options.kill_at:
                killed = round(time.time() - started)
                server = restart(server, command, url, log)
                print(f"killed with SIGKILL at {killed} s and started again in {time.time() - started - killed:.1f} s", flush=True)
                previous = metrics(metrics_url)  # the new process's counters start from zero
                continue
            now = metrics(metrics_url)
            status = open(f"/proc/{server.pid}/status").read()
            samples.append({
                "t": round(time.time() - started),
                "rate": (total(now, "backchannel_requests_total") - total(previous, "backchannel_requests_total")) / SAMPLE_SECONDS,
                "arrivals": (total(now, "backchannel_requests_total", endpoint="backchannel_authentication")
                             - total(previous, "backchannel_requests_total", endpoint="backchannel_authentication")) / SAMPLE_SECONDS,
                "p99_ms": p99(previous, now),
                "rss_mb": int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024,
                "files_mb": files_size(work) / 1e6 if options.store == "sqlite" else None,
                "pending": total(now, "backchannel_pending_requests"),
                "sweep_lag_s": total(now, "backchannel_expiry_sweep_lag_seconds"),
            })
            previous = now
            print(json.dumps(samples[-1]), flush=True)
        wrong = [unexpected(process) for process in load]
        accounting = tracer.account() if tracer else None
        bench.stop(server)
    finally:
        if postgres:
            postgres.stop()

    warm = max(60, seconds // 5)
    steady = [s for s in samples if s["t"] > warm and not (killed is not None and killed <= s["t"] <= killed + 30)]
    checks = {}
    # The bound takes the arrival rate measured (authentications per second), not the one aimed at.
    arrivals = statistics.median(s["arrivals"] for s in steady)
    bound = 1.2 * arrivals * (EXPIRY + RETENTION)
    checks["pending within 1.2 × rate × (expiry + retention)"] = (max(s["pending"] for s in steady), bound, max(s["pending"] for s in steady) <= bound)
    for key, label in [("rate", "requests/s within ±10 % of the median"), ("rss_mb", "RSS within ±10 % of the median")]:
        values = [s[key] for s in steady]
        middle = statistics.median(values)
        spread = (min(values) / middle - 1, max(values) / middle - 1)
        checks[label] = (spread, 0.10, all(abs(x) <= 0.10 for x in spread))
    if options.store == "sqlite":
        third = len(steady) // 3
        middle_size = max(s["files_mb"] for s in steady[third:2 * third])
        last_size = max(s["files_mb"] for s in steady[2 * third:])
        checks["store files stop growing (last third < 1.1 × middle third)"] = ((middle_size, last_size), 1.1, last_size <= 1.1 * middle_size)
    if accounting:
        tally, problems = accounting
        checks["every acknowledged request accounted for after kill -9"] = (tally, "no lost or twice-redeemed request", not problems and tally != {})
        if problems:
            print("problems:", problems[:20])
        # Polls of requests that expired while the process restarted answer expired_token, and flows whose
        # approval died with it stay pending: the load's own answers around the kill are not checked.
        checks["answers other than around the kill"] = (wrong, "reported only", True)
    else:
        checks["no unexpected answer"] = (wrong, 0, all(w == 0 for w in wrong))
    passed = all(check[2] for check in checks.values())
    for label, (value, bound_value, ok) in checks.items():
        print(f"{'PASS' if ok else 'FAIL'} {label}: {value} (bound {bound_value})")
    achieved = statistics.median(s["rate"] for s in steady)
    print(f"aimed at {target:,.0f} requests/s (80 % of the peak), achieved {achieved:,.0f} ({achieved / peak_all:.0%} of the peak)")
    result = {"store": options.store, "seconds": seconds, "peak_requests_per_second": peak_all, "target_requests_per_second": target,
              "achieved_requests_per_second": achieved, "arrivals_per_second": arrivals,
              "expiry": EXPIRY, "retention": RETENTION, "samples": samples, "passed": passed, "killed_at": killed,
              "checks": {label: {"value": value, "bound": b, "passed": ok} for label, (value, b, ok) in checks.items()}}
    name = f"soak-{options.store}" + ("-self-check" if options.self_check else "") + ("-kill" if options.kill_at else "")
    os.makedirs(bench.RESULTS, exist_ok=True)
    with open(os.path.join(bench.RESULTS, f"{name}.json"), "w") as f:
        json.dump(result, f, indent=2)
    os.makedirs(os.path.join(bench.ROOT, "docs"), exist_ok=True)
    svg(samples, os.path.join(bench.ROOT, "docs", f"{name}.svg"), f"backchanneld soak, {options.store}, {seconds // 60} min at 80 % of the mix's peak"
        + (f", kill -9 at {killed} s" if killed is not None else ""))
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
