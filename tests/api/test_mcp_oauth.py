"""MCP sign-in for real clients: the embedded product (what `todo up` serves) as an OAuth 2.1
resource server and its own authorization server, driven by the official `mcp` client's
OAuth flow (`OAuthClientProvider`: discovery from the 401 challenge, dynamic registration,
PKCE S256, the code exchange, refresh) with a scripted browser that fills in the product's
sign-in and consent page; then the refusals (PKCE, resource, redirect URI, code reuse and
expiry, refresh reuse, read-only scope, other users, private metadata URLs, bad Origin)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest
from mcp import ClientSession
from sqlmodel import Session, select

from backend_services.platform.app_support import shared_engine
from backend_services.platform.db import session_scope
from backend_services.platform.timeutil import utcnow
from backend_services.task_service.users import oauth
from backend_services.task_service.users import service as users
from tests.api.test_mcp_embedded import Served, served
from tests.support.mcp_client import call, connect, payload, status_errors
from tests.support.mcp_oauth import (
    PASSWORD,
    REDIRECT,
    consent,
    oauth_session,
    redirected,
)

pytestmark = pytest.mark.anyio
__all__ = ["served"]  # the module-scoped embedded product, shared with test_mcp_embedded


def make_user(served: Served, name: str) -> None:
    engine = shared_engine(served.settings.resolved_database_url())
    with session_scope(engine) as session:
        if session.get(users.User, name) is None:
            users.create_user(session, name, password=PASSWORD)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def register(http: httpx.AsyncClient, base: str) -> str:
    reg = await http.post(
        f"{base}/oauth/register", json={"client_name": "script", "redirect_uris": [REDIRECT]}
    )
    assert reg.status_code == 201, reg.text
    assert reg.json()["token_endpoint_auth_method"] == "none"
    return str(reg.json()["client_id"])


def authorize_url(base: str, client_id: str, challenge: str, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": f"{base}/mcp",
        "scope": "tasks:read tasks:write",
    } | extra
    return f"{base}/oauth/authorize?{urlencode(params)}"


async def code_for(
    http: httpx.AsyncClient, base: str, client_id: str, user: str, **extra: str
) -> tuple[str, str]:
    verifier, challenge = pkce()
    got = redirected(await consent(http, authorize_url(base, client_id, challenge, **extra), user))
    assert got["state"] == "s1" and got["iss"] == base
    return got["code"], verifier


def token_form(client_id: str, code: str, verifier: str, base: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
        "resource": f"{base}/mcp",
    } | extra


@pytest.fixture
def base(served: Served) -> Iterator[str]:
    yield served.url


# ---------------------------------------------------------------------------------------
async def test_the_official_client_signs_in_with_oauth_and_uses_the_tools(
    served: Served,
) -> None:
    make_user(served, "olga")
    async with oauth_session(served.mcp, "olga") as (session, memory):
        names = {t.name for t in (await session.list_tools()).tools}
        assert {"add_task", "list_tasks", "delete_task"} <= names
        added = payload(await call(session, "add_task", title="renew passport"))
        assert added["ok"] is True, added
        listed = payload(await call(session, "list_tasks"))
        assert [t["title"] for t in listed["data"]] == ["renew passport"]
    assert memory.tokens is not None and memory.tokens.access_token.startswith("todo_oat_")
    assert memory.tokens.refresh_token and memory.tokens.expires_in
    assert memory.tokens.scope == "tasks:read tasks:write"
    # the grant is the account's to see and revoke; revoking ends the token at once
    pat = served.pat("olga").token
    grants = served.rest("GET", "/me/oauth-grants", pat).json()
    assert [(g["client_name"], g["revoked"]) for g in grants] == [("Test IDE", False)]
    assert grants[0]["resource"] == served.mcp
    async with connect(served.mcp, memory.tokens.access_token) as again:
        assert (await session_tools(again)) == names
    assert served.rest("DELETE", f"/me/oauth-grants/{grants[0]['id']}", pat).status_code == 204
    with pytest.raises(BaseException) as info:
        async with connect(served.mcp, memory.tokens.access_token) as refused:
            await refused.list_tools()
    assert 401 in status_errors(info.value)


async def session_tools(session: ClientSession) -> set[str]:
    return {t.name for t in (await session.list_tools()).tools}


async def test_the_challenge_and_the_metadata(served: Served) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        anonymous = await http.post(served.mcp, json={})
        assert anonymous.status_code == 401
        challenge = anonymous.headers["www-authenticate"]
        prm_url = f"{served.url}/.well-known/oauth-protected-resource/mcp"
        assert challenge.startswith(f'Bearer resource_metadata="{prm_url}"'), challenge
        assert 'scope="tasks:read tasks:write"' in challenge
        bad = await http.post(served.mcp, json={}, headers={"authorization": "Bearer junk"})
        assert 'error="invalid_token"' in bad.headers["www-authenticate"]
        prm = (await http.get(prm_url)).json()
        assert prm["resource"] == served.mcp
        assert prm["authorization_servers"] == [served.url]
        asm = (await http.get(f"{served.url}/.well-known/oauth-authorization-server")).json()
        assert asm["issuer"] == served.url
        assert asm["code_challenge_methods_supported"] == ["S256"]
        assert asm["client_id_metadata_document_supported"] is True
        assert "admin" not in asm["scopes_supported"]


async def test_a_valid_pat_never_meets_a_challenge(served: Served) -> None:
    pat = served.pat("pat-user").token
    async with httpx.AsyncClient(timeout=60) as http:
        answer = await http.post(
            served.mcp,
            headers={
                "authorization": f"Bearer {pat}",
                "accept": "application/json, text/event-stream",
            },
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        )
    assert answer.status_code == 200, answer.text
    assert "www-authenticate" not in answer.headers


async def test_pkce_redirect_uri_resource_and_code_reuse_are_checked(
    served: Served, base: str
) -> None:
    make_user(served, "pia")
    async with httpx.AsyncClient(timeout=60) as http:
        client_id = await register(http, base)
        token_url = f"{base}/oauth/token"

        # plain PKCE, or none: refused at the redirect URI, no page
        _, challenge = pkce()
        for extra in ({"code_challenge_method": "plain"}, {"code_challenge": ""}):
            answer = await http.get(authorize_url(base, client_id, challenge, **extra))
            assert redirected(answer)["error"] == "invalid_request"
        # a redirect URI the client did not register: a page, never a redirect
        answer = await http.get(
            authorize_url(base, client_id, challenge, redirect_uri=REDIRECT + "x")
        )
        assert answer.status_code == 400 and "redirect_uri" in answer.text
        # a resource that is not this server's /mcp
        answer = await http.get(
            authorize_url(base, client_id, challenge, resource="https://evil.example/mcp")
        )
        assert redirected(answer)["error"] == "invalid_target"
        # admin is never granted
        answer = await http.get(authorize_url(base, client_id, challenge, scope="admin"))
        assert redirected(answer)["error"] == "invalid_scope"

        # a wrong verifier spends the code
        code, verifier = await code_for(http, base, client_id, "pia")
        wrong = await http.post(token_url, data=token_form(client_id, code, "x" * 50, base))
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        again = await http.post(token_url, data=token_form(client_id, code, verifier, base))
        assert again.status_code == 400

        # another redirect URI or another resource at the token endpoint
        code, verifier = await code_for(http, base, client_id, "pia")
        moved = token_form(client_id, code, verifier, base, redirect_uri=REDIRECT + "/other")
        assert (await http.post(token_url, data=moved)).json()["error"] == "invalid_grant"
        code, verifier = await code_for(http, base, client_id, "pia")
        elsewhere = token_form(client_id, code, verifier, base, resource="http://other/mcp")
        assert (await http.post(token_url, data=elsewhere)).json()["error"] == "invalid_target"

        # code reuse: the second exchange fails and the first one's tokens die with it
        code, verifier = await code_for(http, base, client_id, "pia")
        first = await http.post(token_url, data=token_form(client_id, code, verifier, base))
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "no-store"
        reuse = await http.post(token_url, data=token_form(client_id, code, verifier, base))
        assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
        with pytest.raises(BaseException) as info:
            async with connect(served.mcp, first.json()["access_token"]) as s:
                await s.list_tools()
        assert 401 in status_errors(info.value)

        # an expired code
        code, verifier = await code_for(http, base, client_id, "pia")
        with Session(shared_engine(served.settings.resolved_database_url())) as db:
            row = db.get(oauth.OAuthCode, oauth.digest(code))
            assert row is not None
            row.expires_at = utcnow() - timedelta(seconds=1)
            db.add(row)
            db.commit()
        late = await http.post(token_url, data=token_form(client_id, code, verifier, base))
        assert late.status_code == 400 and "expired" in late.json()["error_description"]

        # a wrong password shows the page again; nothing is issued
        _, challenge = pkce()
        wrong_pw = await consent(http, authorize_url(base, client_id, challenge), "pia", "nope")
        assert wrong_pw.status_code == 401 and "wrong username or password" in wrong_pw.text


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(
    served: Served, base: str
) -> None:
    make_user(served, "rita")
    async with httpx.AsyncClient(timeout=60) as http:
        client_id = await register(http, base)
        token_url = f"{base}/oauth/token"
        code, verifier = await code_for(http, base, client_id, "rita")
        first = (
            await http.post(token_url, data=token_form(client_id, code, verifier, base))
        ).json()
        refresh = {"grant_type": "refresh_token", "client_id": client_id}
        second = await http.post(
            token_url, data=refresh | {"refresh_token": first["refresh_token"]}
        )
        assert second.status_code == 200, second.text
        rotated = second.json()
        assert rotated["refresh_token"] != first["refresh_token"]
        async with connect(served.mcp, rotated["access_token"]) as session:
            assert await session_tools(session)
        # the first refresh token again: someone else has a copy; the whole grant ends
        stolen = await http.post(
            token_url, data=refresh | {"refresh_token": first["refresh_token"]}
        )
        assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
        for token in (rotated["access_token"],):
            with pytest.raises(BaseException) as info:
                async with connect(served.mcp, token) as s:
                    await s.list_tools()
            assert 401 in status_errors(info.value)
        newest = await http.post(
            token_url, data=refresh | {"refresh_token": rotated["refresh_token"]}
        )
        assert newest.status_code == 400


async def test_read_scope_cannot_write_and_users_stay_apart(served: Served, base: str) -> None:
    make_user(served, "rhea")
    make_user(served, "sam")
    sams = served.pat("sam").token
    sam_task = served.rest("POST", "/tasks", sams, json={"title": "sam's secret"}).json()["id"]
    async with httpx.AsyncClient(timeout=60) as http:
        client_id = await register(http, base)
        code, verifier = await code_for(http, base, client_id, "rhea", scope="tasks:read")
        answer = await http.post(
            f"{base}/oauth/token", data=token_form(client_id, code, verifier, base)
        )
        token = answer.json()
        assert token["scope"] == "tasks:read"
    async with connect(served.mcp, token["access_token"]) as session:
        refused = await call(session, "add_task", title="should not exist")
        assert refused.isError and "only read" in payload(refused)["message"]
        listed = payload(await call(session, "list_tasks"))
        assert listed["ok"] is True and listed["data"] == []
        other = payload(await call(session, "complete_task", task=sam_task))
        assert other["ok"] is False
    # the REST API behind the tools holds the same line
    write = served.rest("POST", "/tasks", token["access_token"], json={"title": "nope"})
    assert write.status_code == 403
    assert served.rest("GET", f"/tasks/{sam_task}", token["access_token"]).status_code == 404
    assert (
        served.rest("POST", "/tokens", token["access_token"], json={"name": "x"}).status_code == 403
    )
    assert served.rest("GET", "/admin/users", token["access_token"]).status_code == 403


async def test_another_resources_token_is_refused_at_mcp(served: Served, base: str) -> None:
    """An access token bound to another resource (the audience) is no good at this /mcp."""
    make_user(served, "uma")
    async with httpx.AsyncClient(timeout=60) as http:
        client_id = await register(http, base)
        code, verifier = await code_for(http, base, client_id, "uma")
        token = (
            await http.post(f"{base}/oauth/token", data=token_form(client_id, code, verifier, base))
        ).json()["access_token"]
    with Session(shared_engine(served.settings.resolved_database_url())) as db:
        grant = db.exec(select(oauth.OAuthGrant).where(oauth.OAuthGrant.user_id == "uma")).one()
        grant.resource = "https://elsewhere.example/mcp"
        db.add(grant)
        db.commit()
    with pytest.raises(BaseException) as info:
        async with connect(served.mcp, token) as s:
            await s.list_tools()
    assert 401 in status_errors(info.value)


async def test_private_metadata_urls_and_foreign_origins_are_refused(
    served: Served, base: str
) -> None:
    _, challenge = pkce()
    async with httpx.AsyncClient(timeout=60) as http:
        for client_id in (
            "http://127.0.0.1:9/client.json",  # http, loopback
            "https://127.0.0.1/client.json",  # loopback
            "https://10.0.0.7/client.json",  # private
            "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
            "https://localhost/client.json",
        ):
            page = await http.get(authorize_url(base, client_id, challenge))
            assert page.status_code == 400, (client_id, page.text)
            assert "https" in page.text or "non-public" in page.text, page.text
        evil = {"origin": "https://evil.example"}
        assert (await http.post(served.mcp, json={}, headers=evil)).status_code == 403
        assert (await http.post(f"{base}/oauth/token", headers=evil)).status_code == 403
        rebound = {"host": "attacker.example"}
        assert (await http.post(served.mcp, json={}, headers=rebound)).status_code == 403
        meta = f"{base}/.well-known/oauth-authorization-server"
        assert (await http.get(meta, headers=rebound)).status_code == 403
        # a CSRF-less form post is refused
        client_id = await register(http, base)
        form = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "username": "x",
            "password": "y",
            "decision": "allow",
            "csrf": "forged",
        }
        forged = await http.post(f"{base}/oauth/authorize", data=form)
        assert forged.status_code == 403


async def test_dynamic_registration_refuses_unsafe_redirect_uris(base: str) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        for uris in (["http://evil.example/cb"], ["javascript:alert(1)"], ["https://a/cb#x"], []):
            answer = await http.post(
                f"{base}/oauth/register", json={"client_name": "x", "redirect_uris": uris}
            )
            assert answer.status_code == 400, (uris, answer.text)
            assert json.loads(answer.text)["error"] in (
                "invalid_redirect_uri",
                "invalid_client_metadata",
            )


async def test_an_expired_access_token_gets_the_challenge_and_deny_issues_nothing(
    served: Served, base: str
) -> None:
    make_user(served, "vera")
    async with httpx.AsyncClient(timeout=60) as http:
        client_id = await register(http, base)
        code, verifier = await code_for(http, base, client_id, "vera")
        answer = await http.post(
            f"{base}/oauth/token", data=token_form(client_id, code, verifier, base)
        )
        access = answer.json()["access_token"]
        with Session(shared_engine(served.settings.resolved_database_url())) as db:
            row = db.get(oauth.OAuthToken, oauth.digest(access))
            assert row is not None and row.kind == "access"
            row.expires_at = utcnow() - timedelta(seconds=1)
            db.add(row)
            db.commit()
        late = await http.post(served.mcp, json={}, headers={"authorization": f"Bearer {access}"})
        assert late.status_code == 401
        assert 'error="invalid_token"' in late.headers["www-authenticate"]
        assert "resource_metadata=" in late.headers["www-authenticate"]

        _, challenge = pkce()
        denied = await consent(
            http, authorize_url(base, client_id, challenge), "vera", decision="deny"
        )
        got = redirected(denied)
        assert got["error"] == "access_denied" and got["state"] == "s1" and "code" not in got


async def test_a_disabled_users_token_and_a_malformed_one_are_401(
    served: Served, base: str
) -> None:
    make_user(served, "wes")
    async with httpx.AsyncClient(timeout=60) as http:
        client_id = await register(http, base)
        code, verifier = await code_for(http, base, client_id, "wes")
        answer = await http.post(
            f"{base}/oauth/token", data=token_form(client_id, code, verifier, base)
        )
        access = answer.json()["access_token"]
        async with connect(served.mcp, access) as session:
            assert await session_tools(session)
        with Session(shared_engine(served.settings.resolved_database_url())) as db:
            user = db.get(users.User, "wes")
            assert user is not None
            user.disabled = True
            db.add(user)
            db.commit()
        for token in (access, "todo_oat_" + "A" * 500):
            refused = await http.post(
                served.mcp, json={}, headers={"authorization": f"Bearer {token}"}
            )
            assert refused.status_code == 401, refused.text
