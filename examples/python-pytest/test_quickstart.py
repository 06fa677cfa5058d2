import pytest
import requests

BUYER = ("awesomeuser", "gReAt/PaSsWoRd123")
FORM = {"billingName": "Awesome User", "billingAddress1": "221B Baker St", "billingCity": "Springfield",
        "billingState": "MO", "billingZip": "34567", "billingNumber": "4111111111111111",
        "billingMonth": "12", "billingYear": "2030", "billingCvv": "123", "billingCcType": "VI"}


def buy_credit(base_url, amount):
    """Stands in for the code under test: your client, given paymock.url as its base URL."""
    return requests.post(f"{base_url}/molpro/credit/purchase", data={**FORM, "billingAmount": amount}, auth=BUYER)


@pytest.mark.parametrize("amount", ["30.00", "31.50", "32.99"])
def test_a_purchase_is_the_whole_balance(paymock, amount):
    assert "<status>0</status>" in buy_credit(paymock.url, amount).text
    assert f"<balance>{amount}</balance>" in requests.get(f"{paymock.url}/molpro/credit", auth=BUYER).text
    assert paymock.received("POST", "/molpro/credit/purchase") == 1


def test_a_503_and_then_a_purchase(paymock):
    paymock.fault(status=503, path="/molpro/credit/purchase", times=1)
    assert buy_credit(paymock.url, "33.00").status_code == 503
    assert buy_credit(paymock.url, "33.00").status_code == 200
    assert [entry["status"] for entry in paymock.journal()] == [503, 200]


@pytest.mark.paymock_clock("2031-01-01T00:00:00Z")
def test_the_test_card_has_expired_by_2031(paymock):
    assert "<status>2</status>" in buy_credit(paymock.url, "34.00").text
    assert paymock.state()["click2mail"]["users"][0]["balance"] == "0.00"
