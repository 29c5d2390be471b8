"""The product as the OAuth 2.1 authorization server of its own /mcp (MCP authorization,
revisions 2025-06-18 and 2025-11-25), served by chat-ui next to /mcp:

- `/.well-known/oauth-protected-resource[/mcp]` (RFC 9728): the resource (`<base>/mcp`), its
  authorization server (`<base>`), the scopes;
- `/.well-known/oauth-authorization-server` (RFC 8414);
- `/oauth/authorize`: authorization code with PKCE S256 only, the sign-in and consent page
  (CSRF token bound to a cookie, same-origin form posts only; the password is checked by
  task-service with the sign-in throttling and the argon2 pool);
- `/oauth/token`: the code (client, redirect URI, resource and verifier must match) or a
  refresh token (rotated on every use) for tokens bound to the resource (RFC 8707);
- `/oauth/register` (RFC 7591), and clients named by a metadata document URL (CIMD).

What is stored lives in task-service (`task_service/users/oauth.py`), reached by service
invocation as every chat-ui call is. Every route is behind the Host/Origin guard
(`agent/host_guard.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from agent.host_guard import HostPolicy
from backend_services.contracts import AppId
from backend_services.kernel.oauth_tokens import OAUTH_SCOPES, OAuthError, normalize_scopes
from backend_services.platform.app_support import AppContext
from backend_services.platform.runtime import RuntimeUnavailable
from backend_services.platform.token_bucket import RateLimiter
from chat_ui.client_metadata import ClientMetadataError, fetch_client_document, is_metadata_url
from chat_ui.oauth_page import consent_page, error_page

log = logging.getLogger("todo.oauth")

MCP_RESOURCE_PATH = "/mcp"
PRM_PATH = "/.well-known/oauth-protected-resource"
ASM_PATH = "/.well-known/oauth-authorization-server"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REGISTER_PATH = "/oauth/register"
CSRF_COOKIE = "todo_oauth_csrf"
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
_AUTHORIZE_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "resource",
)


def base_url(request: Request, hosts: HostPolicy) -> str:
    """This server's origin as its clients name it (its Host already checked): the
    issuer, and the base of the resource URL."""
    return hosts.public_origin(request.url.scheme, request.url.netloc)


def resource_url(request: Request, hosts: HostPolicy) -> str:
    return base_url(request, hosts) + MCP_RESOURCE_PATH


@dataclass(frozen=True)
class Authorization:
    """A checked authorization request."""

    client_id: str
    client_name: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    scopes: list[str]
    resource: str


class RedirectError(Exception):
    """An error the client hears about at its (already checked) redirect URI."""

    def __init__(self, redirect_uri: str, state: str | None, error: str, description: str):
        super().__init__(description)
        self.redirect_uri, self.state = redirect_uri, state
        self.error, self.description = error, description


class PageError(Exception):
    """An error shown to the person (the redirect URI is not trusted, or not known yet)."""


def redirect_with(uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    joiner = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(uri + joiner + query, status_code=302, headers=NO_STORE)


def acceptable_redirect_uri(uri: str) -> bool:
    """https, http on a loopback host (native apps), or an app's own scheme; no fragment."""
    parts = urlsplit(uri)
    if parts.fragment or not parts.scheme or len(uri) > 2000:
        return False
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme == "http":
        return parts.hostname in ("localhost", "127.0.0.1", "::1")
    return parts.scheme not in ("javascript", "data", "file", "vbscript", "blob", "about")


