"""The dashboard as a developer meets it: a real paymock, a real browser, API calls made the
way an app under test makes them, and the page expected to follow without a reload."""

import datetime
import os
import re
import shutil

from playwright.sync_api import expect

from conftest import ROOT, SCREENSHOTS

LIVE = 2000  # ms: how soon a change must show, with no reload


def no_reload_marker(page):
    page.evaluate("window.__sameDocument = true")


def still_same_document(page):
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def wait_live(page):
    expect(page.locator("#live")).to_have_text("live")
    expect(page.locator("#views")).to_be_visible()


def test_a_purchase_shows_its_balance_and_journal_row_without_a_reload(paymock, open_page):
    page = open_page(paymock)
    assert page.url.endswith("/__admin/ui/")
    wait_live(page)
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$0.00")
    no_reload_marker(page)

    status, body = paymock.purchase("25.00")
    assert status == 200 and "<status>0</status>" in body, body

    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$25.00", timeout=LIVE)
    row = page.locator("#traffic tr").first
    expect(row).to_contain_text("POST", timeout=LIVE)
    expect(row).to_contain_text("/molpro/credit/purchase")
    expect(row).to_contain_text("200: OK")
    expect(page.locator('[data-user="awesomeuser"] tbody tr').first).to_contain_text("visa …1111")
    still_same_document(page)


def test_a_saved_card_shows_masked_under_its_account_as_the_default(paymock, open_page):
    page = open_page(paymock)
    wait_live(page)
    status, body = paymock.save_card("1001")
    assert status == 201, body
    method = page.locator('[data-account="1001"] [data-method="cc-1"]')
    expect(method).to_contain_text("visa XXXXXXXXXXXX1111, expires 2030-04", timeout=LIVE)
    expect(method.locator(".badge")).to_have_text("default")
    expect(method.get_by_role("link", name="cc-1")).to_have_attribute(
        "href", f"{paymock.url}/accounts/1001/paymentInfo/cc-1"
    )
    # A duplicate is a 409 whose outcome names the method it duplicates.
    assert paymock.save_card("1001")[0] == 409
    expect(page.locator("#traffic tr").first).to_contain_text("409: duplicate of cc-1", timeout=LIVE)
    # The roles of the users.
    expect(page.locator("#hostway")).to_contain_text("1001: sitecontrol_account_owner")


def test_a_fault_rule_added_in_the_form_answers_the_next_request_and_counts_its_hits(paymock, open_page):
    page = open_page(paymock)
    wait_live(page)
    page.get_by_label("Path (glob)").fill("/molpro/credit")
    page.get_by_label("Answer with status").fill("503")
    page.get_by_role("button", name="Add fault rule").click()
    rule = page.locator('[data-fault="1"]')
    expect(rule).to_contain_text("/molpro/credit", timeout=LIVE)
    expect(rule.locator(".hits")).to_have_text("0")

    status, _ = paymock.call("GET", "/molpro/credit", auth=("awesomeuser", "gReAt/PaSsWoRd123"))
    assert status == 503
    expect(rule.locator(".hits")).to_have_text("1", timeout=LIVE)
    paymock.call("GET", "/molpro/credit", auth=("awesomeuser", "gReAt/PaSsWoRd123"))
    expect(rule.locator(".hits")).to_have_text("2", timeout=LIVE)
    expect(page.locator("#traffic tr").first).to_contain_text("fault rule 1: answered 503", timeout=LIVE)

    page.get_by_role("button", name="Remove fault rule 1").click()
    expect(page.locator("#faults")).to_have_text("No fault rules.", timeout=LIVE)
    assert paymock.call("GET", "/molpro/credit", auth=("awesomeuser", "gReAt/PaSsWoRd123"))[0] == 200


def test_a_clock_frozen_in_the_page_declines_a_card_that_expires_this_month(paymock, open_page):
    page = open_page(paymock)
    wait_live(page)
    today = datetime.datetime.now(datetime.timezone.utc)
    # A card good until the end of this month...
    month, year = f"{today.month:02d}", str(today.year)
    assert "<status>0</status>" in paymock.purchase("10.00", month=month, year=year)[1]
    # ...is expired once the clock is frozen a year on.
    later = f"{today.year + 1}-06-15T12:00:00Z"
    page.get_by_label("Time (RFC 3339)").fill(later)
    page.get_by_role("button", name="Freeze at this time").click()
    expect(page.locator("#clock")).to_have_text(f"frozen at {later}", timeout=LIVE)
    expect(page.locator("#clock")).to_have_class(re.compile("frozen"))

    status, body = paymock.purchase("10.00", month=month, year=year)
    assert status == 200 and "<status>2</status>" in body and "expired" in body, body
    row = page.locator("#traffic tr").first
    expect(row).to_contain_text("declined: payment not authorized", timeout=LIVE)
    expect(row).to_contain_text("expired")

    # Back to real time: the clock ticks again.
    page.get_by_role("button", name="Real time").click()
    expect(page.locator("#clock")).to_have_text(re.compile(rf"^clock {today.year}-"), timeout=LIVE)


