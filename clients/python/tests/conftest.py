"""The plugin's own tests: each writes a test suite, runs it with pytester in a pytest of its
own (a subprocess, as a user's suite would run) and checks what it reports.

They start the real paymock: PAYMOCK_BIN must name the binary (cargo build puts it in
target/debug/paymock).
"""

import os
import textwrap

import pytest

pytest_plugins = ["pytester"]

# The variables the plugin reads; each test sets those it wants for the suite it runs.
PAYMOCK_VARIABLES = ("PAYMOCK_URL", "PAYMOCK_BIN", "PAYMOCK_ADMIN_TOKEN", "PAYMOCK_NAMESPACE_PREFIX",
                     "PAYMOCK_START_TIMEOUT")

# A conftest for the suites under test: a client of the Click2Mail credit API on urllib.
CLIENT_CONFTEST = textwrap.dedent('''
    import base64
    import re
    import urllib.parse
    import urllib.request

    import pytest

    FORM = {"billingName": "Awesome User", "billingAddress1": "221B Baker St", "billingCity": "Springfield",
            "billingState": "MO", "billingZip": "34567", "billingNumber": "4111111111111111",
            "billingMonth": "12", "billingYear": "2030", "billingCvv": "123", "billingCcType": "VI"}
    DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


    class Credit:
        def __init__(self, base_url, username="awesomeuser", password="gReAt/PaSsWoRd123"):
            self.base_url = base_url
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            self.headers = {"Authorization": f"Basic {token}"}

        def buy(self, amount):
            data = urllib.parse.urlencode({**FORM, "billingAmount": amount}).encode()
            request = urllib.request.Request(f"{self.base_url}/molpro/credit/purchase", data=data,
                                             headers=self.headers)
            with DIRECT.open(request, timeout=10) as reply:
                return re.search(r"<status>(-?\\d+)</status>", reply.read().decode()).group(1)

        def balance(self):
            request = urllib.request.Request(f"{self.base_url}/molpro/credit", headers=self.headers)
            with DIRECT.open(request, timeout=10) as reply:
                return re.search(r"<balance>([^<]*)</balance>", reply.read().decode()).group(1)


    @pytest.fixture
    def credit(paymock):
        return Credit(paymock.url)
''')


@pytest.fixture(scope="session")
def paymock_bin():
    """The binary under test, from PAYMOCK_BIN."""
    path = os.environ.get("PAYMOCK_BIN")
    if not path:
        pytest.fail("the plugin's tests start paymock: set PAYMOCK_BIN to the binary (target/debug/paymock)",
                    pytrace=False)
    return os.path.abspath(path)


@pytest.fixture
def suite(pytester, monkeypatch):
    """A pytester whose runs see none of the PAYMOCK_* variables of this session, with the
    Click2Mail client conftest in place."""
    for name in PAYMOCK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(CLIENT_CONFTEST)
    return pytester


@pytest.fixture
def run(suite):
    """Runs the suite in a pytest subprocess, as a user would, and returns its result."""

    def run(*args):
        return suite.runpytest_subprocess("-p", "no:cacheprovider", *args)

    return run
