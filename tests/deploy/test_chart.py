"""The Helm chart, linted and rendered by the Helm Go SDK (helm-python-sdk), its manifests checked
against Kubernetes' own schemas (kubernetes-validate) and against the service they deploy."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import sys
import tomllib
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]  # the package ships no type hints
import pytest
import yaml
from aiohttp.test_utils import TestServer

from adapter.app import create_app
from adapter.settings import Settings
from tests.deploy.chart import (
    CHART_DIR,
    ROOT,
    Rendered,
    chart_metadata,
    production_values,
    render,
)
from tests.deploy.dockerfile import read_stages

# The newest Kubernetes whose schemas kubernetes-validate ships, pinned so a package upgrade
# changes nothing silently; the chart's declared minimum (Chart.yaml kubeVersion) is checked too.
NEWEST_KUBERNETES = "1.37"
MINIMUM_KUBERNETES = "1.25"

EXISTING_SECRET = "synapse-drs-adapter-credentials"
# Kinds whose schema is a CRD's, which kubernetes-validate does not ship: checked field by field.
CUSTOM_KINDS = frozenset({"ServiceMonitor"})
INLINE_TOKEN = "inline-metadata-token-for-tests"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what a container must listen on, asserted
TMP = "/tmp"  # noqa: S108 - the mount path under test, no file is made there


def _pod_spec(rendered: Rendered) -> dict[str, Any]:
    spec: dict[str, Any] = rendered.deployment["spec"]["template"]["spec"]
    return spec


def _env_by_name(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def _image_user() -> tuple[int, int]:
    uid, _, gid = read_stages()[-1].all("USER")[-1].args.partition(":")
    return int(uid), int(gid or uid)


# ---- lint and schema ----


@pytest.mark.parametrize("values_name", ["default", "production"])
def test_chart_lints_without_warnings(values_name: str) -> None:
    """`helm lint --strict` finds no error and no warning, with default and production values."""
    values = production_values() if values_name == "production" else None
    report = helm.lint(CHART_DIR, values, strict=True, namespace="drs")
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_chart_metadata_is_a_v2_application_at_the_package_version() -> None:
    """Chart.yaml: apiVersion v2, an application, appVersion = the project's version (0.1.0)."""
    metadata = chart_metadata()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert metadata["apiVersion"] == "v2"
    assert metadata["type"] == "application"
    assert metadata["appVersion"] == project["version"] == "0.1.0"


def test_default_values_pass_their_own_schema() -> None:
    """values.yaml is valid against values.schema.json."""
    with helm.Chart.load(CHART_DIR) as chart:
        chart.validate_schema(chart.values)
        chart.validate_schema(production_values())


def test_values_schema_is_a_valid_draft_07_schema() -> None:
    """values.schema.json is itself a valid JSON Schema (draft-07, which every Helm 3 and 4
    understands), and a second implementation accepts values.yaml against it."""
    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(
        yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    )


BAD_VALUES: dict[str, str] = {
    "typo at the top": "replicaCont: 3\n",
    "wrong case": "synapseURL: https://repo-prod.prod.sagebase.org\n",
    "typo in a block": "image:\n  repository: x\n  pullPolicy: IfNotPresent\n  tags: v1\n",
    "typo in the secret block": "metadataToken:\n  existingSecrets: creds\n",
    "log level not Python's": "logLevel: info\n",
    "unknown log format": "logFormat: text\n",
    "port as a string": "port: '8080'\n",
    "port out of range": "port: 70000\n",
    "cache URL not redis": "cacheUrl:\n  value: http://redis:6379\n",
    "cache URL as plain text": "cacheUrl: redis://redis:6379/0\n",
    "metrics port in extraEnv": "extraEnv:\n  ADAPTER_METRICS_PORT: '9100'\n",
    "ServiceMonitor flag typo": "serviceMonitor:\n  enable: true\n",
    "drs hostname with a scheme": "drsHostname: https://drs.example.org\n",
    "secret in extraEnv": "extraEnv:\n  ADAPTER_SYNAPSE_METADATA_TOKEN: abc\n",
    "chart-managed variable in extraEnv": "extraEnv:\n  ADAPTER_PORT: '9000'\n",
    "token both inline and existing": "metadataToken:\n  value: abc\n  existingSecret: creds\n",
    "probe field typo": "livenessProbe:\n  periodSecond: 10\n",
    "unknown service type": "service:\n  type: Ingress\n  port: 80\n",
    "HPA flag typo": "autoscaling:\n  enable: true\n",
    "PDB flag as text": "podDisruptionBudget:\n  enabled: 'yes'\n",
}