def test_each_namespace_shows_only_its_own_state(paymock, open_page):
    assert paymock.purchase("40.00", prefix="/ns/alpha")[0] == 200
    page = open_page(paymock)
    wait_live(page)
    picker = page.get_by_label("Namespace")
    expect(picker.locator("option").first).to_have_text("default")
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$0.00")
    expect(page.locator("#traffic tr")).to_have_count(0)

    picker.select_option("alpha")
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$40.00", timeout=LIVE)
    expect(page.locator("#traffic tr")).to_have_count(1)
    # A namespace made while the page is open joins the picker.
    assert paymock.purchase("10.00", prefix="/ns/beta")[0] == 200
    expect(picker.locator("option")).to_have_text(["default", "alpha", "beta"], timeout=LIVE)
    # And what happens in another namespace does not show here.
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$40.00")
    expect(page.locator("#traffic tr")).to_have_count(1)

    picker.select_option("default")
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$0.00", timeout=LIVE)
    expect(page.locator("#traffic tr")).to_have_count(0)


def test_with_an_admin_token_the_page_shows_nothing_until_it_is_given(guarded, open_page):
    assert guarded.purchase("25.00")[0] == 200
    data_seen = []
    page = open_page(guarded, allowed_errors=["401 (Unauthorized)"])
    page.on("response", lambda response: "/__admin/ui/" not in response.url and data_seen.append(response))
    token = page.get_by_label("Token")
    expect(token).to_be_visible()
    expect(page.locator("#views")).to_be_hidden()
    expect(page.locator("body")).not_to_contain_text("awesomeuser")
    assert [response.url for response in data_seen if response.ok] == [], "no data reached the page"

    token.fill("not-the-token")
    page.get_by_role("button", name="Open the dashboard").click()
    expect(page.locator("#token-error")).to_contain_text("not the one")
    expect(page.locator("#views")).to_be_hidden()

    token.fill("s3cret-token")
    page.get_by_role("button", name="Open the dashboard").click()
    wait_live(page)
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$25.00")
    # Kept for the tab: a reload does not ask again.
    page.reload()
    wait_live(page)
    expect(page.locator("#token-form")).to_be_hidden()


