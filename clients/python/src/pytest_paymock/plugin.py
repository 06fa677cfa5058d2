"""The pytest plugin: the ``paymock_server`` and ``paymock`` fixtures and the
``paymock_clock`` marker. Registered through the ``pytest11`` entry point."""

import hashlib
import os
import re
from typing import Callable, Iterator, Optional, TypeVar

import pytest

from . import server as servers
from .client import PaymockError, PaymockNamespace, PaymockServer

T = TypeVar("T")

_NAMESPACE = pytest.StashKey[PaymockNamespace]()

MAX_NAME = 64
_NOT_IN_A_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_HASH_LENGTH = 10


def namespace_name(*parts: str) -> str:
    """A namespace name made of ``parts`` joined by ``-``: runs of characters a name may not
    hold ([A-Za-z0-9._-] only) become one ``-``, and a name longer than 64 characters is cut
    and ends in a hash of the whole, so that names that differ stay apart."""
    whole = "-".join(part for part in parts if part)
    name = _NOT_IN_A_NAME.sub("-", whole).strip("-")
    if len(name) > MAX_NAME or name in ("", ".", ".."):
        digest = hashlib.sha256(whole.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
        name = name[: MAX_NAME - _HASH_LENGTH - 1].rstrip("-") + "-" + digest
    return name


def _start_timeout() -> float:
    value = os.environ.get("PAYMOCK_START_TIMEOUT", "10")
    try:
        return float(value)
    except ValueError:
        raise pytest.UsageError(f"paymock: PAYMOCK_START_TIMEOUT={value} is not a number of seconds") from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "paymock_clock(when, frozen=True): set the clock of the test's paymock namespace to `when` "
        "(RFC 3339, such as 2031-01-01T00:00:00Z, or a datetime), frozen unless frozen=False",
    )


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    url = os.environ.get("PAYMOCK_URL")
    if url:
        return f"paymock: {url} (PAYMOCK_URL)"
    try:
        binary = servers.find_binary()
    except servers.NoPaymock as error:
        return str(error)
    if binary:
        return f"paymock: {binary}, started on a free port for the session"
    return "paymock: no PAYMOCK_URL, PAYMOCK_BIN or paymock on PATH"


@pytest.fixture(scope="session")
def paymock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaymockServer]:
    """The paymock the session tests against: the one at PAYMOCK_URL, or else one the plugin
    starts from PAYMOCK_BIN (or ``paymock`` on PATH) on a free port, with an in-memory
    database, and stops at the end. Control-plane calls carry PAYMOCK_ADMIN_TOKEN if set.
    Under pytest-xdist each worker has its own session, so each starts its own paymock unless
    PAYMOCK_URL names one for all of them."""
    token = os.environ.get("PAYMOCK_ADMIN_TOKEN") or None
    timeout = _start_timeout()
    url = os.environ.get("PAYMOCK_URL")
    if url:
        yield _or_fail(lambda: servers.connect(url, token, timeout))
        return
    binary = _or_fail(servers.find_binary)
    if binary is None:
        pytest.fail(servers.NO_SERVER, pytrace=False)
    started = _or_fail(lambda: servers.start(binary, tmp_path_factory.mktemp("paymock"), token, timeout))
    try:
        yield started
    finally:
        servers.stop(started)


def _or_fail(step: Callable[[], T]) -> T:
    """What ``step`` returns; if it finds no server, the fixture fails with its message alone
    (no traceback: the message says what to do)."""
    try:
        return step()
    except (servers.NoPaymock, servers.StartFailed) as error:
        message = str(error)
    pytest.fail(message, pytrace=False)


def _worker(config: pytest.Config) -> str:
    # What pytest-xdist's worker_id fixture says ("gw0", "gw1", …), without needing xdist.
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


@pytest.fixture
def paymock(paymock_server: PaymockServer, request: pytest.FixtureRequest) -> PaymockNamespace:
    """A namespace of this test's own, made afresh from the fixtures: named after the xdist
    worker and the test (and PAYMOCK_NAMESPACE_PREFIX, if set), dropped first if an earlier
    run left it, and left in place afterwards to be looked at. Give ``paymock.url`` to the
    client under test as its base URL."""
    name = namespace_name(os.environ.get("PAYMOCK_NAMESPACE_PREFIX", ""), _worker(request.config), request.node.name)
    namespace = paymock_server.namespace(name)
    namespace.delete(missing_ok=True)
    marker = request.node.get_closest_marker("paymock_clock")
    if marker is not None:
        if len(marker.args) != 1 or set(marker.kwargs) - {"frozen"}:
            pytest.fail("paymock: use @pytest.mark.paymock_clock(when, frozen=True), with `when` such as "
                        "'2031-01-01T00:00:00Z'", pytrace=False)
        namespace.set_clock(marker.args[0], frozen=marker.kwargs.get("frozen", True))
    request.node.stash[_NAMESPACE] = namespace
    return namespace


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("paymock_clock") is not None and "paymock" not in getattr(item, "fixturenames", ()):
        pytest.fail("paymock: @pytest.mark.paymock_clock sets the clock of the test's paymock namespace; "
                    "the test must use the paymock fixture", pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.failed:
        return
    namespace = item.stash.get(_NAMESPACE, None)
    if namespace is not None:
        report.sections.append(("paymock", _describe(namespace)))


def _describe(namespace: PaymockNamespace, shown: int = 20) -> str:
    """What a failed test's report says about its namespace: its name and last requests."""
    lines = [f"namespace {namespace.name} at {namespace.url}"]
    try:
        entries = namespace.journal(limit=shown)
    except PaymockError as error:
        lines.append(f"(its journal could not be read: {error})")
        return "\n".join(lines)
    if not entries:
        lines.append("its journal is empty: it received no request")
    else:
        lines.append(f"its last {len(entries)} requests, oldest first:" if len(entries) == shown
                     else "the requests it received, oldest first:")
        for entry in entries:
            target = entry["path"] + ("?" + entry["query"] if entry.get("query") else "")
            lines.append(f"  {entry['time']} {entry['method']} {target} -> {entry['status']} {entry['outcome']}"
                         + (f" (user {entry['user']})" if entry.get("user") else ""))
    return "\n".join(lines)
