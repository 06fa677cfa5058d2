"""A small client of paymock's control plane (``/__admin``), on the standard library alone.

``PaymockServer`` is one running paymock; ``PaymockNamespace`` is one namespace of it, with
the calls a test makes: read the journal, count requests, read the state, set the clock, add
fault rules, reset, save and restore snapshots, and seed users and accounts.
"""

import datetime
import decimal
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

__all__ = ["PaymockError", "PaymockServer", "PaymockNamespace"]

# The journal keeps at most --journal-size entries per namespace (10 000 unless told); asking
# for more than it can hold reads all of them.
_ALL = 1_000_000_000

# Control-plane calls go straight to paymock, never through an HTTP proxy named in the
# environment: the sandbox is on this machine or beside it in CI.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# An amount of money: a decimal string ("12.50"), a number with at most two decimals, or a
# Decimal.
Amount = Union[str, int, float, decimal.Decimal]


class PaymockError(Exception):
    """A control-plane call paymock refused (``status`` is its HTTP status) or never answered
    (``status`` is None). ``error`` and ``details`` are the server's own words."""

    def __init__(
        self,
        method: str,
        url: str,
        status: Optional[int],
        error: str,
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.error = error
        self.details = dict(details or {})
        path = urllib.parse.urlsplit(url).path
        if status is None:
            message = f"paymock: {method} {path} got no answer: {error}"
        else:
            message = f"paymock: {method} {path} answered {status}: {error}"
        if self.details:
            message += " (" + "; ".join(f"{field}: {hint}" for field, hint in self.details.items()) + ")"
        super().__init__(message)


def _quote(segment: Union[str, int]) -> str:
    return urllib.parse.quote(str(segment), safe="")


def _instant(when: Union[str, datetime.datetime]) -> str:
    """An RFC 3339 instant for paymock's clock; a naive datetime is taken as UTC."""
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        return when.isoformat()
    if isinstance(when, str):
        return when
    raise TypeError(f"paymock: a clock instant is an RFC 3339 string or a datetime, not {type(when).__name__}")


class _ControlPlane:
    """JSON over HTTP to one paymock, with its admin token if it has one."""

    def __init__(self, url: str, admin_token: Optional[str] = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token or None
        self.timeout = timeout

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Sends one request; returns the parsed JSON answer (None for an empty one) or raises
        PaymockError with the status and the server's error text."""
        __tracebackhide__ = True
        url = self.url + path
        params = {key: value for key, value in (query or {}).items() if value is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(request, timeout=self.timeout if timeout is None else timeout) as reply:
                text = reply.read().decode("utf-8")
        except urllib.error.HTTPError as refused:
            raise self._refusal(method, url, refused) from None
        except (urllib.error.URLError, OSError) as failed:
            reason = getattr(failed, "reason", failed)
            raise PaymockError(method, url, None, f"{reason} (is paymock running at {self.url}?)") from None
        return json.loads(text) if text.strip() else None

    @staticmethod
    def _refusal(method: str, url: str, refused: urllib.error.HTTPError) -> PaymockError:
        try:
            text = refused.read().decode("utf-8", "replace")
        except OSError:
            text = ""
        error, details = text.strip() or (refused.reason or "no body"), {}
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and "error" in answer:
            error = str(answer["error"])
            if isinstance(answer.get("details"), dict):
                details = answer["details"]
        if refused.code == 401 and not details:
            error += " (set PAYMOCK_ADMIN_TOKEN to the server's --admin-token)"
        return PaymockError(method, url, refused.code, error, details)


class PaymockServer:
    """One running paymock: its base URL, its admin token, and (when the plugin started it)
    its process and log file."""

    def __init__(
        self,
        url: str,
        admin_token: Optional[str] = None,
        process: Any = None,
        log_path: Any = None,
    ) -> None:
        self._control = _ControlPlane(url, admin_token)
        self.url = self._control.url
        self.admin_token = self._control.admin_token
        self.process = process
        self.log_path = log_path

    def __repr__(self) -> str:
        return f"PaymockServer({self.url!r})"

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process is not None else None

    def health(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``GET /__admin/health``: ``{"status": "ok", "version": …}``."""
        return self._control.call("GET", "/__admin/health", timeout=timeout)

    def wait_until_healthy(self, deadline: float) -> None:
        """Polls health until it answers 200, or raises PaymockError once ``deadline``
        (a ``time.monotonic()`` instant) has passed."""
        pause = 0.02
        while True:
            remaining = deadline - time.monotonic()
            try:
                self.health(timeout=max(0.2, min(2.0, remaining)))
                return
            except PaymockError:
                if time.monotonic() + pause >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)

    def namespace(self, name: str) -> "PaymockNamespace":
        """The namespace ``name`` (made from the fixtures on its first use)."""
        return PaymockNamespace(self, name)

    def namespaces(self) -> List[Dict[str, Any]]:
        """``GET /__admin/namespaces``: every namespace with its counts."""
        return self._control.call("GET", "/__admin/namespaces")["namespaces"]

    def delete_namespace(self, name: str, missing_ok: bool = True) -> bool:
        """Drops a namespace with all its state; True if there was one to drop."""
        try:
            self._control.call("DELETE", f"/__admin/ns/{_quote(name)}")
        except PaymockError as error:
            if error.status == 404 and missing_ok:
                return False
            raise
        return True


class PaymockNamespace:
    """One namespace of a paymock: ``url`` is its base URL (``…/ns/{name}``), to give the
    client under test in place of the vendor's; the methods act on this namespace only."""

    def __init__(self, server: PaymockServer, name: str) -> None:
        self.server = server
        self.name = name
        self.url = f"{server.url}/ns/{_quote(name)}"
        self._admin = f"/__admin/ns/{_quote(name)}"
        self._control = server._control

    def __repr__(self) -> str:
        return f"PaymockNamespace({self.name!r}, url={self.url!r})"

    def _call(self, method: str, path: str, body: Any = None, query: Optional[Mapping[str, Any]] = None) -> Any:
        __tracebackhide__ = True
        return self._control.call(method, self._admin + path, body, query)

    # Reading what happened

    def journal(
        self,
        method: Optional[str] = None,
        path: Optional[str] = None,
        status: Optional[int] = None,
        *,
        user: Optional[str] = None,
        outcome: Optional[str] = None,
        limit: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """The requests this namespace received, oldest first (the order they arrived in),
        filtered as the server filters (``path`` may be a glob such as ``/accounts/*``).
        Each is the journal entry (id, namespace, time, method, path, query, user, status,
        dropped, outcome, durationMs, requestBody, responseBody) plus ``body``, the request
        body as journaled (card numbers and CVVs masked). ``limit`` keeps the newest so many."""
        query = {"method": method, "path": path, "status": status, "user": user, "outcome": outcome,
                 "limit": _ALL if limit is None else limit}
        entries = self._call("GET", "/requests", query=query)["requests"]
        return [dict(entry, body=entry.get("requestBody")) for entry in reversed(entries)]

    def received(
        self,
        method: Optional[str] = None,
        path: Optional[str] = None,
        *,
        status: Optional[int] = None,
        user: Optional[str] = None,
        outcome: Optional[str] = None,
    ) -> int:
        """How many requests this namespace received that match (``GET …/requests/count``)."""
        query = {"method": method, "path": path, "status": status, "user": user, "outcome": outcome}
        return int(self._call("GET", "/requests/count", query=query)["count"])

    def clear_journal(self) -> None:
        """Empties this namespace's journal."""
        self._call("DELETE", "/requests")

    def state(self, *, user: Optional[str] = None, account: Optional[Union[str, int]] = None,
              since: Optional[str] = None, limit: Optional[int] = None) -> Dict[str, Any]:
        """``GET …/state``: the clock, Click2Mail users with balances and purchases, Hostway
        accounts, payment methods and payments, and Hostway users; narrowed as asked."""
        query = {"user": user, "account": account, "since": since, "limit": limit}
        return self._call("GET", "/state", query=query)

    # The clock

    def clock(self) -> Dict[str, Any]:
        """``{"now": …, "frozen": …}``."""
        return self._call("GET", "/clock")

    def set_clock(self, when: Union[str, datetime.datetime], frozen: bool = True) -> Dict[str, Any]:
        """Sets this namespace's clock to ``when`` (an RFC 3339 string, or a datetime, a naive
        one taken as UTC): frozen there, or running on from there with ``frozen=False``."""
        return self._call("PUT", "/clock", {"now": _instant(when), "frozen": bool(frozen)})

    def real_clock(self) -> Dict[str, Any]:
        """Puts this namespace back on real time."""
        return self._call("DELETE", "/clock")

    # Faults

    def fault(
        self,
        status: Optional[int] = None,
        delay_ms: Optional[int] = None,
        drop: Union[None, bool, str] = None,
        path: Optional[str] = None,
        times: Optional[int] = None,
        *,
        method: Optional[str] = None,
        user: Optional[str] = None,
        body: Optional[str] = None,
        content_type: Optional[str] = None,
    ) -> int:
        """Adds a fault rule and returns its id. The requests it picks (``path`` a glob such as
        ``/molpro/*``, ``method``, ``user``; all of them when none is given) wait ``delay_ms``,
        then get ``status`` (with ``body`` if given) or have their connection dropped
        (``drop="reset"``, or True for the same; ``drop="empty"`` closes it without a byte).
        ``times`` makes the rule go after so many requests."""
        match = {key: value for key, value in (("method", method), ("path", path), ("user", user))
                 if value is not None}
        if drop is True:
            drop = "reset"
        elif drop is False:
            drop = None
        action = {key: value for key, value in (("status", status), ("delayMs", delay_ms), ("drop", drop),
                                                ("body", body), ("contentType", content_type))
                  if value is not None}
        rule: Dict[str, Any] = {"match": match, "action": action}
        if times is not None:
            rule["times"] = times
        return int(self._call("POST", "/faults", rule)["id"])

    def faults(self) -> List[Dict[str, Any]]:
        """The fault rules in force, each with the ``times`` it has left."""
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        """Removes every fault rule of this namespace."""
        self._call("DELETE", "/faults")

    # State as a whole

    def reset(self) -> None:
        """Empties this namespace and loads the fixtures again; journal, fault rules and clock
        start afresh too (snapshots are kept)."""
        self._call("POST", "/reset")

    def snapshot(self, name: str) -> Dict[str, Any]:
        """Saves this namespace's whole state as ``name``: ``{"name", "createdAt"}``."""
        return self._call("POST", f"/snapshots/{_quote(name)}")

    def restore(self, name: str, into: Optional[str] = None) -> None:
        """Brings back the state saved as ``name``, exactly (into the namespace ``into``
        instead, when given, which clones it there)."""
        self._call("POST", f"/snapshots/{_quote(name)}/restore", query={"into": into})

    def delete(self, missing_ok: bool = True) -> bool:
        """Drops this namespace with all its state and snapshots; the next request that names
        it makes it afresh. True if there was one to drop."""
        return self.server.delete_namespace(self.name, missing_ok=missing_ok)

    # Seeding

    def seed_click2mail_user(self, username: str, password: str, balance: Amount = "0.00") -> Dict[str, Any]:
        """Adds a Click2Mail user: ``{"username", "balance"}``."""
        return self._call("POST", "/click2mail/users",
                          {"username": username, "password": password, "balance": _amount(balance)})

    def set_click2mail_balance(self, username: str, balance: Amount) -> Dict[str, Any]:
        """Sets a Click2Mail user's balance: ``{"username", "balance"}``."""
        return self._call("PUT", f"/click2mail/users/{_quote(username)}/balance", {"balance": _amount(balance)})

    def seed_hostway_account(self, id: Union[str, int], allow_offline: bool = False) -> Dict[str, Any]:
        """Adds a Hostway account: ``{"id", "allowOffline"}``."""
        return self._call("POST", "/hostway/accounts", {"id": str(id), "allowOffline": bool(allow_offline)})

    def seed_hostway_user(
        self,
        username: str,
        password: str,
        roles: Optional[Mapping[Union[str, int], Iterable[str]]] = None,
        sales_agent: bool = False,
    ) -> Dict[str, Any]:
        """Adds a Hostway user, with ``roles`` by account id
        (``{"1001": ["sitecontrol_account_owner"]}``): ``{"username", "salesAgent", "roles"}``."""
        body: Dict[str, Any] = {"username": username, "password": password, "salesAgent": bool(sales_agent)}
        if roles is not None:
            body["roles"] = {str(account): list(names) for account, names in roles.items()}
        return self._call("POST", "/hostway/users", body)


def _amount(value: Amount) -> Union[str, int, float]:
    # paymock reads decimal strings and numbers of at most two decimals exactly; a Decimal goes
    # as its string, which JSON cannot carry otherwise.
    return str(value) if isinstance(value, decimal.Decimal) else value
