"""Complete objects as the API server returns them (the v37 client's models reject partial ones)."""

from __future__ import annotations

import hashlib
from typing import Any


def template_hash(name: str, image: str) -> str:
    """A pod-template-hash like the ReplicaSet controller's (10 lowercase alphanumerics)."""
    digest = hashlib.sha256(f"{name}/{image}".encode()).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(alphabet[int(digest[i : i + 2], 16) % len(alphabet)] for i in range(0, 20, 2))


def deployment(
    name: str, namespace: str, replicas: int, image: str = "vllm/vllm-openai:v0.6"
) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "server",
                            "image": image,
                            "ports": [{"containerPort": 8000, "protocol": "TCP"}],
                        }
                    ]
                },
            },
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {},
    }


def pod(dep: dict[str, Any], name: str, pod_hash: str, ready: bool, created: str) -> dict[str, Any]:
    meta = dep["metadata"]
    labels = dict(dep["spec"]["template"]["metadata"]["labels"], **{"pod-template-hash": pod_hash})
    container = dep["spec"]["template"]["spec"]["containers"][0]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": meta["namespace"],
            "labels": labels,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{meta['name']}-{pod_hash}",
                    "uid": hashlib.md5(f"{meta['uid']}/{pod_hash}".encode()).hexdigest(),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containers": [dict(container)],
            "nodeName": "gpu-node-1",
            "restartPolicy": "Always",
        },
        "status": pod_status(container, ready, created),
    }


def pod_status(container: dict[str, Any], ready: bool, created: str) -> dict[str, Any]:
    flag = "True" if ready else "False"
    state: dict[str, Any] = (
        {"running": {"startedAt": created}}
        if ready
        else {"waiting": {"reason": "ContainerCreating"}}
    )
    return {
        "phase": "Running" if ready else "Pending",
        "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": created},
            {"type": "Ready", "status": flag, "lastTransitionTime": created},
            {"type": "ContainersReady", "status": flag, "lastTransitionTime": created},
        ],
        "containerStatuses": [
            {
                "name": container["name"],
                "image": container["image"],
                "imageID": "" if not ready else f"docker-pullable://{container['image']}@sha256:0",
                "ready": ready,
                "started": ready,
                "restartCount": 0,
                "state": state,
            }
        ],
        "hostIP": "10.0.0.1",
        "startTime": created,
    }


def hpa(
    name: str, namespace: str, target: str, min_replicas: int, max_replicas: int
) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": min_replicas,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 80},
                    },
                }
            ],
        },
        "status": {"desiredReplicas": min_replicas, "currentReplicas": min_replicas},
    }


def httproute(
    name: str, namespace: str, stable: str, canary: str, weights: tuple[int, int], port: int = 8000
) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "parentRefs": [{"name": "inference-gw"}],
            "hostnames": [f"{name}.example.com"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}],
                    "backendRefs": [
                        {"name": stable, "port": port, "weight": weights[0]},
                        {"name": canary, "port": port, "weight": weights[1]},
                    ],
                },
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/health"}}],
                    "backendRefs": [{"name": stable, "port": port, "weight": 1}],
                },
            ],
        },
    }


def virtualservice(
    name: str, namespace: str, host: str, weights: tuple[int, int]
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "hosts": [f"{host}.{namespace}.svc.cluster.local"],
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": host, "subset": "stable"}, "weight": weights[0]},
                        {"destination": {"host": host, "subset": "canary"}, "weight": weights[1]},
                    ],
                },
                {
                    "name": "health",
                    "match": [{"uri": {"prefix": "/health"}}],
                    "route": [{"destination": {"host": host, "subset": "stable"}}],
                },
            ],
        },
    }


def inferenceservice(
    name: str, namespace: str, canary_percent: int | None, mode: str = "Knative"
) -> dict[str, Any]:
    """An InferenceService whose second revision is the latest (the first rolled out before it);
    the fake's KServe controller writes the traffic in its status from the spec."""
    predictor: dict[str, Any] = {
        "model": {
            "modelFormat": {"name": "huggingface"},
            "storageUri": "hf://meta-llama/Llama-3-8B",
        }
    }
    if canary_percent is not None:
        predictor["canaryTrafficPercent"] = canary_percent
    status: dict[str, Any] = {}
    if mode in ("Knative", "Serverless"):
        status = {
            "components": {
                "predictor": {
                    "latestCreatedRevision": f"{name}-predictor-00002",
                    "latestReadyRevision": f"{name}-predictor-00002",
                    "latestRolledoutRevision": f"{name}-predictor-00001",
                }
            }
        }
    obj = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {"serving.kserve.io/deploymentMode": mode},
        },
        "spec": {"predictor": predictor},
        "status": status,
    }
    from tests.fake_kube.kserve import reconciled

    obj["status"] = reconciled(obj) or status  # as the controller left it
    return obj
