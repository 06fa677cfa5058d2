"""paymock's benchmark: drives a release build with wrk over loopback and prints one table.

Every figure is a ratio to `GET /__admin/health` measured by the same run on the same machine,
so results compare across machines. The run:

1. starts paymock on a fresh database file (request journal on, as by default);
2. makes the namespaces that the spread purchase scenarios write into, with one balance read
   each, so that those scenarios measure steady-state purchases, not the making of namespaces;
3. runs each scenario with wrk (32 keep-alive connections), health first and last, and each
   write scenario three times (its row gives the median req/s and the worst p99);
4. checks that every acknowledged write is in the state (the sum of 200 purchases is the
   balance, every 204 payment is recorded, in every namespace, every card saved with a 201 or
   deleted with a 204 is so) and reads the server's resident memory;
5. builds a database holding 1 000 000 purchases and 10 000 users, measures start-up to the
   first 200 on health, and runs the scenarios again on it;
6. builds a database holding 1 000 namespaces of 1 000 purchases each, and measures start-up
   and resident memory on it.

Usage: bash bench/run [--duration SECONDS] [--connections N] [--port PORT]
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import resource
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
# The port paymock listens on; --port changes it.
PORT = 18199
BASE = f"http://{HOST}:{PORT}"

CLICK2MAIL = ("awesomeuser", "gReAt/PaSsWoRd123")
HOSTWAY_OWNER = ("acme-owner", "Owner-Pass-1")
SAVE_DELETE_OWNER = ("bench-saver", "Saver-Pass-1")
WRK_THREADS = 2
MIXED_USERS = 200
MIXED_PASSWORD = "bench-pw"
LARGE_USERS = 10_000
LARGE_PURCHASES = 1_000_000
# The purchase scenarios spread over namespaces: over this many each.
SPREADS = (100, 1_000)
# The start-up database: this many namespaces besides `default`, each with this many purchases.
STARTUP_NAMESPACES = 1_000
STARTUP_PURCHASES_EACH = 1_000
STARTUP_TIMES = 5
# Each write scenario runs this many times: its row gives the median rate and the worst p99.
WRITE_RUNS = 3
PURCHASE_AMOUNT_CENTS = 10_00

PURCHASE_FORM = (
    "billingName=Bench+User&billingAddress1=221B+Baker+St&billingCity=Springfield&billingState=MO"
    "&billingZip=34567&billingAmount=10&billingNumber=4111111111111111&billingMonth=12"
    "&billingYear=2030&billingCvv=123&billingCcType=VI"
)
CARD_JSON = json.dumps(
    {
        "paymentInfoType": "credit_card",
        "accountNumber": "4111111111111111",
        "cardHolderName": "Bench User",
        "verificationNumber": "123",
        "creditCardType": "visa",
        "expirationDate": "2030-4",
        "billingAddress": {"street1": "1 Main St", "city": "Chicago", "postalCode": "60606", "countryCode": "US"},
    }
)

WRK_SCRIPT = """
local specs = %(specs)s
local prepared = {}
local next_index = 0
threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for index, spec in ipairs(specs) do
    prepared[index] = wrk.format(spec.method, spec.path, spec.headers, spec.body)
  end
  next_index = math.random(#prepared) - 1
  ok, refused, acknowledged_purchases, saves, deletes = 0, 0, 0, 0, 0
end

function request()
  next_index = next_index %% #prepared + 1
  return prepared[next_index]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    -- A purchase's reply is the only 200 without a balance in it.
    if status == 200 and body:find("<status>0</status>", 1, true) and not body:find("<balance>", 1, true) then
      acknowledged_purchases = acknowledged_purchases + 1
    end
  else
    refused = refused + 1
  end
end

"""

# The end of every scenario's script: one line of results, each thread's counts summed.
WRK_DONE = """
function done(summary, latency, requests)
  local totals = { ok = 0, refused = 0, acknowledged_purchases = 0, saves = 0, deletes = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + thread:get(name) end
  end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, ' ..
    '"ok": %d, "refused": %d, "acknowledged_purchases": %d, "saves": %d, "deletes": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout,
    totals.ok, totals.refused, totals.acknowledged_purchases, totals.saves, totals.deletes))