def test_a_rows_detail_never_shows_a_card_number_or_a_cvv(paymock, open_page):
    page = open_page(paymock)
    wait_live(page)
    assert paymock.purchase("25.00", number="4111111111111111")[0] == 200
    opener = page.locator("#traffic tr").first.get_by_role("button")
    expect(opener).to_be_visible(timeout=LIVE)
    opener.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    text = dialog.inner_text()
    assert "411111******1111" in text
    assert "billingCvv=***" in text
    assert "Basic ***" in text
    for secret in ["4111111111111111", "billingCvv=123", "gReAt/PaSsWoRd123", "YXdlc29tZXVzZXI6"]:
        assert secret not in text, secret
    curl = page.locator("#detail-curl").inner_text()
    assert curl.startswith(f"curl -X POST '{paymock.url}/molpro/credit/purchase'"), curl
    assert "-u 'awesomeuser:PASSWORD'" in curl
    assert "--data-urlencode 'billingNumber=411111******1111'" in curl
    assert "4111111111111111" not in curl and "gReAt" not in curl
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_everything_works_by_keyboard_alone(paymock, open_page):
    page = open_page(paymock)
    wait_live(page)
    assert paymock.purchase("25.00")[0] == 200
    expect(page.locator("#traffic tr")).to_have_count(1, timeout=LIVE)
    # Tab from the top until the row's button has the focus, then open it with Enter.
    opener = page.locator("#traffic tr").first.get_by_role("button")
    for _ in range(60):
        page.keyboard.press("Tab")
        if opener.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("the row could not be reached with Tab")
    outline = opener.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline not in ("none", ""), "focus is visible"
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    # Every control has a name an accessibility tree can read.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input, select')]
            .filter(e => e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unnamed == []


def test_the_page_reconnects_after_a_server_restart(paymock, open_page):
    page = open_page(paymock, allowed_errors=["ERR_CONNECTION_REFUSED", "ERR_EMPTY_RESPONSE", "ERR_INCOMPLETE_CHUNKED_ENCODING"])
    wait_live(page)
    no_reload_marker(page)
    paymock.restart()
    # The state lives in the database file, so the purchase after the restart adds to it.
    status, body = paymock.purchase("30.00")
    assert status == 200, body
    expect(page.locator("#live")).to_have_text("live", timeout=10000)
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$30.00", timeout=10000)
    assert paymock.purchase("15.00")[0] == 200
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$45.00", timeout=LIVE)
    still_same_document(page)


def test_ten_thousand_entries_are_paged_and_filtered(paymock, open_page):
    # The journal keeps 10,000 by default: fill it with reads over one keep-alive connection.
    import http.client

    connection = http.client.HTTPConnection(paymock.address)
    for index in range(10_000):
        path = "/molpro/credit" if index % 2 else "/accounts/1001/paymentInfo"
        connection.request("GET", path, headers={"Authorization": "Basic YXdlc29tZXVzZXI6Z1JlQXQvUGFTc1dvUmQxMjM="})
        connection.getresponse().read()
    connection.close()
    page = open_page(paymock)
    wait_live(page)
    expect(page.locator("#traffic-count")).to_have_text("10000 of 10000 requests", timeout=10000)
    expect(page.locator("#traffic tr")).to_have_count(100)
    page.get_by_label("Vendor").select_option("hostway")
    expect(page.locator("#traffic-count")).to_have_text("5000 of 10000 requests")
    page.get_by_label("Outcome").select_option("unauthorized")
    expect(page.locator("#traffic-count")).to_have_text("5000 of 10000 requests")
    page.get_by_role("button", name="Older").click()
    expect(page.locator("#page")).to_have_text("101–200")
    page.get_by_label("Status class").select_option("2")
    expect(page.locator("#traffic-count")).to_have_text("0 of 10000 requests")
    expect(page.locator("#traffic tr")).to_have_count(0)


def test_snapshots_reset_and_export_from_the_page(paymock, open_page):
    page = open_page(paymock)
    wait_live(page)
    assert paymock.purchase("25.00")[0] == 200
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$25.00", timeout=LIVE)
    page.get_by_label("Snapshot name").fill("paid")
    page.get_by_role("button", name="Save snapshot").click()
    expect(page.get_by_role("button", name="Restore snapshot paid")).to_be_visible(timeout=LIVE)
    page.get_by_role("button", name="Reset to fixtures").click()
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$0.00", timeout=LIVE)
    expect(page.locator("#traffic tr")).to_have_count(0)
    page.get_by_role("button", name="Restore snapshot paid").click()
    expect(page.locator('[data-balance="awesomeuser"]')).to_have_text("$25.00", timeout=LIVE)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export all namespaces").click()
    assert download.value.suggested_filename == "paymock-export.json"
    assert '"balance": "25.00"' in open(download.value.path()).read().replace('":"', '": "')


def test_the_ui_is_strict_and_small(paymock):
    import urllib.request

    total = 0
    for asset in ["", "app.js", "api.js", "views.js", "style.css"]:
        with urllib.request.urlopen(f"{paymock.url}/__admin/ui/{asset}") as reply:
            policy = reply.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
            assert "unsafe-inline" not in policy
            assert reply.headers["X-Content-Type-Options"] == "nosniff"
            total += len(reply.read())
    assert total < 150_000, total


def populate(paymock):
    paymock.purchase("25.00")
    paymock.purchase("40.00", number="5555555555554444")
    paymock.purchase("15.00")
    paymock.save_card("1001")
    paymock.save_card("1001", "5555555555554444")
    paymock.save_card("1001")
    paymock.call("POST", "/accounts/1001/paymentInfo/cc-1/payment", body={"amount": 12.5}, auth=("acme-owner", "Owner-Pass-1"))
    paymock.call("GET", "/molpro/credit", auth=("awesomeuser", "wrong"))
    paymock.call("POST", "/__admin/faults", body={"match": {"path": "/accounts/1002/*"}, "action": {"status": 503}, "times": 3})
    paymock.call("GET", "/accounts/1002/paymentInfo", auth=("acme-owner", "Owner-Pass-1"))
    paymock.call("POST", "/__admin/snapshots/after-setup")


def test_screenshots_at_desktop_and_phone_widths(paymock, open_page):
    populate(paymock)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in [(1280, 1100), (390, 844)]:
        page = open_page(paymock, width=width, height=height)
        wait_live(page)
        expect(page.locator("#traffic tr")).to_have_count(9, timeout=LIVE)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"the page is {overflow} px wide at {width} px"
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}.png"), full_page=True)
        page.locator("#traffic tr").nth(1).get_by_role("button").click()
        page.screenshot(path=str(SCREENSHOTS / f"detail-{width}.png"))
        page.keyboard.press("Escape")
    # The README's picture is made here: PAYMOCK_UPDATE_README_SCREENSHOT=1 refreshes it.
    if os.environ.get("PAYMOCK_UPDATE_README_SCREENSHOT") == "1":
        shutil.copy(SCREENSHOTS / "dashboard-1280.png", ROOT / "docs" / "dashboard.png")
