"""Host and Origin checks for /mcp and the OAuth endpoints, against DNS rebinding.

A page on an attacker's domain that re-points its DNS name at 127.0.0.1 (or a cluster
address) can make a browser send requests to this server, under the attacker's host name
and origin. So a request here is answered only when:

- its `Host` is a loopback name (`localhost`), an IP literal or a name without a dot (a
  rebinding attack always arrives under the attacker's public DNS name, which has one: a
  Kubernetes Service's short name or a test client's `todo` is fine), or the host of one of
  `allowed_origins` (issue 20's setting, `TODO_ALLOWED_ORIGINS`; the Helm chart puts the
  Ingress host there);
- its `Origin`, if a browser sent one, is this server's own origin or one of
  `allowed_origins`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.datastructures import Headers

LOOPBACK_NAMES = frozenset({"localhost"})


def _hostname(host: str) -> str:
    """`host` without its port, lower-case; an IPv6 literal keeps no brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostPolicy:
    def __init__(self, allowed_origins: list[str]) -> None:
        origins = [o.rstrip("/").lower() for o in allowed_origins if o and o != "*"]
        self.origins = frozenset(origins)
        self.hosts = frozenset(urlsplit(o).netloc for o in origins if urlsplit(o).netloc)
        self.hostnames = frozenset(_hostname(h) for h in self.hosts)

    def host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        name = _hostname(host)
        if not name:
            return False
        if name in LOOPBACK_NAMES or name.endswith(".localhost") or _is_ip(name):
            return True
        if "." not in name.rstrip("."):
            return True  # a single label: no public DNS name an attacker could re-point
        return host.lower() in self.hosts or name in self.hostnames

    def public_origin(self, scheme: str, host: str) -> str:
        """This server's origin as its clients name it: the listed origin for this host
        (its scheme too: TLS may end at an ingress, the app then sees http), else what the
        request says."""
        for origin in self.origins:
            if urlsplit(origin).netloc == host.lower():
                return origin
        return f"{scheme}://{host}"

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        if origin is None:
            return True  # not a browser's request (curl, an MCP client library)
        origin = origin.rstrip("/").lower()
        if origin in self.origins:
            return True
        netloc = urlsplit(origin).netloc
        return bool(netloc) and netloc == (host or "").lower()

    def refusal(self, headers: Headers) -> str | None:
        """Why a request with these headers is refused; None when it is not."""
        host = headers.get("host")
        if not self.host_allowed(host):
            return "this host name is not served here (DNS rebinding guard)"
        if not self.origin_allowed(headers.get("origin"), host):
            return "requests from this origin are not allowed"
        return None
