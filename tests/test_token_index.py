"""The blocking tokens of the entry check live in an FTS5 index (crm_cli.db.tokens, migration 0011): the upgrade
keeps every entry check's candidates, and every write keeps each customer's document equal to its stored keys'."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crm_cli.db.engine import HEAD, Database, make_engine, run_migrations
from crm_cli.db.models import Customer
from tests.test_import import xlsx

CITIES = ["深圳", "广州", "上海", "北京", "杭州"]
CORES = ["明达", "华信", "远航", "金盛", "鼎新", "恒通"]
TRADES = ["电子", "贸易", "物流", "科技", "食品"]


def _people(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Customers whose names share many tokens (so the candidate limit and its ties matter), some sharing phones,
    e-mail domains and credit codes; every tenth soft-deleted."""
    rnd = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        core = rnd.choice(CORES) + rnd.choice(TRADES) + (rnd.choice(CORES) if i % 3 == 0 else "")
        out.append({
            "id": i, "name": f"{rnd.choice(CITIES)}市{core}有限公司", "region": None,
            "phone": f"0755-8600{rnd.randrange(0, 40):04d}" if i % 2 else None,
            "email": f"info{i}@{rnd.choice(['mingda', 'huaxin', 'qq'])}.example.com" if i % 5 == 0 else None,
            "credit_code": f"91440300MA5{rnd.randrange(0, 30):07d}" if i % 7 == 0 else None,
            "address": f"深圳市南山区科技园{rnd.randrange(1, 20)}号" if i % 4 == 0 else None,
            "deleted_at": "2026-11-01 00:00:00.000000" if i % 10 == 0 else None,
        })  # fmt: skip
    return out


