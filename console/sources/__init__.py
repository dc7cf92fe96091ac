"""Backends behind small protocols (``base``: ``MetricsSource``, ``Cluster``, ``LogSource``):
metrics from Prometheus (``promql`` the HTTP client, ``selectors``, ``prometheus*``,
``recording``; the PromQL per engine is ``console.profiles``) or the simulated fleet (``sim``),
the cluster on Kubernetes (``kubernetes`` and ``k8s_*``), logs (``logs*``: a followed file, the
audit file, pod logs, Events and field managers) and the measured cost inputs (``cost_inputs``).

Headless: may import the domain model, the PromQL table, configuration, clock, units, errors,
the cost model (for its inputs) and the simulated fleet (for its sources), and httpx, urllib3
and the kubernetes client (loaded on first use); never Textual, the UI, the CLI or the factory."""
