"""A loopback stand-in for the two Kubernetes API reads Helm's `lookup "v1" "Secret"` makes:
the v1 resource list (discovery) and GET of one Secret. It holds the Secrets a test puts in it,
so a cluster-aware render (helm_python.Config.render) sees them as a cluster would."""

from __future__ import annotations

from typing import Any

import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

SECRETS = web.AppKey("secrets", dict[tuple[str, str], dict[str, Any]])
_SECRET_RESOURCE = {
    "name": "secrets",
    "singularName": "secret",
    "namespaced": True,
    "kind": "Secret",
    "verbs": ["get", "list"],
}


async def _core_v1(_request: web.Request) -> web.Response:
    return web.json_response(
        {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": "v1",
            "resources": [_SECRET_RESOURCE],
        }
    )


async def _secret(request: web.Request) -> web.Response:
    key = (request.match_info["namespace"], request.match_info["name"])
    found = request.app[SECRETS].get(key)
    if found is None:
        return web.json_response(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": "NotFound",
                "code": 404,
            },
            status=404,
        )
    return web.json_response(found)


async def start_kube_api(
    aiohttp_server: AiohttpServer, secrets: list[dict[str, Any]], namespace: str
) -> TestServer:
    """Serve `secrets` (Secret manifests) as if they lived in `namespace`."""
    app = web.Application()
    app[SECRETS] = {
        (namespace, s["metadata"]["name"]): {
            **s,
            "metadata": {**s["metadata"], "namespace": namespace},
        }
        for s in secrets
    }
    app.router.add_get("/api/v1", _core_v1)
    app.router.add_get("/api/v1/namespaces/{namespace}/secrets/{name}", _secret)
    server: TestServer = await aiohttp_server(app)
    return server


def kubeconfig(server: TestServer, namespace: str) -> str:
    """A kubeconfig whose one cluster is the stand-in (plain HTTP on loopback)."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "loopback", "cluster": {"server": str(server.make_url(""))}}],
            "users": [{"name": "test", "user": {"token": "kube-api-test-token"}}],
            "contexts": [
                {
                    "name": "test",
                    "context": {"cluster": "loopback", "user": "test", "namespace": namespace},
                }
            ],
            "current-context": "test",
        }
    )
