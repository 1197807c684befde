"""The directory part of Benchmarks/run.py (`--parts directory`): what users in a directory cost.

- Authentication requests/s with the `store` directory holding 1,000,000 users (SQLite, PostgreSQL) against
  the `static` directory of the configuration file holding the load's 2,000, same store, same run.
- `backchanneld users import` of 100,000 and of 1,000,000 users (JSON Lines): time and peak memory (the peak
  must not grow with the file).
- The `ldap` directory against a real slapd on loopback holding the load's users: authentication
  requests/s with the cache off (every request searches LDAP) and on (warm), as ratios to `static`, and the
  cost of one uncached lookup (the difference in time per request, at the server's concurrency).
"""
import os, re, subprocess, sys, tempfile, time

# run.py, which imports this as a part: its helpers and the state it set up (the signer, the baseline).
bench = sys.modules["__main__"]


def users_file(path, count):
    """count users in JSON Lines: the load's carol-N and dave-N first, then user-N up to count."""
    names = ["carol", "dave"] + [f"{name}-{n}" for n in range(bench.USERS) for name in ("carol", "dave")]
    with open(path, "w") as f:
        for name in names:
            f.write(f'{{"subject": "{name}", "email": "{name}@example.com"}}\n')
        for n in range(count - len(names)):
            f.write(f'{{"subject": "user-{n}", "login_hints": ["u{n}"], "email": "user-{n}@example.com", "phone_number": "+1555{n:07d}"}}\n')
    return path


def timed_import(backchanneld, file, config, data):
    """Runs the import under /usr/bin/time: (seconds, peak RSS in bytes, its report line)."""
    started = time.monotonic()
    out = subprocess.run(["/usr/bin/time", "-v", backchanneld, "users", "import", file, "--config", config, "--data-dir", data],
                         capture_output=True, text=True, check=True)
    seconds = time.monotonic() - started
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1)) * 1024
    return seconds, peak, out.stdout.splitlines()[0]


def configuration(data, store, port, directory):
    config = os.path.join(data, "config.yaml")
    with open(config, "w") as f:
        f.write(bench.CONFIG.format(port=port, store=store, receiver_port=1, operations="", bank_key=bench.SIGNER.jwk, **bench.user_entries())
                + f"directory: {directory}\n")
    return config


def serve(config, data, port):
    log = open(os.path.join(data, "log"), "a")
    return bench.start([bench.binary("backchanneld"), "--config", config, "--data-dir", data, "--operations-port", str(bench.free_port()),
                        "--log-level", "warning"], f"http://127.0.0.1:{port}/jwks", log)


def alternate(duration, servers):
    """Authentication requests/s on each server, alternating rounds, medians."""
    rounds = {name: [] for name in servers}
    for _ in range(bench.ROUNDS):
        for name, url in servers.items():
            rounds[name].append(bench.wrk(url, "authenticate.lua", duration))
    return {name: {**bench.median(measured), "rounds_requests_per_second": [m["requests_per_second"] for m in measured]}
            for name, measured in rounds.items()}


def measure_store_directory(store, duration, work, postgres):
    backchanneld = bench.binary("backchanneld")
    results = {"imports": {}}
    for count in (100_000, 1_000_000):
        data = tempfile.mkdtemp(dir=work, prefix=f"directory-{store}-{count}-")
        kind = {"sqlite": "{ kind: sqlite }", "postgres": f'{{ kind: postgres, url: "{postgres.database()}" }}'}[store]
        config = configuration(data, kind, bench.free_port(), "{ plugin: store }")
        file = users_file(os.path.join(data, "users.jsonl"), count)
        seconds, peak, report = timed_import(backchanneld, file, config, data)
        results["imports"][str(count)] = {"seconds": seconds, "users_per_second": count / seconds, "peak_rss_bytes": peak,
                                          "file_bytes": os.path.getsize(file), "report": report}
        print(f"  {store}: imported {count:,} users in {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MiB ({report})", flush=True)
        os.remove(file)
    # The 1,000,000-user store (the last import) against the file's 2,000 users, same store kind.
    port = bench.free_port()
    store_config = configuration(data, kind, port, "{ plugin: store }")
    store_server = serve(store_config, data, port)
    static_data = tempfile.mkdtemp(dir=work, prefix=f"directory-{store}-static-")
    static_kind = {"sqlite": "{ kind: sqlite }", "postgres": f'{{ kind: postgres, url: "{postgres.database()}" }}'}[store]
    static_port = bench.free_port()
    static_server = serve(configuration(static_data, static_kind, static_port, "{ plugin: static }"), static_data, static_port)
    measured = alternate(duration, {"store_1000000": f"http://127.0.0.1:{port}", "static_2000": f"http://127.0.0.1:{static_port}"})
    bench.stop(store_server)
    bench.stop(static_server)
    results.update(measured)
    results["store_vs_static"] = measured["store_1000000"]["requests_per_second"] / measured["static_2000"]["requests_per_second"]
    return results


LDIF_HEAD = """dn: ou=people,dc=example,dc=com
objectClass: organizationalUnit
ou: people

"""