class OAuthServer:
    def __init__(self, ctx: AppContext, signing_key: str) -> None:
        self.ctx = ctx
        self.hosts = HostPolicy(ctx.settings.allowed_origins)
        self._csrf_key = hmac.new(signing_key.encode(), b"oauth-csrf", hashlib.sha256).digest()
        # per client address: registrations, and metadata documents fetched on its behalf
        self.registrations = RateLimiter(ctx.settings.login_attempts_per_minute_per_client)
        self.fetches = RateLimiter(ctx.settings.login_attempts_per_minute_per_client)
        self.allow_private_metadata = ctx.settings.oauth_client_metadata_allow_private

    def routes(self) -> list[Route]:
        return [
            Route(PRM_PATH, self.guarded(self.protected_resource), methods=["GET"]),
            Route(
                PRM_PATH + MCP_RESOURCE_PATH,
                self.guarded(self.protected_resource),
                methods=["GET"],
            ),
            Route(ASM_PATH, self.guarded(self.server_metadata), methods=["GET"]),
            Route(AUTHORIZE_PATH, self.guarded(self.authorize), methods=["GET", "POST"]),
            Route(TOKEN_PATH, self.guarded(self.token), methods=["POST"]),
            Route(REGISTER_PATH, self.guarded(self.register), methods=["POST"]),
        ]

    def guarded(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            reason = self.hosts.refusal(request.headers)
            if reason is not None:
                log.warning("403 %s: %s", request.url.path, reason)
                return JSONResponse({"error": "forbidden", "error_description": reason}, 403)
            response: Response = await handler(request)
            return response

        return endpoint

    # metadata -------------------------------------------------------------------------
    async def protected_resource(self, request: Request) -> Response:
        return JSONResponse(
            {
                "resource": resource_url(request, self.hosts),
                "authorization_servers": [base_url(request, self.hosts)],
                "scopes_supported": list(OAUTH_SCOPES),
                "bearer_methods_supported": ["header"],
                "resource_name": "Todo Assistant",
                "resource_documentation": "https://modelcontextprotocol.io",
            }
        )

    async def server_metadata(self, request: Request) -> Response:
        base = base_url(request, self.hosts)
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": base + AUTHORIZE_PATH,
                "token_endpoint": base + TOKEN_PATH,
                "registration_endpoint": base + REGISTER_PATH,
                "scopes_supported": list(OAUTH_SCOPES),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_methods_supported": ["none"],
                "code_challenge_methods_supported": ["S256"],
                "client_id_metadata_document_supported": True,
                "authorization_response_iss_parameter_supported": True,
            }
        )

    # authorize ------------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        if request.method == "GET":
            params = {k: request.query_params.get(k) for k in _AUTHORIZE_FIELDS}
            form: dict[str, str] = {}
        else:
            raw = await request.form()
            form = {k: v for k, v in raw.items() if isinstance(v, str)}
            params = {k: form.get(k) for k in _AUTHORIZE_FIELDS}
        try:
            auth = await self.check_authorization(request, params)
        except PageError as exc:
            return HTMLResponse(error_page(str(exc)), 400, headers=NO_STORE)
        except RedirectError as exc:
            return redirect_with(
                exc.redirect_uri,
                {
                    "error": exc.error,
                    "error_description": exc.description,
                    "state": exc.state,
                    "iss": base_url(request, self.hosts),
                },
            )
        if request.method == "GET":
            return self.render(request, auth, params)
        return await self.decide(request, auth, params, form)

    async def check_authorization(
        self, request: Request, params: dict[str, str | None]
    ) -> Authorization:
        client_id = params.get("client_id") or ""
        if not client_id or len(client_id) > 512:
            raise PageError("the request names no client (client_id)")
        address = request.client.host if request.client else "unknown"
        name, registered = await self.client(client_id, address)
        redirect_uri = params.get("redirect_uri")
        if redirect_uri is None and len(registered) == 1:
            redirect_uri = registered[0]
        if redirect_uri is None or redirect_uri not in registered:
            raise PageError("the redirect_uri is not one this client registered (exact match)")
        state = params.get("state")

        def refuse(error: str, description: str) -> RedirectError:
            return RedirectError(redirect_uri, state, error, description)

        if params.get("response_type") != "code":
            raise refuse("unsupported_response_type", "response_type must be code")
        challenge = params.get("code_challenge")
        if params.get("code_challenge_method") != "S256":
            raise refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
        if (
            not challenge
            or len(challenge) != 43
            or not challenge.replace("-", "").replace("_", "").isalnum()
        ):
            raise refuse("invalid_request", "a PKCE S256 code_challenge is required")
        try:
            scopes = normalize_scopes(params.get("scope"))
        except OAuthError as exc:
            raise refuse(exc.error, exc.description) from exc
        ours = resource_url(request, self.hosts)
        resource = params.get("resource") or ours
        if resource.rstrip("/") != ours:
            raise refuse("invalid_target", f"this server grants access to {ours} only")
        return Authorization(client_id, name, redirect_uri, state, challenge, scopes, ours)

    async def client(self, client_id: str, address: str) -> tuple[str, list[str]]:
        """A client's name and registered redirect URIs; PageError when unknown."""
        if is_metadata_url(client_id):
            if self.fetches.hit(address) > 0:
                raise PageError("too many sign-in attempts from here; wait a minute")
            try:
                doc = await fetch_client_document(
                    client_id, allow_private=self.allow_private_metadata
                )
            except ClientMetadataError as exc:
                raise PageError(str(exc)) from exc
            return doc.name, [u for u in doc.redirect_uris if acceptable_redirect_uri(u)]
        status, body = await self.call("clients/lookup", {"client_id": client_id})
        if status == 404 or status == 422:
            raise PageError("unknown client_id")
        if status != 200:
            raise PageError("the service is unavailable right now; try again shortly")
        return str(body["name"]), [str(u) for u in body["redirect_uris"]]

    def csrf_for(self, nonce: str) -> str:
        return hmac.new(self._csrf_key, nonce.encode(), hashlib.sha256).hexdigest()

    def render(
        self,
        request: Request,
        auth: Authorization,
        params: dict[str, str | None],
        *,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        hidden = {k: v for k, v in params.items() if v is not None}
        hidden["redirect_uri"] = auth.redirect_uri
        hidden["csrf"] = self.csrf_for(nonce)
        page = consent_page(
            client_name=auth.client_name,
            client_id=auth.client_id,
            redirect_uri=auth.redirect_uri,
            scopes=auth.scopes,
            hidden=hidden,
            error=error,
        )
        response = HTMLResponse(
            page,
            status,
            headers={
                **NO_STORE,
                "x-frame-options": "DENY",
                "content-security-policy": "default-src 'none'; img-src 'self'; "
                "style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
                "referrer-policy": "no-referrer",
            },
        )
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            max_age=1800,
            path=AUTHORIZE_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def decide(
        self,
        request: Request,
        auth: Authorization,
        params: dict[str, str | None],
        form: dict[str, str],
    ) -> Response:
        nonce = request.cookies.get(CSRF_COOKIE)
        sent = form.get("csrf", "")
        if not nonce or not hmac.compare_digest(self.csrf_for(nonce), sent):
            return HTMLResponse(
                error_page("this form expired or did not come from this page; start again"),
                403,
                headers=NO_STORE,
            )
        iss = base_url(request, self.hosts)
        if form.get("decision") != "allow":
            return redirect_with(
                auth.redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "the user declined",
                    "state": auth.state,
                    "iss": iss,
                },
            )
        client = request.client.host if request.client else "unknown"
        status, body = await self.call(
            "approve",
            {
                "username": form.get("username", ""),
                "password": form.get("password", ""),
                "client_address": client[:64],
                "client_id": auth.client_id,
                "client_name": auth.client_name,
                "redirect_uri": auth.redirect_uri,
                "code_challenge": auth.code_challenge,
                "scopes": auth.scopes,
                "resource": auth.resource,
            },
        )
        if status == 200:
            log.info("authorization code issued for %s to %s", body.get("user_id"), auth.client_id)
            return redirect_with(
                auth.redirect_uri, {"code": str(body["code"]), "state": auth.state, "iss": iss}
            )
        message = {
            401: "wrong username or password",
            422: "enter your username and password",
            429: "too many sign-in attempts; wait a minute and try again",
            503: "too many sign-ins at once; try again shortly",
        }.get(status, str(body.get("error_description") or "the sign-in failed; try again"))
        return self.render(request, auth, params, error=message, status=status if status else 503)

    # token and registration -------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        raw = await request.form()
        form = {k: v for k, v in raw.items() if isinstance(v, str)}
        if "client_secret" in form or request.headers.get("authorization"):
            return _token_error("invalid_client", "public clients only (no client secret)", 401)
        client_id = form.get("client_id")
        if not client_id:
            return _token_error("invalid_request", "client_id is required")
        resource = form.get("resource")
        if resource is not None and resource.rstrip("/") != resource_url(request, self.hosts):
            return _token_error(
                "invalid_target", f"tokens are for {resource_url(request, self.hosts)} only"
            )
        payload = {
            k: form.get(k)
            for k in (
                "grant_type",
                "client_id",
                "code",
                "code_verifier",
                "redirect_uri",
                "refresh_token",
                "scope",
            )
        }
        payload["resource"] = resource.rstrip("/") if resource else None
        status, body = await self.call("token", payload)
        if status == 422:
            return _token_error("invalid_request", "malformed token request")
        if status not in (200, 400):
            return _token_error("temporarily_unavailable", "try again shortly", 503)
        return JSONResponse(body, status, headers=NO_STORE)

    async def register(self, request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        if self.registrations.hit(client) > 0:
            return _token_error("invalid_request", "too many registrations; try again later", 429)
        try:
            doc = await request.json()
        except ValueError:
            return _register_error("the body must be JSON client metadata")
        if not isinstance(doc, dict):
            return _register_error("the body must be a JSON object")
        uris = doc.get("redirect_uris")
        if not isinstance(uris, list) or not uris or len(uris) > 10:
            return _register_error("redirect_uris: one to ten URIs", "invalid_redirect_uri")
        if not all(isinstance(u, str) and acceptable_redirect_uri(u) for u in uris):
            return _register_error(
                "redirect_uris: https, http on localhost, or an app scheme; no fragment",
                "invalid_redirect_uri",
            )
        grants = doc.get("grant_types", ["authorization_code"])
        if not isinstance(grants, list) or not set(grants) <= {
            "authorization_code",
            "refresh_token",
        }:
            return _register_error("grant_types: authorization_code and refresh_token only")
        if doc.get("response_types", ["code"]) != ["code"]:
            return _register_error("response_types: code only")
        name = doc.get("client_name")
        name = name.strip()[:100] if isinstance(name, str) and name.strip() else "MCP client"
        if doc.get("scope") is not None:
            try:
                normalize_scopes(str(doc["scope"]))
            except OAuthError as exc:
                return _register_error(exc.description)
        status, body = await self.call("clients", {"name": name, "redirect_uris": uris})
        if status != 201:
            return _token_error("temporarily_unavailable", "try again shortly", 503)
        return JSONResponse(
            {
                "client_id": body["client_id"],
                "client_name": body["name"],
                "redirect_uris": body["redirect_uris"],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                "scope": " ".join(OAUTH_SCOPES),
            },
            201,
            headers=NO_STORE,
        )

    async def call(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """task-service's internal OAuth route `method`, as the chat-ui service."""
        try:
            result = await self.ctx.runtime.invoke(
                AppId.TASKS.value,
                f"internal/oauth/{method}",
                http_method="POST",
                json=body,
                headers={"authorization": f"Bearer {self.ctx.service_token()}"},
            )
        except RuntimeUnavailable:
            return 0, {}
        answer = result.body if isinstance(result.body, dict) else {}
        return result.status_code, answer


def _token_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status, headers=NO_STORE
    )


def _register_error(description: str, error: str = "invalid_client_metadata") -> JSONResponse:
    return _token_error(error, description)
