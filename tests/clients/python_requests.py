"""Python requests. Click2Mail: the purchase's parameters as data= (a form body), as params=
(the query string of a POST with no body), or as files= (multipart/form-data, each part
(None, value), i.e. a plain field). Hostway: json= (requests sets application/json).

    python3 python_requests.py BASE_URL click2mail data=|params=|files=
    python3 python_requests.py BASE_URL hostway json=

Seeds its own user (and account) through the control plane, with requests. Prints nothing and
exits 0 when the journey passes; otherwise its last line says what went wrong.
"""

import re
import sys
import uuid

import requests

FORM = {"billingName": "Awesome User", "billingAddress1": "221B Baker St", "billingCity": "Springfield",
        "billingState": "MO", "billingZip": "34567", "billingAmount": "10.00", "billingMonth": "12",
        "billingYear": "2030", "billingCvv": "123", "billingCcType": "VI"}
CARD = {"paymentInfoType": "credit_card", "accountNumber": "4111111111111111", "cardHolderName": "John Smith",
        "verificationNumber": "123", "creditCardType": "visa", "expirationDate": "2030-4",
        "billingAddress": {"street1": "1 Main St", "city": "Chicago", "postalCode": "60606", "countryCode": "US"}}
TIMEOUT = 20


class Failed(Exception):
    pass


def expect(what, reply, http, *texts):
    """The reply has that HTTP status, and its body holds each text."""
    if reply.status_code != http:
        raise Failed(f"{what}: HTTP {reply.status_code}, expected {http}: {reply.text}")
    for text in texts:
        if text not in reply.text:
            raise Failed(f"{what}: no {text} in {reply.text}")


def admin(base, path, body):
    expect(f"seeding {path}", requests.post(f"{base}/__admin/{path}", json=body, timeout=TIMEOUT), 201)


def click2mail(base, variant, tag):
    user, password = f"c2m-requests-{tag}", f"pw-{tag}"
    admin(base, "click2mail/users", {"username": user, "password": password})

    def purchase(password, card):
        url, form = f"{base}/molpro/credit/purchase", {**FORM, "billingNumber": card}
        sent = {"data=": {"data": form}, "params=": {"params": form},
                "files=": {"files": {name: (None, value) for name, value in form.items()}}}[variant]
        return requests.post(url, **sent, auth=(user, password), timeout=TIMEOUT)

    def balance():
        return requests.get(f"{base}/molpro/credit", auth=(user, password), timeout=TIMEOUT)

    expect("balance before", balance(), 200, "<status>0</status>", "<balance>0.00</balance>")
    expect("purchase with 4111111111111111", purchase(password, "4111111111111111"), 200,
           "<status>0</status>", "<description>Success</description>")
    expect("balance after the purchase", balance(), 200, "<balance>10.00</balance>")
    expect("purchase with 4000000000000002", purchase(password, "4000000000000002"), 200,
           "<status>2</status>", "<description>payment not authorized: card declined</description>")
    expect("purchase with a wrong password", purchase(f"wrong-{password}", "4111111111111111"), 401,
           "<status>1</status>", "<description>Authentication failed")
    expect("balance at the end", balance(), 200, "<balance>10.00</balance>")


def hostway(base, tag):
    account, owner, password = f"acct-requests-{tag}", f"owner-requests-{tag}", f"pw-{tag}"
    admin(base, "hostway/accounts", {"id": account})
    admin(base, "hostway/users", {"username": owner, "password": password,
                                  "roles": {account: ["sitecontrol_account_owner"]}})
    methods, auth = f"{base}/accounts/{account}/paymentInfo", (owner, password)

    saved = requests.post(methods, json=CARD, auth=auth, timeout=TIMEOUT)
    expect("saving the card", saved, 201)
    location = saved.headers.get("Location", "")
    found = re.search(rf"/accounts/{re.escape(account)}/paymentInfo/(cc-\d+)$", location)
    if not found:
        raise Failed(f"saving the card: Location is {location!r}")

    listed = requests.get(methods, auth=auth, timeout=TIMEOUT)
    expect("listing the methods", listed, 200)
    got = [(m["paymentInfoType"], m["accountNumber"], m["default"], m["links"][0]["href"])
           for m in listed.json()["list"]]
    if got != [("credit_card", "XXXXXXXXXXXX1111", 1, location)]:
        raise Failed(f"listing the methods: expected one default credit_card XXXXXXXXXXXX1111 at {location}: "
                     f"{listed.text}")

    paid = requests.post(f"{methods}/{found[1]}/payment", json={"amount": 25.50}, auth=auth, timeout=TIMEOUT)
    expect("paying 25.50", paid, 204)
    if paid.content:
        raise Failed(f"paying 25.50: expected an empty body: {paid.text}")


def main(base, journey, variant=""):
    tag = uuid.uuid4().hex[:16]
    if journey == "click2mail":
        click2mail(base, variant, tag)
    elif journey == "hostway":
        hostway(base, tag)
    else:
        raise Failed(f"unknown journey {journey}")


if __name__ == "__main__":
    try:
        main(*sys.argv[1:])
    except Exception as error:  # noqa: BLE001 - any error is the journey's failure, told in one line
        print(error if isinstance(error, Failed) else f"{type(error).__name__}: {error}")
        sys.exit(1)
