"""The Host/Origin guard of /mcp and the OAuth endpoints (DNS rebinding), and the public
origin it names (the issuer and resource URLs behind a TLS-ending ingress)."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers

from agent.host_guard import HostPolicy

POLICY = HostPolicy(["https://todo.example.com", "http://intranet.corp:8080/"])


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8000",
        "localhost:8000",
        "[::1]:8000",
        "10.1.2.3:30080",
        "todo",
        "chat-ui:80",
        "todo.example.com",
        "intranet.corp:8080",
        "app.localhost",
    ],
)
def test_hosts_served(host: str) -> None:
    assert POLICY.host_allowed(host)


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:8000", "evil.corp:8080", "", None]
)
def test_hosts_refused(host: str | None) -> None:
    assert not POLICY.host_allowed(host)
    headers = Headers({"host": host} if host else {})
    assert POLICY.refusal(headers) is not None


def test_origins() -> None:
    assert POLICY.origin_allowed(None, "127.0.0.1:8000")  # not a browser
    assert POLICY.origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000")  # its own
    assert POLICY.origin_allowed("https://todo.example.com", "127.0.0.1:8000")  # listed
    assert not POLICY.origin_allowed("https://evil.example", "127.0.0.1:8000")
    assert not POLICY.origin_allowed("null", "127.0.0.1:8000")


def test_the_public_origin_keeps_the_listed_scheme() -> None:
    assert POLICY.public_origin("http", "todo.example.com") == "https://todo.example.com"
    assert POLICY.public_origin("http", "127.0.0.1:8000") == "http://127.0.0.1:8000"
