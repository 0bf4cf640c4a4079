"""manifests/ and the Dockerfile stay true to the code: setting names and values, probe routes, the port, the
kustomization's file list and the database URL form. Nothing here starts a server or needs Docker/kubectl."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from starlette.routing import Match
from starlette.testclient import TestClient

from agent.settings import Settings
from agent.store.urls import async_url, sync_url
from responses_api import cli
from responses_api.app import create_app

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "manifests"
NAMESPACE = "ml-intern"
PREFIX = "ML_INTERN_"


def _load(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def _resource_files() -> list[Path]:
    return sorted(p for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")


def _all_docs() -> list[dict]:
    return [doc for path in _resource_files() for doc in _load(path)]


def _one(kind: str) -> dict:
    found = [doc for doc in _all_docs() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def _container() -> dict:
    (container,) = _one("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def _dockerfile_cmd() -> list[str]:
    match = re.search(r"^CMD\s+(\[.*\])\s*$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "the Dockerfile needs an exec-form CMD (the server must be PID 1 to get SIGTERM)"
    return json.loads(match.group(1))


def _serve(argv: list[str], monkeypatch, tmp_path) -> dict:
    """Run the real CLI entry point on ``argv`` with uvicorn.run captured: what host/port would it bind?"""
    assert argv[0] == "ml-intern-api", argv
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[argv[0]] == "responses_api.cli:main"
    captured: dict = {}
    monkeypatch.setattr(cli, "_isolate_huggingface_hub", lambda: None)  # it rewrites this process's environment
    import agent.log_context

    monkeypatch.setattr(agent.log_context, "configure_logging", lambda *_: None)
    monkeypatch.setattr(cli, "run_server", lambda app, **kwargs: captured.update(kwargs))
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", f"sqlite:///{tmp_path}/unused.db")
    cli.main(argv[1:])
    return captured


def _probes(container: dict) -> list[tuple[str, dict]]:
    return [(name, container[name]) for name in ("startupProbe", "readinessProbe", "livenessProbe") if name in container]


# ---------------------------------------------------------------- files


def test_every_manifest_parses_and_is_namespaced():
    assert _resource_files(), "manifests/ is empty"
    for path in [*_resource_files(), MANIFESTS / "kustomization.yaml"]:
        docs = _load(path)
        assert docs, f"{path.name} holds no document"
        for doc in docs:
            assert {"apiVersion", "kind"} <= doc.keys(), path.name
            if doc["kind"] in ("Kustomization", "Namespace"):
                continue
            assert doc["metadata"]["namespace"] == NAMESPACE, f"{path.name}: {doc['kind']} outside {NAMESPACE}"
    assert _one("Namespace")["metadata"]["name"] == NAMESPACE


def test_kustomization_lists_every_manifest_but_the_secret_template():
    kustomization = _load(MANIFESTS / "kustomization.yaml")[0]
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    for name in listed:
        assert (MANIFESTS / name).is_file(), f"kustomization lists a missing file: {name}"
    templates = {p.name for p in _resource_files() if p.name.endswith(".example.yaml")}
    expected = {p.name for p in _resource_files()} - templates
    assert set(listed) == expected, f"not listed: {expected - set(listed)}"
    # Re-applying must never overwrite the real database URL with the placeholder.
    assert "secret.example.yaml" in templates
    assert not any(doc["kind"] == "Secret" for name in listed for doc in _load(MANIFESTS / name))
    assert kustomization.get("namespace") == NAMESPACE


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed (the YAML checks above still ran)")
def test_kustomize_renders_offline():
    rendered = subprocess.run(["kubectl", "kustomize", str(MANIFESTS)], capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(rendered.stdout) if doc)
    assert kinds == sorted(doc["kind"] for name in _load(MANIFESTS / "kustomization.yaml")[0]["resources"]
                           for doc in _load(MANIFESTS / name))


# ---------------------------------------------------------------- settings


def _env_values() -> dict[str, str]:
    """Every ML_INTERN_* value the pods get: ConfigMap, Secret template, the container's literal env."""
    values = dict(_one("ConfigMap")["data"])
    values.update(_one("Secret")["stringData"])
    values.update({e["name"]: e["value"] for e in _container().get("env", []) if "value" in e})
    return {k: v for k, v in values.items() if k.startswith(PREFIX)}


def test_every_ml_intern_variable_is_a_setting():
    names = [*_one("ConfigMap")["data"], *_one("Secret")["stringData"], *(e["name"] for e in _container().get("env", []))]
    ours = [name for name in names if name.startswith(PREFIX)]
    assert ours, "no ML_INTERN_* variable found"
    for name in ours:
        assert name.removeprefix(PREFIX).lower() in Settings.model_fields, f"{name} is not a field of Settings"
    # Anything non-ML_INTERN_ in the ConfigMap or Secret would be silently ignored by the server.
    stray = [n for n in [*_one("ConfigMap")["data"], *_one("Secret")["stringData"]] if not n.startswith(PREFIX)]
    assert not stray, stray


