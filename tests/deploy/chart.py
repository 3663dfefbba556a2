"""Render the Helm chart with helm-python-sdk (the Helm Go SDK, no binary) and read the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = ROOT / "helm" / "synapse-drs-adapter"
PRODUCTION_VALUES = Path(__file__).with_name("values-production.yaml")
RELEASE = "drs"
NAMESPACE = "drs"

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    """The output of one `helm template`: the files as text, and the objects they hold."""

    files: dict[str, str]

    @property
    def manifests(self) -> list[Manifest]:
        objects: list[Manifest] = []
        for path, text in sorted(self.files.items()):
            if path.endswith(".yaml"):
                objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
        return objects

    def all(self, kind: str) -> list[Manifest]:
        return [m for m in self.manifests if m["kind"] == kind]

    def one(self, kind: str) -> Manifest:
        found = self.all(kind)
        assert len(found) == 1, f"expected one {kind}, rendered {len(found)}"
        return found[0]

    def text(self, template: str) -> str:
        return self.files[f"{CHART_DIR.name}/templates/{template}"]

    @property
    def deployment(self) -> Manifest:
        return self.one("Deployment")

    @property
    def container(self) -> Manifest:
        containers: list[Manifest] = self.deployment["spec"]["template"]["spec"]["containers"]
        assert len(containers) == 1
        return containers[0]

    @property
    def config(self) -> dict[str, str]:
        data: dict[str, str] = self.one("ConfigMap")["data"]
        return data

    @property
    def test_pod(self) -> Manifest:
        pods = [
            p for p in self.all("Pod") if p["metadata"]["annotations"]["helm.sh/hook"] == "test"
        ]
        assert len(pods) == 1
        return pods[0]


def production_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(PRODUCTION_VALUES.read_text())
    return values


def render(values: dict[str, Any] | None = None) -> Rendered:
    """`helm template drs <chart> --namespace drs [-f values]`; raises helm_python.HelmError."""
    with helm.Chart.load(CHART_DIR) as chart:
        return Rendered(chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True))


def chart_metadata() -> dict[str, Any]:
    with helm.Chart.load(CHART_DIR) as chart:
        return chart.metadata
