"""How long a failed Basic authentication takes for an unknown user and for a known user with a
wrong password, measured on one keep-alive connection with the two kinds interleaved, so that
machine noise falls on both alike. A client could enumerate users only if the two differed by
more than the noise; the ratio of medians shows by how much they differ.

Usage: python3 bench/auth_timing.py --binary target/release/paymock [--requests 20000]
"""

import argparse
import base64
import http.client
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
PORT = 18198


def authorization(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


KINDS = {
    "unknown user": authorization("no-such-user", "gReAt/PaSsWoRd124"),
    "wrong password": authorization("awesomeuser", "gReAt/PaSsWoRd124"),
    "right password": authorization("awesomeuser", "gReAt/PaSsWoRd123"),
}


def wait_until_listening(process):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"paymock exited with {process.returncode}")
        try:
            socket.create_connection((HOST, PORT), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit("paymock did not start listening within 30 s")


def measure(requests):
    connection = http.client.HTTPConnection(HOST, PORT)
    times = {kind: [] for kind in KINDS}
    bodies = {}
    for round_ in range(requests):
        # Alternate which kind goes first, so neither always follows the other.
        order = list(KINDS) if round_ % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            started = time.perf_counter_ns()
            connection.request("GET", "/molpro/credit", headers={"Authorization": KINDS[kind], "Host": "bench"})
            response = connection.getresponse()
            body = response.read()
            times[kind].append((time.perf_counter_ns() - started) / 1000)
            bodies.setdefault(kind, (response.status, body))
    return times, bodies


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--requests", type=int, default=20000, help="requests of each kind (default 20000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paymock-auth-") as scratch:
        log = open(Path(scratch) / "paymock.log", "w")
        process = subprocess.Popen(
            [args.binary, "--listen", f"{HOST}:{PORT}", "--database", ":memory:", "--journal-size", "0"],
            stdout=log, stderr=log, env={"RUST_LOG": "warn"},
        )
        try:
            wait_until_listening(process)
            measure(1000)  # warm-up
            times, bodies = measure(args.requests)
        finally:
            process.terminate()
            process.wait()

    if bodies["unknown user"] != bodies["wrong password"]:
        raise SystemExit(f"the replies differ: {bodies['unknown user']} vs {bodies['wrong password']}")
    print(f"Failed authentication, {args.requests} interleaved requests of each kind on one connection (µs):")
    print(f"  {'kind':<16} {'p10':>7} {'median':>7} {'p90':>7}")
    for kind, samples in times.items():
        deciles = statistics.quantiles(samples, n=10)
        print(f"  {kind:<16} {deciles[0]:>7.1f} {statistics.median(samples):>7.1f} {deciles[-1]:>7.1f}")
    ratio = statistics.median(times["unknown user"]) / statistics.median(times["wrong password"])
    print(f"  median unknown user / median wrong password: {ratio:.3f}")
    print("  the two 401 replies are byte-identical")


if __name__ == "__main__":
    main()