def test_the_values_validate_as_settings(monkeypatch):
    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    for name, value in _env_values().items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # raises on a wrong type, a bad JSON list or an out-of-range limit
    assert not settings.is_sqlite
    # /mcp must accept the public hostname the ingress serves.
    for host in (rule["host"] for rule in _one("Ingress")["spec"]["rules"]):
        assert host in settings.mcp_allowed_hosts or f"{host}:*" in settings.mcp_allowed_hosts, host
        assert f"https://{host}" in settings.mcp_allowed_origins, host


def test_the_pods_read_the_configmap_and_the_secret_by_their_names():
    sources = _container()["envFrom"]
    assert {"configMapRef": {"name": _one("ConfigMap")["metadata"]["name"]}} in sources
    assert {"secretRef": {"name": _one("Secret")["metadata"]["name"]}} in sources


def test_the_secret_template_holds_a_postgresql_url_the_store_accepts():
    url = _one("Secret")["stringData"]["ML_INTERN_DATABASE_URL"]
    assert async_url(url).startswith("postgresql+psycopg://")
    assert sync_url(url).startswith("postgresql+psycopg://")
    assert "CHANGE-ME" in url, "the template must carry a placeholder password, never a real one"


# ---------------------------------------------------------------- probes, port, command


def test_probes_hit_routes_the_app_serves(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/unused.db"))
    container = _container()
    port_names = {p["name"] for p in container["ports"]}
    probes = _probes(container)
    assert {"readinessProbe", "livenessProbe"} <= {name for name, _ in probes}
    with TestClient(app, raise_server_exceptions=True) as client:  # the lifespan runs: the service is up
        for name, probe in probes:
            path, port = probe["httpGet"]["path"], probe["httpGet"]["port"]
            assert port in port_names, f"{name} targets an unknown port {port!r}"
            scope = {"type": "http", "path": path, "method": "GET"}
            assert any(route.matches(scope)[0] == Match.FULL for route in app.routes), f"{name}: no GET route {path}"
            answer = client.get(path)
            assert answer.status_code == 200, (name, answer.status_code, answer.text)
    readiness = dict(probes)["readinessProbe"]["httpGet"]["path"]
    assert readiness == "/readyz", "readiness must fail while draining or without a database, unlike liveness"


def test_the_container_port_is_the_port_the_serve_command_binds(monkeypatch, tmp_path):
    container = _container()
    (port,) = container["ports"]
    bound = _serve([*container["command"], *container.get("args", [])], monkeypatch, tmp_path)
    assert bound["host"] == "0.0.0.0" and bound["port"] == port["containerPort"]
    # The image's own CMD (used by a plain `docker run`) binds the same port on all interfaces.
    image_default = _serve(_dockerfile_cmd(), monkeypatch, tmp_path)
    assert image_default["host"] == "0.0.0.0" and image_default["port"] == port["containerPort"]
    assert f"EXPOSE {port['containerPort']}" in (ROOT / "Dockerfile").read_text()


def test_service_and_ingress_route_to_the_named_port():
    port_name = _container()["ports"][0]["name"]
    service = _one("Service")
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] == port_name
    assert service["spec"]["selector"].items() <= _one("Deployment")["spec"]["template"]["metadata"]["labels"].items()
    for rule in _one("Ingress")["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"]
            assert backend["port"] in ({"name": service_port["name"]}, {"number": service_port["port"]})
    annotations = _one("Ingress")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"  # SSE
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # wait_timeout_seconds max


# ---------------------------------------------------------------- rollout and shutdown


def test_rolling_update_keeps_capacity_and_the_pdb_selects_the_pods():
    deployment = _one("Deployment")
    assert deployment["spec"]["replicas"] >= 2
    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate" and strategy["rollingUpdate"]["maxUnavailable"] == 0
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert _one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_grace_period_covers_the_servers_own_shutdown(monkeypatch, tmp_path):
    """SIGTERM → preStop pause, then uvicorn's graceful window, then the lifespan marks turns
    incomplete/server_restart. The kubelet must not SIGKILL before that is written."""
    container = _container()
    bound = _serve(container["command"], monkeypatch, tmp_path)
    graceful = bound.get("timeout_graceful_shutdown")
    assert graceful is not None, "the server sets no graceful-shutdown bound: open streams could hold it forever"
    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pause = float(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0.0
    grace = _one("Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace >= pause + graceful + 15, (grace, pause, graceful)


def test_non_root_read_only_with_a_writable_tmp():
    pod = _one("Deployment")["spec"]["template"]["spec"]
    container = _container()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    # The CLI creates an empty HF_HOME under the temp dir at start-up.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    # The Deployment's uid is the image's user.
    user = re.search(r"^USER\s+(\d+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert user and int(user.group(1)) == pod["securityContext"]["runAsUser"]
    assert container["resources"]["limits"]["memory"] and container["resources"]["requests"]

