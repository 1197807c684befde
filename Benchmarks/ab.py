#!/usr/bin/env python3
"""Two builds of backchanneld side by side: is a change faster by the wall clock?

    python3 Benchmarks/ab.py BEFORE_BINARY AFTER_BINARY [--stores memory,sqlite] [--rounds 5] [--duration 6]

Both servers run at once, each pinned to core 0 (wrk to core 1), with the same configuration and 1 000
pending requests each; wrk loads one at a time, alternating rounds, so that drift on a shared machine hits
both alike. Reports each server's median authentication and poll rates and after/before: the measurement by
which a change on the request path is kept or dropped (BENCHMARKS.md, third round).
"""
import argparse, os, sys, tempfile, shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--stores", default="memory")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=6)
    options = parser.parse_args()
    bench.ensure_wrk()
    bench.SIGNER = bench.AssertionSigner()
    work = tempfile.mkdtemp(prefix="backchannel-ab-")
    postgres = bench.Postgres() if "postgres" in options.stores else None
    results = {}
    try:
        for store in options.stores.split(","):
            servers = {name: bench.start_server(binary, store, work, name, postgres) for name, binary in [("before", options.before), ("after", options.after)]}
            rates = {(name, kind): [] for name in servers for kind in ("authentication", "poll")}
            hot = {}
            for name, (process, url, data) in servers.items():
                hot[name] = os.path.join(data, "hot.ids")
                bench.populate(url, 1000, hot[name])
                bench.wrk(url, "token-poll.lua", 2, {"AUTH_REQ_IDS": hot[name]}, counted=False)
            for _ in range(options.rounds):
                for name, (process, url, data) in servers.items():
                    rates[(name, "authentication")].append(bench.wrk(url, "authenticate.lua", options.duration)["requests_per_second"])
                    rates[(name, "poll")].append(bench.wrk(url, "token-poll.lua", options.duration, {"AUTH_REQ_IDS": hot[name]})["requests_per_second"])
            for process, _, _ in servers.values():
                bench.stop(process)
            median = lambda values: sorted(values)[len(values) // 2]
            results[store] = {kind: {"before": median(rates[("before", kind)]), "after": median(rates[("after", kind)]),
                                     "rounds": {name: rates[(name, kind)] for name in servers}} for kind in ("authentication", "poll")}
            for kind, figures in results[store].items():
                print(f"{store}, {kind}: before {figures['before']:,.0f}/s, after {figures['after']:,.0f}/s, after/before {figures['after'] / figures['before']:.3f} "
                      f"(rounds: {', '.join(f'{v:,.0f}' for v in figures['rounds']['before'])} | {', '.join(f'{v:,.0f}' for v in figures['rounds']['after'])})",
                      flush=True)
    finally:
        if postgres:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"unexpected answers: {sum(bench.UNEXPECTED)}")


if __name__ == "__main__":
    main()
