"""The README's tour runs as shown: every `$ crm ...` line of its "A tour" section, in order, on a fresh demo
database as the demo rep, with the exit code the README shows (`$ echo $?` after a command), else 0."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def tour_commands() -> list[tuple[list[str], int]]:
    text = README.read_text(encoding="utf-8")
    tour = text[text.index("## A tour"):]
    tour = tour[: tour.index("\n## ", 1)]
    commands: list[tuple[list[str], int]] = []
    for block in re.findall(r"```console\n(.*?)```", tour, flags=re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ crm "):
                continue
            expected = 0
            rest = [x for x in lines[i + 1 :] if x.startswith("$ ")]
            if rest and rest[0] == "$ echo $?":
                after = lines[lines.index("$ echo $?", i) + 1]
                expected = int(after.strip())
            commands.append((shlex.split(line[2:])[1:], expected))
    return commands


def test_the_readme_tour_has_commands() -> None:
    assert len(tour_commands()) >= 20


def test_every_tour_command_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from crm_cli.commands import app
    from crm_cli.demo import build_demo

    db = tmp_path / "demo.db"
    build_demo(db, customers=300)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_USER", "wang.fang")
    monkeypatch.delenv("CRM_NOW", raising=False)
    runner = CliRunner()
    failures: list[str] = []
    for argv, expected in tour_commands():
        result: Any = runner.invoke(app, argv, catch_exceptions=False)
        if result.exit_code != expected:
            failures.append(f"crm {shlex.join(argv)} → exit {result.exit_code} (README: {expected}): "
                            f"{(result.stderr or result.stdout)[-300:]}")
    assert not failures, "\n".join(failures)
