"""The paymock_server fixture: which server a session uses, starting and stopping the binary,
and what it says when there is none."""

import os
import socket
import sys
import textwrap
import urllib.error
import urllib.request

import pytest

from pytest_paymock import server as servers

NO_SERVER = ("paymock: no server to test against: set PAYMOCK_URL to a running paymock's base URL "
             "(such as http://127.0.0.1:8080), or PAYMOCK_BIN to the paymock binary (none is on PATH)")


def executable(path, text):
    path.write_text(textwrap.dedent(text).lstrip())
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def closed_port():
    """A port of 127.0.0.1 that refuses connections: bound, never listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def test_the_session_starts_the_binary_on_a_free_port_and_stops_it(suite, run, paymock_bin, monkeypatch):
    monkeypatch.setenv("PAYMOCK_BIN", paymock_bin)
    suite.makepyfile(test_started="""
        import json, os, urllib.request

        def test_the_server_answers(paymock_server, tmp_path_factory):
            with urllib.request.urlopen(paymock_server.url + "/__admin/health") as reply:
                assert json.load(reply)["status"] == "ok"
            assert paymock_server.url.startswith("http://127.0.0.1:")
            assert paymock_server.url != "http://127.0.0.1:8080"
            assert os.path.isfile(paymock_server.log_path)
            assert "listening on " + paymock_server.url in open(paymock_server.log_path).read()
            with open("pid", "w") as out:
                out.write(str(paymock_server.pid))

        def test_one_server_for_the_session(paymock_server):
            with open("pid") as pid:
                assert paymock_server.pid == int(pid.read())
    """)
    result = run("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"paymock: {paymock_bin}, started on a free port for the session"])
    pid = int((suite.path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_with_no_binary_every_test_fails_with_one_line_saying_what_to_set(suite, run, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no paymock on it
    suite.makepyfile(test_nothing="""
        def test_one(paymock):
            pass

        def test_two(paymock_server):
            pass

        def test_without_paymock():
            pass
    """)
    result = run()
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines([NO_SERVER, NO_SERVER, "ERROR test_nothing.py::test_one*"])
    for noise in ("Traceback", "During handling", "def paymock_server"):
        assert noise not in result.stdout.str()


def test_paymock_on_path_is_used(suite, run, paymock_bin, tmp_path, monkeypatch):
    (tmp_path / "paymock").symlink_to(paymock_bin)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    suite.makepyfile(test_path="""
        def test_it(paymock):
            assert paymock.state()["click2mail"]["users"][0]["username"] == "awesomeuser"
    """)
    result = run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"paymock: {tmp_path / 'paymock'}, started on a free port for the session"])


def test_a_paymock_bin_that_cannot_run_is_named(suite, run, tmp_path, monkeypatch):
    monkeypatch.setenv("PAYMOCK_BIN", str(tmp_path / "no-such-paymock"))
    suite.makepyfile(test_it="def test_it(paymock): pass")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*PAYMOCK_BIN={tmp_path / 'no-such-paymock'} is not an executable file*"])


def test_a_binary_that_exits_at_once_fails_the_session_with_its_log(suite, run, monkeypatch):
    binary = executable(suite.path / "broken-paymock", """
        #!/bin/sh
        echo "error: the database is locked" >&2
        exit 3
    """)
    monkeypatch.setenv("PAYMOCK_BIN", binary)
    suite.makepyfile(test_it="def test_it(paymock): pass")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*paymock: {binary} exited with status 3 before listening; its log is *paymock.log:",
                                 "*error: the database is locked"])


def test_a_binary_that_never_listens_fails_by_the_deadline(suite, run, monkeypatch):
    binary = executable(suite.path / "silent-paymock", """
        #!/bin/sh
        echo "starting, slowly"
        exec sleep 60
    """)
    monkeypatch.setenv("PAYMOCK_BIN", binary)
    monkeypatch.setenv("PAYMOCK_START_TIMEOUT", "1")
    suite.makepyfile(test_it="def test_it(paymock): pass")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*paymock: {binary} did not write its address to *address within 1 s; "
                                 "its log is *paymock.log:", "*starting, slowly"])
    assert result.duration < 30


def test_a_server_that_never_answers_health_fails_by_the_deadline(suite, run, closed_port, monkeypatch):
    # Writes an address nothing answers on, as a server that hangs before serving would.
    binary = executable(suite.path / "mute-paymock", f"""
        #!{sys.executable}
        import sys, time
        args = sys.argv[1:]
        with open(args[args.index("--address-file") + 1], "w") as out:
            out.write("127.0.0.1:{closed_port}\\n")
        print("listening, in a way", flush=True)
        time.sleep(60)
    """)
    monkeypatch.setenv("PAYMOCK_BIN", binary)
    monkeypatch.setenv("PAYMOCK_START_TIMEOUT", "1")
    suite.makepyfile(test_it="def test_it(paymock): pass")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*paymock: {binary}, listening on 127.0.0.1:{closed_port}, did not answer "
                                 "GET /__admin/health with 200 within 1 s (*); its log is *paymock.log:",
                                 "*listening, in a way"])


def test_paymock_url_names_a_running_server_and_nothing_is_started(suite, run, paymock_server, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("PAYMOCK_URL", paymock_server.url + "/")
    monkeypatch.setenv("PAYMOCK_BIN", str(tmp_path / "never-run"))
    suite.makepyfile(test_url="""
        import os

        def test_the_server_is_the_one_named(paymock_server, credit):
            assert paymock_server.url == os.environ["PAYMOCK_URL"].rstrip("/")
            assert paymock_server.pid is None and paymock_server.log_path is None
            assert credit.buy("12.34") == "0"
    """)
    result = run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"paymock: {paymock_server.url}/ (PAYMOCK_URL)"])
    users = paymock_server.namespace("main-test_the_server_is_the_one_named").state()["click2mail"]["users"]
    assert users[0]["balance"] == "12.34"
    paymock_server.health()  # still running: the session did not stop it


def test_a_paymock_url_that_does_not_answer_fails_by_the_deadline(suite, run, closed_port, monkeypatch):
    monkeypatch.setenv("PAYMOCK_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("PAYMOCK_START_TIMEOUT", "0.5")
    suite.makepyfile(test_it="def test_it(paymock): pass")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*paymock: PAYMOCK_URL=http://127.0.0.1:{closed_port} did not answer "
                                 "GET /__admin/health with 200 within 0.5 s: *"])


@pytest.fixture(scope="module")
def guarded_server(paymock_bin, tmp_path_factory):
    """A paymock of this module's own, started with --admin-token."""
    started = servers.start(paymock_bin, tmp_path_factory.mktemp("guarded"), "s3cret-token", 10)
    yield started
    servers.stop(started)


