"""Layering and start-up rules, checked in fresh interpreters."""

import pkgutil
import subprocess
import sys

import crm_cli

UI_MODULES = ("typer", "textual", "rich")
HEAVY = ("sqlmodel", "sqlalchemy", "textual", "openpyxl", "rapidfuzz", "rich", "python_calamine", "xlsxwriter")


def _domain_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(crm_cli.__path__, "crm_cli."):
        if info.name.startswith(("crm_cli.commands", "crm_cli.tui")) or info.name in ("crm_cli.__main__",):
            continue
        if ".migrations" in info.name:
            continue
        names.append(info.name)
    return names


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_domain_modules_do_not_import_ui_libraries() -> None:
    modules = _domain_modules()
    assert "crm_cli.customers" in modules
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules))
    assert not loaded & set(UI_MODULES)


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\nsys.argv = ['crm', '--help']\nfrom crm_cli.commands import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY)


def test_lazy_command_registry_matches_the_commands() -> None:
    """`crm --help` lists commands from a static registry (so start-up builds none of them): its one-line help must
    be the command's own, and every command must load."""
    from crm_cli.commands import COMMANDS, load_command

    for name, (_, _, short) in COMMANDS.items():
        command = load_command(name)
        own = " ".join((command.help or "").split())
        assert own.startswith(" ".join(short.split())), f"COMMANDS[{name!r}] help differs from the command's: {own[:80]!r}"


def test_starting_a_command_builds_only_its_group() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from crm_cli.commands import app; "
        "CliRunner().invoke(app, ['config', '--help']); "
        "print(sorted(m for m in sys.modules if m.startswith('crm_cli.commands.') and not m.endswith(('_common', '_out'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['crm_cli.commands.config']"


def test_every_command_module_is_registered() -> None:
    import crm_cli.commands as commands

    modules = {m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")}
    registered = {module for module, _, _ in commands.COMMANDS.values()}
    assert modules == registered, f"not in COMMANDS: {sorted(modules - registered)}"


MOVED = ("owner_id", "owned_since", "last_followup_at")  # columns of customer_owners since migration 0010


def _dotted(node: object) -> str:
    import ast

    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "?"


def test_no_code_reads_the_owner_columns_as_columns_of_customers() -> None:
    """``Customer.owner_id`` (and ``Customer.__table__.c.owner_id``) fail only when the line runs: SQL names
    ``CustomerOwner`` / ``customer_owners`` (crm_cli.access helpers). Checked statically, for paths no test takes."""
    import ast
    from pathlib import Path

    root = Path(crm_cli.__file__).parent
    found = []
    for path in [*root.rglob("*.py"), *(root.parent / "bench").glob("*.py")]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in MOVED and _dotted(node.value) in (
                    "Customer", "Customer.__table__.c", "models.Customer"):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno} {_dotted(node)}")
    assert found == []
