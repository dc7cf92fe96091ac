"""A fake Kubernetes API server on loopback for tests, honest to the facts in kubernetes.md."""

from tests.fake_kube.records import Request
from tests.fake_kube.server import FakeKube

__all__ = ["FakeKube", "Request"]
