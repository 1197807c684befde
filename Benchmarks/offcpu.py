"""The off-CPU part of Benchmarks/run.py (`--parts offcpu`): what the wall clock spends that instructions do not.

For the baseline and each store's server under the same wrk load (authentication requests, then polls of
1 000 pending requests), per request: the node's user and kernel CPU (from /proc), its context switches,
voluntary (a thread blocked: a wait, a hop to an idle thread) and involuntary (preempted), summed over its
threads, and its system calls, futex calls and epoll waits (perf's tracepoints, attached to the node's
threads for the run); on PostgreSQL, the database's CPU per request too. Callgrind counts user-space
instructions only: kernel time, and the wake-ups and hops behind it, are what this part shows.
"""
import os, re, subprocess, sys

# run.py, which imports this as a part: its helpers and the state it set up (the signer, the baseline).
bench = sys.modules["__main__"]

EVENTS = ["context-switches", "cpu-migrations", "page-faults", "raw_syscalls:sys_enter", "syscalls:sys_enter_futex", "syscalls:sys_enter_epoll_wait"]


def threads_switches(pid):
    """Voluntary and involuntary context switches so far, summed over the process's threads."""
    voluntary = involuntary = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            status = open(f"/proc/{pid}/task/{task}/status").read()
        except FileNotFoundError:
            continue
        voluntary += int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", status).group(1))
        involuntary += int(re.search(r"nonvoluntary_ctxt_switches:\s+(\d+)", status).group(1))
    return voluntary, involuntary


def user_system(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def profile(process, url, script, duration, env=None, postgres=None):
    """Runs wrk against `url` while perf counts the node's events; returns per-request figures."""
    pid = process.pid
    before_switches, before_cpu = threads_switches(pid), user_system(pid)
    database_before = postgres.cpu_seconds() if postgres else None
    perf = subprocess.Popen(["perf", "stat", "-x,", "-e", ",".join(EVENTS), "-p", str(pid), "--", "sleep", str(duration + 1)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    measured = bench.wrk(url, script, duration, env)
    counts = {}
    for line in perf.communicate()[1].splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[0].strip().isdigit():
            counts[fields[2]] = int(fields[0])
    switches, cpu = threads_switches(pid), user_system(pid)
    n = max(1, measured["requests"])
    figures = {
        "requests_per_second": measured["requests_per_second"], "requests": measured["requests"],
        "user_us": 1e6 * (cpu[0] - before_cpu[0]) / n, "system_us": 1e6 * (cpu[1] - before_cpu[1]) / n,
        "voluntary_switches": (switches[0] - before_switches[0]) / n, "involuntary_switches": (switches[1] - before_switches[1]) / n,
        "threads": len(os.listdir(f"/proc/{pid}/task")),
    }
    # perf counts from its start to its end, a second longer than wrk: per request over wrk's requests is
    # within a few percent (the server is idle outside the load).
    for event in EVENTS:
        if event in counts:
            figures[event.split(":")[-1].replace("sys_enter_", "").replace("sys_enter", "syscalls")] = counts[event] / n
    if postgres:
        figures["postgres_cpu_us"] = 1e6 * (postgres.cpu_seconds() - database_before) / n
    return figures


def measure_offcpu(stores, duration, work, postgres):
    results = {}
    port = bench.free_port()
    baseline = bench.start([bench.binary("benchmark-baseline"), "--port", str(port)], f"http://127.0.0.1:{port}/",
                           open(os.path.join(work, "offcpu-baseline.log"), "w"))
    results["baseline"] = {"poll": profile(baseline, f"http://127.0.0.1:{port}", "token-poll.lua", duration,
                                           {"AUTH_REQ_IDS": bench.write_ids(work, ["x"])})}
    bench.stop(baseline)
    for store in stores:
        print(f"off-CPU figures: {store}…", flush=True)
        process, url, data = bench.start_server(bench.binary("backchanneld"), store, work, "offcpu", postgres)
        database_figures = postgres if store == "postgres" else None
        figures = {"authentication": profile(process, url, "authenticate.lua", duration, postgres=database_figures)}
        hot = os.path.join(data, "hot.ids")
        bench.populate(url, 1000, hot)
        bench.wrk(url, "token-poll.lua", 2, {"AUTH_REQ_IDS": hot}, counted=False)  # every request polled once: kept where a store keeps
        figures["poll"] = profile(process, url, "token-poll.lua", duration, {"AUTH_REQ_IDS": hot}, postgres=database_figures)
        bench.stop(process)
        results[store] = figures
    return results


def offcpu_lines(results):
    columns = ["requests_per_second", "user_us", "system_us", "voluntary_switches", "involuntary_switches", "syscalls", "futex", "epoll_wait",
               "page-faults", "postgres_cpu_us"]
    lines = ["Off-CPU figures per request (node: user and kernel CPU µs, context switches, system calls by perf; PostgreSQL's CPU µs):", "",
             "| server, request | req/s | user µs | kernel µs | voluntary switches | involuntary switches | syscalls | futex | epoll_wait | page faults | PostgreSQL µs |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for server, kinds in results.items():
        for kind, figures in kinds.items():
            cells = []
            for column in columns:
                value = figures.get(column)
                cells.append("" if value is None else f"{value:,.0f}" if column == "requests_per_second" else f"{value:.2f}")
            lines.append(f"| {server}, {kind} | " + " | ".join(cells) + " |")
    return lines
