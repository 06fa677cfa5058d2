"""What namespaces cost one client, on one keep-alive connection, interleaved so that machine
noise falls on all alike: the first request to a new namespace (which makes it, from the
fixtures, in one durable commit) beside a durable purchase and a read in a namespace that
exists; and the restore of a snapshot of a namespace with 10 seeded users and 100 payment
methods. Medians and 90th percentiles of round trips over loopback, which include the commit's
fsync where there is one.

Usage: python3 bench/namespace_timing.py --binary target/release/paymock [--rounds 300]
"""

import argparse
import base64
import http.client
import json
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

HOST = "127.0.0.1"
PORT = 18197
BUYER = "Basic " + base64.b64encode(b"awesomeuser:gReAt/PaSsWoRd123").decode()
FORM = urllib.parse.urlencode({
    "billingName": "A", "billingAddress1": "1 Main St", "billingCity": "Springfield", "billingState": "MO",
    "billingZip": "34567", "billingAmount": "10", "billingNumber": "4111111111111111", "billingMonth": "12",
    "billingYear": "2030", "billingCvv": "123", "billingCcType": "VI",
})


def wait_for_health(deadline=10.0):
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=1)
            connection.request("GET", "/__admin/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.01)
    raise SystemExit("paymock did not answer its health check")


class Client:
    def __init__(self):
        self.connection = http.client.HTTPConnection(HOST, PORT, timeout=30)

    def call(self, method, path, body=None, headers=None, expect=(200,)):
        """The round trip in milliseconds, once the status is checked."""
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status not in expect:
            raise SystemExit(f"{method} {path}: {response.status} {data[:200]!r}")
        return elapsed


def seed(client, namespace):
    """10 Click2Mail users; 10 accounts, each with an owner and 10 direct debits."""
    admin = f"/__admin/ns/{namespace}"
    as_json = {"Content-Type": "application/json"}
    for user in range(10):
        body = json.dumps({"username": f"user-{user}", "password": "pw", "balance": "5.00"})
        client.call("POST", f"{admin}/click2mail/users", body, as_json, (201,))
    for account in range(10):
        client.call("POST", f"{admin}/hostway/accounts", json.dumps({"id": f"a{account}"}), as_json, (201,))
        owner = {"username": f"owner-{account}", "password": "pw", "roles": {f"a{account}": ["sitecontrol_account_owner"]}}
        client.call("POST", f"{admin}/hostway/users", json.dumps(owner), as_json, (201,))
        auth = {"Authorization": "Basic " + base64.b64encode(f"owner-{account}:pw".encode()).decode(), **as_json}
        for method in range(10):
            debit = {"paymentInfoType": "direct_debit", "routingNumber": "011000015",
                     "accountNumber": f"1234567{account}{method:02d}"}
            client.call("POST", f"/ns/{namespace}/accounts/a{account}/paymentInfo", json.dumps(debit), auth, (201,))
    client.call("POST", f"{admin}/snapshots/seeded", expect=(201,))


def summary(label, samples):
    samples = sorted(samples)
    p90 = samples[int(len(samples) * 0.9) - 1]
    print(f"  {label:<52} median {statistics.median(samples):6.3f} ms   p90 {p90:6.3f} ms")
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "paymock.db"
        server = subprocess.Popen(
            [args.binary, "--listen", f"{HOST}:{PORT}", "--database", str(database), "--access-log", "off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_health()
            client = Client()
            read, purchase, create = [], [], []
            for round_ in range(args.rounds):
                read.append(client.call("GET", "/molpro/credit", headers={"Authorization": BUYER}))
                buy = {"Authorization": BUYER, "Content-Type": "application/x-www-form-urlencoded"}
                purchase.append(client.call("POST", "/molpro/credit/purchase", FORM, buy))
                create.append(client.call("GET", f"/ns/made-{round_}/molpro/credit", headers={"Authorization": BUYER}))
            seed(client, "restore")
            restore = [client.call("POST", "/__admin/ns/restore/snapshots/seeded/restore", expect=(204,))
                       for _ in range(max(args.rounds // 6, 20))]
            print(f"Namespaces, one client on one connection ({args.rounds} rounds, interleaved):")
            summary("read: GET /molpro/credit", read)
            bought = summary("durable write: a purchase", purchase)
            made = summary("a new namespace's first request (made from fixtures)", create)
            summary("restore: 10 users, 10 accounts, 100 methods", restore)
            print(f"  a new namespace costs {made / bought:.2f} purchases")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
