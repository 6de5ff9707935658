"""`crm dedupe`: clusters of likely duplicates across the whole database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

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
        found: dict[int, Any] = {}
        owners: dict[int, str] = {}
        if xlsx is not None or not as_json:  # JSON needs only the ids: no customer objects to load
            found = customers.customers_by_id(session, {i for c in clusters for i in c.customers})
            owners = customers.usernames(session, {c.owner_id for c in found.values()})
    if xlsx is not None:
        write_xlsx(xlsx, clusters, found, owners)
        _out.ok(f"Wrote {_out.count(len(clusters), 'cluster')} to {xlsx}")
    if as_json:
        write_json(sys.stdout, clusters)
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
    caption = _out.count(len(clusters), 'cluster') + (f", first {limit} shown (--limit 0 for all)" if limit and len(clusters) > limit else "")
    _out.print_table([("cluster", "#"), ("id", "ID"), ("name", "Name"), ("owner", "Owner"), ("phone", "Phone"),
                      ("score", "Score"), ("why", "Why")], rows, title="Likely duplicates", caption=caption)
    _out.info("merge a cluster with: crm merge KEEP_ID OTHER_ID...")


def write_json(stream: TextIO, clusters: list[Any]) -> None:
    """Write ``{"clusters": [{"customers": [...], "pairs": [{"a", "b", "score", "reasons"}]}]}`` exactly as
    ``json.dumps(..., ensure_ascii=False, indent=2)`` would (the other commands' --json), cluster by cluster:
    json's indenting encoder is pure Python and took seconds for half a million pairs."""
    import json

    if not clusters:
        stream.write('{\n  "clusters": []\n}\n')
        return
    quoted: dict[str, str] = {}

    def reasons_of(reasons: list[str]) -> str:
        if not reasons:
            return "[]"
        items = []
        for r in reasons:
            q = quoted.get(r)
            if q is None:
                q = quoted[r] = json.dumps(r, ensure_ascii=False)
            items.append(q)
        return "[\n            " + ",\n            ".join(items) + "\n          ]"

    stream.write('{\n  "clusters": [')
    for n, cluster in enumerate(clusters):
        customers = ",\n        ".join(str(i) for i in cluster.customers)
        parts = ["\n    {" if n == 0 else ",\n    {",
                 '\n      "customers": ' + (f"[\n        {customers}\n      ]" if customers else "[]") + ",",
                 '\n      "pairs": ']  # fmt: skip
        if cluster.pairs:
            parts.append("[" + ",".join(
                f'\n        {{\n          "a": {p.a},\n          "b": {p.b},\n          "score": {p.score},'
                f'\n          "reasons": {reasons_of(p.reasons)}\n        }}' for p in cluster.pairs) + "\n      ]")
        else:
            parts.append("[]")
        parts.append("\n    }")
        stream.write("".join(parts))
    stream.write("\n  ]\n}\n")


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
