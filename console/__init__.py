"""inference-console: a terminal console for operating live LLM inference deployments.

One package per layer, data flowing sources → core → screen: ``sources`` and ``sim`` (backends
behind protocols), the headless core (``model``, ``gates``, ``audit``, ``present``, ``units``,
``clock``, ``errors`` here; ``canary``, ``cost``, ``config``), ``tui`` (all Textual code) and
``commands`` (the CLI), assembled by ``factory`` into a ``context``. Only ``tui`` imports
Textual, and nothing below the UI imports it, the CLI or the factory; ARCHITECTURE.md says why."""

__version__ = "0.1.0"
