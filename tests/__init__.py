"""The test suite. Shared pieces live in support modules, never in a test module: ``conftest``
(fixtures and rules for every test), ``support`` (the console from the factory), ``waiting``
(polling on state), ``tmux``, ``environment``, ``prom*`` (a real Prometheus), ``kube_support``,
``canary*_support``/``canary_kube_checks`` and ``fake_kube/`` (the fake API server)."""
