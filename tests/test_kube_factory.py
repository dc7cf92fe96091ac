"""The factory builds the Kubernetes cluster from ``[kubernetes]`` (the simulated one without it),
lazily: the kubernetes client is imported on first use, not at start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.config import Loaded, load_settings
from console.factory import build_context
from console.sim.cluster import SimCluster
from console.sources.kubernetes import KubernetesCluster
from tests.fake_kube import FakeKube
from tests.kube_support import seed

ROOT = Path(__file__).resolve().parent.parent


def write_config(path: Path, kubeconfig: Path | None) -> Path:
    cluster = (
        f'[kubernetes]\nkubeconfig = "{kubeconfig}"\ncontext = "fake"\n\n' if kubeconfig else ""
    )
    path.write_text(
        cluster + '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
        'canary = "llama-v2"\nrouter = { kind = "istio", name = "llama-vs", '
        'stable_backend = "stable", canary_backend = "canary" }\n'
    )
    return path


def loaded(config: Path) -> Loaded:
    settings = load_settings(config)
    return Loaded(settings, settings.deployments[0], demo=False, config_path=config)


def test_a_kubernetes_section_builds_the_kubernetes_cluster(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube)
    kubeconfig = fake_kube.kubeconfig(tmp_path / "kubeconfig", context="fake", user="ops")
    ctx = build_context(loaded(write_config(tmp_path / "c.toml", kubeconfig)))
    try:
        assert isinstance(ctx.cluster, KubernetesCluster)
        state = ctx.cluster.read(ctx.deployment.spec())
        assert (state.route.kind, state.route.name, state.route.stable_weight) == (
            "istio",
            "llama-vs",
            100,
        )
        assert ctx.cluster.identity() == "ops@fake"
    finally:
        ctx.close()


def test_without_it_the_simulated_cluster_serves(tmp_path: Path) -> None:
    ctx = build_context(loaded(write_config(tmp_path / "c.toml", None)))
    try:
        assert isinstance(ctx.cluster, SimCluster)
    finally:
        ctx.close()


@pytest.mark.slow
def test_building_the_context_does_not_import_the_kubernetes_client(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    kubeconfig = fake_kube.kubeconfig(tmp_path / "kubeconfig", context="fake")
    config = write_config(tmp_path / "c.toml", kubeconfig)
    code = (
        "import sys, json\n"
        "from console.config import Loaded\n"
        "from console.config import load_settings\n"
        "from console.factory import build_context\n"
        f"s = load_settings(__import__('pathlib').Path({str(config)!r}))\n"
        "ctx = build_context(Loaded(s, s.deployments[0], False, None))\n"
        "print(json.dumps([type(ctx.cluster).__name__,"
        " any(m.split('.')[0] == 'kubernetes' for m in sys.modules)]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["KubernetesCluster", False]


def test_canary_status_reads_the_cluster(
    fake_kube: FakeKube, tmp_path: Path, capsys: object
) -> None:
    from console.cli import main

    seed(fake_kube)
    kubeconfig = fake_kube.kubeconfig(tmp_path / "kubeconfig", context="fake")
    config = write_config(tmp_path / "c.toml", kubeconfig)
    assert main(["canary", "status", "--config", str(config), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    assert out["weights"] == {"stable": 100, "canary": 0}
    assert out["replicas"] == {"stable": 4, "canary": 0}
    assert fake_kube.requests_to("GET", "/virtualservices/llama-vs")
    assert not fake_kube.requests_to("PATCH"), "status writes nothing"


def test_kubernetes_with_simulated_metrics_is_read_only(
    fake_kube: FakeKube, tmp_path: Path, capsys: object
) -> None:
    """Gates judged on simulated metrics must never change a real cluster."""
    from console.cli import main

    seed(fake_kube)
    kubeconfig = fake_kube.kubeconfig(tmp_path / "kubeconfig", context="fake")
    config = write_config(tmp_path / "c.toml", kubeconfig)
    assert main(["canary", "step", "--yes", "--config", str(config)]) == 3
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "read-only mode" in err and "without [prometheus]" in err
    assert not fake_kube.requests_to("PATCH"), "nothing written"
    assert not fake_kube.requests_to("PUT"), "nothing written"
    assert not fake_kube.requests_to("POST"), "nothing written, not even an Event"
