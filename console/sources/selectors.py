"""PromQL label matchers that select exactly the pods of one Kubernetes Deployment."""

from __future__ import annotations

import re

from console.model import DeploymentSpec, Track

#: Kubernetes' "safe" alphabet (no vowels, no 0/1/3): pod-template hashes and pod-name suffixes
#: are drawn from it, so it never spells a word such as "shadow".
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SAFE = f"[{SAFE_ALPHABET}]"
_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def regex_escape(text: str) -> str:
    """Escape RE2 metacharacters so ``text`` matches itself literally."""
    return "".join(f"\\{c}" if c in _RE2_SPECIAL else c for c in text)


def promql_string(text: str) -> str:
    """``text`` as a double-quoted PromQL string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def pod_pattern(deployment: str) -> str:
    """The regular expression (fully anchored, as Prometheus applies it) for the pod names of
    ``deployment``: ``<deployment>-<pod-template-hash: 1-10 safe chars>-<5 safe chars>``."""
    return f"{regex_escape(deployment)}-{_SAFE}{{1,10}}-{_SAFE}{{5}}"


def pods_pattern(deployments: list[str] | tuple[str, ...]) -> str:
    """One pattern matching the pods of any of ``deployments``."""
    return "|".join(f"(?:{pod_pattern(d)})" for d in deployments)


def track_selector(
    namespace: str,
    deployment: str | list[str] | tuple[str, ...],
    label: str = "pod",
    namespace_label: str = "namespace",
) -> str:
    """Label matchers (without braces) for the pods of ``deployment`` in ``namespace``.

    ``llama-v1`` matches ``llama-v1-7d9c5b8f4-x2x9k`` but neither ``llama-v1-shadow-…`` nor
    ``llama-v10-…``. ``label``/``namespace_label`` name the labels that carry the pod and namespace
    (``exported_pod``/``exported_namespace`` for DCGM scraped without honor_labels).
    """
    pattern = pod_pattern(deployment) if isinstance(deployment, str) else pods_pattern(deployment)
    return f"{namespace_label}={promql_string(namespace)},{label}=~{promql_string(pattern)}"


def matches(deployment: str, pod: str) -> bool:
    """Whether ``pod`` belongs to ``deployment`` (Python's fullmatch; RE2 agrees on this subset)."""
    return re.fullmatch(pod_pattern(deployment), pod) is not None


def track_placeholders(
    spec: DeploymentSpec, overrides: dict[Track, str] | None = None
) -> dict[Track, dict[str, str]]:
    """The template placeholders of each track (see ``console.profiles``): ``sel`` (or
    the configured selector override), ``gpu_sel``, ``gpu_pod_sel``, ``deployment_sel``, and
    ``rec_sel``, the labels of the track's recorded series (``console.sources.recording``). The
    raw queries and the recording rules are both built from this, so they cannot disagree."""
    out: dict[Track, dict[str, str]] = {}
    for track, deployment in spec.tracks():
        ns = spec.namespace
        out[track] = {
            "sel": (overrides or {}).get(track) or track_selector(ns, deployment),
            "gpu_sel": track_selector(
                ns, deployment, label="exported_pod", namespace_label="exported_namespace"
            ),
            "gpu_pod_sel": track_selector(ns, deployment),
            "deployment_sel": (
                f"namespace={promql_string(ns)},deployment={promql_string(deployment)}"
            ),
            "rec_sel": f"namespace={promql_string(ns)},track={promql_string(deployment)}",
        }
    return out
