"""Screens and panes: the dashboard (``dashboard``: the poll loop), the logs pane
(``logs_pane``), the header's data (``header_data``: a pure function of the dashboard's state),
help, the cost screen, and the confirmation and mirror-percentage dialogs.

May import Textual, ``widgets``, the headless core, and ``console.tui``'s messages and keymap
(the app class for types only)."""
