"""Entry point: ``crm`` and ``python -m crm_cli``."""

from __future__ import annotations


def main() -> None:
    from crm_cli.commands import app

    app()


if __name__ == "__main__":
    main()