def test_paymock_admin_token_is_sent_to_a_server_that_needs_it(suite, run, guarded_server, monkeypatch):
    monkeypatch.setenv("PAYMOCK_URL", guarded_server.url)
    monkeypatch.setenv("PAYMOCK_ADMIN_TOKEN", "s3cret-token")
    suite.makepyfile(test_token="""
        def test_the_control_plane_answers(paymock):
            assert paymock.received() == 0
            paymock.reset()
    """)
    run().assert_outcomes(passed=1)


def test_without_the_token_the_refusal_says_what_to_set(suite, run, guarded_server, monkeypatch):
    monkeypatch.setenv("PAYMOCK_URL", guarded_server.url)
    suite.makepyfile(test_token="def test_it(paymock): pass")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*PaymockError: paymock: DELETE /__admin/ns/main-test_it answered 401: * "
                                 "(set PAYMOCK_ADMIN_TOKEN to the server's --admin-token)"])


def test_a_started_server_is_guarded_by_paymock_admin_token(suite, run, paymock_bin, monkeypatch):
    monkeypatch.setenv("PAYMOCK_BIN", paymock_bin)
    monkeypatch.setenv("PAYMOCK_ADMIN_TOKEN", "another-token")
    suite.makepyfile(test_token="""
        import urllib.error, urllib.request
        import pytest

        def test_the_token_is_required_and_sent(paymock, paymock_server):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(paymock_server.url + "/__admin/state")
            assert refused.value.code == 401
            assert paymock.state()["clock"]["frozen"] is False
    """)
    run().assert_outcomes(passed=1)


def test_the_control_plane_without_a_server_names_the_url(closed_port):
    stopped = servers.PaymockServer(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(servers.PaymockError) as failed:
        stopped.namespace("x").state()
    assert failed.value.status is None
    assert str(failed.value).startswith("paymock: GET /__admin/ns/x/state got no answer: ")
    assert f"is paymock running at http://127.0.0.1:{closed_port}?" in str(failed.value)
