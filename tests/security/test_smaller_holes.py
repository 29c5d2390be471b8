"""The smaller holes of the hostile review: credentialed CORS for any origin, day-long CLI
tokens, world-readable data, remote images from user text."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest

from backend_services.platform.secrets_file import AUTH_SIGNING_KEY, read_local_secret
from chat_ui.safe_text import InertImageStream, inert_images
from launch import cli
from launch.embedded import EmbeddedGateway, create_embedded_app
from tests.support.embedded_env import make_settings

EVIL = "https://evil.example"
FRIEND = "https://friend.example"


@pytest.fixture
async def ui(tmp_path: Path) -> AsyncIterator[EmbeddedGateway]:
    gw = create_embedded_app(make_settings(tmp_path, allowed_origins=[FRIEND]), with_ui=True)
    async with gw.running():
        yield gw


@pytest.mark.anyio
async def test_the_chat_ui_answers_only_allowed_origins_with_credentials(
    ui: EmbeddedGateway,
) -> None:
    transport = httpx.ASGITransport(app=ui)
    async with httpx.AsyncClient(transport=transport, base_url="http://todo") as client:
        for method in ("GET", "OPTIONS"):
            headers = {"origin": EVIL, "access-control-request-method": "GET", "cookie": "a=b"}
            resp = await client.request(method, "/auth/config", headers=headers)
            assert resp.headers.get("access-control-allow-origin") not in (EVIL, "*"), method
        ok = await client.get("/auth/config", headers={"origin": FRIEND, "cookie": "a=b"})
        assert ok.headers.get("access-control-allow-origin") == FRIEND


def test_cli_tokens_live_as_long_as_the_docs_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["token", "--user", "alice"]) == 0
    token = capsys.readouterr().out.strip()
    key = read_local_secret(tmp_path / "secrets.json", AUTH_SIGNING_KEY)
    claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert cli.main(["token", "--user", "alice", "--ttl", "3600"]) == 0
    longer = jwt.decode(capsys.readouterr().out.strip(), key, algorithms=["HS256"])
    assert longer["exp"] - longer["iat"] == 3600
    assert cli.main(["token", "--user", "alice", "--ttl", "0"]) == 2


def test_a_new_data_dir_is_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    gw = create_embedded_app(make_settings(data), with_ui=False)
    assert isinstance(gw, EmbeddedGateway)
    cli._first_user(make_settings(data))
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("todo.db", "secrets.json", "first-login.txt"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name


@pytest.mark.parametrize(
    "text",
    [
        "![x](https://evil.example/pixel.png)",
        "call mom ![](http://evil.example/a.png) now",
        "![ref][1]\n\n[1]: https://evil.example/a.png",
    ],
)
def test_user_text_never_renders_as_an_image(text: str) -> None:
    shown = inert_images(text)
    assert "![" not in shown.replace("!\\[", "")
    assert shown.replace("\\[", "[") == text  # nothing else changes: the title reads as typed


def test_streamed_text_is_made_inert_across_chunk_boundaries() -> None:
    stream = InertImageStream()
    chunks = ["Added: pay rent! and ", "look !", "[x](https://evil.example/p.png)", " done!"]
    shown = "".join(stream.feed(c) for c in chunks) + stream.flush()
    assert shown == "Added: pay rent! and look !\\[x](https://evil.example/p.png) done!"


def test_resolving_the_database_url_never_reopens_a_live_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing any descriptor of a SQLite file drops this process's locks on it (POSIX):
    the permission fix must not open an existing database (it corrupted writes under load)."""
    import os

    settings = make_settings(tmp_path)
    settings.resolved_database_url()  # creates it, 0600
    (tmp_path / "todo.db").chmod(0o644)

    def no_open(*_args: object, **_kw: object) -> int:
        raise AssertionError("opened an existing database file")

    monkeypatch.setattr(os, "open", no_open)
    settings.resolved_database_url()
    assert stat.S_IMODE((tmp_path / "todo.db").stat().st_mode) == 0o600
