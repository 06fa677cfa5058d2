"""The paymock fixture: a namespace of each test's own, and what it offers, against the real
server."""

import pytest


@pytest.fixture
def with_binary(paymock_bin, monkeypatch):
    monkeypatch.setenv("PAYMOCK_BIN", paymock_bin)


def test_each_test_gets_a_namespace_named_after_the_worker_and_the_test(suite, run, with_binary):
    suite.makepyfile(test_names="""
        import pytest

        def test_plain(paymock, paymock_server):
            assert paymock.name == "main-test_plain"
            assert paymock.url == paymock_server.url + "/ns/main-test_plain"

        @pytest.mark.parametrize("amount", ["10.00", "a b/c"])
        def test_parametrised(paymock, amount):
            assert paymock.name == {"10.00": "main-test_parametrised-10.00",
                                    "a b/c": "main-test_parametrised-a-b-c"}[amount]

        @pytest.mark.parametrize("n", [1, 2])
        def test_a_very_long_name_that_goes_on_and_on_past_what_a_namespace_may_hold_in_all(paymock, n):
            assert len(paymock.name) == 64
            assert paymock.name.startswith("main-test_a_very_long_name")
            with open(f"name-{n}", "w") as out:
                out.write(paymock.name)
    """)
    run().assert_outcomes(passed=5)
    assert (suite.path / "name-1").read_text() != (suite.path / "name-2").read_text()


def test_a_namespace_starts_from_the_fixtures_and_sees_no_other_test(suite, run, with_binary):
    suite.makepyfile(test_fresh="""
        import pytest

        @pytest.mark.parametrize("amount", ["10.00", "20.00", "30.00"])
        def test_a_purchase_is_the_whole_balance(paymock, credit, amount):
            assert credit.balance() == "0.00"
            assert credit.buy(amount) == "0"
            assert credit.balance() == amount
            assert paymock.received("POST", "/molpro/credit/purchase") == 1
    """)
    run().assert_outcomes(passed=3)


def test_a_second_run_against_the_same_server_starts_fresh(suite, run, paymock_server, monkeypatch):
    monkeypatch.setenv("PAYMOCK_URL", paymock_server.url)
    suite.makepyfile(test_rerun="""
        def test_buys_once(paymock, credit):
            assert credit.buy("10.00") == "0"
            assert credit.balance() == "10.00"
            assert paymock.received() == 2
    """)
    run().assert_outcomes(passed=1)
    run().assert_outcomes(passed=1)
    # Left in place afterwards, to be looked at.
    assert paymock_server.namespace("main-test_buys_once").received() == 2


def test_pytest_xdist_workers_name_their_namespaces(suite, run, paymock_server, monkeypatch):
    pytest.importorskip("xdist")
    monkeypatch.setenv("PAYMOCK_URL", paymock_server.url)
    suite.makepyfile(test_workers="""
        import os
        import re
        import pytest

        @pytest.mark.parametrize("amount", ["11.00", "12.00", "13.00", "14.00", "15.00", "16.00"])
        def test_buy(paymock, credit, worker_id, amount):
            assert worker_id.startswith("gw")
            assert paymock.name == f"{worker_id}-test_buy-{amount}"
            assert credit.buy(amount) == "0"
            assert credit.balance() == amount
    """)
    run("-n", "2").assert_outcomes(passed=6)
    names = {entry["name"] for entry in paymock_server.namespaces()}
    for amount in ["11.00", "12.00", "13.00", "14.00", "15.00", "16.00"]:
        assert f"gw0-test_buy-{amount}" in names or f"gw1-test_buy-{amount}" in names


def test_paymock_namespace_prefix_keeps_suites_sharing_a_server_apart(suite, run, paymock_server, monkeypatch):
    monkeypatch.setenv("PAYMOCK_URL", paymock_server.url)
    monkeypatch.setenv("PAYMOCK_NAMESPACE_PREFIX", "job 42")
    suite.makepyfile(test_prefix="""
        def test_it(paymock):
            assert paymock.name == "job-42-main-test_it"
    """)
    run().assert_outcomes(passed=1)


