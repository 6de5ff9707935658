"""Command groups build a command only when it is invoked or listed; help and typo suggestions are unchanged."""

from __future__ import annotations

import pytest
import typer

from crm_cli.commands import COMMANDS, LazyCommands, load_command


def _eager(name: str) -> typer.core.TyperGroup:
    from importlib import import_module

    module_name, attribute, _ = COMMANDS[name]
    holder = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)
    holder.callback()(lambda: None)
    holder.add_typer(getattr(import_module(f"crm_cli.commands.{module_name}"), attribute), name=name)
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined,no-any-return]


def test_a_group_builds_only_the_command_asked_for() -> None:
    group = load_command("customer")
    assert isinstance(group, LazyCommands) and group.commands == {}
    assert group.get_command(None, "list").name == "list"
    assert list(group.commands) == ["list"]


@pytest.mark.parametrize("name", [n for n, (_, attr, _) in COMMANDS.items() if attr == "app"])
def test_a_lazy_group_lists_and_builds_what_typer_would(name: str) -> None:
    lazy, eager = load_command(name), _eager(name)
    assert lazy.list_commands(None) == eager.list_commands(None)  # type: ignore[arg-type]
    for cmd_name in eager.list_commands(None):  # type: ignore[arg-type]
        built, expected = lazy.get_command(None, cmd_name), eager.get_command(None, cmd_name)  # type: ignore[arg-type]
        assert built.help == expected.help
        assert [p.name for p in built.params] == [p.name for p in expected.params]  # type: ignore[union-attr]


def test_a_typo_still_gets_a_suggestion(cli) -> None:
    result = cli("customer", "lis")
    assert result.exit_code == 2
    assert "Did you mean 'list'?" in result.output
