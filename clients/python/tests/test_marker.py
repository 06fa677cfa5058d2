"""@pytest.mark.paymock_clock: a frozen clock for one test."""

import pytest


@pytest.fixture
def with_binary(paymock_bin, monkeypatch):
    monkeypatch.setenv("PAYMOCK_BIN", paymock_bin)


def test_the_marker_freezes_the_tests_clock(suite, run, with_binary):
    suite.makepyfile(test_marked="""
        import datetime
        import pytest

        @pytest.mark.paymock_clock("2031-01-01T00:00:00Z")
        def test_frozen(paymock, credit):
            assert paymock.clock() == {"now": "2031-01-01T00:00:00.000Z", "frozen": True}
            assert credit.buy("15.00") != "0"  # the test card expired at the end of 2030
            assert paymock.journal()[0]["time"] == "2031-01-01T00:00:00.000Z"

        def test_unmarked_runs_on_real_time(paymock, credit):
            assert paymock.clock()["frozen"] is False
            assert credit.buy("15.00") == "0"

        @pytest.mark.paymock_clock(datetime.datetime(2030, 6, 1, tzinfo=datetime.timezone.utc), frozen=False)
        def test_running_from_an_instant(paymock):
            clock = paymock.clock()
            assert clock["frozen"] is False and clock["now"].startswith("2030-06-01T00:00:")

        @pytest.mark.paymock_clock("2029-02-03T04:05:06Z")
        class TestAClass:
            def test_one(self, paymock):
                assert paymock.clock()["now"] == "2029-02-03T04:05:06.000Z"

            @pytest.mark.paymock_clock("2032-01-01T00:00:00Z")
            def test_the_closest_marker_wins(self, paymock):
                assert paymock.clock()["now"] == "2032-01-01T00:00:00.000Z"
    """)
    run("--strict-markers").assert_outcomes(passed=5)


def test_the_marker_is_registered(suite, run):
    result = run("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.paymock_clock(when, frozen=True): set the clock of the test's paymock *"])


def test_the_marker_on_a_test_without_the_fixture_says_so(suite, run, with_binary):
    suite.makepyfile(test_misused="""
        import pytest

        @pytest.mark.paymock_clock("2031-01-01T00:00:00Z")
        def test_no_fixture():
            pass
    """)
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*paymock: @pytest.mark.paymock_clock sets the clock of the test's paymock "
                                 "namespace; the test must use the paymock fixture"])


def test_a_marker_without_an_instant_says_how_to_use_it(suite, run, with_binary):
    suite.makepyfile(test_misused="""
        import pytest

        @pytest.mark.paymock_clock
        def test_no_instant(paymock):
            pass
    """)
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*paymock: use @pytest.mark.paymock_clock(when, frozen=True), with `when` such as "
                                 "'2031-01-01T00:00:00Z'"])


def test_a_bad_instant_fails_with_the_servers_words(suite, run, with_binary):
    suite.makepyfile(test_misused="""
        import pytest

        @pytest.mark.paymock_clock("2031-02-30T00:00:00Z")
        def test_no_such_day(paymock):
            pass
    """)
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*PaymockError: paymock: PUT /__admin/ns/main-test_no_such_day/clock answered 400: "
                                 "*(now: must be an RFC 3339 time that can happen*"])
