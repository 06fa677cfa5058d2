"""pytest-paymock: pytest fixtures for paymock, the local Click2Mail and Hostway payment sandbox.

The plugin (``pytest_paymock.plugin``) is registered through the ``pytest11`` entry point; the
classes here are what its fixtures return, for type hints and for use outside pytest.
"""

from .client import PaymockError, PaymockNamespace, PaymockServer

__all__ = ["PaymockError", "PaymockNamespace", "PaymockServer"]
__version__ = "0.1.0"
