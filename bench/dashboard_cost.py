"""What an open dashboard costs the vendor APIs: the read and the purchase scenarios of
bench.py, each run with nobody watching and with one page open, interleaved over five
rounds, on one fresh database.

"One page open" is a client that does what the page does (see src/sandbox/ui/assets/app.js):
it follows GET /__admin/events and, for each event that names the namespace it shows, reads
again what changed, one read at a time and at most one round each half second: the state and snapshots, the summaries of the journal
entries after the last it has (and the journal's count), the fault rules, the clock. A real browser is not used:
on a two-CPU machine its own rendering would compete with paymock and wrk for the CPUs, and
this measures what the page costs the server.

Usage: python3 bench/dashboard_cost.py --binary PATH [--duration SECONDS] [--port PORT]
"""

import argparse
import http.client
import json
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

ROUNDS = 5
# The page's ROUND_MS: at most one round of reads each half second.
ROUND_SECONDS = 0.5


class Page(threading.Thread):
    """Reads the stream of changes and what they name in `default`, as the page does."""

    def __init__(self):
        super().__init__(daemon=True)
        self.changes = queue.Queue()
        self.stopping = threading.Event()
        self.events = 0
        self.reads = 0
        self.bytes = 0
        self.last_id = 0
        self.stream = http.client.HTTPConnection(bench.HOST, bench.PORT, timeout=30)
        self.stream.request("GET", "/__admin/events", headers={"Accept": "text/event-stream"})
        self.response = self.stream.getresponse()
        assert self.response.status == 200, self.response.status
        threading.Thread(target=self.listen, daemon=True).start()

    def listen(self):
        try:
            for line in self.response:
                if line.startswith(b"data:"):
                    self.events += 1
                    self.changes.put(json.loads(line[5:]))
        except (OSError, ValueError, AttributeError):
            pass  # the stream was closed: the run is over

    def read(self, connection, path):
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status)
        self.reads += 1
        self.bytes += len(body)
        return json.loads(body)

    def run(self):
        connection = http.client.HTTPConnection(bench.HOST, bench.PORT, timeout=30)
        round_started = 0.0
        while not self.stopping.is_set():
            try:
                event = self.changes.get(timeout=0.2)
            except queue.Empty:
                continue
            # The page reads at most one round each ROUND_MS (app.js).
            time.sleep(max(0.0, round_started + ROUND_SECONDS - time.monotonic()))
            round_started = time.monotonic()
            parts = set()
            while True:
                if event.get("resync"):
                    parts |= {"state", "journal", "faults", "clock"}
                parts |= set(event.get("changes", {}).get("default", []))
                try:
                    event = self.changes.get_nowait()
                except queue.Empty:
                    break
            if "state" in parts:
                self.read(connection, "/__admin/state?newest=50")
                self.read(connection, "/__admin/snapshots")
            if "journal" in parts:
                entries = self.read(connection, f"/__admin/requests?view=summary&after={self.last_id}&limit=100000")["requests"]
                self.read(connection, "/__admin/requests/count")
                if entries:
                    self.last_id = entries[0]["id"]
            if "faults" in parts:
                self.read(connection, "/__admin/faults")
            if "clock" in parts:
                self.read(connection, "/__admin/clock")
        connection.close()

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)
        self.stream.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--duration", type=int, default=5, help="seconds per scenario (default 5)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=18196)
    args = parser.parse_args()
    bench.PORT = args.port
    bench.BASE = f"http://{bench.HOST}:{bench.PORT}"

    scenarios = {name: specs for name, _, specs in bench.scenarios("/accounts/1001/paymentInfo/cc-1")}
    measured = [
        ("GET /molpro/credit", scenarios["GET /molpro/credit"]),
        (bench.PURCHASE_LABEL, scenarios[bench.PURCHASE_LABEL]),
    ]
    print(f"The dashboard's cost: {args.connections} connections, {args.duration} s per run, {ROUNDS} rounds interleaved")
    with tempfile.TemporaryDirectory(prefix="paymock-dashboard-cost-") as scratch:
        work = Path(scratch)
        server = bench.Server(args.binary, work / "paymock.db", work / "paymock.log")
        server.start()
        try:
            bench.run_wrk(bench.HEALTH[2], args, work, server)  # warm-up, not reported
            rates = {(name, watched): [] for name, _ in measured for watched in (False, True)}
            watching = []
            for _ in range(ROUNDS):
                for name, specs in measured:
                    for watched in (False, True):
                        page = Page() if watched else None
                        if page:
                            page.start()
                        result = bench.run_wrk(specs, args, work, server)
                        if page:
                            page.stop()
                            watching.append((page.events, page.reads, page.bytes))
                        rates[(name, watched)].append(result["rate"])
            rss = server.resident_mib()
        finally:
            server.stop()
    print(f"  {'scenario':<32} {'nobody watching':>16} {'one page open':>14} {'ratio':>6}  each round")
    for name, _ in measured:
        alone, watched = rates[(name, False)], rates[(name, True)]
        ratios = [w / a for w, a in zip(watched, alone)]
        print(f"  {name:<32} {statistics.median(alone):>12,.0f} r/s {statistics.median(watched):>10,.0f} r/s "
              f"{statistics.median(ratios):>6.2f}  " + ", ".join(f"{r:.2f}" for r in ratios))
    events, reads, read_bytes = (sum(column) / len(watching) for column in zip(*watching))
    print(f"  the page, per run of {args.duration} s: {events:.0f} events, {reads:.0f} reads, "
          f"{read_bytes / 2**20:.1f} MiB read")
    print(f"  resident memory at the end: {rss:.1f} MiB")


if __name__ == "__main__":
    main()
