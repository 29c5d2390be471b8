"""The trace viewer Jaeger serves on the stack (deploy/jaeger/ui): the configuration points the
query extension at it, every file the page loads is there and on the same origin, and a
running Jaeger started with another configuration is recognised (so `up` restarts it)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from devtools.stack import jaeger

PORTS = jaeger.JaegerPorts(
    otlp_http=4318, query=16686, query_grpc=16685, health=13133, metrics=8888
)


def test_query_extension_serves_the_viewer_from_the_repository() -> None:
    rendered = yaml.safe_load(jaeger.config(PORTS))
    query = rendered["extensions"]["jaeger_query"]
    assets = Path(query["ui"]["assets_path"])
    assert assets == jaeger.UI_ASSETS and (assets / "index.html").is_file()
    assert query["http"]["endpoint"] == "127.0.0.1:16686"


def test_the_page_loads_only_its_own_files_with_relative_urls() -> None:
    index = (jaeger.UI_ASSETS / "index.html").read_text(encoding="utf-8")
    # Jaeger rewrites this tag for a base_path; the page's URLs are relative to it
    assert '<base href="/"' in index
    referenced = re.findall(r'(?:src|href)="([^"]+)"', index)
    assets = [ref for ref in referenced if ref.startswith("static/")]
    assert assets, referenced
    for ref in assets:  # Jaeger serves static/* from the directory as files
        assert (jaeger.UI_ASSETS / ref).is_file(), ref
    for path in [jaeger.UI_ASSETS / "index.html", *(jaeger.UI_ASSETS / "static").iterdir()]:
        text = path.read_text(encoding="utf-8")
        # nothing from a CDN or another host: only same-origin paths
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name


def test_trace_url_is_the_viewers_page_of_one_trace() -> None:
    ui = PORTS.ui_url
    assert jaeger.trace_url(ui, "ab" * 16) == f"http://127.0.0.1:16686/trace/{'ab' * 16}"
    assert jaeger.trace_url(ui + "/", "ab" * 16) == f"http://127.0.0.1:16686/trace/{'ab' * 16}"


def test_a_jaeger_started_with_another_configuration_is_not_current(tmp_path: Path) -> None:
    assert not jaeger.config_is_current(tmp_path, PORTS)  # never started here
    (tmp_path / "config.yaml").write_text(jaeger.config(PORTS), encoding="utf-8")
    assert jaeger.config_is_current(tmp_path, PORTS)
    # as written before the viewer was served: no ui section
    before = "\n".join(
        line
        for line in jaeger.config(PORTS).splitlines()
        if "ui:" not in line and "assets_path" not in line
    )
    (tmp_path / "config.yaml").write_text(before, encoding="utf-8")
    assert not jaeger.config_is_current(tmp_path, PORTS)
