"""What KServe's controller writes to an InferenceService's status, from its spec (kubernetes.md
§3): in Knative mode the predictor's traffic targets, once a first revision rolled out; in
Standard (RawDeployment) mode no revisions and no traffic split at all."""

from __future__ import annotations

import copy
from typing import Any

MODE = "serving.kserve.io/deploymentMode"


def knative(obj: dict[str, Any]) -> bool:
    mode = (obj.get("metadata", {}).get("annotations") or {}).get(MODE, "Knative")
    return mode in ("Knative", "Serverless")


def reconciled(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The status the controller would write for ``obj``; None when it would not change."""
    name = obj["metadata"]["name"]
    predictor = (obj.get("status") or {}).get("components", {}).get("predictor", {})
    if not knative(obj):
        want: dict[str, Any] = {"url": f"http://{name}-predictor.{obj['metadata']['namespace']}"}
    else:
        want = copy.deepcopy(predictor)
        percent = obj.get("spec", {}).get("predictor", {}).get("canaryTrafficPercent")
        latest = predictor.get("latestReadyRevision") or f"{name}-predictor-00001"
        rolled = predictor.get("latestRolledoutRevision")
        if percent is None or not rolled or rolled == latest:
            traffic = [{"latestRevision": True, "percent": 100, "revisionName": latest}]
        else:
            traffic = [{"latestRevision": True, "percent": int(percent), "revisionName": latest}]
            if percent < 100:
                traffic.append(
                    {"latestRevision": False, "percent": 100 - int(percent),
                     "revisionName": rolled, "tag": "prev"}
                )  # fmt: skip
        want["traffic"] = traffic
        want.setdefault("latestReadyRevision", latest)
    if want == predictor:
        return None
    status = copy.deepcopy(obj.get("status") or {})
    status.setdefault("components", {})["predictor"] = want
    return status
