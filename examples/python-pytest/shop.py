"""A made-up shop's postage-credit client: it tops up a Click2Mail MOL Pro account with a card
and reads the balance back. This is the code under test in test_shop.py; in production its
base URL is Click2Mail's, in the tests a paymock namespace's.

Purchases are never retried (a retried purchase could charge twice); balance reads are, on a
5xx or a dropped connection, up to ``retries`` more times.
"""

import base64
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Union


class ShopError(Exception):
    """Click2Mail could not be reached, or answered something the shop cannot use."""


class AuthenticationFailed(ShopError):
    """Click2Mail refused the shop's credentials."""


class PaymentDeclined(ShopError):
    """Click2Mail declined the card; nothing was bought."""


@dataclass(frozen=True)
class Card:
    number: str
    month: str
    year: str
    cvv: str
    cc_type: str = "VI"


@dataclass(frozen=True)
class BillingAddress:
    name: str
    street: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class Receipt:
    amount: Decimal
    description: str


class CreditShop:
    def __init__(self, base_url: str, username: str, password: str, timeout: float = 5.0, retries: int = 2) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._authorization = f"Basic {token}"
        self.timeout = timeout
        self.retries = retries
        # Straight to the API, whatever proxy the environment names.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def buy(self, amount: Union[str, Decimal], card: Card, billing: BillingAddress) -> Receipt:
        """Buys ``amount`` of credit with ``card``, once."""
        amount = Decimal(amount).quantize(Decimal("0.01"))
        form = {
            "billingName": billing.name, "billingAddress1": billing.street, "billingCity": billing.city,
            "billingState": billing.state, "billingZip": billing.zip, "billingAmount": str(amount),
            "billingNumber": card.number, "billingMonth": card.month, "billingYear": card.year,
            "billingCvv": card.cvv, "billingCcType": card.cc_type,
        }
        credit = self._send("POST", "/molpro/credit/purchase", urllib.parse.urlencode(form).encode())
        status, description = credit.findtext("status"), credit.findtext("description") or ""
        if status == "0":
            return Receipt(amount, description)
        if status == "2":
            raise PaymentDeclined(description)
        raise ShopError(f"Click2Mail answered status {status}: {description}")

    def balance(self) -> Decimal:
        """The account's credit, retried on a 5xx or a dropped connection."""
        attempt = 0
        while True:
            try:
                credit = self._send("GET", "/molpro/credit")
                return Decimal(credit.findtext("balance") or "")
            except _Transient as error:
                attempt += 1
                if attempt > self.retries:
                    raise ShopError(f"Click2Mail did not answer after {attempt} attempts: {error}") from None

    def _send(self, method: str, path: str, data: Optional[bytes] = None) -> ElementTree.Element:
        headers = {"Authorization": self._authorization, "Accept": "application/xml"}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return ElementTree.fromstring(reply.read())
        except urllib.error.HTTPError as refused:
            body = refused.read()
            if refused.code == 401:
                raise AuthenticationFailed(_description(body) or "authentication failed") from None
            if refused.code >= 500:
                raise _Transient(f"HTTP {refused.code}") from None
            raise ShopError(f"HTTP {refused.code}: {_description(body)}") from None
        except (urllib.error.URLError, OSError) as failed:
            raise _Transient(str(getattr(failed, "reason", failed))) from None


class _Transient(ShopError):
    """A failure worth another try, for a read."""


def _description(body: bytes) -> str:
    try:
        return ElementTree.fromstring(body).findtext("description") or ""
    except ElementTree.ParseError:
        return body.decode("utf-8", "replace")
