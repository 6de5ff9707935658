"""`crm dedupe`: clusters of likely duplicates across the whole database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session


def dedupe_cmd(
    min_score: Annotated[int | None, typer.Option("--min-score", help="Score 0–100 (default: setting dedupe.min_score, 80)")] = None,
    owner: Annotated[list[str] | None, typer.Option("--owner", help="Only clusters with a customer of: me, a user name, pool (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: {clusters: [{customers, pairs}]}")] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the clusters to this .xlsx file")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many clusters in the table (0: all)")] = 50,
) -> None:
    """Find clusters of likely duplicate customers (blocking + fuzzy scoring; merge them with `crm merge`).

    Example: crm dedupe --min-score 85 --owner me --xlsx duplicates.xlsx
    """
    from crm_cli import customers, dedupe

    if min_score is not None and not 1 <= min_score <= 100:
        raise typer.BadParameter("--min-score must be from 1 to 100")
    with read_session() as (session, user, _clock):
        clusters = dedupe.find_clusters(session, user=user, min_score=min_score, owners=owner)
        found = customers.customers_by_id(session, {i for c in clusters for i in c.customers})
        owners = customers.usernames(session, {c.owner_id for c in found.values()})
    if xlsx is not None:
        write_xlsx(xlsx, clusters, found, owners)
        _out.ok(f"Wrote {len(clusters)} clusters to {xlsx}")
    if as_json:
        _out.print_json({"clusters": [
            {"customers": c.customers,
             "pairs": [{"a": p.a, "b": p.b, "score": p.score, "reasons": p.reasons} for p in c.pairs]}
            for c in clusters]})  # fmt: skip
        return
    if xlsx is not None:
        return
    if not clusters:
        _out.info("no likely duplicates found")
        return
    rows = []
    for n, cluster in enumerate(clusters[: limit or None], 1):
        best: dict[int, Any] = {}
        for p in cluster.pairs:
            for i in (p.a, p.b):
                if i not in best or p.score > best[i].score:
                    best[i] = p
        for k, i in enumerate(cluster.customers):
            c = found[i]
            pair = best.get(i)
            rows.append({
                "cluster": n if k == 0 else None, "id": i, "name": c.name,
                "owner": owners.get(c.owner_id, "(pool)") if c.owner_id else "(pool)", "phone": c.phone,
                "score": pair.score if pair else None,
                "why": (f"vs #{pair.b if pair.a == i else pair.a}: " + ", ".join(pair.reasons)) if pair else None,
            })  # fmt: skip
    caption = f"{len(clusters)} clusters" + (f", first {limit} shown (--limit 0 for all)" if limit and len(clusters) > limit else "")
    _out.print_table([("cluster", "#"), ("id", "ID"), ("name", "Name"), ("owner", "Owner"), ("phone", "Phone"),
                      ("score", "Score"), ("why", "Why")], rows, title="Likely duplicates", caption=caption)
    _out.info("merge a cluster with: crm merge KEEP_ID OTHER_ID...")


def write_xlsx(path: Path, clusters: list[Any], found: dict[int, Any], owners: dict[int, str]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Duplicates")
    ws.append(["Cluster", "Customer ID", "Name", "Owner", "Phone", "E-mail", "Address", "Best score", "Reasons"])
    for n, cluster in enumerate(clusters, 1):
        for i in cluster.customers:
            c = found[i]
            mine = [p for p in cluster.pairs if i in (p.a, p.b)]
            top = max(mine, key=lambda p: p.score) if mine else None
            ws.append([n, i, c.name, owners.get(c.owner_id, "") if c.owner_id else "(pool)", c.phone, c.email,
                       c.address, top.score if top else None,
                       "; ".join(f"#{p.b if p.a == i else p.a} {p.score}: {', '.join(p.reasons)}" for p in mine)])
    ws2 = wb.create_sheet("Pairs")
    ws2.append(["Cluster", "A", "B", "Score", "Reasons"])
    for n, cluster in enumerate(clusters, 1):
        for p in cluster.pairs:
            ws2.append([n, p.a, p.b, p.score, ", ".join(p.reasons)])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
