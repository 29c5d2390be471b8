"""Client ID Metadata Documents: an MCP client names itself by an https URL, and the
authorization server fetches the JSON document there (client_id, client_name,
redirect_uris) instead of asking the client to register.

Fetching a URL a stranger chose is a server-side request forgery risk, so:
- https only, no user info, no fragment, a path (not the root);
- the name is resolved once, every address must be a public one (no loopback, private,
  link-local, multicast or reserved address), and the request goes to that very address
  (the TLS name still checked against the host name): a second DNS answer cannot re-point
  it; no redirects, no proxy from the environment;
- at most `MAX_DOCUMENT_BYTES`, within `FETCH_SECONDS`.
`allow_private` (`TODO_OAUTH_CLIENT_METADATA_ALLOW_PRIVATE`, development only) also lets
http and private or loopback addresses through, for a client served on the same machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx

MAX_DOCUMENT_BYTES = 16 * 1024
FETCH_SECONDS = 5.0


class ClientMetadataError(Exception):
    """Why a client's metadata document cannot be used (shown on the error page)."""


@dataclass(frozen=True)
class ClientDocument:
    client_id: str
    name: str
    redirect_uris: list[str]


def is_metadata_url(client_id: str) -> bool:
    return client_id.startswith(("https://", "http://"))


def check_url(url: str, *, allow_private: bool) -> tuple[str, int]:
    """The host and port of an acceptable client id URL; ClientMetadataError otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ClientMetadataError("a client id URL must use https")
    if parts.username or parts.password or parts.fragment or not parts.hostname:
        raise ClientMetadataError("a client id URL has a host, no user info and no fragment")
    if parts.path in ("", "/"):
        raise ClientMetadataError("a client id URL has a path")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ClientMetadataError("a client id URL has a bad port") from exc
    return parts.hostname, port


async def resolve_public(host: str, port: int, *, allow_private: bool) -> str:
    """One address of `host`, after checking that every address it has is public."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ClientMetadataError(f"cannot resolve {host!r}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos]
    if not addresses:
        raise ClientMetadataError(f"cannot resolve {host!r}")
    if not allow_private:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise ClientMetadataError(f"{host!r} resolves to a non-public address; refused")
    return str(addresses[0])


async def fetch_client_document(url: str, *, allow_private: bool = False) -> ClientDocument:
    host, port = check_url(url, allow_private=allow_private)
    address = await resolve_public(host, port, allow_private=allow_private)
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    pinned = urlunsplit(parts._replace(netloc=f"{literal}:{port}"))
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    chunks: list[bytes] = []
    try:
        with anyio.fail_after(FETCH_SECONDS):
            async with (
                httpx.AsyncClient(
                    timeout=FETCH_SECONDS, follow_redirects=False, trust_env=False
                ) as client,
                client.stream(
                    "GET",
                    pinned,
                    headers={"host": parts.netloc, "accept": "application/json"},
                    extensions=extensions,
                ) as response,
            ):
                if response.status_code != 200:
                    raise ClientMetadataError(
                        f"the client's metadata document answered {response.status_code}"
                    )
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_DOCUMENT_BYTES:
                        raise ClientMetadataError("the client's metadata document is too large")
                    chunks.append(chunk)
    except TimeoutError as exc:
        raise ClientMetadataError("the client's metadata document took too long") from exc
    except httpx.HTTPError as exc:
        raise ClientMetadataError("the client's metadata document cannot be fetched") from exc
    return parse_document(url, b"".join(chunks))


def parse_document(url: str, raw: bytes) -> ClientDocument:
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ClientMetadataError("the client's metadata document is not JSON") from exc
    if not isinstance(doc, dict) or doc.get("client_id") != url:
        raise ClientMetadataError("the metadata document's client_id is not its own URL")
    uris = doc.get("redirect_uris")
    if (
        not isinstance(uris, list)
        or not uris
        or len(uris) > 10
        or not all(isinstance(u, str) and 0 < len(u) <= 2000 for u in uris)
    ):
        raise ClientMetadataError("the metadata document lists no usable redirect_uris")
    name = doc.get("client_name")
    if not isinstance(name, str) or not name.strip():
        name = urlsplit(url).hostname or url
    return ClientDocument(client_id=url, name=name.strip()[:100], redirect_uris=list(uris))
