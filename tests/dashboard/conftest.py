"""The dashboard's browser tests: the real binary on a loopback port and a real database file,
driven in Debian's chromium by Playwright. `.ci/dashboard` runs them.

Every test gets a fresh paymock and a fresh page. The page fixture fails the test on any
console error or uncaught exception, and on any request for another host than paymock's.
"""

import base64
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("PAYMOCK_BIN", str(ROOT / "target" / "debug" / "paymock"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS", ROOT / "target" / "ci" / "dashboard-screenshots"))

C2M_USER, C2M_PASSWORD = "awesomeuser", "gReAt/PaSsWoRd123"
OWNER, OWNER_PASSWORD = "acme-owner", "Owner-Pass-1"


class Paymock:
    """A paymock process on a database file; `restart` starts it again on the same port."""

    def __init__(self, *flags):
        self.flags = list(flags)
        self.directory = Path(tempfile.mkdtemp(prefix="paymock-dashboard-"))
        self.database = self.directory / "paymock.db"
        self.address = None
        self.process = None
        self.token = None
        if "--admin-token" in self.flags:
            self.token = self.flags[self.flags.index("--admin-token") + 1]
        self.start("127.0.0.1:0")

    @property
    def url(self):
        return f"http://{self.address}"

    def start(self, listen):
        address_file = self.directory / "address"
        address_file.unlink(missing_ok=True)
        log = open(self.directory / "paymock.log", "ab")
        command = [BINARY, "--listen", listen, "--address-file", str(address_file), "--database", str(self.database)]
        self.process = subprocess.Popen(command + self.flags, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if address_file.exists() and address_file.read_text().endswith("\n"):
                self.address = address_file.read_text().strip()
                break
            assert self.process.poll() is None, (self.directory / "paymock.log").read_text()
            time.sleep(0.02)
        else:
            raise AssertionError("paymock wrote no address within 30 s")
        # Ready when health answers.
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/__admin/health", timeout=5) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                assert time.monotonic() < deadline, "health never answered"
                time.sleep(0.02)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self):
        self.stop()
        self.start(self.address)

    def call(self, method, path, body=None, auth=None, form=None, headers=None):
        """A request as a client of the sandbox makes it: (status, body text)."""
        headers = dict(headers or {})
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        elif path.startswith("/__admin") and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def purchase(self, amount="25.00", number="4111111111111111", month="12", year="2030", prefix=""):
        form = {
            "billingName": "Awesome User", "billingAddress1": "1 Main St", "billingCity": "Vienna",
            "billingState": "VA", "billingZip": "22182", "billingAmount": amount, "billingNumber": number,
            "billingMonth": month, "billingYear": year, "billingCvv": "123", "billingCcType": "VI",
        }
        return self.call("POST", f"{prefix}/molpro/credit/purchase", form=form, auth=(C2M_USER, C2M_PASSWORD))

    def save_card(self, account="1001", number="4111111111111111"):
        card = {
            "paymentInfoType": "credit_card", "accountNumber": number, "cardHolderName": "John Smith",
            "verificationNumber": "123", "creditCardType": "visa", "expirationDate": "2030-4",
            "billingAddress": {"street1": "1 Main St", "city": "Chicago", "postalCode": "60606", "countryCode": "US"},
        }
        return self.call("POST", f"/accounts/{account}/paymentInfo", body=card, auth=(OWNER, OWNER_PASSWORD))


@pytest.fixture
def paymock():
    server = Paymock()
    yield server
    server.stop()


@pytest.fixture
def guarded():
    server = Paymock("--admin-token", "s3cret-token")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


class Watched:
    """A page with what it logged and asked for."""

    def __init__(self, page, allowed_errors=()):
        self.page = page
        self.errors = []
        self.foreign = []
        self.allowed_errors = list(allowed_errors)
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("request", self.seen)

    def seen(self, request):
        host = urllib.parse.urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host != "127.0.0.1":
            self.foreign.append(request.url)

    def check(self):
        errors = [error for error in self.errors if not any(allowed in error for allowed in self.allowed_errors)]
        assert errors == [], f"console errors: {errors}"
        assert self.foreign == [], f"requests for another host: {self.foreign}"


@pytest.fixture
def open_page(browser):
    """Opens the dashboard of `server` at `width`; checks the console and requests after the test."""
    watched = []

    def open_(server, width=1280, height=900, allowed_errors=()):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        watched.append(Watched(page, allowed_errors))
        page.goto(f"{server.url}/__admin")
        return page

    yield open_
    for each in watched:
        each.check()
        each.page.context.close()
