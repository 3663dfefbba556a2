"""The chart as an operator installs it: the README's own install command renders pods whose
every secretKeyRef exists, the cache URL and the salt live in Secrets, metrics have a port of
their own that the Ingress never routes, and the optional ServiceMonitor and NetworkPolicy."""

from __future__ import annotations

import asyncio
import base64
import re
import shlex
from typing import Any

import helm_python as helm
import kubernetes_validate  # type: ignore[import-untyped]  # the package ships no type hints
import pytest
from pytest_aiohttp import AiohttpServer

from adapter.metrics_server import METRICS_PATH
from tests.deploy.chart import CHART_DIR, NAMESPACE, RELEASE, ROOT, Rendered, render
from tests.deploy.kube_api import kubeconfig, start_kube_api
from tests.deploy.test_chart import CUSTOM_KINDS, NEWEST_KUBERNETES

README = ROOT / "README.md"
REDIS_URL = "rediss://:a-redis-password@redis.example.org:6380/0"


def _validate(rendered: Rendered) -> None:
    for manifest in rendered.manifests:
        if manifest["kind"] not in CUSTOM_KINDS:
            kubernetes_validate.validate(manifest, NEWEST_KUBERNETES, strict=True)


def _secret_refs(rendered: Rendered) -> dict[str, dict[str, str]]:
    """Each env variable of the Deployment's container that reads a Secret: its name and key."""
    return {
        entry["name"]: entry["valueFrom"]["secretKeyRef"]
        for entry in rendered.container.get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }


def _secret_data(rendered: Rendered) -> dict[str, dict[str, str]]:
    """The chart's own Secrets: name -> key -> decoded value."""
    return {
        secret["metadata"]["name"]: {
            key: base64.b64decode(value).decode() for key, value in secret["data"].items()
        }
        for secret in rendered.all("Secret")
    }


# ---- the README's install command ----


def _readme_commands() -> list[list[str]]:
    """The shell commands of README.md's code blocks, continuation lines joined, as argv."""
    text = README.read_text()
    commands: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            code = line.split(" #", 1)[0].strip()
            if code and not code.startswith("#"):
                commands.append(shlex.split(code, comments=True))
    return commands


def _readme_secret() -> tuple[str, set[str]]:
    """The README's `kubectl create secret generic NAME --from-literal=KEY=...`: name, keys."""
    (command,) = [
        c for c in _readme_commands() if c[:4] == ["kubectl", "create", "secret", "generic"]
    ]
    keys = {arg.split("=", 2)[1] for arg in command if arg.startswith("--from-literal=")}
    return command[4], keys