def test_the_journal_and_the_counts(suite, run, with_binary):
    suite.makepyfile(test_journal="""
        def test_journal_is_oldest_first_with_the_request_body(paymock, credit):
            credit.buy("10.00")
            credit.balance()
            credit.buy("12.50")
            journal = paymock.journal()
            assert [(e["method"], e["path"], e["status"]) for e in journal] == [
                ("POST", "/molpro/credit/purchase", 200),
                ("GET", "/molpro/credit", 200),
                ("POST", "/molpro/credit/purchase", 200)]
            first = journal[0]
            assert "billingAmount=10.00" in first["body"] and first["body"] == first["requestBody"]
            assert "billingNumber=411111******1111" in first["body"] and "billingCvv=***" in first["body"]
            for field in ("id", "namespace", "time", "query", "user", "dropped", "outcome", "durationMs",
                          "responseBody"):
                assert field in first
            assert first["namespace"] == paymock.name and first["user"] == "awesomeuser"
            assert first["outcome"] == "ok"

        def test_journal_filters(paymock, credit):
            credit.buy("11.00")
            credit.balance()
            assert [e["method"] for e in paymock.journal(method="GET")] == ["GET"]
            assert len(paymock.journal(path="/molpro/credit/purchase")) == 1
            assert len(paymock.journal(path="/molpro/*")) == 2
            assert len(paymock.journal(status=200)) == 2
            assert paymock.journal(status=503) == []
            assert len(paymock.journal(limit=1)) == 1 and paymock.journal(limit=1)[0]["method"] == "GET"

        def test_received_counts(paymock, credit):
            assert paymock.received() == 0
            credit.buy("11.00")
            credit.buy("12.00")
            credit.balance()
            assert paymock.received("POST", "/molpro/credit/purchase") == 2
            assert paymock.received("GET", "/molpro/credit") == 1
            assert paymock.received(path="/molpro/*") == 3
            assert paymock.received() == 3
            assert paymock.received(status=200, user="awesomeuser") == 3
            paymock.clear_journal()
            assert paymock.received() == 0

        def test_state(paymock, credit):
            credit.buy("17.00")
            state = paymock.state()
            assert state["clock"]["frozen"] is False
            [user] = state["click2mail"]["users"]
            assert user["username"] == "awesomeuser" and user["balance"] == "17.00"
            assert [p["amount"] for p in user["purchases"]] == ["17.00"]
            assert [a["id"] for a in state["hostway"]["accounts"]] == ["1001", "1002"]
            assert [a["id"] for a in paymock.state(account=1002)["hostway"]["accounts"]] == ["1002"]
    """)
    run().assert_outcomes(passed=4)


def test_the_clock(suite, run, with_binary):
    suite.makepyfile(test_clock="""
        import datetime

        def test_set_clock_freezes_it_by_default(paymock):
            assert paymock.set_clock("2031-01-01T00:00:00Z") == {"now": "2031-01-01T00:00:00.000Z", "frozen": True}
            assert paymock.clock() == {"now": "2031-01-01T00:00:00.000Z", "frozen": True}
            assert paymock.state()["clock"]["now"] == "2031-01-01T00:00:00.000Z"

        def test_set_clock_takes_a_datetime(paymock):
            plus_two = datetime.timezone(datetime.timedelta(hours=2))
            assert paymock.set_clock(datetime.datetime(2031, 1, 1, 2, 0, tzinfo=plus_two))["now"] == \\
                "2031-01-01T00:00:00.000Z"
            assert paymock.set_clock(datetime.datetime(2031, 6, 1, 12, 30))["now"] == "2031-06-01T12:30:00.000Z"

        def test_a_running_clock(paymock):
            assert paymock.set_clock("2031-01-01T00:00:00Z", frozen=False)["frozen"] is False
            assert paymock.clock()["now"].startswith("2031-01-01T00:00:")
            assert paymock.real_clock()["frozen"] is False
            assert not paymock.clock()["now"].startswith("2031")

        def test_an_expired_card_is_declined_at_a_later_instant(paymock, credit):
            paymock.set_clock("2031-01-01T00:00:00Z")
            assert credit.buy("15.00") != "0"
            assert credit.balance() == "0.00"
            assert paymock.journal(path="/molpro/credit/purchase")[0]["time"] == "2031-01-01T00:00:00.000Z"
    """)
    run().assert_outcomes(passed=4)


def test_faults(suite, run, with_binary):
    suite.makepyfile(test_faults="""
        import time
        import urllib.error
        import pytest

        def test_a_status_for_some_requests(paymock, credit):
            rule = paymock.fault(status=503, path="/molpro/credit", times=2)
            assert isinstance(rule, int)
            assert paymock.faults() == [{"id": rule, "match": {"path": "/molpro/credit"},
                                         "action": {"status": 503}, "times": 2, "hits": 0}]
            for _ in range(2):
                with pytest.raises(urllib.error.HTTPError) as failed:
                    credit.balance()
                assert failed.value.code == 503
            assert credit.balance() == "0.00"
            assert paymock.faults() == []
            assert [e["outcome"] for e in paymock.journal()] == ["fault", "fault", "ok"]

        def test_a_delay(paymock, credit):
            paymock.fault(delay_ms=300, path="/molpro/credit")
            started = time.monotonic()
            assert credit.balance() == "0.00"
            assert time.monotonic() - started >= 0.3

        @pytest.mark.parametrize("drop", [True, "reset", "empty"])
        def test_a_dropped_connection(paymock, credit, drop):
            paymock.fault(drop=drop, times=1)
            with pytest.raises(Exception):
                credit.balance()
            [entry] = paymock.journal()
            assert entry["status"] == 0 and entry["dropped"] == ("reset" if drop is True else drop)
            assert credit.balance() == "0.00"

        def test_a_rule_by_method_and_user_and_clear_faults(paymock, credit):
            paymock.fault(status=500, method="POST", user="someone-else")
            assert credit.buy("11.00") == "0"
            paymock.clear_faults()
            assert paymock.faults() == []

        def test_a_refused_rule_raises_with_the_servers_words(paymock):
            from pytest_paymock import PaymockError
            with pytest.raises(PaymockError) as refused:
                paymock.fault(status=503, drop="reset")
            assert refused.value.status == 400
            assert str(refused.value).startswith(
                f"paymock: POST /__admin/ns/{paymock.name}/faults answered 400: ")
    """)
    run().assert_outcomes(passed=7)