@pytest.mark.parametrize("document", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_schema_rejects_an_invalid_values_file(document: str) -> None:
    """A values file with a typo'd key or a bad value fails both `helm template` and `helm lint`."""
    values = helm.values_from_yaml(document)
    with pytest.raises(helm.HelmValuesError, match="schema"):
        render(values)
    report = helm.lint(CHART_DIR, values, strict=True)
    assert report["errors"], f"helm lint accepted {document!r}"


def test_grace_period_not_above_shutdown_timeout_fails_to_render() -> None:
    """The chart refuses a terminationGracePeriodSeconds that would kill pods mid-drain."""
    with pytest.raises(helm.HelmRenderError, match="terminationGracePeriodSeconds"):
        render({"shutdownTimeoutSeconds": 30, "terminationGracePeriodSeconds": 30})


# ---- every manifest is valid Kubernetes ----


def test_kubernetes_validation_is_not_vacuous() -> None:
    """The strict validator used below rejects a misspelt field, so a pass means something."""
    bad = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": 80, "targetPort": "http"}], "selectr": {}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, NEWEST_KUBERNETES, strict=True)


@pytest.mark.parametrize("kube_version", [MINIMUM_KUBERNETES, NEWEST_KUBERNETES])
def test_every_rendered_manifest_is_valid_kubernetes(
    any_render: Rendered, kube_version: str
) -> None:
    """Each object validates strictly against the schemas of the oldest Kubernetes the chart
    declares and of the newest kubernetes-validate knows."""
    assert re.search(rf">=\s*{re.escape(MINIMUM_KUBERNETES)}\.", chart_metadata()["kubeVersion"])
    assert kubernetes_validate.latest_version().startswith(NEWEST_KUBERNETES)
    for manifest in any_render.manifests:
        if manifest["kind"] not in CUSTOM_KINDS:
            kubernetes_validate.validate(manifest, kube_version, strict=True)


# ---- what is rendered ----


def test_default_render_makes_the_core_objects_only(default_render: Rendered) -> None:
    """Defaults: Deployment, Service, ConfigMap, ServiceAccount, the test Pod; nothing optional."""
    kinds = sorted(m["kind"] for m in default_render.manifests)
    assert kinds == ["ConfigMap", "Deployment", "Pod", "Service", "ServiceAccount"]
    assert default_render.deployment["spec"]["replicas"] == 1


def test_production_render_adds_ingress_hpa_and_pdb(production_render: Rendered) -> None:
    """Production: an Ingress with TLS to the Service, an autoscaling/v2 HPA that owns the replica
    count, and a policy/v1 PodDisruptionBudget over the pods."""
    deployment = production_render.deployment
    name = deployment["metadata"]["name"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = production_render.one("Service")

    hpa = production_render.one("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    assert "replicas" not in deployment["spec"]  # the HPA's to set

    pdb = production_render.one("PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] == 2
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()

    ingress = production_render.one("Ingress")
    assert ingress["spec"]["tls"] == [
        {"hosts": ["drs.example.org"], "secretName": "drs-example-org-tls"}
    ]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "drs.example.org"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {
        "name": service["metadata"]["name"],
        "port": {"number": service["spec"]["ports"][0]["port"]},
    }


def test_service_selects_the_pods_on_the_named_http_port(any_render: Rendered) -> None:
    """The Service's selector matches the pod labels and targets the container port named http."""
    service = any_render.one("Service")
    pod_labels = any_render.deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_probes_ask_healthz_and_readyz_on_the_http_port_8080(any_render: Rendered) -> None:
    """Liveness GETs /healthz and readiness /readyz, both on the container port http = 8080, the
    port the ConfigMap tells the service to listen on."""
    container = any_render.container
    assert container["ports"] == [
        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
    ]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert any_render.config["ADAPTER_PORT"] == "8080"


def test_probe_and_helm_test_paths_are_get_routes_of_the_service(default_render: Rendered) -> None:
    """The paths the kubelet and `helm test` ask exist as GET routes in the app's route table."""
    app = create_app(Settings())
    get_routes = {
        r.resource.canonical for r in app.router.routes() if r.method == "GET" and r.resource
    }
    container = default_render.container
    test_url = default_render.test_pod["spec"]["containers"][0]["command"][2]
    (service_info_path,) = re.findall(r"http://[^/\"]+(/[^\"]+)", test_url)
    for path in (
        container["livenessProbe"]["httpGet"]["path"],
        container["readinessProbe"]["httpGet"]["path"],
        service_info_path,
    ):
        assert path in get_routes, f"{path} is not a GET route of the service"


# ---- configuration ----


def _expected_config(production: bool) -> dict[str, Any]:
    common: dict[str, Any] = {
        "host": ALL_INTERFACES,
        "port": 8080,
        "synapse_url": "https://repo-prod.prod.sagebase.org",
    }
    if not production:
        return {
            **common,
            "drs_hostname": None,
            "log_level": "INFO",
            "log_format": "json",
            "max_bulk_request_length": 1000,
            "shutdown_timeout_s": 10.0,
            "metrics_port": 9090,
        }
    return {
        **common,
        "drs_hostname": "drs.example.org",
        "log_level": "WARNING",
        "log_format": "json",
        "max_bulk_request_length": 500,
        "shutdown_timeout_s": 20.0,
        "metrics_port": 9090,
        "retry_budget_s": 15.0,
        "cache_ttl_s": 120.0,
        "cors_allow_origins": ["https://app.example.org"],
    }


@pytest.mark.parametrize("values_name", ["default", "production"])
def test_configmap_loads_into_settings(
    values_name: str,
    default_render: Rendered,
    production_render: Rendered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ConfigMap's data, as the pod's environment, is accepted by Settings and gives the
    values the chart was asked for; it carries no secret."""
    rendered = production_render if values_name == "production" else default_render
    for name in [n for n in os.environ if n.upper().startswith("ADAPTER_")]:
        monkeypatch.delenv(name)
    for name, value in rendered.config.items():
        assert isinstance(value, str), f"{name} is not a string in the ConfigMap"
        monkeypatch.setenv(name, value)
    settings = Settings()
    expected = _expected_config(values_name == "production")
    assert {field: getattr(settings, field) for field in expected} == expected
    assert settings.synapse_metadata_token is None
    assert settings.cache_key_salt is None
    assert settings.cache_url is None  # a Secret's, never the ConfigMap's


def test_configmap_omits_unset_optional_settings(default_render: Rendered) -> None:
    """Empty drsHostname and cacheUrl set no variable (the request's Host, an in-memory cache)."""
    assert "ADAPTER_DRS_HOSTNAME" not in default_render.config
    assert "ADAPTER_CACHE_URL" not in default_render.config


def test_config_change_rolls_the_pods(default_render: Rendered) -> None:
    """The pod template carries the ConfigMap's checksum: a setting change changes it, a replica
    count change does not."""
    annotations = default_render.deployment["spec"]["template"]["metadata"]["annotations"]
    expected = hashlib.sha256(default_render.text("configmap.yaml").encode()).hexdigest()
    assert annotations["checksum/config"] == expected

    def checksum(values: dict[str, Any]) -> str:
        annotations = render(values).deployment["spec"]["template"]["metadata"]["annotations"]
        return str(annotations["checksum/config"])

    assert checksum({"logLevel": "DEBUG"}) != expected
    assert checksum({"replicaCount": 2}) == expected


def test_grace_period_covers_the_prestop_sleep_and_the_shutdown_timeout(
    any_render: Rendered,
) -> None:
    """A preStop sleep keeps the pod serving while it leaves the Service's endpoints; then
    SIGTERM and the drain. terminationGracePeriodSeconds exceeds the sleep plus
    ADAPTER_SHUTDOWN_TIMEOUT_S, so requests drain before SIGKILL."""
    command = any_render.container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    sleep = int(command[1])
    assert sleep == 5
    grace = _pod_spec(any_render)["terminationGracePeriodSeconds"]
    assert grace > sleep + float(any_render.config["ADAPTER_SHUTDOWN_TIMEOUT_S"])


def test_grace_period_shorter_than_the_prestop_sleep_and_drain_fails_to_render() -> None:
    with pytest.raises(helm.HelmRenderError, match="preStopSleepSeconds"):
        render(
            {
                "preStopSleepSeconds": 10,
                "shutdownTimeoutSeconds": 20,
                "terminationGracePeriodSeconds": 30,
            }
        )
    assert "lifecycle" not in render({"preStopSleepSeconds": 0}).container


# ---- secrets ----


def test_production_secrets_come_from_the_existing_secret(production_render: Rendered) -> None:
    """With metadataToken.existingSecret the token env var is a secretKeyRef to that Secret,
    the chart renders no Secret, and the ConfigMap holds no such variable."""
    env = _env_by_name(production_render.container)
    assert env["ADAPTER_SYNAPSE_METADATA_TOKEN"] == {
        "name": "ADAPTER_SYNAPSE_METADATA_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": EXISTING_SECRET, "key": "metadata-token"}},
    }
    assert env["ADAPTER_CACHE_KEY_SALT"]["valueFrom"]["secretKeyRef"] == {
        "name": EXISTING_SECRET,
        "key": "cache-key-salt",
    }
    assert env["ADAPTER_CACHE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": EXISTING_SECRET,
        "key": "cache-url",
    }
    assert production_render.all("Secret") == []
    assert "ADAPTER_SYNAPSE_METADATA_TOKEN" not in production_render.config
    assert "ADAPTER_CACHE_URL" not in production_render.config
    annotations = production_render.deployment["spec"]["template"]["metadata"]["annotations"]
    assert "checksum/secret" not in annotations


def test_default_render_has_no_secret_and_no_token_env(default_render: Rendered) -> None:
    """Without a metadata credential nothing secret is rendered or referenced."""
    assert default_render.all("Secret") == []
    assert "env" not in default_render.container


def test_inline_token_goes_to_a_chart_secret_never_to_the_configmap() -> None:
    """metadataToken.value makes a Secret holding the token, the env var refers to it, and the
    token appears in no other rendered file."""
    rendered = render(
        {"metadataToken": {"value": INLINE_TOKEN, "existingSecret": "", "key": "token"}}
    )
    secret = rendered.one("Secret")
    assert base64.b64decode(secret["data"]["token"]).decode() == INLINE_TOKEN
    ref = _env_by_name(rendered.container)["ADAPTER_SYNAPSE_METADATA_TOKEN"]["valueFrom"]
    assert ref == {"secretKeyRef": {"name": secret["metadata"]["name"], "key": "token"}}
    encoded = base64.b64encode(INLINE_TOKEN.encode()).decode()
    for path, text in rendered.files.items():
        assert INLINE_TOKEN not in text, f"the token is in {path}"
        if not path.endswith("secret.yaml"):
            assert encoded not in text, f"the token is in {path}"
    annotations = rendered.deployment["spec"]["template"]["metadata"]["annotations"]
    assert (
        annotations["checksum/secret"]
        == hashlib.sha256(rendered.text("secret.yaml").encode()).hexdigest()
    )
    for manifest in rendered.manifests:
        kubernetes_validate.validate(manifest, NEWEST_KUBERNETES, strict=True)


# ---- hardening ----


def _assert_hardened(pod_spec: dict[str, Any], uid: int, gid: int) -> None:
    pod = pod_spec["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert (pod["runAsUser"], pod["runAsGroup"], pod["fsGroup"]) == (uid, gid, gid)
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod_spec["automountServiceAccountToken"] is False
    for container in pod_spec["containers"]:
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True
        assert (context["runAsUser"], context["runAsGroup"]) == (uid, gid)
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert context.get("privileged", False) is False


def test_pods_are_hardened_as_the_image_user(any_render: Rendered) -> None:
    """The Deployment's and the test Pod's securityContexts are hardened and run as the image's
    numeric USER, so runAsNonRoot holds."""
    uid, gid = _image_user()
    _assert_hardened(_pod_spec(any_render), uid, gid)
    _assert_hardened(any_render.test_pod["spec"], uid, gid)


def test_tmp_is_a_writable_emptydir(any_render: Rendered) -> None:
    """With a read-only root filesystem, /tmp is an emptyDir mounted in the container."""
    volumes = {v["name"]: v for v in _pod_spec(any_render)["volumes"]}
    mounts = {m["mountPath"]: m for m in any_render.container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts[TMP]["name"]]
    assert not mounts[TMP].get("readOnly", False)


def test_container_has_resources_and_the_chart_image(any_render: Rendered) -> None:
    """The container has requests and a memory limit, and runs the image the values name."""
    resources = any_render.container["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert "memory" in resources["limits"]
    assert any_render.container["image"].endswith(":0.1.0")


# ---- helm test ----


def test_helm_test_pod_asks_service_info_through_the_service(any_render: Rendered) -> None:
    """The `helm test` hook Pod runs the app's own image and asks the Service for
    /ga4gh/drs/v1/service-info with python (no extra image)."""
    pod = any_render.test_pod
    service = any_render.one("Service")
    (container,) = pod["spec"]["containers"]
    assert pod["spec"]["restartPolicy"] == "Never"
    assert container["image"] == any_render.container["image"]
    assert container["command"][:2] == ["python", "-c"]
    url = f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/ga4gh/drs/v1/service-info"
    assert f'"{url}"' in container["command"][2]


async def test_helm_test_script_passes_against_the_real_service(
    default_render: Rendered, adapter_server: TestServer
) -> None:
    """The test Pod's script, pointed at the running service instead of the Service's DNS name,
    exits 0 on its service-info, and fails on an answer that is not DRS service-info."""
    script: str = default_render.test_pod["spec"]["containers"][0]["command"][2]
    service_url = re.search(r'"(http://[^"]+)"', script)
    assert service_url is not None

    async def run(path: str) -> int:
        local = f"http://127.0.0.1:{adapter_server.port}{path}"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script.replace(service_url.group(1), local)
        )
        return await asyncio.wait_for(process.wait(), timeout=30)

    assert await run("/ga4gh/drs/v1/service-info") == 0
    assert await run("/healthz") != 0


def test_notes_point_at_the_drs_base_url(
    production_render: Rendered, default_render: Rendered
) -> None:
    """NOTES.txt names the public DRS base URL with an Ingress, and how to reach it without one."""
    assert "https://drs.example.org/ga4gh/drs/v1" in production_render.text("NOTES.txt")
    assert "port-forward" in default_render.text("NOTES.txt")


def test_production_values_file_is_valid_yaml_with_the_production_shape() -> None:
    """The production values the tests use: 3 replicas, HPA, PDB, Ingress with TLS, Redis, and
    the metadata token from an existing Secret."""
    values = yaml.safe_load((ROOT / "tests" / "deploy" / "values-production.yaml").read_text())
    assert values["replicaCount"] == 3
    assert values["autoscaling"]["enabled"]
    assert values["podDisruptionBudget"]["enabled"]
    assert values["ingress"]["enabled"]
    assert values["ingress"]["tls"]
    assert values["cacheUrl"]["existingSecret"] == EXISTING_SECRET
    assert values["metadataToken"]["existingSecret"] == EXISTING_SECRET
    assert values["drsHostname"] == "drs.example.org"
