"""Multiply a benchmark database: N copies of every customer and contact, by bulk INSERT ... SELECT.

    python bench/scale_db.py bench/out/100k.db --times 10 --db bench/out/1m.db

Much faster than generating 1M customers with bench/make_db.py (which builds every row in Python): copies keep
the generated names, levels, owners and dates, get new ids, and codes suffixed with the copy number; each copy of a
customer gets a copy of its ``customer_owners`` row (owner, owned since, last follow-up). Follow-ups are not copied
(nothing in `crm remind` reads them: customers and their owner rows carry the next and last follow-up dates). A
source at an older schema is upgraded first (its copy, not the source).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    start = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    shutil.copy(args.source, args.db)
    from crm_cli.db.engine import Database

    upgraded = Database(args.db)
    upgraded.open().dispose()  # the copy at the current schema (customer_owners: migration 0010)
    if upgraded.upgraded_from_backup is not None:
        upgraded.upgraded_from_backup.unlink()
    conn = sqlite3.connect(args.db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA cache_size=-262144")
    cols = [r[1] for r in conn.execute("PRAGMA table_info(customers)")]
    contact_cols = [r[1] for r in conn.execute("PRAGMA table_info(contacts)")]
    owner_cols = [r[1] for r in conn.execute("PRAGMA table_info(customer_owners)")]
    (max_id,) = conn.execute("SELECT max(id) FROM customers").fetchone()
    (max_contact,) = conn.execute("SELECT max(id) FROM contacts").fetchone()
    conn.execute("BEGIN IMMEDIATE")
    for k in range(1, args.times):
        exprs = [
            f"id + {k * max_id}" if c == "id" else f"CASE WHEN code IS NULL THEN NULL ELSE code || '-{k}' END"
            if c == "code" else c
            for c in cols
        ]
        conn.execute(f"INSERT INTO customers ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM customers "
                     f"WHERE id <= {max_id}")
        oexprs = [f"customer_id + {k * max_id}" if c == "customer_id" else c for c in owner_cols]
        conn.execute(f"INSERT INTO customer_owners ({', '.join(owner_cols)}) SELECT {', '.join(oexprs)} "
                     f"FROM customer_owners WHERE customer_id <= {max_id}")
        cexprs = [f"id + {k * max_contact}" if c == "id" else f"customer_id + {k * max_id}" if c == "customer_id"
                  else c for c in contact_cols]
        conn.execute(f"INSERT INTO contacts ({', '.join(contact_cols)}) SELECT {', '.join(cexprs)} FROM contacts "
                     f"WHERE id <= {max_contact}")
        print(f"copy {k} done ({time.perf_counter() - start:.0f} s)", flush=True)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (n,) = conn.execute("SELECT count(*) FROM customers").fetchone()
    (owned,) = conn.execute("SELECT count(*) FROM customer_owners").fetchone()
    conn.close()
    assert owned == n, (owned, n)  # every customer has its owner row
    print(f"built {args.db} with {n} customers in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