def start_slapd(work):
    """A slapd on loopback (as the tests' TemporarySlapd) holding the load's users; returns (process dir, url, pid)."""
    directory = tempfile.mkdtemp(dir=work, prefix="slapd-")
    os.makedirs(f"{directory}/db")
    with open(f"{directory}/slapd.conf", "w") as f:
        f.write(f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {directory}/slapd.pid
database mdb
maxsize 1073741824
suffix "dc=example,dc=com"
rootdn "cn=admin,dc=example,dc=com"
rootpw bench-secret
directory {directory}/db
index uid,mail eq
""")
    names = ["carol", "dave"] + [f"{name}-{n}" for n in range(bench.USERS) for name in ("carol", "dave")]
    with open(f"{directory}/data.ldif", "w") as f:
        f.write("dn: dc=example,dc=com\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n" + LDIF_HEAD)
        for name in names:
            f.write(f"dn: uid={name},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: {name}\ncn: {name}\nsn: Bench\n"
                    f"mail: {name}@example.com\n\n")
    subprocess.run(["/usr/sbin/slapadd", "-f", f"{directory}/slapd.conf", "-l", f"{directory}/data.ldif"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = bench.free_port()
    # On core 1 with wrk: the server keeps core 0 to itself, as in every other part.
    subprocess.run(["taskset", "-c", "1", "/usr/sbin/slapd", "-f", f"{directory}/slapd.conf", "-h", f"ldap://127.0.0.1:{port}/"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return directory, f"ldap://127.0.0.1:{port}", int(open(f"{directory}/slapd.pid").read().strip())


def ldap_directory(url, cache_entries):
    return ("{ plugin: ldap, cache: { max_entries: %d }, configuration: { url: \"%s\", bind_dn: \"cn=admin,dc=example,dc=com\", "
            "bind_password_env: BENCH_LDAP_PASSWORD, search_base: \"ou=people,dc=example,dc=com\", "
            "filters: { subject: \"(uid={hint})\", login_hint: \"(|(uid={hint})(mail={hint}))\" }, "
            "attributes: { subject: uid, email: mail }, connections: 8 } }") % (cache_entries, url)


def measure_ldap(duration, work):
    os.environ["BENCH_LDAP_PASSWORD"] = "bench-secret"
    directory, url, pid = start_slapd(work)
    try:
        servers, processes = {}, []
        for name, directory_yaml in [("static", "{ plugin: static }"), ("ldap_uncached", ldap_directory(url, 0)),
                                     ("ldap_cached", ldap_directory(url, 100_000))]:
            data = tempfile.mkdtemp(dir=work, prefix=f"directory-{name}-")
            port = bench.free_port()
            processes.append(serve(configuration(data, "{ kind: sqlite }", port, directory_yaml), data, port))
            servers[name] = f"http://127.0.0.1:{port}"
        # Warm the cache: one pass of the load's users.
        bench.wrk(servers["ldap_cached"], "authenticate.lua", 2, counted=False)
        results = alternate(duration, servers)
        for process in processes:
            bench.stop(process)
    finally:
        os.kill(pid, 9)
    static = results["static"]["requests_per_second"]
    results["uncached_vs_static"] = results["ldap_uncached"]["requests_per_second"] / static
    results["cached_vs_static"] = results["ldap_cached"]["requests_per_second"] / static
    # The server time a request gains without the cache, and per search: an authentication reads the directory
    # twice (the limits' subject, then the authenticator's user).
    results["uncached_added_ms_per_request"] = 1000 * (1 / results["ldap_uncached"]["requests_per_second"] - 1 / static)
    results["uncached_lookup_ms"] = results["uncached_added_ms_per_request"] / 2
    return results


def measure_directories(stores, duration, work, postgres):
    report = {}
    for store in [s for s in stores if s in ("sqlite", "postgres")]:
        print(f"measuring the store directory on {store}…", flush=True)
        report[store] = measure_store_directory(store, duration, work, postgres)
    if os.path.exists("/usr/sbin/slapd"):
        print("measuring the ldap directory…", flush=True)
        report["ldap"] = measure_ldap(duration, work)
    return report


def directory_lines(report):
    base = None
    lines = ["| store | auth req/s, store directory of 1,000,000 | auth req/s, static directory of 2,000 | store / static | "
             "import 100k: s, peak RSS | import 1M: s, users/s, peak RSS |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for store in ("sqlite", "postgres"):
        if store not in report:
            continue
        r = report[store]
        small, large = r["imports"]["100000"], r["imports"]["1000000"]
        lines.append(f"| {store} | {r['store_1000000']['requests_per_second']:,.0f} | {r['static_2000']['requests_per_second']:,.0f} | "
                     f"{r['store_vs_static']:.3f} | {small['seconds']:.1f} s, {small['peak_rss_bytes'] / 2**20:.0f} MiB | "
                     f"{large['seconds']:.1f} s, {large['users_per_second']:,.0f}/s, {large['peak_rss_bytes'] / 2**20:.0f} MiB |")
    if "ldap" in report:
        r = report["ldap"]
        lines += ["", f"LDAP (slapd on loopback, SQLite store): static {r['static']['requests_per_second']:,.0f} auth req/s; "
                  f"ldap uncached {r['ldap_uncached']['requests_per_second']:,.0f} ({r['uncached_vs_static']:.2f} × static), "
                  f"cached (warm) {r['ldap_cached']['requests_per_second']:,.0f} ({r['cached_vs_static']:.2f} × static); "
                  f"without the cache a request costs {r['uncached_added_ms_per_request']:.3f} ms more of the server's time, "
                  f"{r['uncached_lookup_ms']:.3f} ms per search (two per authentication); p50 latency "
                  f"{r['static']['p50_ms']:.2f} ms static, {r['ldap_uncached']['p50_ms']:.2f} ms uncached, {r['ldap_cached']['p50_ms']:.2f} ms cached."]
    return lines
