"""inference-console: a terminal console for operating live LLM inference deployments."""

__version__ = "0.1.0"
