#!/usr/bin/env python3
"""End-to-end HTTP benchmark of backchanneld against a minimal Hummingbird server, in one run.

Builds both in release mode, pins each server to core 0 and wrk to core 1, and measures for every store:
backchannel authentication requests/s with p50/p99, token polls answering authorization_pending with
1 000 and 100 000 requests pending (two servers side by side, alternating rounds, medians), completed
flows/s (RS256 and ES256 ID tokens), the server's RSS with 0, 10 000 and 100 000 pending requests, each
operation's CPU (and on PostgreSQL its statements, WAL and database CPU), and ping notifications: the time
from an approval to its notification at a receiver on loopback (p50/p99, under the flow load) and
notifications delivered per second. Throughputs are reported as
ratios to the baseline measured in the same run, just before and just after each store (the mean of those
two medians of rounds: the machine's speed drifts over a run), memory as bytes per pending
request. Writes Benchmarks/results/latest.json and latest.md.

    python3 Benchmarks/run.py [--duration 8] [--stores memory,sqlite,postgres] [--parts stores,metrics,instructions]
                              [--skip-build] [--profiles DIR]

The metrics part compares polls on two memory-store servers, with and without the operations listener
and its Prometheus metrics (target: at most 5 % slower with them). The instructions part runs the baseline
and each store's server under callgrind and reports instructions per request (they repeat exactly, unlike
wall-clock figures); --profiles keeps the callgrind dumps for callgrind_annotate.
"""
import argparse, base64, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRK_DIR = os.path.join(ROOT, "Benchmarks", "wrk")
RESULTS = os.path.join(ROOT, "Benchmarks", "results")
CONNECTIONS = 32
ROUNDS = 3
UNEXPECTED = []  # every wrk run's count of answers that were not the expected one


