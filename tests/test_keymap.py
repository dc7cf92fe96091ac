"""The command table: unique ids and keys, bindings and help generated from it."""

from __future__ import annotations

from console.tui import keymap
from console.tui.screens.help import help_content


def test_ids_and_keys_are_unique_including_reserved() -> None:
    ids = [c.id for c in keymap.COMMANDS]
    keys = [c.key for c in keymap.COMMANDS]
    assert len(ids) == len(set(ids))
    assert len(keys) == len(set(keys))


def test_bindings_cover_available_commands_only() -> None:
    bound = {b.id for b in keymap.bindings()}
    assert bound == {c.id for c in keymap.available()}
    assert not any(c.reserved for c in keymap.COMMANDS if c.id in bound)
    assert {"step", "revert", "emergency-revert", "mirror", "cancel"} <= bound


def test_write_actions_are_marked() -> None:
    assert {"step", "revert", "emergency_revert", "mirror"} <= keymap.WRITE_ACTIONS
    assert "quit" not in keymap.WRITE_ACTIONS


def test_help_lists_every_available_command() -> None:
    text = help_content().plain
    for command in keymap.available():
        assert command.title in text
        assert command.help in text


def test_help_in_read_only_mode_lists_no_write_key_and_says_why() -> None:
    text = help_content("--read-only").plain
    assert "read-only (--read-only)" in text
    for command in keymap.available():
        if command.writes:
            assert f" {command.title} " not in text, command.title
    assert "Emergency revert" in help_content().plain


def test_help_columns_never_run_into_each_other() -> None:
    for line in help_content().plain.splitlines():
        for command in keymap.available():
            if f" {command.title}" in line and command.help in line:
                assert f"{command.title}  " in line, line