end
"""

# Hostway save and delete: cards saved on the accounts `prepare_save_delete` makes and each
# deleted again, half the requests each (201 and 204). Each account keeps a card of its own as
# its default, which is never deleted. Each run of the scenario has accounts of its own (wrk's
# argument: the run's number), since a run leaves its last cards saved; each thread of wrk has
# its share of them and goes round it, saving the next of three test cards, so that a card is
# saved to an account again only hundreds of saves after it was deleted there, never while it
# is still saved.
SAVE_DELETE_SCRIPT = """
local auth = %(auth)s
local cards = { %(cards)s }
local accounts = %(accounts)d
threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  ok, refused, acknowledged_purchases, saves, deletes = 0, 0, 0, 0, 0
  free, next_card, saved = {}, {}, {}
  local first = (tonumber(args[1]) or 0) %% %(runs)d * accounts
  for index = first + thread_number, first + accounts, %(threads)d do
    local id = string.format("bench-saves-%%03d", index - 1)
    table.insert(free, id)
    next_card[id] = 1
  end
end

function request()
  local path = table.remove(saved, 1)
  if path then
    return wrk.format("DELETE", path, { ["Authorization"] = auth })
  end
  -- Only a save refused with an error loses its account.
  local id = table.remove(free, 1) or error("no account is left: too many saves were refused")
  local card = cards[next_card[id]]
  next_card[id] = next_card[id] %% #cards + 1
  return wrk.format("POST", "/accounts/" .. id .. "/paymentInfo",
    { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, card)
end

function response(status, headers, body)
  if status == 201 then
    ok, saves = ok + 1, saves + 1
    local path = (headers["location"] or headers["Location"]):match("^https?://[^/]+(/.*)$")
    table.insert(saved, path)
    table.insert(free, path:match("^/accounts/([^/]+)/"))
  elseif status == 204 then
    ok, deletes = ok + 1, deletes + 1
  else
    refused = refused + 1
  end
end
"""
# The accounts of each run of the scenario.
SAVE_DELETE_ACCOUNTS = 256
# The approved test cards: one kept as each account's default, three saved and deleted in turn.
KEPT_CARD = "6011111111111117"
SAVED_CARDS = ("4111111111111111", "5555555555554444", "378282246310005")
SAVER = "Bench Saver"


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def lua_string(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def lua_specs(specs):
    items = []
    for method, path, headers, body in specs:
        header_items = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        body_item = lua_string(body) if body is not None else "nil"
        items.append(f"{{ method = {lua_string(method)}, path = {lua_string(path)}, headers = {{ {header_items} }}, body = {body_item} }}")
    return "{\n  " + ",\n  ".join(items) + "\n}"


class Server:
    """One paymock process on a database file, started and stopped by PID."""

    def __init__(self, binary, database, log_path):
        self.binary = binary
        self.database = database
        self.log_path = log_path
        self.process = None

    def start(self):
        """Starts the server and returns the milliseconds until health first answered 200."""
        log = open(self.log_path, "ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [self.binary, "--listen", f"{HOST}:{PORT}", "--database", str(self.database)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = started + 30
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"paymock exited with {self.process.returncode}; see {self.log_path}")
            if health_answers():
                return (time.perf_counter() - started) * 1000
        sys.exit(f"paymock did not answer health within 30 s; see {self.log_path}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def resident_mib(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")


def health_answers():
    try:
        with socket.create_connection((HOST, PORT), timeout=1) as connection:
            connection.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def call(method, path, body=None, auth=None, content_type=None):
    request = urllib.request.Request(BASE + path, method=method, data=body.encode() if body is not None else None)
    if auth:
        request.add_header("Authorization", basic(*auth))
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read().decode()


def prepare(users):
    """Saves a card on account 1001 (the payment scenario's method), and seeds the mixed run's
    users and the save and delete scenario's accounts unless they exist. Returns the card's
    path."""
    status, headers, _ = call("POST", "/accounts/1001/paymentInfo", CARD_JSON, HOSTWAY_OWNER, "application/json")
    assert status == 201, status
    card_path = "/" + headers["Location"].split("/", 3)[3]
    for index in range(users):
        admin_create("/__admin/click2mail/users", {"username": f"bench-user-{index}", "password": MIXED_PASSWORD, "balance": 0})
    prepare_save_delete()
    return card_path


def spread_names(count):
    """The namespaces a purchase scenario spreads over `count` of."""
    return [f"spread{count}-{index:04d}" for index in range(count)]


def warm_up(names):
    """Makes each namespace with one balance read (a namespace is made by its first request),
    on one keep-alive connection. Returns the seconds it took."""
    connection = http.client.HTTPConnection(HOST, PORT, timeout=10)
    headers = {"Authorization": basic(*CLICK2MAIL), "Host": "bench"}
    started = time.perf_counter()
    try:
        for name in names:
            connection.request("GET", f"/ns/{name}/molpro/credit", headers=headers)
            response = connection.getresponse()
            body = response.read().decode()
            if response.status != 200 or "<balance>0.00</balance>" not in body:
                sys.exit(f"warming up the namespace {name}: {response.status} {body[:200]}")
    finally:
        connection.close()
    return time.perf_counter() - started


def scenarios(card_path):
    purchase_headers = {"Authorization": basic(*CLICK2MAIL), "Content-Type": "application/x-www-form-urlencoded"}
    owner = {"Authorization": basic(*HOSTWAY_OWNER)}
    mixed = []
    for index in range(MIXED_USERS):
        auth = {"Authorization": basic(f"bench-user-{index}", MIXED_PASSWORD)}
        mixed.append(("POST", "/molpro/credit/purchase", {**auth, "Content-Type": "application/x-www-form-urlencoded"}, PURCHASE_FORM))
        mixed.append(("GET", "/molpro/credit", auth, None))
    # The same purchase spread over namespaces: each thread of wrk goes round them, from a
    # random one, a request at a time. They run right after the purchase in one namespace, to
    # be compared with it.
    spread = [
        (
            spread_label(count),
            "write",
            [("POST", f"/ns/{name}/molpro/credit/purchase", purchase_headers, PURCHASE_FORM) for name in spread_names(count)],
        )
        for count in SPREADS
    ]
    return [
        ("GET /molpro/credit", "read", [("GET", "/molpro/credit", {"Authorization": basic(*CLICK2MAIL)}, None)]),
        (PURCHASE_LABEL, "write", [("POST", "/molpro/credit/purchase", purchase_headers, PURCHASE_FORM)]),
        *spread,
        ("GET /accounts/1001/paymentInfo", "read", [("GET", "/accounts/1001/paymentInfo", owner, None)]),
        (
            payment_label(card_path),
            "write",
            [("POST", f"{card_path}/payment", {**owner, "Content-Type": "application/json"}, '{"amount": 1.00}')],
        ),
        (SAVE_DELETE_LABEL, "write", save_delete_script()),
        (MIXED_LABEL, "write", mixed),
    ]


def saver_card(number, holder=SAVER):
    card = json.loads(CARD_JSON)
    del card["creditCardType"]
    card.update(accountNumber=number, cardHolderName=holder, verificationNumber="1234" if len(number) == 15 else "123")
    return json.dumps(card)


def save_delete_script():
    return SAVE_DELETE_SCRIPT % {
        "auth": lua_string(basic(*SAVE_DELETE_OWNER)),
        "cards": ", ".join(lua_string(saver_card(number)) for number in SAVED_CARDS),
        "accounts": SAVE_DELETE_ACCOUNTS,
        "threads": WRK_THREADS,
        "runs": WRITE_RUNS,
    }


def prepare_save_delete():
    """Makes the save and delete scenario's accounts, their owner, and each account's default
    card, unless they exist."""
    accounts = [f"bench-saves-{index:03d}" for index in range(SAVE_DELETE_ACCOUNTS * WRITE_RUNS)]
    for account in accounts:
        admin_create("/__admin/hostway/accounts", {"id": account})
    owner = {"username": SAVE_DELETE_OWNER[0], "password": SAVE_DELETE_OWNER[1],
             "roles": {account: ["sitecontrol_account_owner"] for account in accounts}}
    admin_create("/__admin/hostway/users", owner)
    for account in accounts:
        try:
            call("POST", f"/accounts/{account}/paymentInfo", saver_card(KEPT_CARD, "Bench Default"), SAVE_DELETE_OWNER,
                 "application/json")
        except urllib.error.HTTPError as err:
            if err.code != 409:
                raise


def admin_create(path, body):
    """Creates with the control plane; what exists already is left as it is."""
    try:
        call("POST", path, json.dumps(body), content_type="application/json")
    except urllib.error.HTTPError as err:
        if err.code != 409:
            raise


PURCHASE_LABEL = "POST /molpro/credit/purchase"
MIXED_LABEL = f"mixed: {MIXED_USERS} users buying and reading"
SAVE_DELETE_LABEL = f"POST, DELETE /accounts/{{1 of {SAVE_DELETE_ACCOUNTS}}}/paymentInfo"


def spread_label(count):
    return f"POST /ns/{{1 of {count}}}/molpro/credit/purchase"


def payment_label(card_path):
    return f"POST {card_path}/payment"


HEALTH = ("GET /__admin/health", "baseline", [("GET", "/__admin/health", {}, None)])


def machine_cpu():
    """Seconds the machine's CPUs have spent busy, and in all, since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - fields[3] - fields[4]) / ticks, sum(fields) / ticks


def process_cpu(pid):
    """Seconds of CPU the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def written_bytes(pid):
    """Bytes the process has caused to be written to storage."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("no write_bytes")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(specs, args, work, server, run=0):
    """Runs one scenario. Besides wrk's figures, gives paymock's CPU time and the bytes it wrote
    to storage per request, and the share of the machine's CPU that neither paymock nor wrk
    used meanwhile (other processes, interrupts): how quiet it was."""
    script = work / "scenario.lua"
    # A scenario is requests to go round, or a script of its own.
    script.write_text((specs if isinstance(specs, str) else WRK_SCRIPT % {"specs": lua_specs(specs)}) + WRK_DONE)
    busy_before, total_before = machine_cpu()
    server_before, wrk_before = process_cpu(server.process.pid), children_cpu()
    written_before = written_bytes(server.process.pid)
    output = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "5s", "-s", str(script), BASE, str(run)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    busy, total = (now - before for now, before in zip(machine_cpu(), (busy_before, total_before)))
    server_used = process_cpu(server.process.pid) - server_before
    used = server_used + children_cpu() - wrk_before
    written = written_bytes(server.process.pid) - written_before
    result = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["elsewhere"] = max(0.0, busy - used) / total
    result["server_cpu_us"] = server_used * 1e6 / max(1, result["requests"])
    result["written_per_request"] = written / max(1, result["requests"])
    return result


def combine(results):
    """One scenario's runs as one row: the median rate and p50, the worst p99, and the counts
    summed."""
    if len(results) == 1:
        return results[0]
    combined = {key: sum(result.get(key, 0) for result in results)
                for key in ("requests", "socket_errors", "ok", "refused", "acknowledged_purchases", "saves", "deletes")}
    combined["rate"] = statistics.median(result["rate"] for result in results)
    combined["p50_us"] = statistics.median(result["p50_us"] for result in results)
    combined["p99_us"] = max(result["p99_us"] for result in results)
    combined["p99_each_us"] = [result["p99_us"] for result in results]
    combined["elsewhere"] = max(result["elsewhere"] for result in results)
    combined["server_cpu_us"] = statistics.mean(result["server_cpu_us"] for result in results)
    combined["written_per_request"] = statistics.mean(result["written_per_request"] for result in results)
    return combined


def run_all(server, args, work, label):
    """Runs health, the scenarios and health again, stops the server and checks, in the database
    file it left, that every acknowledged write is there. Returns the rows and whether a check
    failed."""
    card_path = prepare(MIXED_USERS)
    before = durable_counts(server.database)
    warm_ups = {count: warm_up(spread_names(count)) for count in SPREADS}
    run_wrk(HEALTH[2], args, work, server)  # warm-up, not reported
    rows = [(HEALTH[0], HEALTH[1], run_wrk(HEALTH[2], args, work, server))]
    for name, kind, specs in scenarios(card_path):
        runs = WRITE_RUNS if kind == "write" else 1
        rows.append((name, kind, combine([run_wrk(specs, args, work, server, run) for run in range(runs)])))
    rows.append((HEALTH[0] + " (again)", "baseline", run_wrk(HEALTH[2], args, work, server)))
    rss = server.resident_mib()
    server.stop()

    after = durable_counts(server.database)
    measured = {name: result for name, _, result in rows}
    purchases, payments, mixed = measured[PURCHASE_LABEL], measured[payment_label(card_path)], measured[MIXED_LABEL]
    save_delete = measured[SAVE_DELETE_LABEL]
    spread = {count: measured[spread_label(count)] for count in SPREADS}
    checks = [
        ("purchase: awesomeuser's purchases", "purchases", purchases["acknowledged_purchases"]),
        ("payment: payments on account 1001", "payments", payments["ok"]),
        ("mixed: the mixed users' purchases", "mixed_purchases", mixed["acknowledged_purchases"]),
        ("save and delete: cards saved", "saved_cards", save_delete["saves"]),
        ("save and delete: cards deleted", "deleted_cards", save_delete["deletes"]),
    ] + [
        (f"spread: purchases in the {count} namespaces", f"spread{count}_purchases", spread[count]["acknowledged_purchases"])
        for count in SPREADS
    ]
    print_table(label, rows)
    print(f"  purchases spread over namespaces, against {PURCHASE_LABEL} (one namespace) above:")
    print(f"    {'namespaces':>10} {'share of its req/s':>18} {'paymock CPU per purchase':>24} {'written per purchase':>20}")
    for count, result in [(1, purchases)] + [(count, spread[count]) for count in SPREADS]:
        print(f"    {count:>10,} {result['rate'] / purchases['rate']:>18.2f} {result['server_cpu_us']:>21.0f} µs "
              f"{result['written_per_request'] / 1024:>16.1f} KiB")
    print("  the spread namespaces were made before measuring, one balance read each, not measured ("
          + "; ".join(f"{count} in {seconds:.1f} s" for count, seconds in warm_ups.items()) + ")")
    failed = False
    for name, key, acknowledged in checks:
        recorded = after[key] - before[key]
        # Each wrk run stops with up to one request in flight per connection; those may have
        # been committed without their reply being counted.
        good = acknowledged <= recorded <= acknowledged + args.connections * WRITE_RUNS
        failed |= not good
        verdict = "ok" if good else "FAILED"
        print(f"  check {verdict}: {name}: {recorded} recorded, {acknowledged} acknowledged")
    for count in SPREADS:
        made = after[f"spread{count}_namespaces"]
        good = made == count
        failed |= not good
        print(f"  check {'ok' if good else 'FAILED'}: spread: {made} of the {count} namespaces exist")
    good = after["unbalanced_users"] == 0
    failed |= not good
    print(f"  check {'ok' if good else 'FAILED'}: every balance is the sum of its purchases "
          f"({after['unbalanced_users']} users differ)")
    print(f"  resident memory at the end of the run: {rss:.1f} MiB")
    return rows, rss, failed


def durable_counts(database):
    """What the database file holds: purchases by the benchmark's users and payments on 1001
    in the namespace `default`, awesomeuser's purchases in the spread namespaces and how many
    of those exist, and how many users' balances, in any namespace, differ from the sum of
    their purchases (every user starts at zero)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        one = lambda sql, *params: connection.execute(sql, params).fetchone()[0]
        default = one("SELECT id FROM paymock_namespaces WHERE name = 'default'")
        return {
            "purchases": one(
                "SELECT count(*) FROM click2mail_purchases WHERE namespace = ? AND username = ?", default, CLICK2MAIL[0]
            ),
            "payments": one("SELECT count(*) FROM hostway_payments WHERE namespace = ? AND account_id = '1001'", default),
            "saved_cards": one(
                "SELECT count(*) FROM hostway_payment_methods WHERE namespace = ? AND card_holder_name = ?", default, SAVER
            ),
            "deleted_cards": one(
                "SELECT count(*) FROM hostway_payment_methods "
                "WHERE namespace = ? AND card_holder_name = ? AND deleted_at IS NOT NULL",
                default,
                SAVER,
            ),
            "mixed_purchases": one(
                "SELECT count(*) FROM click2mail_purchases WHERE namespace = ? AND username LIKE 'bench-user-%'", default
            ),
            **{
                f"spread{count}_purchases": one(
                    "SELECT count(*) FROM click2mail_purchases p JOIN paymock_namespaces n ON n.id = p.namespace "
                    "WHERE n.name LIKE ? AND p.username = ?",
                    f"spread{count}-%",
                    CLICK2MAIL[0],
                )
                for count in SPREADS
            },
            **{
                f"spread{count}_namespaces": one("SELECT count(*) FROM paymock_namespaces WHERE name LIKE ?", f"spread{count}-%")
                for count in SPREADS
            },
            "unbalanced_users": one(
                "SELECT count(*) FROM click2mail_users u WHERE u.balance_cents != "
                "(SELECT coalesce(sum(amount_cents), 0) FROM click2mail_purchases p "
                "WHERE p.namespace = u.namespace AND p.username = u.username)"
            ),
        }
    finally:
        connection.close()


def print_table(label, rows):
    baseline = statistics.mean(row[2]["rate"] for row in rows if row[1] == "baseline")
    print(f"\n{label}: health baseline {baseline:,.0f} req/s (mean of first and last)")
    print(f"  {'scenario':<46} {'kind':<8} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7} {'ratio':>6}")
    for name, kind, result in rows:
        errors = result["socket_errors"] + result["refused"]
        print(
            f"  {name:<46} {kind:<8} {result['rate']:>9,.0f} {result['p50_us'] / 1000:>7.2f} "
            f"{result['p99_us'] / 1000:>7.2f} {errors:>7} {result['rate'] / baseline:>6.2f}"
        )
    print(f"  each write scenario ran {WRITE_RUNS} times: req/s and p50 are medians, p99 the worst; p99 of each run:")
    for name, _, result in rows:
        if "p99_each_us" in result:
            print(f"    {name:<46} " + ", ".join(f"{p99 / 1000:.2f}" for p99 in result["p99_each_us"]) + " ms")
    elsewhere = [result["elsewhere"] for _, _, result in rows]
    print(f"  CPU used outside paymock and wrk meanwhile (other processes, interrupts): "
          f"{statistics.mean(elsewhere):.0%} of the machine on average, {max(elsewhere):.0%} at most")


def password_hash(password):
    """A password as paymock stores it: `sha256$<salt>$<SHA-256 of salt and password>`, in hex."""
    salt = os.urandom(16)
    return f"sha256${salt.hex()}${hashlib.sha256(salt + password.encode()).hexdigest()}"


def build_large_database(server, database):
    """A database holding LARGE_USERS Click2Mail users with LARGE_PURCHASES purchases among
    them: paymock creates it, then the rows are written straight into its tables."""
    server.start()
    server.stop()
    connection = sqlite3.connect(database)
    with connection:
        now = "2026-11-22T12:00:00.000Z"
        default = connection.execute("SELECT id FROM paymock_namespaces WHERE name = 'default'").fetchone()[0]
        # Balances start at zero: paymock's schema adds each purchase to its user's balance.
        connection.executemany(
            "INSERT INTO click2mail_users (namespace, username, password_hash, balance_cents, created_at) "
            "VALUES (?, ?, ?, 0, ?)",
            ((default, f"large-user-{i}", password_hash("pw"), now) for i in range(LARGE_USERS)),
        )
        connection.executemany(
            "INSERT INTO click2mail_purchases (namespace, username, amount_cents, card_brand, card_last_four, "
            "purchased_at) VALUES (?, ?, 1000, 'visa', '1111', ?)",
            ((default, f"large-user-{i % LARGE_USERS}", now) for i in range(LARGE_PURCHASES)),
        )
    connection.close()


def startup_names():
    return [f"startup-{index:04d}" for index in range(STARTUP_NAMESPACES)]


def build_namespaces_database(server, database):
    """A database holding STARTUP_NAMESPACES namespaces with STARTUP_PURCHASES_EACH purchases
    by awesomeuser in each: paymock creates it (and the namespace `default`, from the
    fixtures), then the rows are written straight into its tables. Each namespace gets the
    fixtures' users and accounts as `default` holds them, password hashes included."""
    server.start()
    server.stop()
    connection = sqlite3.connect(database)
    with connection:
        now = "2026-11-22T12:00:00.000Z"
        default = connection.execute("SELECT id FROM paymock_namespaces WHERE name = 'default'").fetchone()[0]
        connection.executemany(
            "INSERT INTO paymock_namespaces (name, created_at, last_used_at) VALUES (?, ?, ?)",
            ((name, now, now) for name in startup_names()),
        )
        made = "SELECT id FROM paymock_namespaces WHERE name LIKE 'startup-%'"
        connection.execute(
            "INSERT INTO click2mail_users (namespace, username, password_hash, balance_cents, created_at) "
            f"SELECT n.id, u.username, u.password_hash, u.balance_cents, ? FROM ({made}) n, click2mail_users u "
            "WHERE u.namespace = ?",
            (now, default),
        )
        connection.execute(
            "INSERT INTO hostway_accounts (namespace, id, allow_offline, offline_is_default, created_at) "
            f"SELECT n.id, a.id, a.allow_offline, 0, ? FROM ({made}) n, hostway_accounts a WHERE a.namespace = ?",
            (now, default),
        )
        connection.execute(
            "INSERT INTO hostway_users (namespace, username, password_hash, is_sales_agent, created_at) "
            f"SELECT n.id, u.username, u.password_hash, u.is_sales_agent, ? FROM ({made}) n, hostway_users u "
            "WHERE u.namespace = ?",
            (now, default),
        )
        connection.execute(
            "INSERT INTO hostway_user_roles (namespace, username, account_id, role) "
            f"SELECT n.id, r.username, r.account_id, r.role FROM ({made}) n, hostway_user_roles r WHERE r.namespace = ?",
            (default,),
        )
        # The schema's trigger adds each purchase to the balance, as for a purchase paymock makes.
        connection.execute(
            "WITH RECURSIVE counter (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < ?) "
            "INSERT INTO click2mail_purchases (namespace, username, amount_cents, card_brand, card_last_four, "
            f"purchased_at) SELECT ns.id, ?, ?, 'visa', '1111', ? FROM ({made}) ns, counter",
            (STARTUP_PURCHASES_EACH, CLICK2MAIL[0], PURCHASE_AMOUNT_CENTS, now),
        )
    connection.close()


def measure_namespaces_startup(server):
    """Starts the server STARTUP_TIMES times on the namespaces database: the milliseconds to
    the first 200 on health, and the resident memory then, of each start. After the last
    start, checks that every namespace answers with the balance its purchases make."""
    startups, memory = [], []
    for _ in range(STARTUP_TIMES):
        startups.append(server.start())
        memory.append(server.resident_mib())
        server.stop()
    server.start()
    expected = f"<balance>{STARTUP_PURCHASES_EACH * PURCHASE_AMOUNT_CENTS // 100}.00</balance>"
    connection = http.client.HTTPConnection(HOST, PORT, timeout=10)
    headers = {"Authorization": basic(*CLICK2MAIL), "Host": "bench"}
    try:
        for name in startup_names():
            connection.request("GET", f"/ns/{name}/molpro/credit", headers=headers)
            response = connection.getresponse()
            body = response.read().decode()
            if response.status != 200 or expected not in body:
                sys.exit(f"the namespace {name} does not answer with its balance: {response.status} {body[:200]}")
    finally:
        connection.close()
        server.stop()
    return startups, memory


def main():
    global PORT, BASE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--duration", type=int, default=5, help="seconds per scenario (default 5)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=PORT, help=f"the port paymock listens on (default {PORT})")
    args = parser.parse_args()
    PORT = args.port
    BASE = f"http://{HOST}:{PORT}"

    servers = []
    try:
        with tempfile.TemporaryDirectory(prefix="paymock-bench-") as scratch:
            run(args, Path(scratch), servers)
    finally:
        for server in servers:
            server.stop()


def run(args, work, servers):
    print(f"paymock benchmark: {args.connections} connections, {args.duration} s per scenario, {os.cpu_count()} CPUs")

    empty = Server(args.binary, work / "empty.db", work / "empty.log")
    servers.append(empty)
    startup_empty = empty.start()
    empty_rows, empty_rss, empty_failed = run_all(empty, args, work, "Fresh database")

    large = Server(args.binary, work / "large.db", work / "large.log")
    servers.append(large)
    build_large_database(large, work / "large.db")
    size_mib = (work / "large.db").stat().st_size / 2**20
    startups = []
    for _ in range(5):
        startups.append(large.start())
        large.stop()
    startup_large = statistics.median(startups)
    large.start()
    large_rows, large_rss, large_failed = run_all(large, args, work, f"Large database ({size_mib:.0f} MiB)")

    namespaced = Server(args.binary, work / "namespaces.db", work / "namespaces.log")
    servers.append(namespaced)
    build_namespaces_database(namespaced, work / "namespaces.db")
    namespaces_mib = (work / "namespaces.db").stat().st_size / 2**20
    namespaces_startups, namespaces_memory = measure_namespaces_startup(namespaced)

    print("\nStart-up to the first 200 on health:")
    print(f"  fresh database: {startup_empty:.1f} ms")
    print(f"  large database: {startup_large:.1f} ms (median of {len(startups)}: "
          + ", ".join(f"{s:.1f}" for s in startups) + ")")
    print(f"  {STARTUP_NAMESPACES:,} namespaces of {STARTUP_PURCHASES_EACH:,} purchases each ({namespaces_mib:.0f} MiB): "
          f"{statistics.median(namespaces_startups):.1f} ms (median of {len(namespaces_startups)}: "
          + ", ".join(f"{s:.1f}" for s in namespaces_startups) + ")")
    print(f"    resident memory once started: {statistics.median(namespaces_memory):.1f} MiB (median; "
          + ", ".join(f"{m:.1f}" for m in namespaces_memory) + ")")
    print("\nLarge database throughput as a share of the fresh one (each as a ratio to its own health):")
    empty_base = statistics.mean(r[2]["rate"] for r in empty_rows if r[1] == "baseline")
    large_base = statistics.mean(r[2]["rate"] for r in large_rows if r[1] == "baseline")
    for (name, kind, fresh), (_, _, big) in zip(empty_rows, large_rows):
        if kind != "baseline":
            share = (big["rate"] / large_base) / (fresh["rate"] / empty_base)
            print(f"  {name:<46} {share:>6.2f}")
    if empty_failed or large_failed:
        sys.exit("a write check failed")


if __name__ == "__main__":
    random.seed(1)
    main()
