"""paymock beside a peer: WireMock 3 serving static stubs of the same two Click2Mail calls.

WireMock answers `GET /molpro/credit` and `POST /molpro/credit/purchase` with the bodies
paymock gave to the same requests a moment before; it keeps nothing and checks nothing.
paymock does all of its work: Basic auth against the stored hash, the purchase's checks,
its commit to SQLite (`synchronous=FULL`) before the reply, and the request journal.

Each round measures health, the read and the purchase on both servers with the same wrk
settings as bench.py (32 keep-alive connections, 2 threads), the two servers taking turns, the
order swapped every round. Both servers run the whole time; each is measured while the other is
idle. Start-up is the time from starting the process to the first 200 on its health route, the
median of several starts. Memory is each process's resident set at the end.

WireMock runs with its defaults but two, so that it does what paymock does by default: a
request journal of paymock's size (10 000 entries, not unbounded) and no console line per
request (paymock's access log goes to a file).

Usage: bash bench/peers [--duration SECONDS] [--connections N] [--rounds N] [--port PORT]
paymock listens on PORT, WireMock on PORT - 1 (by default 18195 and 18194).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import bench

PORT = 18195
JOURNAL_ENTRIES = 10_000
STARTS = 5

READ_LABEL = "GET /molpro/credit"
PURCHASE_LABEL = "POST /molpro/credit/purchase"
HEALTH_LABEL = "health (each its own)"


def answers_health(port, path):
    try:
        with urllib.request.urlopen(f"http://{bench.HOST}:{port}{path}", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class WireMock:
    """One WireMock standalone process, started and stopped by PID."""

    def __init__(self, java, jar, port, log_path):
        self.command = [
            java,
            "-jar",
            str(jar),
            "--bind-address",
            bench.HOST,
            "--port",
            str(port),
            "--disable-banner",
            "--disable-request-logging",
            "--max-request-journal-entries",
            str(JOURNAL_ENTRIES),
            # Its `mappings` and `__files` go beside its log, not into the current directory.
            "--root-dir",
            str(Path(log_path).parent),
        ]
        self.port = port
        self.log_path = log_path
        self.process = None

    def start(self):
        """Starts WireMock and returns the milliseconds until its health first answered 200."""
        log = open(self.log_path, "ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = started + 120
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"WireMock exited with {self.process.returncode}; see {self.log_path}")
            if answers_health(self.port, "/__admin/health"):
                return (time.perf_counter() - started) * 1000
            time.sleep(0.005)
        sys.exit(f"WireMock did not answer health within 120 s; see {self.log_path}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def resident_mib(self):
        return bench.Server.resident_mib(self)

    def stub(self, method, path, status, content_type, body):
        mapping = {
            "request": {"method": method, "urlPath": path},
            "response": {"status": status, "headers": {"Content-Type": content_type}, "body": body},
        }
        request = urllib.request.Request(
            f"http://{bench.HOST}:{self.port}/__admin/mappings",
            data=json.dumps(mapping).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201, response.status


def aim(port):
    """Points bench.py's requests at the server listening on `port`."""
    bench.BASE = f"http://{bench.HOST}:{port}"


def scenarios():
    read_headers = {"Authorization": bench.basic(*bench.CLICK2MAIL)}
    purchase_headers = {**read_headers, "Content-Type": "application/x-www-form-urlencoded"}
    return [
        (READ_LABEL, "read", [("GET", "/molpro/credit", read_headers, None)]),
        (PURCHASE_LABEL, "write", [("POST", "/molpro/credit/purchase", purchase_headers, bench.PURCHASE_FORM)]),
    ]


def paymock_replies():
    """paymock's answers to the read and the purchase, as (method, path, status, type, body)."""
    aim(bench.PORT)
    replies = []
    for method, path, body, content_type in [
        ("GET", "/molpro/credit", None, None),
        ("POST", "/molpro/credit/purchase", bench.PURCHASE_FORM, "application/x-www-form-urlencoded"),
    ]:
        status, headers, text = bench.call(method, path, body, bench.CLICK2MAIL, content_type)
        replies.append((method, path, status, headers["Content-Type"], text))
    return replies


def check_same_replies(wiremock, replies):
    """WireMock's stubs give what paymock gave."""
    aim(wiremock.port)
    for method, path, status, content_type, body in replies:
        form = bench.PURCHASE_FORM if method == "POST" else None
        got = bench.call(method, path, form, bench.CLICK2MAIL, "application/x-www-form-urlencoded" if form else None)
        if (got[0], got[1]["Content-Type"], got[2]) != (status, content_type, body):
            sys.exit(f"WireMock's stub of {method} {path} does not answer as paymock did: {got}")
    aim(bench.PORT)


def startup_times(start, stop, times):
    measured = []
    for _ in range(times):
        measured.append(start())
        stop()
    return measured


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--jar", required=True, help="WireMock's standalone jar")
    parser.add_argument("--java", default="java")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement (default 5)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=PORT, help=f"the port paymock listens on (default {PORT})")
    args = parser.parse_args()
    bench.PORT = args.port
    aim(bench.PORT)

    servers = []
    try:
        with tempfile.TemporaryDirectory(prefix="paymock-peers-") as scratch:
            run(args, Path(scratch), servers)
    finally:
        for server in servers:
            server.stop()