def _readme_install() -> tuple[str, str, dict[str, Any]]:
    """The README's `helm install RELEASE CHART --set ...`: release, chart path and the values
    its --set flags make, parsed by Helm's own strvals parser (flags joined as Helm joins them)."""
    (command,) = [c for c in _readme_commands() if c[:2] == ["helm", "install"]]
    release, chart = command[2], command[3]
    flags = command[4:]
    assert flags[::2] == ["--set"] * (len(flags) // 2), f"only --set flags expected: {flags}"
    return release, chart, helm.parse_set_string(",".join(flags[1::2]))


def test_readme_commands_are_found() -> None:
    """The README parser finds the Secret and the install command and what they say."""
    name, keys = _readme_secret()
    release, chart, values = _readme_install()
    assert name == "synapse-drs-adapter-credentials"
    assert keys == {"metadata-token", "cache-url", "cache-key-salt"}
    assert (release, chart) == ("drs", "helm/synapse-drs-adapter")
    assert values["ingress"]["hosts"][0]["paths"][0] == {"path": "/", "pathType": "Prefix"}
    assert values["replicaCount"] == 3


def test_readme_install_reads_every_secret_key_from_the_readme_secret() -> None:
    """`helm install` exactly as the README writes it renders valid manifests, and every
    secretKeyRef of the pod names the README's Secret and one of the keys it creates, so no
    pod stops at CreateContainerConfigError. The three secret settings are all there."""
    secret_name, secret_keys = _readme_secret()
    release, chart, values = _readme_install()
    assert (ROOT / chart).resolve() == CHART_DIR
    with helm.Chart.load(CHART_DIR) as loaded:
        rendered = Rendered(
            loaded.render(values, name=release, namespace=NAMESPACE, is_install=True)
        )
    _validate(rendered)
    refs = _secret_refs(rendered)
    assert set(refs) == {
        "ADAPTER_SYNAPSE_METADATA_TOKEN",
        "ADAPTER_CACHE_URL",
        "ADAPTER_CACHE_KEY_SALT",
    }
    for variable, ref in refs.items():
        assert ref["name"] == secret_name, variable
        assert ref["key"] in secret_keys, f"{variable} reads key {ref['key']!r}"
    assert rendered.all("Secret") == []  # the operator's Secret is the only one


def test_every_secret_ref_of_the_chart_secret_has_its_key() -> None:
    """With every secret given inline, each secretKeyRef names a Secret the chart renders and a
    key that Secret holds."""
    values = {
        "metadataToken": {"value": "token", "existingSecret": "", "key": "metadata-token"},
        "cacheUrl": {"value": REDIS_URL, "existingSecret": "", "key": "cache-url"},
        "cacheKeySalt": {"value": "salt", "existingSecret": "", "key": "cache-key-salt"},
    }
    rendered = render(values)
    data = _secret_data(rendered)
    for variable, ref in _secret_refs(rendered).items():
        assert ref["key"] in data[ref["name"]], variable
    _validate(rendered)


# ---- the cache URL and the salt ----


def test_cache_url_is_read_from_a_secret_never_from_the_configmap() -> None:
    """cacheUrl.value goes into the chart's Secret and reaches the pod by secretKeyRef; the URL
    (and its password) is in no other rendered file."""
    rendered = render({"cacheUrl": {"value": REDIS_URL, "existingSecret": "", "key": "cache-url"}})
    ref = _secret_refs(rendered)["ADAPTER_CACHE_URL"]
    assert _secret_data(rendered)[ref["name"]][ref["key"]] == REDIS_URL
    assert "ADAPTER_CACHE_URL" not in rendered.config
    for path, text in rendered.files.items():
        assert "a-redis-password" not in text, f"the Redis password is in {path}"
    existing = render({"cacheUrl": {"value": "", "existingSecret": "redis-creds", "key": "url"}})
    assert _secret_refs(existing)["ADAPTER_CACHE_URL"] == {"name": "redis-creds", "key": "url"}
    assert "ADAPTER_CACHE_URL" not in existing.config
    _validate(rendered)
    _validate(existing)


def test_a_shared_cache_without_a_salt_gets_one_salt_for_the_release() -> None:
    """cacheUrl set, cacheKeySalt not: the chart draws a salt into a Secret of its own, every
    pod reads it from there; without a shared cache no salt Secret is made."""
    rendered = render({"cacheUrl": {"value": "", "existingSecret": "creds", "key": "cache-url"}})
    ref = _secret_refs(rendered)["ADAPTER_CACHE_KEY_SALT"]
    assert ref == {"name": "drs-synapse-drs-adapter-cache-key-salt", "key": "cache-key-salt"}
    salt = _secret_data(rendered)[ref["name"]][ref["key"]]
    assert re.fullmatch(r"[A-Za-z0-9]{64}", salt)
    annotations = rendered.deployment["spec"]["template"]["metadata"]["annotations"]
    assert "checksum/secret" not in annotations  # a drawn salt never rolls the pods
    _validate(rendered)
    given = render(
        {
            "cacheUrl": {"value": "", "existingSecret": "creds", "key": "cache-url"},
            "cacheKeySalt": {"value": "", "existingSecret": "creds", "key": "salt"},
        }
    )
    assert _secret_refs(given)["ADAPTER_CACHE_KEY_SALT"] == {"name": "creds", "key": "salt"}
    assert given.all("Secret") == []
    assert "ADAPTER_CACHE_KEY_SALT" not in _secret_refs(render())


async def test_an_upgrade_keeps_the_salt_the_install_drew(aiohttp_server: AiohttpServer) -> None:
    """The install draws a salt; an upgrade rendered against a cluster that holds that Secret
    (Helm `lookup`, through a loopback Kubernetes API) keeps it byte for byte, while an
    upgrade against a cluster without it would draw anew."""
    values = {"cacheUrl": {"value": "", "existingSecret": "creds", "key": "cache-url"}}
    install = render(values)
    (drawn,) = install.all("Secret")
    for kept in ([drawn], []):
        server = await start_kube_api(aiohttp_server, kept, NAMESPACE)
        with (
            helm.Config(kubeconfig_content=kubeconfig(server, NAMESPACE)) as config,
            helm.Chart.load(CHART_DIR) as chart,
        ):
            files = await asyncio.to_thread(
                config.render, chart, values, name=RELEASE, namespace=NAMESPACE, is_upgrade=True
            )
        (upgraded,) = Rendered(files).all("Secret")
        assert (upgraded["data"] == drawn["data"]) is bool(kept)


# ---- metrics ----


def test_metrics_port_is_named_and_never_routed_by_the_ingress(production_render: Rendered) -> None:
    """The container port named metrics is ADAPTER_METRICS_PORT; the Service offers it under
    that name; every Ingress backend is the Service's http port, never metrics."""
    ports = {p["name"]: p["containerPort"] for p in production_render.container["ports"]}
    assert ports["metrics"] == int(production_render.config["ADAPTER_METRICS_PORT"])
    assert ports["metrics"] != ports["http"]
    service = production_render.one("Service")
    by_name = {p["name"]: p for p in service["spec"]["ports"]}
    assert by_name["metrics"]["targetPort"] == "metrics"
    ingress = production_render.one("Ingress")
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]["port"]
            assert backend == {"number": by_name["http"]["port"]}
            assert backend["number"] != by_name["metrics"]["port"]


