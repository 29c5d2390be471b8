"""`helm lint` and `helm template` of deploy/helm/todo-assistant, and what the
rendered objects must say (sidecars, probes, security, RBAC, hooks, Ingress)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_services.platform.runtime_guard import is_runtime_path

from .conftest import (
    CHART,
    DEV_VALUES,
    KUBE_VERSION,
    Doc,
    Renderer,
    by_kind,
    by_name,
    run_helm,
    template,
)

STATELESS = {"task-service", "recurring-worker", "notification-service", "audit-service"}


@pytest.mark.parametrize("values", [(), (DEV_VALUES,)], ids=["default", "dev"])
def test_helm_lint(helm: Path, values: tuple[Path, ...]) -> None:
    args = ["lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION]
    for v in values:
        args += ["-f", str(v)]
    proc = run_helm(helm, args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["kafka.authType=sasl"], "kafka.authType must be"),
        (["kafka.authType=mtls", "kafka.tls.enabled=false"], "needs kafka.tls.enabled"),
        (["services.chat-ui.autoscaling.enabled=true"], "is not stateless"),
        (["secrets.create=true"], "needs secrets.databaseUrl"),
        (["kafka.brokers="], "kafka.brokers is required"),
    ],
)
def test_bad_values_fail_to_render(helm: Path, sets: list[str], message: str) -> None:
    proc = template(helm, sets=sets, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr


def _app_id(dep: Doc) -> str:
    return str(dep["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"])


def test_deployments_run_the_image_command_behind_a_sidecar(
    variant: tuple[str, list[Doc]],
) -> None:
    _, docs = variant
    deployments = by_kind(docs, "Deployment")
    assert len(deployments) == 6
    for dep in deployments:
        app = _app_id(dep)
        pod = dep["spec"]["template"]
        ann = pod["metadata"]["annotations"]
        assert ann["dapr.io/enabled"] == "true"
        assert ann["dapr.io/app-port"] == "8001"
        assert ann["dapr.io/enable-app-health-check"] == "true"
        assert ann["dapr.io/app-health-check-path"] == "/healthz"
        assert ann["dapr.io/log-as-json"] == "true"
        for key in ("cpu-request", "memory-request", "cpu-limit", "memory-limit"):
            assert ann[f"dapr.io/sidecar-{key}"], key
        (app_c,) = pod["spec"]["containers"]
        assert app_c["command"] == ["python", "-m", "launch.serve"]
        assert app_c["args"] == [
            app, "--host", "0.0.0.0", "--port", "8001", "--public-port", "8000",
            "--metrics-port", "9464", "--no-migrate",
        ]  # fmt: skip
        # the public listener and the metrics one (on no Service: test_chart_monitoring)
        assert [p["containerPort"] for p in app_c["ports"]] == [8000, 9464]
        env = {e["name"]: e for e in app_c["env"]}
        assert env["APP_ID"]["value"] == app
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert app_c[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, probe
        assert app_c["resources"]["requests"] and app_c["resources"]["limits"]
        assert pod["spec"]["serviceAccountName"].endswith(app)


def test_runtime_routes_are_unreachable_from_outside_and_need_the_app_token(
    render: Renderer,
) -> None:
    """Ingress paths never name a runtime-only route, and every app is reached from outside
    only on its public listener; daprd and the app share one token from one Secret."""
    docs = render()
    for ingress in by_kind(docs, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for entry in rule["http"]["paths"]:
                assert not is_runtime_path(entry["path"] + "/"), entry["path"]
                assert entry["backend"]["service"]["port"] == {"name": "http"}
    for svc in by_kind(docs, "Service"):
        assert [p["targetPort"] for p in svc["spec"]["ports"]] == ["http"]
    secrets = {d["metadata"]["name"]: d for d in by_kind(docs, "Secret")}
    token_secret = secrets["todo-todo-assistant-app-api-token"]
    assert len(token_secret["stringData"]["token"]) >= 32
    for dep in by_kind(docs, "Deployment"):
        pod = dep["spec"]["template"]
        assert pod["metadata"]["annotations"]["dapr.io/app-token-secret"] == (
            "todo-todo-assistant-app-api-token"
        )
        (app_c,) = pod["spec"]["containers"]
        env = {e["name"]: e for e in app_c["env"]}
        ref = env["APP_API_TOKEN"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "todo-todo-assistant-app-api-token", "key": "token"}
        http = next(p for p in app_c["ports"] if p["name"] == "http")
        assert str(http["containerPort"]) != pod["metadata"]["annotations"]["dapr.io/app-port"]
    own = render(sets=["appApiToken.existingSecret=mine"])
    assert "todo-todo-assistant-app-api-token" not in {
        d["metadata"]["name"] for d in by_kind(own, "Secret")
    }


def test_security_context_non_root_read_only(variant: tuple[str, list[Doc]]) -> None:
    _, docs = variant
    pods = [d["spec"]["template"]["spec"] for d in by_kind(docs, "Deployment")]
    pods += [j["spec"]["template"]["spec"] for j in by_kind(docs, "Job")]
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
            assert "/tmp" in mounts
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes["tmp"]


def test_chat_ui_has_a_writable_chainlit_files_dir(render: Renderer) -> None:
    dep = {_app_id(d): d for d in by_kind(render(), "Deployment")}["chat-ui"]
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    assert {"mountPath": "/app/chat_ui/.files", "name": "chainlit-files"} in c["volumeMounts"]


def test_least_rbac_covers_exactly_the_secrets_each_sidecar_reads(
    variant: tuple[str, list[Doc]],
) -> None:
    _, docs = variant
    roles = by_name(docs, "Role")
    bindings = by_name(docs, "RoleBinding")
    components = by_name(docs, "Component")
    assert components["secretstore"]["spec"]["type"] == "secretstores.kubernetes"
    assert by_kind(docs, "ClusterRole") == [] and by_kind(docs, "ClusterRoleBinding") == []
    for dep in by_kind(docs, "Deployment"):
        app = _app_id(dep)
        sa = dep["spec"]["template"]["spec"]["serviceAccountName"]
        binding = bindings[f"{sa}-secrets"]
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa, "namespace": "todo"}]
        (rule,) = roles[binding["roleRef"]["name"]]["rules"]
        assert rule["verbs"] == ["get"] and rule["resources"] == ["secrets"]
        allowed = set(rule["resourceNames"])
        needed = {"database-url", "auth-signing-key"}
        for comp in components.values():
            if app in comp.get("scopes", []):
                needed |= {
                    m["secretKeyRef"]["name"]
                    for m in comp["spec"]["metadata"]
                    if "secretKeyRef" in m
                }
        assert allowed == needed, app


def test_hpas_only_for_stateless_services(render: Renderer) -> None:
    hpas = by_kind(render(), "HorizontalPodAutoscaler")
    targets = {
        h["spec"]["scaleTargetRef"]["name"].removeprefix("todo-todo-assistant-") for h in hpas
    }
    assert targets == STATELESS
    assert by_kind(render(DEV_VALUES), "HorizontalPodAutoscaler") == []
    for dep in by_kind(render(), "Deployment"):
        has_replicas = "replicas" in dep["spec"]
        assert has_replicas == (_app_id(dep) not in STATELESS), _app_id(dep)


def test_pdbs_select_their_deployment(render: Renderer) -> None:
    docs = render()
    deps = by_name(docs, "Deployment")
    pdbs = by_name(docs, "PodDisruptionBudget")
    assert set(pdbs) == set(deps)
    for name, pdb in pdbs.items():
        labels = deps[name]["spec"]["template"]["metadata"]["labels"]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert pdb["spec"]["maxUnavailable"] == 1


def test_services_select_their_pods(variant: tuple[str, list[Doc]]) -> None:
    _, docs = variant
    deps = by_name(docs, "Deployment")
    for name, svc in by_name(docs, "Service").items():
        labels = deps[name]["spec"]["template"]["metadata"]["labels"]
        assert svc["spec"]["selector"].items() <= labels.items()
        assert svc["spec"]["ports"][0]["targetPort"] == "http"


def test_chat_ingress_pins_sessions_with_a_cookie(render: Renderer) -> None:
    ingresses = by_name(render(), "Ingress")
    chat = ingresses["todo-todo-assistant-chat"]
    ann = chat["metadata"]["annotations"]
    assert ann["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert ann["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
    assert int(ann["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 600
    backend = chat["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "todo-todo-assistant-chat-ui"
    api = ingresses["todo-todo-assistant-api"]
    assert "nginx.ingress.kubernetes.io/affinity" not in (api["metadata"].get("annotations") or {})
    assert by_kind(render(DEV_VALUES), "Ingress") == []


def test_migration_job_is_a_pre_install_hook_without_sidecar(
    variant: tuple[str, list[Doc]],
) -> None:
    _, docs = variant
    (job,) = by_kind(docs, "Job")
    ann = job["metadata"]["annotations"]
    assert ann["helm.sh/hook"] == "pre-install,pre-upgrade"
    pod = job["spec"]["template"]
    assert pod["metadata"]["annotations"]["dapr.io/enabled"] == "false"
    assert pod["spec"]["automountServiceAccountToken"] is False
    (c,) = pod["spec"]["containers"]
    assert c["command"] == ["python", "-m", "launch.cli", "migrate"]
    (env,) = c["env"]
    assert env["valueFrom"]["secretKeyRef"] == {"name": "database-url", "key": "database-url"}
    for secret in by_kind(docs, "Secret"):  # what the Job reads must exist before it
        if secret["metadata"]["name"] == "database-url":
            weight = int(secret["metadata"]["annotations"]["helm.sh/hook-weight"])
            assert weight < int(ann["helm.sh/hook-weight"])


def test_without_migration_job_services_migrate_themselves(render: Renderer) -> None:
    docs = render(sets=("migration.enabled=false",))
    assert by_kind(docs, "Job") == []
    for dep in by_kind(docs, "Deployment"):
        assert "--no-migrate" not in dep["spec"]["template"]["spec"]["containers"][0]["args"]


def test_kafka_auth_modes(render: Renderer) -> None:
    def kafka_md(*sets: str) -> dict[str, object]:
        comp = by_name(render(sets=sets), "Component")["pubsub"]
        return {m["name"]: m.get("value", m.get("secretKeyRef")) for m in comp["spec"]["metadata"]}

    sasl = kafka_md()
    assert sasl["authType"] == "password" and sasl["disableTls"] == "false"
    assert sasl["saslPassword"] == {"name": "todo-assistant", "key": "password"}
    assert sasl["caCert"] == {"name": "my-cluster-cluster-ca-cert", "key": "ca.crt"}
    plain_sasl = kafka_md("kafka.tls.enabled=false")
    assert plain_sasl["disableTls"] == "true" and "caCert" not in plain_sasl
    mtls = kafka_md("kafka.authType=mtls")
    assert {"clientCert", "clientKey", "caCert"} <= set(mtls) and "saslPassword" not in mtls
    none = by_name(render(DEV_VALUES), "Component")["pubsub"]
    assert {m["name"] for m in none["spec"]["metadata"]}.isdisjoint(
        {"disableTls", "caCert", "saslPassword"}
    )


def test_postgres_ca_reaches_app_and_sidecar(render: Renderer) -> None:
    docs = render(sets=("postgres.tls.enabled=true",))
    for dep in by_kind(docs, "Deployment"):
        pod = dep["spec"]["template"]
        assert pod["metadata"]["annotations"]["dapr.io/volume-mounts"] == "pg-ca:/etc/todo/pg-ca"
        names = {v["name"] for v in pod["spec"]["volumes"]}
        assert "pg-ca" in names


def test_access_control_denies_all_but_known_callers(render: Renderer) -> None:
    cfg = by_name(render(), "Configuration")["todo-config"]["spec"]
    acl = cfg["accessControl"]
    assert acl["defaultAction"] == "deny"
    # the code's call graph: task-service's admin API calls audit- and reminder-service,
    # notification-service asks task-service for time zones
    callers = {"chat-ui", "recurring-worker", "task-service", "notification-service"}
    assert {p["appId"] for p in acl["policies"]} == callers
    assert all(p["namespace"] == "todo" for p in acl["policies"])