def run(args, work, servers):
    print(f"paymock beside WireMock: {args.connections} connections, {args.duration} s per measurement, "
          f"{args.rounds} rounds, {bench.os.cpu_count()} CPUs")
    paymock = bench.Server(args.binary, work / "peers.db", work / "paymock.log")
    wiremock = WireMock(args.java, args.jar, args.port - 1, work / "wiremock.log")
    servers += [paymock, wiremock]
    version = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]

    paymock_starts = startup_times(paymock.start, paymock.stop, STARTS)
    wiremock_starts = startup_times(wiremock.start, wiremock.stop, STARTS)
    paymock.start()
    wiremock.start()
    replies = paymock_replies()
    for method, path, status, content_type, body in replies:
        wiremock.stub(method, path, status, content_type, body)
    check_same_replies(wiremock, replies)

    health = ("/__admin/health", [("GET", "/__admin/health", {}, None)])
    measured = {("paymock", HEALTH_LABEL): [], ("WireMock", HEALTH_LABEL): []}
    for label, _, _ in scenarios():
        measured[("paymock", label)] = []
        measured[("WireMock", label)] = []
    both = [("paymock", paymock, bench.PORT), ("WireMock", wiremock, wiremock.port)]
    for _, server, port in both:  # a warm-up, not reported: the JVM compiles its hot paths
        aim(port)
        for _, _, specs in scenarios():
            bench.run_wrk(specs, args, work, server)
    for round_index in range(args.rounds):
        order = both if round_index % 2 == 0 else both[::-1]
        for label, _, specs in [(HEALTH_LABEL, "baseline", health[1])] + scenarios():
            for name, server, port in order:
                aim(port)
                measured[(name, label)].append(bench.run_wrk(specs, args, work, server))
    aim(bench.PORT)
    paymock_rss, wiremock_rss = paymock.resident_mib(), wiremock.resident_mib()

    paymock_health = statistics.median(result["rate"] for result in measured[("paymock", HEALTH_LABEL)])
    print(f"\nJava: {version}; WireMock: {Path(args.jar).name}")
    print(f"paymock's health baseline {paymock_health:,.0f} req/s (median of {args.rounds}); every figure is the "
          f"median of {args.rounds} rounds, p99 the worst")
    print(f"  {'scenario':<30} {'server':<9} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7} "
          f"{'ratio':>6} {'paymock ÷ WireMock':>19}")
    for label in [HEALTH_LABEL] + [label for label, _, _ in scenarios()]:
        rates = {}
        for name in ["paymock", "WireMock"]:
            results = measured[(name, label)]
            rate = statistics.median(result["rate"] for result in results)
            rates[name] = rate
            p50 = statistics.median(result["p50_us"] for result in results) / 1000
            p99 = max(result["p99_us"] for result in results) / 1000
            errors = sum(result["socket_errors"] + result["refused"] for result in results)
            versus = f"{rates['paymock'] / rate:>19.2f}" if name == "WireMock" else ""
            print(f"  {label:<30} {name:<9} {rate:>9,.0f} {p50:>7.2f} {p99:>7.2f} {errors:>7} "
                  f"{rate / paymock_health:>6.2f} {versus}")
    print(f"  resident memory at the end: paymock {paymock_rss:.1f} MiB, WireMock {wiremock_rss:.1f} MiB "
          f"(paymock uses {paymock_rss / wiremock_rss:.3f} of WireMock's, 1/{wiremock_rss / paymock_rss:.0f})")
    print(f"  start-up to the first 200 on health, median of {STARTS}: paymock "
          f"{statistics.median(paymock_starts):.1f} ms ({', '.join(f'{s:.1f}' for s in paymock_starts)}), WireMock "
          f"{statistics.median(wiremock_starts):.0f} ms ({', '.join(f'{s:.0f}' for s in wiremock_starts)})")
    targets = [
        ("read: paymock ≥ 3× WireMock", rates_of(measured, READ_LABEL), 3.0),
        ("purchase: paymock ≥ 2× WireMock", rates_of(measured, PURCHASE_LABEL), 2.0),
    ]
    for name, ratio, goal in targets:
        print(f"  target {'met' if ratio >= goal else 'NOT met'}: {name}: {ratio:.2f}×")
    memory_share = paymock_rss / wiremock_rss
    print(f"  target {'met' if memory_share <= 1 / 20 else 'NOT met'}: memory ≤ 1/20 of WireMock's: "
          f"1/{1 / memory_share:.0f}")


def rates_of(measured, label):
    paymock = statistics.median(result["rate"] for result in measured[("paymock", label)])
    wiremock = statistics.median(result["rate"] for result in measured[("WireMock", label)])
    return paymock / wiremock


if __name__ == "__main__":
    main()
