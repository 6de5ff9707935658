"""`crm merge`: merge duplicate customers into one; `crm merge undo ID`; `crm merge list`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crm_cli.commands import _common, _out
from crm_cli.commands._common import read_session, write_session


def _parse_take(pairs: list[str] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip().lstrip("#").isdigit():
            raise typer.BadParameter(f"{pair!r}: use --take FIELD=ID, e.g. --take phone=42")
        out[name.strip()] = int(value.strip().lstrip("#"))
    return out


def merge_cmd(
    refs: Annotated[list[str], typer.Argument(help="KEEP OTHER... (ids, codes or names); or: undo MERGE_ID; or: list")],
    take: Annotated[list[str] | None, typer.Option("--take", help="FIELD=ID: take this field from that record (repeatable)")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask field by field, even in a terminal")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Merge customers into the first one: empty fields are filled from the others, contacts, follow-ups and history
    move over, the others are deleted. In a terminal it asks field by field where the records differ.

    Examples: crm merge 12 57 --take phone=57 · crm merge undo 3 · crm merge list
    """
    if refs and refs[0] == "undo":
        if len(refs) != 2 or not refs[1].isdigit():
            raise typer.BadParameter("usage: crm merge undo MERGE_ID (see crm merge list)")
        _undo(int(refs[1]), as_json)
        return
    if refs and refs[0] == "list":
        _list(as_json)
        return
    if len(refs) < 2:
        raise typer.BadParameter("give the customer to keep and at least one other: crm merge KEEP OTHER...")
    from crm_cli import customers, merge

    picks = _parse_take(take)
    with write_session() as (session, user, clock):
        keep = customers.resolve_customer(session, refs[0], user=user)
        others = [customers.resolve_customer(session, r, user=user) for r in refs[1:]]
        if not picks and not yes and _common.is_interactive():
            picks = _ask_fields(keep, others, merge.conflicting_fields(keep, others))
        record = merge.merge_customers(session, user=user, clock=clock, keep=keep, others=others, take=picks)
        result = {"merge_id": record.id, "kept": record.keep_id, "merged": record.other_ids}
    if as_json:
        _out.print_json(result)
    else:
        _out.ok(f"Merged {', '.join(f'#{i}' for i in record.other_ids)} into #{record.keep_id} (merge {record.id}; "
                f"undo: crm merge undo {record.id})")


def _ask_fields(keep: Any, others: list[Any], conflicts: list[tuple[str, list[tuple[int, Any]]]]) -> dict[str, int]:
    picks: dict[str, int] = {}
    if not conflicts:
        return picks
    _out.info(f"Merging {', '.join(f'#{o.id}' for o in others)} into #{keep.id}. Choose each differing field:")
    for name, values in conflicts:
        _out.info(f"{name}:")
        for n, (cid, value) in enumerate(values, 1):
            _out.info(f"  [{n}] #{cid}{' (kept)' if cid == keep.id else ''}: {value}")
        while True:
            choice = typer.prompt(f"{name} from", default=1, type=int, err=True)
            if 1 <= choice <= len(values):
                break
            _out.warn(f"choose a number from 1 to {len(values)}")
        picks[name] = values[choice - 1][0]
    return picks


def _undo(merge_id: int, as_json: bool) -> None:
    from crm_cli import merge

    with write_session() as (session, user, clock):
        record = merge.undo_merge(session, user=user, clock=clock, merge_id=merge_id)
        restored = [record.keep_id, *record.other_ids]
    if as_json:
        _out.print_json({"merge_id": merge_id, "restored": restored})
    else:
        _out.ok(f"Undid merge {merge_id}: restored {', '.join(f'#{i}' for i in restored)}")


def _list(as_json: bool) -> None:
    from crm_cli import customers, merge

    with read_session() as (session, _user, clock):
        records = merge.list_merges(session)
        names = customers.usernames(session, {r.user_id for r in records})
    rows = [{"id": r.id, "at": r.at.astimezone(clock.tz) if r.at else None, "user": names.get(r.user_id),  # type: ignore[arg-type]
             "kept": r.keep_id, "merged": ", ".join(f"#{i}" for i in r.other_ids),
             "undone": r.undone_at.astimezone(clock.tz) if r.undone_at else None} for r in records]
    if as_json:
        _out.print_json([r.model_dump(exclude={"snapshot"}) for r in records])
        return
    _out.emit_list("table", [("id", "Merge"), ("at", "When"), ("user", "By"), ("kept", "Kept"), ("merged", "Merged"),
                             ("undone", "Undone")], rows, title="Merges")
