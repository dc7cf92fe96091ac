"""Sub-commands of ``inference-console``, one module each (``snapshot``, ``canary``, ``audit``,
``cost``, ``prometheus``, ``sim``; ``run`` starts the console itself): each registers its own
parser and returns an exit status; ``common`` holds the shared options, exit statuses and
one-line error printing.

The CLI layer: may import the factory and everything headless, and ``console.tui`` only to start
the app; nothing but ``console.cli`` and the UI's devtools entry imports it."""
