"""Finding paymock and starting it on a free port for one test session."""

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import List, Optional

from .client import PaymockError, PaymockServer

__all__ = ["NoPaymock", "StartFailed", "find_binary", "start", "stop", "connect"]

NO_SERVER = (
    "paymock: no server to test against: set PAYMOCK_URL to a running paymock's base URL "
    "(such as http://127.0.0.1:8080), or PAYMOCK_BIN to the paymock binary (none is on PATH)"
)


class NoPaymock(Exception):
    """Neither PAYMOCK_URL, PAYMOCK_BIN nor ``paymock`` on PATH names a server."""


class StartFailed(Exception):
    """The binary did not come up (or the server at PAYMOCK_URL did not answer)."""


def find_binary(environ=None) -> Optional[str]:
    """The binary PAYMOCK_BIN names, else ``paymock`` on PATH, else None. Raises NoPaymock
    when PAYMOCK_BIN names something that cannot be run."""
    environ = os.environ if environ is None else environ
    named = environ.get("PAYMOCK_BIN")
    if named:
        found = shutil.which(named) if os.sep not in named else named
        if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
            raise NoPaymock(
                f"paymock: PAYMOCK_BIN={named} is not an executable file; set it to the paymock binary "
                "(cargo build puts it in target/debug/paymock), or set PAYMOCK_URL to a running paymock"
            )
        return os.path.abspath(found)
    return shutil.which("paymock", path=environ.get("PATH"))


def connect(url: str, admin_token: Optional[str], timeout: float) -> PaymockServer:
    """The server at ``url``, once its health check answers (within ``timeout`` seconds)."""
    server = PaymockServer(url, admin_token)
    try:
        server.wait_until_healthy(time.monotonic() + timeout)
    except PaymockError as error:
        raise StartFailed(
            f"paymock: PAYMOCK_URL={url} did not answer GET /__admin/health with 200 within {timeout:g} s: {error}"
        ) from None
    return server


def _log_tail(log_path: Path, lines: int = 20) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return ""
    tail = text.splitlines()[-lines:]
    return ("\n" + "\n".join("    " + line for line in tail)) if tail else " (empty)"


def start(binary: str, directory: Path, admin_token: Optional[str], timeout: float,
          extra_args: Optional[List[str]] = None) -> PaymockServer:
    """Starts ``binary`` on a free port of 127.0.0.1 with an in-memory database, its log in
    ``directory``/paymock.log, and returns it once it answers its health check. The admin
    token, if any, reaches it through PAYMOCK_ADMIN_TOKEN in its environment."""
    address_file = directory / "address"
    log_path = directory / "paymock.log"
    command = [binary, "--listen", "127.0.0.1:0", "--address-file", str(address_file),
               "--database", ":memory:"] + list(extra_args or [])
    environ = dict(os.environ)
    if admin_token:
        environ["PAYMOCK_ADMIN_TOKEN"] = admin_token
    deadline = time.monotonic() + timeout
    with open(log_path, "wb") as log:
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=environ)
        except OSError as error:
            raise StartFailed(f"paymock: could not run {binary}: {error}") from None
    try:
        address = _wait_for_address(process, address_file, deadline)
        if address is None:
            raise StartFailed(
                f"paymock: {binary} did not write its address to {address_file} within {timeout:g} s; "
                f"its log is {log_path}:{_log_tail(log_path)}")
        server = PaymockServer(f"http://{address}", admin_token, process=process, log_path=log_path)
        try:
            server.wait_until_healthy(deadline)
        except PaymockError as error:
            raise StartFailed(
                f"paymock: {binary}, listening on {address}, did not answer GET /__admin/health with 200 "
                f"within {timeout:g} s ({error}); its log is {log_path}:{_log_tail(log_path)}") from None
    except BaseException:
        _stop_process(process)
        raise
    return server


def _wait_for_address(process: "subprocess.Popen[bytes]", address_file: Path, deadline: float) -> Optional[str]:
    """The address the server wrote (a whole line), or None by the deadline. Raises
    StartFailed at once if the process exits first."""
    pause = 0.01
    while True:
        try:
            text = address_file.read_text()
        except FileNotFoundError:
            text = ""
        if text.endswith("\n") and text.strip():
            return text.strip()
        code = process.poll()
        if code is not None:
            log_path = address_file.parent / "paymock.log"
            raise StartFailed(
                f"paymock: {process.args[0]} exited with status {code} before listening; "
                f"its log is {log_path}:{_log_tail(log_path)}")
        if time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _stop_process(process: "subprocess.Popen[bytes]", timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def stop(server: PaymockServer, timeout: float = 10.0) -> None:
    """Stops a server that ``start`` started: SIGTERM, then SIGKILL if it has not exited
    within ``timeout`` seconds."""
    if server.process is not None:
        _stop_process(server.process, timeout)
