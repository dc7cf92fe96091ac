"""All of the console's Textual code: the app (``app``: themes, bindings and the palette from
the one command table in ``keymap``), the typed messages workers post back (``messages``), the
canary keys mixed into the app (``canary_keys``), the screens and panes (``screens/``) and the
devtools entry (``app_dev``).

The only package under ``console/`` that may import Textual; it may import everything headless,
``widgets`` and ``themes``, and the factory that builds what it runs. Only the entry point
(``console.commands.run``) imports it."""
