"""Reusable Textual widgets: the compare panel and sparkline, the status header, the canary bar,
the key bar, the cost chart and the log view (``log_buffer`` ring buffer without Textual,
``log_render``, ``log_stream``), with their helpers (``safe_text`` for untrusted text,
``_strips``, ``_ring``) and the plain data they are given (``data``).

May import Textual and Rich only; never anything from ``console/``: data goes in as attributes,
intent comes out as messages."""
