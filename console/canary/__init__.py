"""Canary control: what an action will do (``plan``), how each kind of router carries it out
(``router`` → ``weights`` for HTTPRoute/Istio/KServe, ``replicas`` for the replica ratio; chosen
once in ``routers``), what it reports (``records``) and the controller that runs
intent → router → Event → outcome (``controller``); ``state`` reads the live split for the
dashboard.

Headless: imports the domain model, gates, audit, configuration and the source protocols; never
Textual, never the UI or the CLI."""

from console.canary.controller import CanaryController, ReadOnlyError
from console.canary.plan import Action, Plan, Split
from console.canary.records import Outcome, Progress
from console.canary.routers import router_for
from console.canary.writer import ProgressFn

__all__ = [
    "Action",
    "CanaryController",
    "Outcome",
    "Plan",
    "Progress",
    "ProgressFn",
    "ReadOnlyError",
    "Split",
    "router_for",
]
