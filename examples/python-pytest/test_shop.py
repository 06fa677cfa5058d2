"""The shop's credit purchases, each test against a paymock namespace of its own.

Run with `pytest -n 4`: the tests run at once against one paymock (PAYMOCK_URL) or one per
worker (PAYMOCK_BIN), and each still sees only its own purchases. Every test buys an amount
no other test buys, and checks that its balance is exactly that and that paymock received
only its own requests.
"""

from decimal import Decimal

import pytest

from shop import AuthenticationFailed, BillingAddress, Card, CreditShop, PaymentDeclined, ShopError

# Paymock's fixture user and test cards.
BUYER = ("awesomeuser", "gReAt/PaSsWoRd123")
VISA = Card(number="4111111111111111", month="12", year="2030", cvv="123")
DECLINED_VISA = Card(number="4000000000000002", month="12", year="2030", cvv="123")
HOME = BillingAddress(name="Awesome User", street="221B Baker St", city="Springfield", state="MO", zip="34567")

PURCHASE = "/molpro/credit/purchase"
BALANCE = "/molpro/credit"


@pytest.fixture
def shop(paymock):
    """The shop, pointed at this test's own paymock namespace."""
    return CreditShop(paymock.url, *BUYER)


@pytest.mark.parametrize("amount", ["10.00", "10.01", "12.34", "19.99", "25.00", "50.50", "99.99", "123.45"])
def test_a_purchase_is_the_whole_balance(shop, paymock, amount):
    receipt = shop.buy(amount, VISA, HOME)

    assert receipt.amount == Decimal(amount) and receipt.description == "Success"
    assert shop.balance() == Decimal(amount)
    assert paymock.received("POST", PURCHASE) == 1
    assert paymock.received() == 2
    [sent] = paymock.journal(method="POST", path=PURCHASE)
    assert f"billingAmount={amount}" in sent["body"]
    assert "billingNumber=411111******1111" in sent["body"]  # paymock masks what it keeps


@pytest.mark.parametrize("amounts, total", [(["11.00", "22.00"], "33.00"), (["13.13", "14.14", "15.15"], "42.42")])
def test_purchases_add_up(shop, paymock, amounts, total):
    for amount in amounts:
        shop.buy(amount, VISA, HOME)

    assert shop.balance() == Decimal(total)
    assert paymock.received("POST", PURCHASE) == len(amounts)
    [buyer] = paymock.state()["click2mail"]["users"]
    assert [purchase["amount"] for purchase in buyer["purchases"]] == amounts


def test_a_declined_card_buys_nothing(shop, paymock):
    with pytest.raises(PaymentDeclined, match="card declined"):
        shop.buy("16.00", DECLINED_VISA, HOME)

    assert shop.balance() == Decimal("0.00")
    assert paymock.received("POST", PURCHASE) == 1
    assert paymock.journal(path=PURCHASE)[0]["outcome"] == "declined"


@pytest.mark.paymock_clock("2031-01-01T00:00:00Z")
def test_a_card_that_expired_at_the_end_of_2030_is_declined_in_2031(shop, paymock):
    with pytest.raises(PaymentDeclined):
        shop.buy("17.00", VISA, HOME)

    assert shop.balance() == Decimal("0.00")
    assert paymock.journal(path=PURCHASE)[0]["time"] == "2031-01-01T00:00:00.000Z"


def test_a_balance_read_is_retried_after_503s(shop, paymock):
    shop.buy("18.00", VISA, HOME)
    paymock.fault(status=503, path=BALANCE, times=2)

    assert shop.balance() == Decimal("18.00")
    assert [entry["status"] for entry in paymock.journal(path=BALANCE)] == [503, 503, 200]


def test_a_balance_read_gives_up_after_its_retries(shop, paymock):
    shop.buy("20.20", VISA, HOME)
    paymock.fault(status=503, path=BALANCE)

    with pytest.raises(ShopError, match="after 3 attempts"):
        shop.balance()
    assert paymock.received("GET", BALANCE) == 3
    assert paymock.state()["click2mail"]["users"][0]["balance"] == "20.20"


def test_a_purchase_is_never_retried_when_its_connection_drops(shop, paymock):
    paymock.fault(drop="reset", path=PURCHASE, times=1)

    with pytest.raises(ShopError):
        shop.buy("21.21", VISA, HOME)
    assert paymock.received("POST", PURCHASE) == 1
    assert shop.balance() == Decimal("0.00")


def test_a_slow_balance_read_times_out(shop, paymock):
    shop.buy("23.23", VISA, HOME)
    paymock.fault(delay_ms=2000, path=BALANCE, times=1)
    impatient = CreditShop(paymock.url, *BUYER, timeout=0.5, retries=0)

    with pytest.raises(ShopError, match="after 1 attempts"):
        impatient.balance()
    assert shop.balance() == Decimal("23.23")


def test_a_seeded_customer_starts_with_credit(paymock):
    paymock.seed_click2mail_user("shop-customer", "pw", balance="100.00")
    shop = CreditShop(paymock.url, "shop-customer", "pw")

    shop.buy("24.24", VISA, HOME)

    assert shop.balance() == Decimal("124.24")
    assert paymock.received(user="shop-customer") == 2
    assert paymock.received(user="awesomeuser") == 0


def test_wrong_credentials_are_refused(paymock):
    shop = CreditShop(paymock.url, "awesomeuser", "not-the-password")

    with pytest.raises(AuthenticationFailed):
        shop.buy("26.26", VISA, HOME)
    assert paymock.journal()[0]["outcome"] == "unauthorized"
    assert paymock.state()["click2mail"]["users"][0]["balance"] == "0.00"


def test_a_snapshot_puts_the_balance_back(shop, paymock):
    shop.buy("27.27", VISA, HOME)
    paymock.snapshot("after-first-purchase")
    shop.buy("28.28", VISA, HOME)
    assert shop.balance() == Decimal("55.55")

    paymock.restore("after-first-purchase")

    assert shop.balance() == Decimal("27.27")
    assert paymock.received("POST", PURCHASE) == 2