def test_reset_snapshots_and_seeding(suite, run, with_binary):
    suite.makepyfile(test_state="""
        import pytest
        from pytest_paymock import PaymockError

        def test_reset(paymock, credit):
            credit.buy("19.00")
            paymock.set_clock("2031-01-01T00:00:00Z")
            paymock.fault(status=500, path="/nowhere")
            paymock.reset()
            assert credit.balance() == "0.00"
            assert paymock.clock()["frozen"] is False
            assert paymock.faults() == []
            assert paymock.received() == 1

        def test_snapshot_and_restore(paymock, credit):
            credit.buy("14.00")
            saved = paymock.snapshot("first-purchase")
            assert saved["name"] == "first-purchase" and "createdAt" in saved
            credit.buy("16.00")
            assert credit.balance() == "30.00"
            assert paymock.restore("first-purchase") is None
            assert credit.balance() == "14.00"

        def test_restore_into_another_namespace(paymock, paymock_server, credit):
            credit.buy("13.00")
            paymock.snapshot("thirteen")
            other = paymock_server.namespace(paymock.name + "-clone")
            other.delete()
            paymock.restore("thirteen", into=other.name)
            assert other.state()["click2mail"]["users"][0]["balance"] == "13.00"
            assert other.delete() is True and other.delete() is False

        def test_restoring_a_missing_snapshot_raises(paymock):
            with pytest.raises(PaymockError) as missing:
                paymock.restore("never-saved")
            assert missing.value.status == 404
            assert "answered 404: There is no snapshot named never-saved." in str(missing.value)

        def test_seed_a_click2mail_user(paymock):
            from conftest import Credit
            assert paymock.seed_click2mail_user("buyer", "pw", balance="25.00") == {
                "username": "buyer", "balance": "25.00"}
            assert paymock.seed_click2mail_user("other", "pw") == {"username": "other", "balance": "0.00"}
            buyer = Credit(paymock.url, "buyer", "pw")
            assert buyer.balance() == "25.00"
            assert buyer.buy("15.00") == "0" and buyer.balance() == "40.00"
            assert paymock.set_click2mail_balance("buyer", 1) == {"username": "buyer", "balance": "1.00"}

        def test_seed_hostway(paymock):
            assert paymock.seed_hostway_account(42) == {"id": "42", "allowOffline": False}
            assert paymock.seed_hostway_account("43", allow_offline=True) == {"id": "43", "allowOffline": True}
            assert paymock.seed_hostway_user("owner", "pw", roles={42: ["sitecontrol_account_owner"]}) == {
                "username": "owner", "salesAgent": False, "roles": {"42": ["sitecontrol_account_owner"]}}
            assert paymock.seed_hostway_user("agent", "pw", sales_agent=True) == {
                "username": "agent", "salesAgent": True, "roles": {}}
            users = {u["username"]: u for u in paymock.state()["hostway"]["users"]}
            assert users["owner"]["roles"] == {"42": ["sitecontrol_account_owner"]}
            assert users["agent"]["salesAgent"] is True

        def test_seeding_errors_carry_status_and_the_servers_text(paymock):
            with pytest.raises(PaymockError) as conflict:
                paymock.seed_hostway_account(1001)
            assert conflict.value.status == 409
            assert str(conflict.value) == (
                "paymock: POST /__admin/ns/main-test_seeding_errors_carry_status_and_the_servers_text"
                "/hostway/accounts answered 409: Hostway account 1001 already exists.")
            with pytest.raises(PaymockError) as bad:
                paymock.seed_hostway_user("x", "pw", roles={"9999": ["sitecontrol_account_owner"]})
            assert bad.value.status == 400 and bad.value.details
            assert "roles" in str(bad.value)
    """)
    run().assert_outcomes(passed=7)


def test_a_failed_test_reports_its_namespace_and_requests(suite, run, with_binary):
    suite.makepyfile(test_report="""
        def test_fails(paymock, credit):
            credit.buy("18.00")
            assert credit.balance() == "19.00"

        def test_fails_without_requests(paymock):
            assert False
    """)
    result = run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*- paymock -*",
        "namespace main-test_fails at http://127.0.0.1:*/ns/main-test_fails",
        "the requests it received, oldest first:",
        "  *Z POST /molpro/credit/purchase -> 200 ok (user awesomeuser)",
        "  *Z GET /molpro/credit -> 200 ok (user awesomeuser)",
    ])
    result.stdout.fnmatch_lines(["namespace main-test_fails_without_requests at *",
                                 "its journal is empty: it received no request"])
