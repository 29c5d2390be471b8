# The README's commands. Everything installs into .venv and ~/.cache/todo-assistant.
PY      := .venv/bin/python
UV      := .venv/bin/uv
STAMP   := .venv/.synced

.PHONY: setup run test test-under-load test-fast lint settings-doc prepare stack-up stack-down bench screenshots clean \
	k8s-prepare k8s-up k8s-down k8s-status test-k8s topology

# --compile-bytecode: this machine sets PYTHONDONTWRITEBYTECODE=1, so without installed .pyc
# files every `todo` process compiles ~700 modules again (seconds). The stamp depends on this
# Makefile so an existing venv is synced (and compiled) again when this rule changes.
$(STAMP): pyproject.toml uv.lock Makefile
	@test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	@test -x $(UV) || .venv/bin/pip install -q "uv==0.13.9"
	$(UV) sync --frozen --compile-bytecode --quiet
	@touch $(STAMP)

# The repo's own packages are an editable install: compile them on every setup (compileall
# skips files whose .pyc is current, so this is quick after the first time).
setup: $(STAMP)
	@$(PY) -m compileall -q -x '/(\.venv|\.files)/' launch agent backend_services chat_ui devtools

run: setup  ## the product, embedded, no API key needed
	.venv/bin/todo up

prepare: setup  ## system packages, daprd/scheduler, helm and Jaeger (built once), Kafka jars (fetched once)
	deploy/system/install.sh
	deploy/dapr/build.sh
	deploy/jaeger/build.sh
	deploy/kafka/fetch.sh
	deploy/helm-tools/build.sh

test: k8s-prepare  ## the whole suite: unit, API, PostgreSQL, real stack, browser, local cluster
	.venv/bin/pytest -q -p no:cacheprovider

# The suite twice in a row beside stress-ng (LOAD_WORKERS=2 LOAD_PERCENT=50 RUNS=2 by default):
# tests wait on conditions, never on timings, so a busy machine must not fail them.
test-under-load: prepare  ## `make test` RUNS times under background CPU load
	tests/under-load.sh

test-fast: setup  ## without the real stack or the browser
	.venv/bin/pytest -q -m "not stack and not browser"

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy launch backend_services agent chat_ui devtools

# components/ and the chart's templates/_topology.tpl from launch/topology.py (the one
# declaration of app ids, components, scopes; tests/deploy/test_topology_render.py checks them)
topology: setup
	$(PY) -m devtools.topology

# README.md's settings tables, from the settings models' field descriptions
# (backend_services/platform/config; tests/unit/test_settings_readme.py checks them)
settings-doc: setup
	$(PY) -m backend_services.platform.config.readme README.md

stack-up: prepare
	.venv/bin/todo stack up

stack-down: setup
	.venv/bin/todo stack down

# The local single-node Kubernetes cluster (deploy/k8s, devtools/k8s): binaries
# from the Go module proxy and images from a debootstrap base, both cached in
# ~/.cache/todo-assistant and rebuilt only when their inputs change.
k8s-prepare: prepare  ## the cluster's binaries and images (the Go builds and the image builds overlap)
	deploy/k8s/prepare.sh

k8s-up: k8s-prepare  ## cluster + Dapr + PostgreSQL + Kafka + the chart (dev values)
	.venv/bin/python -m devtools.k8s up --no-build

# Only the end-to-end tests on a fresh local cluster (`make test` runs them first, then
# everything else: see docs/deploy.md, "Local cluster").
test-k8s: k8s-prepare
	.venv/bin/pytest -q -p no:cacheprovider -m k8s tests/k8s

k8s-status: setup
	.venv/bin/python -m devtools.k8s status

k8s-down: setup  ## stop it all; removes its netns, veth, mounts, cgroups, processes
	.venv/bin/python -m devtools.k8s down

bench: prepare
	$(PY) -m devtools.bench.run_all

screenshots: prepare  ## docs/images/*.png (README): taken by the browser tests (desktop, phone, a browser in Berlin)
	TODO_SCREENSHOTS_DIR=docs/images .venv/bin/pytest -q -p no:cacheprovider \
		tests/browser/test_chat_browser.py \
		-k "login_page or three_sentences or reminder_cards or phone or browser_zone"

clean:
	rm -rf .data var .pytest_cache .mypy_cache .ruff_cache