def _populate_0010(path: Path, people: list[dict[str, Any]]) -> None:
    """A file at schema 0010 whose customers and plain customer_tokens rows are what 0010's code wrote."""
    from types import SimpleNamespace

    from crm_cli.dedupe_keys import _tokens_of_row, customer_keys

    engine = make_engine(path)
    with engine.begin() as conn:
        run_migrations(conn, target="0010")
    engine.dispose()
    con = sqlite3.connect(path)
    for p in people:
        keys = customer_keys(p)
        row = {**p, **keys, "level": "potential", "stars": 0, "is_target": 0, "search_text": p["name"]}
        con.execute(
            f"INSERT INTO customers ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        con.execute("INSERT INTO customer_owners (customer_id) VALUES (?)", (p["id"],))
        tokens = _tokens_of_row(SimpleNamespace(phone=p["phone"], **keys), "CN")
        con.executemany(
            "INSERT INTO customer_tokens (token, customer_id) VALUES (?, ?)", [(t, p["id"]) for t in tokens]
        )
    con.commit()
    con.close()


def _old_candidate_ids(con: sqlite3.Connection, tokens: list[str]) -> tuple[set[int], int, int]:
    """crm_cli.dedupe._candidate_ids as it was over the plain table (0010), and how many customers share as many
    chosen tokens as the last one kept (more than the limit: the limit cut through ties), and how many tokens were
    chosen."""
    from crm_cli.dedupe import ENTRY_CANDIDATES, ENTRY_TOKEN_MAX, STRONG_BLOCK_MAX

    marks = ", ".join("?" * len(tokens))
    freq = dict(
        con.execute(
            f"SELECT token, count(*) FROM customer_tokens WHERE token IN ({marks}) GROUP BY token", tokens
        ).fetchall()
    )
    strong = [t for t in tokens if not t.startswith("n:") and 0 < freq.get(t, 0) <= STRONG_BLOCK_MAX * 20]
    names = sorted((t for t in tokens if t.startswith("n:") and freq.get(t)), key=lambda t: freq[t])
    usable = [t for t in names if freq[t] <= ENTRY_TOKEN_MAX] or names[:1]
    chosen = strong + usable
    if not chosen:
        return set(), 0, 0
    marks = ", ".join("?" * len(chosen))
    rows = con.execute(
        f"SELECT customer_id, count(*) AS n FROM customer_tokens WHERE token IN ({marks}) "
        f"GROUP BY customer_id ORDER BY n DESC LIMIT {ENTRY_CANDIDATES}",
        chosen,
    ).fetchall()
    ids = {int(r[0]) for r in rows}
    top = con.execute(
        f"SELECT count(*) FROM (SELECT customer_id FROM customer_tokens WHERE token IN ({marks}) "
        "GROUP BY customer_id HAVING count(*) >= ?)",
        [*chosen, rows[-1][1]],
    ).fetchone()[0]
    if strong:
        marks = ", ".join("?" * len(strong))
        ids.update(
            int(r[0])
            for r in con.execute(
                f"SELECT customer_id FROM customer_tokens WHERE token IN ({marks}) LIMIT 1000", strong
            )
        )
    return ids, top, len(chosen)


def _entry_tokens(values: dict[str, Any]) -> list[str]:
    from crm_cli.dedupe import tokens_for
    from crm_cli.matching import Features

    f = Features.from_values(values, phone_region="CN")
    return tokens_for(f.core, f.phones, f.email, f.credit, f.address)


def _entries(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rnd = random.Random(3)
    out: list[dict[str, Any]] = [{"name": f"{c}{t}"} for c in CORES for t in TRADES] + [
        {"name": c} for c in CORES
    ]
    for p in rnd.sample(people, 40):
        out.append({k: p[k] for k in ("name", "phone", "email", "credit_code", "address") if p[k]})
    out += [{"name": "完全不同的名字"}, {"phone": "0755-86000001"}, {"email": "x@mingda.example.com"}]
    return out


def test_upgrading_0010_gives_every_entry_check_the_same_candidates(db_path: Path) -> None:
    from crm_cli.dedupe import ENTRY_CANDIDATES, _candidate_ids

    people = _people(1200)
    _populate_0010(db_path, people)
    con = sqlite3.connect(db_path)
    queries = [_entry_tokens(v) for v in _entries(people)]
    before = [_old_candidate_ids(con, q) for q in queries]
    con.close()
    cut = {chosen > 1 for _, top, chosen in before if top > ENTRY_CANDIDATES}
    assert cut == {False, True}  # the limit cut through ties, with one token chosen and with several
    assert sum(len(ids) > 100 for ids, _, _ in before) > 10 and any(not ids for ids, _, _ in before)
    db = Database(db_path)
    db.open()
    assert db.upgraded_from_backup is not None
    with db.read() as session:
        after = [_candidate_ids(session, q) for q in queries]
    db.dispose()
    assert after == [ids for ids, _, _ in before]
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
    assert con.execute("SELECT count(*) FROM customer_tokens").fetchone()[0] == len(people)
    assert (
        con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'ix_customer_tokens%'").fetchall() == []
    )
    con.execute("INSERT INTO customer_tokens (customer_tokens) VALUES ('integrity-check')")
    con.close()


def test_a_fresh_database_gets_the_fts5_index_and_no_plain_table(db: Database) -> None:
    db.open()
    con = sqlite3.connect(db.path)
    sql = dict(
        con.execute(
            "SELECT name, sql FROM sqlite_master WHERE name IN ('customer_tokens', 'customer_tokens_vocab')"
        ).fetchall()
    )
    con.close()
    assert sql["customer_tokens"].startswith("CREATE VIRTUAL TABLE customer_tokens USING fts5(")
    assert "fts5vocab" in sql["customer_tokens_vocab"]


def test_models_do_not_describe_the_token_index() -> None:
    from sqlmodel import SQLModel

    from crm_cli.db.models import load_all

    load_all()
    assert "customer_tokens" not in SQLModel.metadata.tables


# ------------------------------------------------------------------------------------- the index stays in step


def _docs(db: Database) -> dict[int, str]:
    from crm_cli.db.tokens import all_docs

    with db.read() as session:
        session.execute(text("INSERT INTO customer_tokens (customer_tokens) VALUES ('integrity-check')"))
        return all_docs(session.connection())


def _expected(db: Database) -> dict[int, str]:
    """Every customer's document made from its stored keys (deleted customers keep theirs)."""
    from sqlmodel import select

    from crm_cli.dedupe_keys import _tokens_of_row, token_terms

    with db.read() as session:
        rows = session.exec(select(Customer)).all()
        return {c.id: terms for c in rows if (terms := token_terms(_tokens_of_row(c, "CN")))}  # type: ignore[misc]


def _finds(db: Database, token: str) -> set[int]:
    from crm_cli.dedupe import _candidate_ids

    with db.read() as session:
        return _candidate_ids(session, [token])


def _in_step(db: Database) -> None:
    assert _docs(db) == _expected(db)


def test_add_and_edit_of_name_phone_and_email_rewrite_the_document(
    db: Database, clock: Any, make_customer: Any
) -> None:
    from crm_cli.customers import edit_customer
    from crm_cli.users import get_user

    c = make_customer("深圳市明达电子科技有限公司", phone="0755-86001234", email="info@mingda.example.com")
    make_customer("华信贸易", phone="020-86001234")
    _in_step(db)
    assert _finds(db, "t:+8675586001234") == {c.id}
    with db.write() as session:
        edit_customer(
            session,
            user=get_user(session, "boss"),
            clock=clock,
            customer=session.get(Customer, c.id),
            changes={
                "name": "远航物流有限公司",
                "phone": "13812345678",
                "email": "sales@yuanhang.example.com",
            },
        )
    _in_step(db)
    assert _finds(db, "t:+8675586001234") == set() and _finds(db, "e:info@mingda.example.com") == set()
    assert _finds(db, "t:+8613812345678") == {c.id} and _finds(db, "d:yuanhang.example.com") == {c.id}
    assert _finds(db, "n:远航") == {c.id} and _finds(db, "n:明达") == set()


def _import(db: Database, clock: Any, path: Path, **options: Any) -> Any:
    from crm_cli import importer
    from crm_cli.users import get_user

    with db.write() as session:
        return importer.import_source(
            session,
            user=get_user(session, "boss"),
            clock=clock,
            source=importer.read_source(path),
            options=importer.ImportOptions(**options),
        )


@pytest.mark.parametrize(("big_load", "big_undo"), [(False, False), (True, False), (False, True)])
def test_import_create_update_and_undo_keep_the_index_in_step(
    tmp_path: Path,
    db: Database,
    clock: Any,
    make_customer: Any,
    monkeypatch: pytest.MonkeyPatch,
    big_load: bool,
    big_undo: bool,
) -> None:
    from crm_cli import importer
    from crm_cli.db import search, tokens
    from crm_cli.users import get_user

    if big_load:  # the path that sets the tables' indexes aside
        monkeypatch.setattr(importer, "REBUILD_INDEXES_MIN", 0)
    rebuilt: list[int] = []
    if big_undo:  # the undo's path that rebuilds both indexes from the customers that stay
        monkeypatch.setattr(search, "BULK_INDEX_THRESHOLD", 0)
        monkeypatch.setattr(tokens, "REBUILD_MIN", 0)
    old = make_customer("明达电子", code="C1", phone="0755-1234567")
    rows = [
        ["客户名称", "客户编号", "电话", "邮箱"],
        ["明达电子有限公司", "C1", "0755-86001234 / 13812345678", "info@mingda.example.com"],
        ["广州華信貿易有限公司", "C2", "+852 6096 1075", None],
        ["ACME Widgets, Inc.", "C3", "(650) 253-0000", "Sales@Acme.example.com"],
    ]
    result = _import(db, clock, xlsx(tmp_path / "a.xlsx", rows), on_duplicate="update")
    assert (result.created, result.updated) == (2, 1)
    _in_step(db)
    assert _finds(db, "t:+8613812345678") == {old.id} and _finds(db, "t:+8675512345670") == set()
    assert len(_docs(db)) == 3
    real_recreate = tokens.recreate
    monkeypatch.setattr(tokens, "recreate", lambda conn: (rebuilt.append(1), real_recreate(conn)))
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.write() as session:
        importer.undo_batch(session, user=get_user(session, "boss"), clock=clock, batch_id=result.batch)
    assert any("VALUES ('rebuild')" in sql for sql in statements) == big_undo
    assert set(_docs(db)) == {old.id}  # the created customers are gone for good: no orphan documents
    _in_step(db)
    assert _finds(db, "t:+8613812345678") == set() and _finds(db, "n:acme") == set()
    assert rebuilt == ([1] if big_undo else [])
    with db.read() as session:  # the search index matches the customers left, and its delete trigger is back
        session.execute(text("INSERT INTO customers_fts (customers_fts, rank) VALUES ('integrity-check', 1)"))
        assert session.execute(text("SELECT rowid FROM customers_fts WHERE customers_fts MATCH '\"明达电\"'")).all() == [
            (old.id,)]
        assert session.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'customers_fts_ad'")).scalar() == 1


def test_merge_and_its_undo_keep_the_index_in_step(db: Database, clock: Any, make_customer: Any) -> None:
    from crm_cli import merge
    from crm_cli.users import get_user

    keep = make_customer("深圳市明达电子科技有限公司", phone="0755-86001234")
    other = make_customer(
        "明达电子科技（深圳）有限公司", phone="13812345678", email="info@mingda.example.com"
    )
    with db.write() as s:
        record = merge.merge_customers(
            s,
            user=get_user(s, "boss"),
            clock=clock,
            keep=s.get(Customer, keep.id),
            others=[s.get(Customer, other.id)],
            take={"email": other.id},
        )
    _in_step(db)
    assert keep.id in _finds(db, "e:info@mingda.example.com")
    with db.write() as s:
        merge.undo_merge(s, user=get_user(s, "boss"), clock=clock, merge_id=record.id)
    _in_step(db)
    assert _finds(db, "e:info@mingda.example.com") == {other.id}


# ------------------------------------------------------------------------------------------ the terms themselves

ODD_TOKENS = [
    "a:深圳市 南山区 科技园1号",
    "n:明达",
    "t:+8613812345678",
    "e:sales@acme.example.com",
    'a:1 "Main" St',
    "n:acme",
    "d:acme.example.com",
    'a:+@" *',
    "n:ACME",
    "n:明",
]


def test_tokens_with_spaces_cjk_plus_at_and_quotes_find_exactly_their_customers(db: Database) -> None:
    from crm_cli.db import tokens as token_index
    from crm_cli.dedupe import _candidate_ids, token_terms

    db.open()
    owners = {t: {i for i in range(1, 13) if i % (k + 2) == 0} for k, t in enumerate(ODD_TOKENS)}
    with db.write() as session:
        for i in range(1, 13):
            token_index.replace_doc(
                session.connection(), i, token_terms([t for t in ODD_TOKENS if i in owners[t]])
            )
    with db.read() as session:
        for token in ODD_TOKENS:
            assert _candidate_ids(session, [token]) == owners[token], token
        assert _candidate_ids(session, ["a:深圳市", "n:acme~", "e:sales@acme", 'a:"']) == set()
        both = _candidate_ids(session, ["t:+8613812345678", 'a:+@" *'])
    assert both == owners["t:+8613812345678"] | owners['a:+@" *']


def test_a_term_is_one_hex_word_and_reads_back() -> None:
    from crm_cli.dedupe_keys import term_token, token_term, token_terms

    assert token_term("n:明达") == "6e3ae6988ee8bebe"
    assert token_terms(["a:1 2", "e:x@y"]) == "613a312032 653a784079"
    assert [term_token(t) for t in token_terms(ODD_TOKENS).split()] == ODD_TOKENS
    assert token_terms([]) == ""


def test_a_token_too_long_for_one_fts5_term_is_found_by_its_digest(db: Database) -> None:
    from crm_cli.db import tokens as token_index
    from crm_cli.dedupe import _candidate_ids, token_terms

    db.open()
    long_a, long_b = (
        "a:" + "科技园" * 6000,
        "a:" + "科技园" * 5999 + "科技圆",
    )  # 54 KB each, alike but for the end
    with db.write() as session:
        token_index.replace_doc(session.connection(), 1, token_terms(["n:明达", long_a]))
        token_index.replace_doc(session.connection(), 2, token_terms([long_b]))
    with db.read() as session:
        assert (_candidate_ids(session, [long_a]), _candidate_ids(session, [long_b])) == ({1}, {2})
        assert _candidate_ids(session, ["n:明达"]) == {1}
