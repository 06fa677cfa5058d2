"""paymock's image under testcontainers-python (the optional extra ``testcontainers``:
``pip install "./clients/python[testcontainers]"``).

``PaymockContainer`` starts the image, waits until ``GET /__admin/health`` answers (rather than
for Docker's health status, which podman without systemd never updates), and gives the URL and
the control plane's helpers, a namespace per test::

    with PaymockContainer("paymock:latest") as container:
        ns = container.server().namespace("my-test")
        # give ns.url to the client under test, then: ns.received("POST", "/molpro/credit/purchase")
"""

import time
from typing import Any, Optional

from testcontainers.core.container import DockerContainer

from .client import PaymockServer

PORT = 8080


class PaymockContainer(DockerContainer):
    """paymock in a container, published on a free host port."""

    def __init__(self, image: str = "paymock:latest", admin_token: Optional[str] = None,
                 start_timeout: float = 30.0, **kwargs: Any) -> None:
        super().__init__(image, **kwargs)
        self.with_exposed_ports(PORT)
        if admin_token is not None:
            self.with_env("PAYMOCK_ADMIN_TOKEN", admin_token)
        self._admin_token = admin_token
        self._start_timeout = start_timeout

    def start(self) -> "PaymockContainer":
        super().start()
        self.server().wait_until_healthy(time.monotonic() + self._start_timeout)
        return self

    def get_container_host_ip(self) -> str:
        # Where testcontainers thinks it runs inside a container, it looks up the network's
        # gateway in a container listing, which podman's API gives without HostConfig; the
        # published port is then on this host.
        try:
            return super().get_container_host_ip()
        except KeyError:
            return "127.0.0.1"

    def get_url(self) -> str:
        """``http://HOST:PORT``, the base URL of the namespace ``default``."""
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(PORT)}"

    def server(self) -> PaymockServer:
        """The control plane: ``server().namespace(name)`` gives a namespace's URL and helpers."""
        return PaymockServer(self.get_url(), self._admin_token)