def test_service_monitor_scrapes_the_metrics_port(
    production_render: Rendered, default_render: Rendered
) -> None:
    """The optional ServiceMonitor selects the chart's Service in the release namespace and
    scrapes its port named metrics at the path the metrics app serves."""
    assert default_render.all("ServiceMonitor") == []
    monitor = production_render.one("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    service = production_render.one("Service")
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["port"] == "metrics"
    assert endpoint["path"] == METRICS_PATH
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == ("30s", "10s")


def test_network_policy_opens_metrics_to_the_monitoring_namespace_only(
    production_render: Rendered, default_render: Rendered
) -> None:
    """The optional NetworkPolicy selects the pods; the http port is open, the metrics port
    only to metricsFrom; with no metricsFrom, the metrics port has no rule at all."""
    assert default_render.all("NetworkPolicy") == []
    policy = production_render.one("NetworkPolicy")
    pod_labels = production_render.deployment["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    http, metrics = policy["spec"]["ingress"]
    assert http == {"ports": [{"port": "http", "protocol": "TCP"}]}
    assert metrics["ports"] == [{"port": "metrics", "protocol": "TCP"}]
    assert metrics["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]
    closed = render({"networkPolicy": {"enabled": True, "httpFrom": [], "metricsFrom": []}})
    (only,) = closed.one("NetworkPolicy")["spec"]["ingress"]
    assert only["ports"] == [{"port": "http", "protocol": "TCP"}]
    _validate(closed)


@pytest.mark.parametrize("kube_version", ["1.25", NEWEST_KUBERNETES])
def test_network_policy_is_valid_kubernetes(production_render: Rendered, kube_version: str) -> None:
    kubernetes_validate.validate(production_render.one("NetworkPolicy"), kube_version, strict=True)
