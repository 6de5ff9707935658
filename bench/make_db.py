"""Build a database of N customers (with contacts and ~5 follow-ups each) for benchmarks.

    python bench/make_db.py 100000 --db bench/out/100k.db [--followups 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", type=int)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--followups", type=float, default=5.0, help="mean follow-ups per customer")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from crm_cli.demo import build_demo

    start = time.perf_counter()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    build_demo(args.db, customers=args.customers, seed=args.seed, replace=True,
               followups_per_customer=args.followups)
    print(f"built {args.db} with {args.customers} customers in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
