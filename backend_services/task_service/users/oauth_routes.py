"""OAuth grants over HTTP: the internal half chat-ui's authorization server calls (as the
chat-ui service, through service invocation), and the account's own list of connected apps."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend_services.contracts import AppId
from backend_services.platform.app_support import CtxDep, PrincipalDep, SessionDep, require_service
from backend_services.platform.auth import Principal
from backend_services.platform.ids import TokenId
from backend_services.platform.inputs import SafeText, SecretText
from backend_services.platform.rest_write_limit import rest_write_limit
from backend_services.task_service.users import oauth
from backend_services.task_service.users.service import get_active_user
from backend_services.task_service.users.sign_in import SignInGuard, sign_in

ChatService = Annotated[Principal, Depends(require_service(AppId.CHAT_UI.value))]
internal = APIRouter(prefix="/internal/oauth", tags=["internal"], include_in_schema=False)
grants = APIRouter(
    prefix="/me/oauth-grants", tags=["oauth"], dependencies=[Depends(rest_write_limit)]
)


class ClientQuery(BaseModel):
    client_id: str = Field(min_length=1, max_length=oauth.MAX_CLIENT_ID)


class ClientInfo(BaseModel):
    client_id: str
    name: str
    redirect_uris: list[str]


class ApproveRequest(BaseModel):
    """The consent page's approval: the password signs the person in (throttled per client
    address and per account, hashed in the sign-in pool), then a code is issued."""

    username: SafeText = Field(min_length=1, max_length=64)
    password: SecretText = Field(min_length=1, max_length=500)
    client_address: str = Field(min_length=1, max_length=64)
    client_id: str = Field(min_length=1, max_length=oauth.MAX_CLIENT_ID)
    client_name: str = Field(min_length=1, max_length=100)
    redirect_uri: str = Field(min_length=1, max_length=oauth.MAX_URI)
    code_challenge: str = Field(min_length=43, max_length=43)
    scopes: list[str] = Field(min_length=1, max_length=2)
    resource: str = Field(min_length=1, max_length=oauth.MAX_URI)


class CodeIssued(BaseModel):
    code: str
    user_id: str


class TokenRequest(BaseModel):
    grant_type: str = Field(max_length=64)
    client_id: str = Field(min_length=1, max_length=oauth.MAX_CLIENT_ID)
    code: str | None = Field(default=None, max_length=200)
    code_verifier: str | None = Field(default=None, max_length=200)
    redirect_uri: str | None = Field(default=None, max_length=oauth.MAX_URI)
    refresh_token: str | None = Field(default=None, max_length=200)
    resource: str | None = Field(default=None, max_length=oauth.MAX_URI)
    scope: str | None = Field(default=None, max_length=200)


class TokenQuery(BaseModel):
    token: str = Field(min_length=1, max_length=200)


def _oauth_error(exc: oauth.OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description}, status_code=exc.status
    )


@internal.post("/clients", response_model=ClientInfo, status_code=status.HTTP_201_CREATED)
def register_client(
    body: oauth.ClientRegistration, _caller: ChatService, session: SessionDep
) -> ClientInfo:
    row = oauth.register_client(session, body)
    return ClientInfo(client_id=row.id, name=row.name, redirect_uris=row.uris())


@internal.post("/clients/lookup", response_model=ClientInfo, responses={404: {}})
def lookup_client(body: ClientQuery, _caller: ChatService, session: SessionDep) -> ClientInfo:
    from backend_services.platform.errors import NotFound

    row = oauth.get_client(session, body.client_id)
    if row is None:
        raise NotFound("unknown client")
    return ClientInfo(client_id=row.id, name=row.name, redirect_uris=row.uris())


@internal.post("/approve", response_model=CodeIssued)
async def approve(
    body: ApproveRequest, request: Request, _caller: ChatService, ctx: CtxDep
) -> CodeIssued | JSONResponse:
    guard: SignInGuard = request.app.state.sign_in
    try:
        scopes = oauth.normalize_scopes(" ".join(body.scopes))
    except oauth.OAuthError as exc:
        return _oauth_error(exc)
    user = await sign_in(guard, ctx.engine, body.username, body.password, body.client_address)
    code_request = oauth.CodeRequest(
        client_id=body.client_id,
        client_name=body.client_name,
        redirect_uri=body.redirect_uri,
        code_challenge=body.code_challenge,
        scopes=scopes,
        resource=body.resource,
    )

    def issue() -> str:
        with Session(ctx.engine) as session:
            return oauth.issue_code(session, user.id, code_request)

    try:
        code = await run_in_threadpool(issue)
    except oauth.OAuthError as exc:
        return _oauth_error(exc)
    return CodeIssued(code=code, user_id=user.id)


@internal.post("/token", response_model=oauth.TokenAnswer)
def token(
    body: TokenRequest, _caller: ChatService, session: SessionDep, ctx: CtxDep
) -> oauth.TokenAnswer | JSONResponse:
    ttl = timedelta(seconds=ctx.settings.user_token_ttl_seconds)
    try:
        if body.grant_type == "authorization_code":
            if not body.code or not body.redirect_uri:
                raise oauth.OAuthError("invalid_request", "code and redirect_uri are required")
            if not body.code_verifier:
                raise oauth.OAuthError("invalid_request", "code_verifier is required (PKCE)")
            return oauth.exchange_code(
                session,
                client_id=body.client_id,
                code=body.code,
                verifier=body.code_verifier,
                redirect_uri=body.redirect_uri,
                resource=body.resource,
                access_ttl=ttl,
            )
        if body.grant_type == "refresh_token":
            if not body.refresh_token:
                raise oauth.OAuthError("invalid_request", "refresh_token is required")
            return oauth.refresh(
                session,
                client_id=body.client_id,
                refresh_token=body.refresh_token,
                resource=body.resource,
                scope=body.scope,
                access_ttl=ttl,
            )
        raise oauth.OAuthError(
            "unsupported_grant_type", "authorization_code and refresh_token only"
        )
    except oauth.OAuthError as exc:
        return _oauth_error(exc)


class Introspection(oauth.AccessInfo):
    timezone: str


@internal.post("/introspect", response_model=Introspection)
def introspect(body: TokenQuery, _caller: ChatService, session: SessionDep) -> Introspection:
    """A live access token's user (active, with their time zone), scopes and resource; 401
    otherwise."""
    info = oauth.access_info(session, body.token)
    user = get_active_user(session, info.user_id)
    return Introspection(**info.model_dump(), timezone=user.timezone)


@grants.get("", response_model=list[oauth.GrantPublic], summary="Apps connected with OAuth")
def list_grants(principal: PrincipalDep, session: SessionDep) -> list[oauth.GrantPublic]:
    return oauth.list_grants(session, principal.user_id)


@grants.delete(
    "/{grant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such grant for this user"}},
    summary="Disconnect an app (its access and refresh tokens stop working at once)",
)
def revoke_grant(grant_id: TokenId, principal: PrincipalDep, session: SessionDep) -> Response:
    oauth.revoke_grant(session, principal.user_id, grant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