def median(measurements):
    """The measurement with the median throughput (with its own latencies and error count)."""
    ordered = sorted(measurements, key=lambda m: m["requests_per_second"])
    return dict(ordered[len(ordered) // 2])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("wrk is not installed (Debian package wrk)")
    run(["apt-get", "update", "-qq"])
    run(["apt-get", "install", "-y", "-qq", "wrk"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def binary(name):
    path = run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT).stdout.strip()
    return os.path.join(path, name)


def wait_ready(url, process, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


def start(command, ready_url, log):
    process = subprocess.Popen(["taskset", "-c", "0"] + command, stdout=log, stderr=subprocess.STDOUT)
    wait_ready(ready_url, process)
    return process


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def rss(process):
    status = open(f"/proc/{process.pid}/status").read()
    current = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024
    return current, peak


def cpu_seconds(process):
    fields = open(f"/proc/{process.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, script, duration, env=None, counted=True):
    out = run(["taskset", "-c", "1", "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "-s", os.path.join(WRK_DIR, script), url],
              env={**os.environ, "USERS": str(USERS), **(env or {})}).stdout
    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    result = {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "unexpected_answers": int(re.search(r"unexpected_answers (\d+)", out).group(1)),
    }
    if counted:  # a warm-up polls an unknown id on purpose
        UNEXPECTED.append(result["unexpected_answers"])
    flows = re.search(r"completed_flows (\d+)", out)
    if flows:
        result["completed_flows"] = int(flows.group(1))
    return result


def start_server(binary, store, work, prefix, postgres, receiver_port=1):
    """A server of `binary` on `store` with the benchmark's configuration, its own data directory and ports,
    its clients' notifications sent to `receiver_port`; returns (process, url, data directory). The process
    knows its metrics URL (`metrics_url`) and, on PostgreSQL, its database's name (`database`)."""
    port = free_port()
    data = tempfile.mkdtemp(dir=work, prefix=f"{prefix}-{store}-")
    database = postgres.database() if store == "postgres" else None
    kind = {"memory": "{ kind: memory }", "sqlite": "{ kind: sqlite }", "postgres": f'{{ kind: postgres, url: "{database}" }}'}[store]
    config = os.path.join(data, "config.yaml")
    with open(config, "w") as f:
        f.write(CONFIG.format(port=port, store=kind, receiver_port=receiver_port, operations="", bank_key=SIGNER.jwk, **user_entries()))
    url = f"http://127.0.0.1:{port}"
    operations = free_port()
    process = start([binary, "--config", config, "--data-dir", data, "--operations-port", str(operations), "--log-level", "warning"],
                    f"{url}/jwks", open(os.path.join(data, "log"), "w"))
    process.metrics_url = f"http://127.0.0.1:{operations}/metrics"
    process.database = database and database.rsplit("/", 1)[1]
    return process, url, data


def populate(url, count, ids_file):
    """Starts exactly `count` authentications, writing their auth_req_ids (wrk's script stops writing at
    the limit; wrk itself runs until stopped, so it is stopped once the file is complete)."""
    open(ids_file, "w").close()
    process = subprocess.Popen(["taskset", "-c", "1", "wrk", "-t1", "-c8", "-d600s", "-s", os.path.join(WRK_DIR, "authenticate.lua"), url],
                               env={**os.environ, "LIMIT": str(count), "AUTH_REQ_IDS": ids_file}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    written = 0
    while time.time() < deadline:
        with open(ids_file) as f:
            written = sum(1 for line in f if line.strip())
        if written >= count:
            break
        time.sleep(0.2)
    process.kill()
    process.wait()
    if written < count:
        raise RuntimeError(f"populated {written} of {count} requests")


class Postgres:
    """A throw-away PostgreSQL server in a temporary directory, as the tests start one."""

    def __init__(self):
        versions = sorted(int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit()) if os.path.isdir("/usr/lib/postgresql") else []
        if not versions:
            raise FileNotFoundError("PostgreSQL is not installed")
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.dir = tempfile.mkdtemp(prefix="backchannel-bench-pg-")
        self.port = free_port()
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            run(["chown", "postgres", self.dir])
        run(self.prefix + [f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres", "--no-sync"], cwd="/tmp")
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all")
        subprocess.run(self.prefix + [f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-o", options, "-l", f"{self.dir}/log", "-w", "start"],
                       check=True, cwd="/tmp", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def sql(self, statement, database="postgres"):
        return run(self.prefix + [f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                                  "-At", "-F", "\t", "-c", statement], cwd="/tmp").stdout

    def cpu_seconds(self):
        """CPU time of every PostgreSQL process of this server (postmaster, backends, WAL writer, …)."""
        total = 0
        for pid in os.listdir("/proc"):
            try:
                if not pid.isdigit() or not open(f"/proc/{pid}/comm").read().startswith("postgres"):
                    continue
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
        return total / os.sysconf("SC_CLK_TCK")

    def reset_statistics(self):
        self.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        self.sql("SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal')")
        return self.cpu_seconds()

    def statistics(self, cpu_before, operations):
        """What PostgreSQL did per operation since `reset_statistics`: statements by kind, WAL, CPU."""
        cpu = self.cpu_seconds() - cpu_before
        wal_records, wal_fpi, wal_bytes = (int(v) for v in self.sql("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal").split())
        statements = []
        # track=all also counts the statements inside a function (backchannel_admit's); top-level ones are
        # what the node sent: its round trips.
        for line in self.sql("SELECT toplevel, calls, rows, total_exec_time, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements "
                             "WHERE query NOT ILIKE '%pg_stat%' ORDER BY calls DESC").splitlines():
            toplevel, calls, rows, milliseconds, query = line.split("\t", 4)
            statements.append({"per_operation": int(calls) / operations, "rows_per_call": int(rows) / max(1, int(calls)),
                               "mean_ms": float(milliseconds) / max(1, int(calls)), "toplevel": toplevel == "t", "query": query[:160]})
        return {
            "operations": operations,
            "statements_per_operation": sum(x["per_operation"] for x in statements),
            "round_trips_per_operation": sum(x["per_operation"] for x in statements if x["toplevel"]),
            "wal_bytes_per_operation": wal_bytes / operations,
            "wal_records_per_operation": wal_records / operations,
            "wal_full_page_images_per_operation": wal_fpi / operations,
            "postgres_cpu_ms_per_operation": 1000 * cpu / operations,
            "statements": statements,
        }

    def database(self):
        name = f"bench_{int(time.time() * 1000)}"
        run(self.prefix + [f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", f"CREATE DATABASE {name}"], cwd="/tmp")
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self):
        subprocess.run(self.prefix + [f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "stop"], cwd="/tmp",
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


CONFIG = """
server: {{ host: 127.0.0.1, port: {port}{operations} }}
store: {store}
policy:
  enforce_poll_interval: false
  max_expiry: 3600
  default_expiry: 3600
  min_client_secret_length: 8
  # One user receives thousands of requests a second here: the limits stay on (their work is measured)
  # with bounds no benchmark reaches.
  limits: {{ max_pending_per_subject: 1000000000, max_pending_per_client_subject: 1000000000, subject_burst: 1000000000,
            subject_per_minute: 1000000000, client_burst: 1000000000, client_per_minute: 1000000000 }}
  allow_insecure_loopback_notifications: true
clients:
  - {{ client_id: demo-client, client_secret: demo-secret }}
  - {{ client_id: es-client, client_secret: es-client-secret, id_token_signed_response_alg: ES256 }}
  - {{ client_id: bank, token_endpoint_auth_methods: [private_key_jwt], jwks: {{ keys: [{bank_key}] }} }}
  - {{ client_id: pinger, client_secret: pinger-secret, backchannel_token_delivery_mode: ping,
      backchannel_client_notification_endpoint: "http://127.0.0.1:{receiver_port}/" }}
authenticators:
  - plugin: mock-push
    configuration:
      users:
{mock_users}
users:
{directory_users}
"""

# The load names USERS users (carol-N never answers, dave-N approves at once), as a call centre's would:
# every request for one user would queue on that user's pending-request count, in a database shared by
# nodes, for a load the default limits (50 pending per user) refuse long before.
USERS = 1000
# Every node of a run seals the generated signing key under one key-encryption key (PostgreSQL requires one).
os.environ.setdefault("BACKCHANNEL_KEY_ENCRYPTION_KEY", base64.b64encode(os.urandom(32)).decode())


class AssertionSigner:
    """The private_key_jwt client `bank`: an ES256 key of this run, its JWK for the configuration, and files
    of pre-signed client assertions (wrk cannot sign; each jti is good once). Needs PyJWT and cryptography
    (installed from PyPI if missing)."""

    def __init__(self):
        try:
            import jwt  # noqa: F401
            from cryptography.hazmat.primitives.asymmetric import ec  # noqa: F401
        except ImportError:
            run([sys.executable, "-m", "pip", "install", "-q", "pyjwt", "cryptography"])
        from cryptography.hazmat.primitives.asymmetric import ec
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        coordinate = lambda n: base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()
        self.jwk = f'{{ kty: EC, crv: P-256, kid: bench-1, alg: ES256, x: "{coordinate(numbers.x)}", y: "{coordinate(numbers.y)}" }}'

    def write(self, path, count, audience):
        import jwt, uuid
        now = int(time.time())
        with open(path, "w") as f:
            for _ in range(count):
                f.write(jwt.encode({"iss": "bank", "sub": "bank", "aud": audience, "iat": now, "exp": now + 280, "jti": uuid.uuid4().hex},
                                   self.key, algorithm="ES256", headers={"kid": "bench-1"}) + "\n")
        return path


SIGNER = None


def user_entries(count=USERS):
    """The configuration's mock-push scripts and directory entries for carol, dave and count of each."""
    names = ["carol", "dave"] + [f"{name}-{n}" for n in range(count) for name in ("carol", "dave")]
    mock = "\n".join(f"        {name}: {{ action: {'silent' if name.startswith('carol') else 'approve, after_seconds: 0'} }}" for name in names)
    directory = "\n".join(f"  - {{ subject: {name} }}" for name in names)
    return {"mock_users": mock, "directory_users": directory}


class Receiver:
    """A ping client's notification endpoint on loopback: notes when each auth_req_id's ping arrived."""

    def __init__(self):
        arrivals = self.arrivals = {}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrivals.setdefault(json.loads(body).get("auth_req_id"), time.monotonic())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def ping_request(url):
    """Starts one ping-mode authentication for dave (who approves at once); returns (auth_req_id, when)."""
    body = b"scope=openid&login_hint=dave&client_notification_token=bench-token-0123456789"
    request = urllib.request.Request(f"{url}/backchannel/authentication", data=body, headers={
        "Authorization": "Basic " + base64.b64encode(b"pinger:pinger-secret").decode(),
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    return answer["auth_req_id"], time.monotonic()


def measure_notifications(url, receiver, duration):
    """Approval-to-notification latency with the flow load running (ten pings a second beside it), then
    notifications/s for a burst of 2 000 pings. dave approves the moment a request starts, so the time
    from the acknowledgement to the ping is the time from the approval to the notification."""
    sent = []
    flows = subprocess.Popen(["taskset", "-c", "1", "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "-s", os.path.join(WRK_DIR, "flow.lua"), url],
                             env={**os.environ, "USERS": str(USERS)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + duration - 1
    while time.monotonic() < deadline:
        sent.append(ping_request(url))
        time.sleep(0.1)
    flows.wait()
    time.sleep(2)
    latencies = sorted((receiver.arrivals[i] - t) * 1000 for i, t in sent if i in receiver.arrivals)
    burst = 2000
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        ids = [i for i, _ in pool.map(lambda _: ping_request(url), range(burst))]
    finish = time.monotonic() + 120
    while time.monotonic() < finish and not all(i in receiver.arrivals for i in ids):
        time.sleep(0.05)
    delivered = [receiver.arrivals[i] for i in ids if i in receiver.arrivals]
    return {
        "latency_samples": len(latencies), "lost_under_load": len(sent) - len(latencies),
        "p50_ms": latencies[len(latencies) // 2] if latencies else None,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else None,
        "burst": burst, "burst_delivered": len(delivered),
        "notifications_per_second": len(delivered) / (max(delivered) - started) if delivered else 0,
    }


def measure_store(store, duration, work, postgres):
    backchanneld = binary("backchanneld")
    results = {}
    receiver = Receiver()

    def server():
        return start_server(backchanneld, store, work, "store", postgres, receiver_port=receiver.port)

    def costs(process, operations, node_cpu_before, database_before):
        """Node CPU per operation and, on PostgreSQL, what the database did per operation; on SQLite, the
        group commit's batches (writes per commit)."""
        figures = {"node_cpu_ms_per_operation": 1000 * (cpu_seconds(process) - node_cpu_before) / max(1, operations)}
        if store == "postgres":
            figures["postgres"] = postgres.statistics(database_before, max(1, operations))
        if store == "sqlite":
            commits, writes = (now - before for now, before in zip(sqlite_commits(process), process.commits_before))
            figures["sqlite"] = {"commits": commits, "writes": writes, "writes_per_commit": writes / commits if commits else 0,
                                 "commits_per_operation": commits / max(1, operations)}
        return figures

    def sqlite_commits(process):
        """The group commit's counters so far: transactions committed, writes they held."""
        if store != "sqlite":
            return (0, 0)
        metrics = urllib.request.urlopen(process.metrics_url, timeout=10).read().decode()
        return tuple(sum(float(v) for v in re.findall(rf"^{name}(?:\{{[^}}]*\}})? ([\d.e+]+)$", metrics, re.M))
                     for name in ("backchannel_sqlite_commits_total", "backchannel_sqlite_committed_writes_total"))

    def begin(process):
        """Marks the start of a measured operation: the node's CPU, PostgreSQL's statistics, SQLite's commits."""
        process.commits_before = sqlite_commits(process)
        return cpu_seconds(process), postgres.reset_statistics() if store == "postgres" else None

    # Authentication requests/s (each adds a pending request).
    process, url, data = server()
    node_before, database_before = begin(process)
    results["authentication"] = wrk(url, "authenticate.lua", duration)
    results["authentication"]["costs"] = costs(process, results["authentication"]["requests"], node_before, database_before)
    # The same requests from a private_key_jwt client: each verifies an ES256 assertion and spends its jti.
    signed = SIGNER.write(os.path.join(data, "assertions"), duration * 12000, url)
    results["authentication_private_key_jwt"] = wrk(url, "authenticate-jwt.lua", duration, {"ASSERTIONS": signed})
    stop(process)

    # Polls with 1 000 and with 100 000 pending, on two servers side by side (both pinned to core 0, one
    # under load at a time), measured in alternating rounds so that drift on this shared machine hits both
    # alike; each reports its median round. The larger one also gives the memory at 0, 10 000 and 100 000.
    small, small_url, small_data = server()
    large, large_url, large_data = server()
    for url, data in [(small_url, small_data), (large_url, large_data)]:
        wrk(url, "token-poll.lua", 1, {"AUTH_REQ_IDS": write_ids(data, ["warm-up"])}, counted=False)
    memory = {"0": rss(large)}
    small_hot, large_hot = os.path.join(small_data, "hot.ids"), os.path.join(large_data, "hot.ids")
    populate(small_url, 1000, small_hot)
    populate(large_url, 1000, large_hot)
    populate(large_url, 9000, os.path.join(large_data, "more.ids"))
    memory["10000"] = rss(large)
    populate(large_url, 90000, os.path.join(large_data, "rest.ids"))
    memory["100000"] = rss(large)
    if store == "postgres":
        # What 100 000 pending requests (and the authenticator's and the limits' rows for them) take in the
        # database, tables and indexes together.
        sizes = postgres.sql("SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE n.nspname = 'public' AND c.relkind = 'r'", large.database)
        results["database_bytes_per_pending_request"] = int(sizes.strip()) / 101000
    rounds = {"poll_1000_pending": [], "poll_100000_pending": []}
    for round in range(ROUNDS):
        if round == 0:  # the first round's costs: the database's figures are then the small server's polls alone
            small_before, database_before = begin(small)
        rounds["poll_1000_pending"].append(wrk(small_url, "token-poll.lua", duration, {"AUTH_REQ_IDS": small_hot}))
        if round == 0:
            results["poll_costs"] = costs(small, rounds["poll_1000_pending"][0]["requests"], small_before, database_before)
        rounds["poll_100000_pending"].append(wrk(large_url, "token-poll.lua", duration, {"AUTH_REQ_IDS": large_hot}))
    for name, measured in rounds.items():
        results[name] = median(measured)
        results[name]["rounds_requests_per_second"] = [m["requests_per_second"] for m in measured]
    stop(small)
    stop(large)
    results["rss_bytes"] = {k: {"current": v[0], "peak": v[1]} for k, v in memory.items()}
    results["bytes_per_pending_request"] = (memory["100000"][0] - memory["0"][0]) / 100000

    # Completed flows/s: start, the user approves at once, one redeeming poll.
    process, url, data = server()
    node_before, database_before = begin(process)
    flows = wrk(url, "flow.lua", duration)
    flows["flows_per_second"] = flows.get("completed_flows", 0) / duration
    flows["costs"] = costs(process, flows.get("completed_flows", 0), node_before, database_before)
    results["flows"] = flows
    # The same with ID tokens in ES256 (FAPI's choice) instead of RS256: an RSA-2048 signature is most of
    # a flow's CPU.
    es256 = wrk(url, "flow.lua", duration, {"CLIENT": "es-client"})
    es256["flows_per_second"] = es256.get("completed_flows", 0) / duration
    results["flows_es256"] = es256
    stop(process)

    # Ping notifications: latency under the flow load, then a burst's rate.
    process, url, data = server()
    results["notifications"] = measure_notifications(url, receiver, duration)
    stop(process)
    receiver.server.shutdown()
    return results


def measure_metrics_cost(duration, work):
    """Polls with 1 000 pending on two memory-store servers side by side, one with the operations listener
    and its Prometheus metrics, one with `server.operations.enabled: false` (swift-metrics then records
    nothing), in alternating rounds: what the metrics cost a poll."""
    backchanneld = binary("backchanneld")

    def server(metrics):
        port = free_port()
        data = tempfile.mkdtemp(dir=work, prefix=f"metrics-{metrics}-")
        config = os.path.join(data, "config.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(port=port, store="{ kind: memory }", receiver_port=free_port(), bank_key=SIGNER.jwk, **user_entries(),
                                  operations="" if metrics else ", operations: { enabled: false }"))
        url = f"http://127.0.0.1:{port}"
        process = start([backchanneld, "--config", config, "--data-dir", data, "--operations-port", str(free_port()), "--log-level", "warning"],
                        f"{url}/jwks", open(os.path.join(data, "log"), "w"))
        hot = os.path.join(data, "hot.ids")
        wrk(url, "token-poll.lua", 1, {"AUTH_REQ_IDS": write_ids(data, ["warm-up"])}, counted=False)
        populate(url, 1000, hot)
        return process, url, hot

    with_metrics, with_url, with_hot = server(True)
    without_metrics, without_url, without_hot = server(False)
    rounds = {"with_metrics": [], "without_metrics": []}
    for _ in range(ROUNDS):
        rounds["with_metrics"].append(wrk(with_url, "token-poll.lua", duration, {"AUTH_REQ_IDS": with_hot}))
        rounds["without_metrics"].append(wrk(without_url, "token-poll.lua", duration, {"AUTH_REQ_IDS": without_hot}))
    stop(with_metrics)
    stop(without_metrics)
    results = {name: median(measured) for name, measured in rounds.items()}
    for name, measured in rounds.items():
        results[name]["rounds_requests_per_second"] = [m["requests_per_second"] for m in measured]
    results["poll_with_vs_without"] = results["with_metrics"]["requests_per_second"] / results["without_metrics"]["requests_per_second"]
    return results


# Instruction counts: each server runs under callgrind, which counts the instructions it executes
# exactly (the same binary and requests give the same count within a fraction of a percent, whatever
# else the machine does), so a change of a few percent shows, where wall-clock ratios wander by 20 %.
CALLGRIND_REQUESTS = 400  # of each kind, after as many for warm-up
CALLGRIND_CONNECTIONS = 4


class Client:
    """Exactly `count` requests over CALLGRIND_CONNECTIONS keep-alive connections; `send(connection, i)`
    sends request i and checks its answer."""

    def __init__(self, url, credentials=b"demo-client:demo-secret"):
        self.host, self.port = url.split("//")[1].split(":")
        self.authorization = "Basic " + base64.b64encode(credentials).decode()
        self.extra_polls = 0

    def post(self, connection, path, body):
        connection.request("POST", path, body, {"Authorization": self.authorization,
                                                "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def run(self, count, send):
        import http.client

        def worker(offset):
            connection = http.client.HTTPConnection(self.host, int(self.port), timeout=600)
            results = [send(connection, i) for i in range(offset, count, CALLGRIND_CONNECTIONS)]
            connection.close()
            return results

        with ThreadPoolExecutor(CALLGRIND_CONNECTIONS) as pool:
            return [r for chunk in pool.map(worker, range(CALLGRIND_CONNECTIONS)) for r in chunk]

    def authenticate(self, connection, i, who="carol"):
        status, answer = self.post(connection, "/backchannel/authentication",
                                   f"scope=openid&login_hint={who}-{i % USERS}&binding_message=BENCH&requested_expiry=3600")
        if status != 200:
            raise RuntimeError(f"authentication answered {status} {answer}")
        return answer["auth_req_id"]

    def poll(self, connection, auth_req_id):
        return self.post(connection, "/token", f"grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id={auth_req_id}")

    def pending_poll(self, connection, auth_req_id):
        status, answer = self.poll(connection, auth_req_id)
        if answer.get("error") != "authorization_pending":
            raise RuntimeError(f"poll answered {status} {answer}")

    def flow(self, connection, i):
        """Starts an authentication for dave-N (who approves at once) and redeems it, polling again
        every 10 ms until the approval has landed (counted: extra polls are extra work)."""
        auth_req_id = self.authenticate(connection, i, "dave")
        while True:
            status, answer = self.poll(connection, auth_req_id)
            if status == 200 and "id_token" in answer:
                return
            if answer.get("error") != "authorization_pending":
                raise RuntimeError(f"redemption answered {status} {answer}")
            self.extra_polls += 1
            time.sleep(0.01)


class Callgrind:
    """A server under `valgrind --tool=callgrind`, counting from zero on demand."""

    def __init__(self, arguments, work, name, ready_path):
        self.name = name
        self.out = os.path.join(work, f"{name}.callgrind")
        self.dumps = 0
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = ["taskset", "-c", "0", "valgrind", "--tool=callgrind", f"--callgrind-out-file={self.out}", CALLGRIND_HOST] + arguments + ["--port", str(port)]
        self.process = subprocess.Popen(command, cwd=work, stdout=open(os.path.join(work, f"{name}.log"), "w"), stderr=subprocess.STDOUT)
        wait_ready(self.url + ready_path, self.process, seconds=300)

    def count(self, label, action):
        """Instructions the server executed while `action()` ran (every thread); the profile is kept in
        PROFILES, if set, as `<server>-<label>.callgrind` for callgrind_annotate."""
        run(["callgrind_control", "--zero", str(self.process.pid)])
        action()
        run(["callgrind_control", "--dump", str(self.process.pid)])
        self.dumps += 1
        dump = f"{self.out}.{self.dumps}"
        if PROFILES:
            shutil.copy(dump, os.path.join(PROFILES, f"{self.name}-{label}.callgrind"))
        with open(dump) as f:
            return int(re.search(r"^summary:\s+(\d+)", f.read(), re.M).group(1))


CALLGRIND_HOST = None
PROFILES = None  # a directory for the callgrind profiles (--profiles)


def stripped_callgrind_host(work):
    """A copy of the release callgrind-host without debug information: valgrind 3.19 cannot read the
    DWARF 5 the toolchain writes (function names stay, from the symbol table)."""
    path = os.path.join(work, "callgrind-host")
    run(["objcopy", "--strip-debug", binary("callgrind-host"), path])
    return path


def measure_instructions(stores, work, postgres):
    """Instructions per request for the baseline and, per store, per authentication request, per poll
    answering authorization_pending and per complete flow (start + approval + redemption)."""
    global CALLGRIND_HOST
    CALLGRIND_HOST = stripped_callgrind_host(work)
    n = CALLGRIND_REQUESTS
    results = {"requests_per_kind": n, "connections": CALLGRIND_CONNECTIONS}

    baseline = Callgrind(["baseline"], work, "baseline", "/")
    client = Client(baseline.url)
    baseline_poll = lambda connection, i: client.post(connection, "/token", "grant_type=x&auth_req_id=y")
    client.run(n, baseline_poll)
    results["baseline"] = {"per_request": baseline.count("poll", lambda: client.run(n, baseline_poll)) / n}
    stop(baseline.process)

    for store in stores:
        print(f"counting instructions: {store}…", flush=True)
        data = tempfile.mkdtemp(dir=work, prefix=f"callgrind-{store}-")
        kind = {"memory": "{ kind: memory }", "sqlite": "{ kind: sqlite }", "postgres": f'{{ kind: postgres, url: "{postgres.database() if postgres else ""}" }}'}[store]
        config = os.path.join(data, "config.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(port=0, store=kind, receiver_port=free_port(), operations="", bank_key=SIGNER.jwk, **user_entries()))
        server = Callgrind(["--config", config, "--data-dir", data, "--operations-port", str(free_port()), "--log-level", "warning"],
                           work, f"server-{store}", "/jwks")
        client = Client(server.url)
        warm = client.run(n, client.authenticate)
        client.run(n, lambda connection, i: client.pending_poll(connection, warm[i]))
        client.run(n // 4, client.flow)
        client.extra_polls = 0
        ids = []
        figures = {"authentication": server.count("authentication", lambda: ids.extend(client.run(n, client.authenticate))) / n}
        # Polls of requests polled before, as a client polls every few seconds (a first poll may read
        # what a later one finds in memory).
        figures["poll_pending"] = server.count("poll", lambda: client.run(n, lambda connection, i: client.pending_poll(connection, warm[i]))) / n
        figures["flow"] = server.count("flow", lambda: client.run(n, client.flow)) / n
        es256 = Client(server.url, b"es-client:es-client-secret")
        es256.run(n // 4, es256.flow)
        figures["flow_es256"] = server.count("flow-es256", lambda: es256.run(n, es256.flow)) / n
        figures["flow_extra_polls"] = client.extra_polls + es256.extra_polls
        results[store] = figures
        stop(server.process)
    base = results["baseline"]["per_request"]
    for store in stores:
        results[store]["ratios"] = {kind: base / results[store][kind] for kind in ("authentication", "poll_pending", "flow", "flow_es256")}
    return results


def cost_lines(stores):
    """Per operation: the node's CPU, and on PostgreSQL the database's statements, WAL and CPU."""
    lines = ["| store, operation | node CPU ms | round trips (statements in all) | WAL bytes (records, full pages) | PostgreSQL CPU ms |", "| --- | ---: | ---: | ---: | ---: |"]
    for store, r in stores.items():
        for name, kind in (("authentication", "authentication"), ("poll, pending", "poll_costs"), ("complete flow", "flows")):
            c = r[kind] if kind == "poll_costs" else r[kind].get("costs")
            if not c:
                continue
            p = c.get("postgres")
            database = (f"{p.get('round_trips_per_operation', p['statements_per_operation']):.2f} ({p['statements_per_operation']:.2f}) | {p['wal_bytes_per_operation']:,.0f} ({p['wal_records_per_operation']:.1f}, "
                        f"{p['wal_full_page_images_per_operation']:.2f}) | {p['postgres_cpu_ms_per_operation']:.3f}") if p else "— | — | —"
            batches = f" (SQLite: {c['sqlite']['writes_per_commit']:.1f} writes per commit)" if c.get("sqlite", {}).get("commits") else ""
            lines.append(f"| {store}, {name}{batches} | {c['node_cpu_ms_per_operation']:.3f} | {database} |")
    for store, r in stores.items():
        if "database_bytes_per_pending_request" in r:
            lines += ["", f"{store}: {r['database_bytes_per_pending_request']:,.0f} bytes of tables and indexes per pending request (101,000 pending)."]
    return lines


def instruction_lines(results):
    base = results["baseline"]["per_request"]
    lines = [
        f"Instructions (callgrind, {results['requests_per_kind']} requests of each kind over {results['connections']} connections; "
        f"ratio = the baseline's instructions per request / these, comparable to the throughput ratios): baseline {base:,.0f} per request",
        "",
        "| store | per authentication (ratio) | per poll, pending (ratio) | per complete flow, RS256 ID token (ratio) | per flow, ES256 (ratio) | extra polls in the flows |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for store, r in results.items():
        if isinstance(r, dict) and "ratios" in r:
            q = r["ratios"]
            lines.append(f"| {store} | {r['authentication']:,.0f} ({q['authentication']:.2f}) | {r['poll_pending']:,.0f} ({q['poll_pending']:.2f}) | "
                         f"{r['flow']:,.0f} ({q['flow']:.3f}) | {r['flow_es256']:,.0f} ({q['flow_es256']:.3f}) | {r['flow_extra_polls']} |")
    return lines


def write_ids(directory, ids):
    path = os.path.join(directory, "warm.ids")
    with open(path, "w") as f:
        f.write("\n".join(ids) + "\n")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--stores", default="memory,sqlite,postgres")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--profiles", help="keep the instruction profiles here (callgrind_annotate reads them)")
    parser.add_argument("--parts", default="stores,metrics,instructions",
                        help="stores (every store's figures), metrics (what metrics cost a poll), instructions (callgrind's counts per request), "
                             "directory (users in the store, LDAP; Benchmarks/directory.py), "
                             "authorization-details (a 4 KiB authorization_details against none; Benchmarks/authorization_details.py), "
                             "tracing (observability.tracing off, on, on at 1 %; Benchmarks/tracing.py), "
                             "offcpu (kernel CPU, context switches and system calls per request; Benchmarks/offcpu.py)")
    options = parser.parse_args()

    ensure_wrk()
    global PROFILES, SIGNER
    SIGNER = AssertionSigner()
    if options.profiles:
        PROFILES = os.path.abspath(options.profiles)
        os.makedirs(PROFILES, exist_ok=True)
    if not options.skip_build:
        for product in ["backchanneld", "benchmark-baseline", "callgrind-host"]:
            subprocess.run(["swift", "build", "-c", "release", "--product", product], check=True, cwd=ROOT)
    work = tempfile.mkdtemp(prefix="backchannel-bench-")
    report = {"duration_seconds": options.duration, "connections": CONNECTIONS, "rounds": ROUNDS, "stores": {}}
    postgres = None
    baseline = None
    try:
        port = free_port()
        baseline = start([binary("benchmark-baseline"), "--port", str(port)], f"http://127.0.0.1:{port}/", open(os.path.join(work, "baseline.log"), "w"))

        def measure_baseline():
            """The baseline's median round now: measured again beside every store, as this machine's speed drifts."""
            measured = [wrk(f"http://127.0.0.1:{port}", "token-poll.lua", options.duration, {"AUTH_REQ_IDS": write_ids(work, ["x"])}) for _ in range(ROUNDS)]
            result = median(measured)
            result["rounds_requests_per_second"] = [m["requests_per_second"] for m in measured]
            return result

        report["baseline"] = measure_baseline()
        report["baseline"]["rss_bytes"] = rss(baseline)[0]
        parts = options.parts.split(",")
        stores = options.stores.split(",")
        if "postgres" in stores:
            try:
                postgres = Postgres()
            except FileNotFoundError as error:
                print(f"postgres: skipped ({error})")
                stores.remove("postgres")
        # Each store's ratios are to the baseline measured just before and just after it (their mean): the
        # machine's speed drifts by tens of percent over a run, and one baseline at the start misstates the rest.
        before = report["baseline"]["requests_per_second"]
        for store in stores if "stores" in parts else []:
            print(f"measuring {store}…", flush=True)
            report["stores"][store] = measure_store(store, options.duration, work, postgres)
            after = measure_baseline()["requests_per_second"]
            report["stores"][store]["baseline_beside"] = {"before": before, "after": after, "requests_per_second": (before + after) / 2}
            before = after
        stop(baseline)
        baseline = None
        if "metrics" in parts:
            print("measuring the cost of metrics…", flush=True)
            report["metrics_cost"] = measure_metrics_cost(options.duration, work)
        if "instructions" in parts:
            report["instructions"] = measure_instructions(stores, work, postgres)
        if "directory" in parts:
            import directory
            report["directory"] = directory.measure_directories(stores, options.duration, work, postgres)
        if "authorization-details" in parts:
            import authorization_details
            report["authorization_details"] = authorization_details.measure_authorization_details(options.duration, work)
        if "tracing" in parts:
            import tracing
            print("measuring the cost of tracing…", flush=True)
            report["tracing"] = tracing.measure_tracing(options.duration, work)
        if "offcpu" in parts:
            import offcpu
            report["offcpu"] = offcpu.measure_offcpu(stores, options.duration, work, postgres)
    finally:
        if baseline:
            stop(baseline)
        if postgres:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)

    base = report["baseline"]["requests_per_second"]
    lines = [
        f"Baseline (minimal Hummingbird form POST → small JSON): {base:,.0f} req/s, p50 {report['baseline']['p50_ms']:.2f} ms, p99 {report['baseline']['p99_ms']:.2f} ms "
        "at the start; each store's ratios are to the baseline measured again just before and just after it (their mean, "
        "the last column)",
        "",
        "| store | auth req/s (× baseline) | auth p50 / p99 ms | poll, 1k pending (× baseline) | poll, 100k pending (× baseline) | 100k / 1k | flows/s, RS256 ID token (× baseline) | flows/s, ES256 (× baseline) | bytes per pending request | ping p50 / p99 ms under load | pings/s (× baseline) | baseline beside, req/s (before / after) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for store, r in report["stores"].items():
        auth, p1, p100, flows = r["authentication"], r["poll_1000_pending"], r["poll_100000_pending"], r["flows"]
        beside = r["baseline_beside"]
        r["ratios"] = {
            "authentication_vs_baseline": auth["requests_per_second"] / beside["requests_per_second"],
            "authentication_private_key_jwt_vs_baseline": r["authentication_private_key_jwt"]["requests_per_second"] / beside["requests_per_second"],
            "poll_1000_vs_baseline": p1["requests_per_second"] / beside["requests_per_second"],
            "poll_100000_vs_baseline": p100["requests_per_second"] / beside["requests_per_second"],
            "poll_100000_vs_1000": p100["requests_per_second"] / p1["requests_per_second"],
            "flows_vs_baseline": flows["flows_per_second"] / beside["requests_per_second"],
            "flows_es256_vs_baseline": r["flows_es256"]["flows_per_second"] / beside["requests_per_second"],
            "notifications_vs_baseline": r["notifications"]["notifications_per_second"] / beside["requests_per_second"],
        }
        n = r["notifications"]
        q = r["ratios"]
        lines.append(
            f"| {store} | {auth['requests_per_second']:,.0f} ({q['authentication_vs_baseline']:.2f}) | {auth['p50_ms']:.2f} / {auth['p99_ms']:.2f} | "
            f"{p1['requests_per_second']:,.0f} ({q['poll_1000_vs_baseline']:.2f}) | {p100['requests_per_second']:,.0f} ({q['poll_100000_vs_baseline']:.2f}) | "
            f"{q['poll_100000_vs_1000']:.2f} | {flows['flows_per_second']:,.0f} ({q['flows_vs_baseline']:.2f}) | "
            f"{r['flows_es256']['flows_per_second']:,.0f} ({q['flows_es256_vs_baseline']:.2f}) | {r['bytes_per_pending_request']:,.0f} | "
            f"{n['p50_ms'] or 0:.1f} / {n['p99_ms'] or 0:.1f} | {n['notifications_per_second']:,.0f} ({q['notifications_vs_baseline']:.3f}) | "
            f"{beside['requests_per_second']:,.0f} ({beside['before']:,.0f} / {beside['after']:,.0f}) |")
    if "metrics_cost" in report:
        m = report["metrics_cost"]
        lines += ["", f"Metrics (memory store, 1k pending): polls with the operations listener and Prometheus metrics "
                  f"{m['with_metrics']['requests_per_second']:,.0f} req/s, without {m['without_metrics']['requests_per_second']:,.0f} req/s: "
                  f"{m['poll_with_vs_without']:.3f} (cost {100 * (1 - m['poll_with_vs_without']):.1f} %)."]
    if report["stores"]:
        lines += ["", "| store | auth, client_secret_basic (× baseline) | auth, private_key_jwt ES256 (× baseline) | p50 / p99 ms |", "| --- | ---: | ---: | ---: |"]
        for store, r in report["stores"].items():
            signed = r["authentication_private_key_jwt"]
            lines.append(f"| {store} | {r['authentication']['requests_per_second']:,.0f} ({r['ratios']['authentication_vs_baseline']:.2f}) | "
                         f"{signed['requests_per_second']:,.0f} ({r['ratios']['authentication_private_key_jwt_vs_baseline']:.2f}) | "
                         f"{signed['p50_ms']:.2f} / {signed['p99_ms']:.2f} |")
    lines += [""] + cost_lines(report["stores"])
    if "instructions" in report:
        lines += [""] + instruction_lines(report["instructions"])
    if "directory" in report:
        import directory
        lines += [""] + directory.directory_lines(report["directory"])
    if "authorization_details" in report:
        import authorization_details
        lines += [""] + authorization_details.details_lines(report["authorization_details"])
    if "tracing" in report:
        import tracing
        lines += [""] + tracing.tracing_lines(report["tracing"])
    if "offcpu" in report:
        import offcpu
        lines += [""] + offcpu.offcpu_lines(report["offcpu"])
    report["unexpected_answers_all_runs"] = sum(UNEXPECTED)
    lines += ["", f"Answers other than the expected one, over all {len(UNEXPECTED)} measured wrk runs: {sum(UNEXPECTED)}."]
    markdown = "\n".join(lines)
    print(markdown)
    os.makedirs(RESULTS, exist_ok=True)
    name = "latest" if "stores" in parts else "latest-" + "-".join(parts)
    with open(os.path.join(RESULTS, f"{name}.json"), "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)
    with open(os.path.join(RESULTS, f"{name}.md"), "w") as f:
        f.write(markdown + "\n")


if __name__ == "__main__":
    main()
