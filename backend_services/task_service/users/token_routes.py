"""Personal access tokens of the signed-in user: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from backend_services.kernel import tokens
from backend_services.kernel.accounts import get_active_user
from backend_services.platform.app_support import PrincipalDep, SessionDep
from backend_services.platform.errors import Forbidden
from backend_services.platform.ids import TokenId
from backend_services.platform.rest_write_limit import rest_write_limit

router = APIRouter(prefix="/tokens", tags=["tokens"], dependencies=[Depends(rest_write_limit)])


@router.post(
    "",
    response_model=tokens.TokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {
            "description": "Called with a personal access token, or the admin scope "
            "asked for by a non-admin"
        }
    },
    summary="Create a personal access token (its secret is shown only in this response)",
)
def create_token(
    body: tokens.TokenCreate, principal: PrincipalDep, session: SessionDep
) -> tokens.TokenCreated:
    if principal.via_pat:
        # a leaked token must not be able to leave a child that outlives its revocation
        raise Forbidden("a personal access token cannot create tokens; sign in to create one")
    user = get_active_user(session, principal.user_id)
    return tokens.create(session, user.id, body, is_admin=user.role == "admin")


@router.get("", response_model=list[tokens.TokenPublic], summary="Your access tokens")
def list_tokens(principal: PrincipalDep, session: SessionDep) -> list[tokens.TokenPublic]:
    return tokens.list_for(session, principal.user_id)


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such token for this user"}},
    summary="Revoke an access token (immediately)",
)
def revoke_token(token_id: TokenId, principal: PrincipalDep, session: SessionDep) -> Response:
    tokens.revoke(session, principal.user_id, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
