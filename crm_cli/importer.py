"""`crm import`: plan, validate and write a spreadsheet of customers, contacts and follow-ups.

The work runs in three passes over the rows, in memory, before anything is written:

1. **convert** every mapped cell by the column's meaning (crm_cli.sheets.cells); each bad value is a row error
   naming the Excel row, the column header and the value;
2. **group** rows into customers: a row with no company name that carries a contact continues the company above
   it (merged company cells), a repeated company row adds its contact to the same customer; a row that repeats an
   earlier row exactly, or reuses an earlier row's code for another company, is a row error naming that row;
3. **match** against the database: exact normalised keys (code, credit code, phone, e-mail, then name, computed
   by ``customers.compute_keys``) are looked up in bulk, one indexed query per key kind and chunk of keys; for
   files of up to ``import.fuzzy_check_rows`` customers, rows without an exact match also go through
   ``customers.find_duplicates`` one by one, so whatever fuzzy matching that function does applies to imports.

Then everything valid is written in one transaction with bulk inserts, and recorded as a batch that
``undo_batch`` can take back. Formulas are never evaluated: a row with a formula in a mapped column is refused
(its cached value may be stale or missing), and the message says to paste values instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from crm_cli.dates import Clock
from crm_cli.db.models import (
    AuditEntry,
    Contact,
    Customer,
    CustomerOwner,
    FollowUp,
    ImportBatch,
    ImportItem,
    ImportMapping,
    User,
)
from crm_cli.errors import InvalidInput, NotFound, PermissionDenied, Refused
from crm_cli.settings import SettingSpec, get_setting, register
from crm_cli.sheets import cells
from crm_cli.sheets.mapping import (
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    FOLLOWUP_FIELDS,
    ColumnMap,
    find_header_row,
    kind_of,
    map_columns,
    parse_overrides,
)
from crm_cli.sheets.reader import RawSheet

register(
    SettingSpec("import.fuzzy_check_rows", int, 300,
                "imports of up to this many customers also run the per-row duplicate check (fuzzy matching); "
                "bigger files match exact keys only, in bulk", 0),
)

ON_DUPLICATE = ("skip", "update", "create")
FOOTER_WORDS = ("合计", "总计", "小计", "共计", "汇总", "制表", "打印", "审核", "total", "sum", "printed")
MATCH_ORDER = (("code", "same code"), ("credit_key", "same credit code"), ("phone_key", "same phone"),
               ("email_key", "same e-mail"), ("name_key", "same name"))
WRITE_CHUNK = 10_000  # new customer rows are inserted this many at a time (their other rows once they are all in)
REBUILD_INDEXES_MIN = 5000  # creating at least this many rows, and more than a table holds, rebuilds its indexes
BIG_LOAD_CACHE_MIB = 1024  # SQLite page cache for such a load (100k customers write ~300 MB of pages)
PARALLEL_ROWS_MIN = 20_000  # a sheet this long has the keys of its later rows computed in a forked child...
PARALLEL_MAIN_SHARE = 0.45  # ...which takes the last 55% of the rows, while this process checks the first 45%
ANALYZE_AFTER = 1000  # an import writing this many customers refreshes the query planner's statistics

# Customer columns the import may change on an update, and the extra ones `undo` restores (an import item's
# ``before``). ``last_followup_at`` lives in customer_owners: OWNER_SNAPSHOT; the rest in customers.
SNAPSHOT = (*CUSTOMER_FIELDS, "custom", "name_key", "phone_key", "email_key", "credit_key", "city_key", "address_key", "search_text",
            "updated_at", "updated_by", "last_followup_at", "next_followup_on")
OWNER_SNAPSHOT = ("last_followup_at",)
CUSTOMER_SNAPSHOT = tuple(k for k in SNAPSHOT if k not in OWNER_SNAPSHOT)

# Other capabilities can cap how many customers one user owns (the pool issue): (session, user_id) -> cap or None.
OWNER_CAPS: list[Callable[[Session, int], int | None]] = []


@dataclass
class ImportOptions:
    sheet: str | None = None
    overrides: list[str] = field(default_factory=list)  # --map "Header=field"
    mapping: str | None = None  # --mapping NAME (saved)
    save_mapping: str | None = None
    keep_unknown: bool = False
    on_duplicate: str = "skip"
    owner: str | None = None
    round_robin: list[str] = field(default_factory=list)
    pool: bool = False
    all_or_nothing: bool = False
    dry_run: bool = False


@dataclass
class RowError:
    row: int  # the Excel row number (1-based, as Excel shows it)
    column: str | None
    value: Any
    message: str
    sheet: str | None = None

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out = {"row": self.row, "column": self.column, "value": value, "message": self.message}
        if self.sheet:
            out["sheet"] = self.sheet
        return out

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        shown = f" ({self.value!r})" if self.value not in (None, "") else ""
        return f"{where}{shown}: {self.message}"


@dataclass
class Group:
    """One customer of the file: its first row, the rows that add to it, and what to do with it."""

    row: int
    values: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    owner: str | None = None
    ref: str | None = None
    keys: dict[str, str | None] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)  # every phone of the phone field in E.164 (blocking tokens)
    action: str = "create"
    match_id: int | None = None
    match_reason: str | None = None
    owner_id: int | None = None


@dataclass
class ImportResult:
    file: str
    sheet: str
    header_row: int
    mapping: dict[str, str]
    ignored_columns: list[str]
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    contacts_created: int = 0
    followups_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    footer_rows: list[int] = field(default_factory=list)
    batch: int | None = None
    dry_run: bool = False
    refused: bool = False
    duplicate_check: str = ""
    errors_file: str | None = None
    related_sheets: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.sheet is None})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "skipped": self.skipped,
            "errors": [e.as_dict() for e in self.errors], "batch": self.batch,
            "dry_run": self.dry_run, "refused": self.refused, "file": self.file, "sheet": self.sheet,
            "header_row": self.header_row, "rows_read": self.rows_read, "error_rows": len(self.error_rows),
            "contacts_created": self.contacts_created, "followups_created": self.followups_created,
            "duplicates": self.duplicates, "footer_rows": self.footer_rows, "mapping": self.mapping,
            "ignored_columns": self.ignored_columns, "related_sheets": self.related_sheets,
            "duplicate_check": self.duplicate_check, "errors_file": self.errors_file,
        }  # fmt: skip


@dataclass
class Source:
    """What was read from the file, before any database work."""

    path: Path
    main: RawSheet
    others: list[RawSheet] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


def read_source(path: str | Path, *, sheet: str | None = None) -> Source:
    """Read the file (outside any transaction: the database is not locked while the file is parsed)."""
    import gc

    from crm_cli.sheets.reader import open_workbook

    enabled = gc.isenabled()
    gc.disable()  # see import_source
    try:
        return _read_source(open_workbook, path, sheet)
    finally:
        if enabled:
            gc.enable()


def _read_source(open_workbook: Any, path: str | Path, sheet: str | None) -> Source:
    book = open_workbook(path)
    try:
        main = book.sheet(sheet)
        others = [book.sheet(name) for name in book.sheets if name != main.name] if sheet is None else []
    finally:
        book.close()
    return Source(path=Path(path), main=main, others=others)


# --------------------------------------------------------------------------------------------------- mappings


def load_mapping(session: Session, name: str) -> dict[str, str]:
    row = session.get(ImportMapping, name)
    if row is None:
        names = [m.name for m in session.exec(select(ImportMapping))]
        raise NotFound(f"no saved mapping {name!r}" + (f"; saved: {', '.join(names)}" if names else
                                                        "; save one with --save-mapping NAME"))
    return dict(row.mapping or {})


def save_mapping(session: Session, *, user: User, clock: Clock, name: str, mapping: dict[str, str]) -> None:
    row = session.get(ImportMapping, name) or ImportMapping(name=name)
    row.mapping = mapping
    row.created_at = clock.now
    row.created_by = user.id
    session.add(row)
    session.flush()


def list_mappings(session: Session) -> list[ImportMapping]:
    return list(session.exec(select(ImportMapping).order_by(col(ImportMapping.name))))


# ---------------------------------------------------------------------------------------------- conversion


def _convert(kind: str, value: Any, clock: Clock) -> Any:
    from crm_cli.customers import validate_credit_code, validate_email
    from crm_cli.vocab import parse_level, parse_method

    if kind == "text":
        return cells.text(value)
    if kind != "bool" and cells.is_placeholder(value):  # 无, 暂无, N/A, - …: an empty cell
        return None
    if kind == "digits":
        return cells.digits(value)
    if kind == "date":
        return cells.to_date(value, today=clock.today)
    if kind == "datetime":
        return cells.to_datetime(value, today=clock.today, tz=clock.tz)
    if kind == "stars":
        return cells.to_stars(value)
    if kind == "bool":
        return cells.to_bool(value)
    try:
        if kind == "email":
            return validate_email(cells.text(value))
        if kind == "credit":
            return validate_credit_code(cells.digits(value))
        if kind == "level":
            return parse_level(cells.text(value) or "").value
        if kind == "method":
            return parse_method(cells.text(value) or "").value
    except InvalidInput as exc:
        raise cells.CellError(exc.message) from exc
    raise AssertionError(f"unknown kind {kind}")  # pragma: no cover


@dataclass
class _Row:
    excel_row: int
    values: dict[str, Any]
    custom: dict[str, Any]
    errors: list[RowError]
    signature: tuple[Any, ...]


_MEMO_KINDS = ("level", "method", "stars", "bool", "date", "datetime")


def _column_converter(kind: str, clock: Clock) -> Callable[[Any], Any]:
    """A converter for one column. Text takes a fast path (ASCII text needs no NFKC); kinds with few distinct
    values (levels, dates, stars...) remember their answers, errors included."""
    if kind == "text":
        import unicodedata

        slow = cells.text

        def conv_text(value: Any) -> Any:
            if type(value) is str:
                out = value.strip()
                if out.isascii():
                    return slow(out) if out[:1] == "'" else (out or None)
                return unicodedata.normalize("NFKC", out).strip() or None
            return slow(value)

        return conv_text
    if kind == "digits":
        def slow_digits(value: Any) -> Any:
            return _convert(kind, value, clock)  # placeholders (无, N/A…), then cells.digits
        placeholders = cells.PLACEHOLDERS

        def conv_digits(value: Any) -> Any:
            if type(value) is str:
                out = value.strip()
                if out.isascii() and "e" not in out and "E" not in out and out[:1] != "'" and (
                        len(out) > 4 or out.lower() not in placeholders):
                    return out or None
            elif type(value) is float and value.is_integer() and abs(value) < 1e15:
                return str(int(value))
            return slow_digits(value)

        return conv_digits
    if kind == "email":
        from crm_cli.customers import _EMAIL

        def conv_email(value: Any) -> Any:
            if type(value) is str:
                out = value.strip()
                if out.isascii() and _EMAIL.match(out):
                    return out
            return _convert(kind, value, clock)

        return conv_email
    if kind not in _MEMO_KINDS:
        return lambda value: _convert(kind, value, clock)
    memo: dict[Any, Any] = {}

    def conv_memo(value: Any) -> Any:
        try:
            hit = memo[value]
        except KeyError:
            try:
                hit = _convert(kind, value, clock)
            except cells.CellError as exc:
                hit = exc
            if len(memo) < 100_000:
                memo[value] = hit
        except TypeError:  # unhashable: never from our readers
            return _convert(kind, value, clock)
        if isinstance(hit, cells.CellError):
            raise hit
        return hit

    return conv_memo


class _RowReader:
    """Converts the rows of one sheet with one converter per mapped column, built once."""

    def __init__(self, cmap: ColumnMap, sheet: RawSheet, clock: Clock, sheet_label: str | None = None) -> None:
        self.cmap, self.sheet, self.label = cmap, sheet, sheet_label
        self.plan: list[tuple[int, str | None, Callable[[Any], Any], str]] = []
        for i, target in enumerate(cmap.fields):
            if target == "_ignore" or (target is None and i not in cmap.custom):
                continue
            conv = cells.text if target is None else _column_converter(kind_of(target), clock)
            self.plan.append((i, target, conv, cmap.headers[i]))
        self.width = len(cmap.fields)

    def convert(self, raw: list[Any], index: int) -> _Row | None:
        values: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        errors: list[RowError] = []
        excel_row = index + 1
        formulas = self.sheet.formulas
        if len(raw) < self.width:
            raw = list(raw) + [None] * (self.width - len(raw))
        nonblank = False
        for i, target, conv, header in self.plan:
            value = raw[i]
            if formulas and (index, i) in formulas:
                nonblank = True
                errors.append(RowError(excel_row, header, formulas[(index, i)],
                                       "the cell holds a formula; formulas are never evaluated or imported: "
                                       "replace it with its value (copy, then Paste Special → Values)", self.label))
                continue
            if value is None or value == "":
                continue
            try:
                converted = conv(value)
            except cells.CellError as exc:
                nonblank = True
                errors.append(RowError(excel_row, header, cells.text(value), str(exc), self.label))
                continue
            if converted is None:
                continue
            nonblank = True
            if target is None:
                custom[self.cmap.custom[i]] = converted
            else:
                values[target] = converted
        if not nonblank:
            return None
        signature = (tuple(values.items()), tuple(custom.items()), tuple(e.value for e in errors))
        return _Row(excel_row, values, custom, errors, signature)


def _keys_of_rows(reader: _RowReader, rows: list[list[Any]], start: int, stop: int,
                  region: str) -> list[tuple[list[str], dict[str, str | None]] | None]:
    """``(phones, keys)`` of each row of ``rows[start:stop]`` that names a customer and has no cell error, as
    ``_Planner.add_rows`` computes them (None for the other rows, and for any row this fails on: add_rows then
    computes it itself). Pure: run in a forked child for big files."""
    from crm_cli.dedupe import customer_keys
    from crm_cli.normalize import phone_keys

    out: list[tuple[list[str], dict[str, str | None]] | None] = []
    for index in range(start, stop):
        try:
            row = reader.convert(rows[index], index)
            if row is None or row.errors or "name" not in row.values:
                out.append(None)
                continue
            customer = _split(row.values)[0]
            phones = phone_keys(customer.get("phone"), region)
            out.append((phones, customer_keys(customer, phone_region=region, phones=phones)))
        except Exception:  # noqa: BLE001 - add_rows meets the same row and handles it in the parent
            out.append(None)
    return out


def _is_footer(raw: list[Any], filled: int) -> bool:
    if filled > 3:
        return False
    first = next((cells.text(c) for c in raw if not cells.is_blank(c)), None)
    if first is None:
        return True
    first = first.lower().replace(" ", "")
    return any(first.startswith(w) for w in FOOTER_WORDS)


def _same_city(a: str | None, b: str | None) -> bool:
    return not a or not b or a == b


_CONTACT_KEYS = tuple((k, k.removeprefix("contact_")) for k in CONTACT_FIELDS)
_FOLLOWUP_KEYS = tuple((k, k.removeprefix("followup_")) for k in FOLLOWUP_FIELDS)


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    customer = {k: values[k] for k in CUSTOMER_FIELDS if k in values}
    contact = {short: values[k] for k, short in _CONTACT_KEYS if k in values}
    followup = {short: values[k] for k, short in _FOLLOWUP_KEYS if k in values}
    return customer, contact, followup


# ------------------------------------------------------------------------------------------------- grouping


class _Planner:
    def __init__(self, session: Session, user: User, clock: Clock, options: ImportOptions,
                 result: ImportResult) -> None:
        from crm_cli.dedupe import phone_region

        self.session, self.user, self.clock, self.options, self.result = session, user, clock, options, result
        self.region = phone_region(session)  # the same default phone region as add/edit (dedupe.phone_region)
        self.groups: list[Group] = []
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}  # name_key -> groups (several when their cities differ)
        self.by_key: dict[tuple[str, str], int] = {}
        self.by_ref: dict[str, int] = {}
        # hash of a row's signature -> the sheet indexes of the rows with that hash: a 100k file kept 200 MB of
        # signatures alive; an equal hash is confirmed by converting the earlier row again (hashes may collide)
        self.seen: dict[int, list[int]] = {}
        self.header_of: dict[str, str] = {}  # field -> the sheet's header for it (for row errors)

    def error(self, row: int, column: str | None, value: Any, message: str) -> None:
        self.result.errors.append(RowError(row, column, value, message))

    def add_rows(self, sheet: RawSheet, cmap: ColumnMap, progress: Progress | None) -> None:
        from crm_cli.forked import Forked, spare_cores

        reader = _RowReader(cmap, sheet, self.clock)
        first, end = cmap.header_row + 1, len(sheet.rows)
        ahead = None
        if end - first >= PARALLEL_ROWS_MIN and spare_cores():
            # The keys of the rows from `split` on are computed in a forked child meanwhile (_keys_of_rows).
            split = first + int((end - first) * PARALLEL_MAIN_SHARE)
            ahead = Forked(_keys_of_rows, reader, sheet.rows, split, end, self.region)
        try:
            self._add_rows(sheet, cmap, progress, reader, ahead, split if ahead else end)
        finally:
            if ahead is not None:
                ahead.discard()

    def _add_rows(self, sheet: RawSheet, cmap: ColumnMap, progress: Progress | None, reader: _RowReader,
                  ahead: Any, split: int) -> None:
        from crm_cli.dedupe import customer_keys  # customers.compute_keys, from phones parsed once
        from crm_cli.normalize import phone_keys

        region = self.region
        rows = sheet.rows
        last_group: int | None = None
        last_ok = True
        last_row = 0
        pending_footer: list[int] = []
        total = len(rows) - cmap.header_row - 1
        header_of = self.header_of = {f: h for h, f in zip(cmap.headers, cmap.fields, strict=True) if f}
        later: list[Any] | None = None  # what the child computed for rows[split:] (None: not asked yet)
        for n, index in enumerate(range(cmap.header_row + 1, len(rows))):
            if progress and n % 5000 == 0:
                progress("checking rows", n, total)
            raw = rows[index]
            row = reader.convert(raw, index)
            if row is None:
                continue
            customer, contact, followup = _split(row.values)
            filled = len(raw) - raw.count(None) - raw.count("")  # cells neither None nor ""
            if _is_footer(raw, filled) or ("name" not in customer and "code" not in customer and not contact
                                        and not followup and filled <= 2):
                pending_footer.append(row.excel_row)  # footer or stray note: ignored if nothing follows it
                continue
            if pending_footer:
                for r in pending_footer:
                    self.error(r, header_of.get("name"), None, "customer name is empty; fill it in or delete the row")
                pending_footer = []
            self.result.rows_read += 1
            earlier = self._repeats(reader, rows, index, row)
            if earlier is not None:
                self.error(row.excel_row, None, None, f"repeats row {earlier} exactly; delete one of them")
                continue
            if row.errors:
                self.result.errors.extend(row.errors)
                last_ok, last_row = False, row.excel_row
                if "name" in customer or "code" in customer:
                    last_group = None
                continue
            if not self._children_ok(row, contact, followup):
                last_ok, last_row = False, row.excel_row
                if "name" in customer or "code" in customer:
                    last_group = None
                continue
            if "name" not in customer and "code" not in customer:
                if last_group is None:
                    where = f"row {last_row}, which was refused" if not last_ok else "no company row above it"
                    self.error(row.excel_row, header_of.get("name"), None,
                               f"customer name is empty and this row continues {where}")
                    continue
                self._attach(self.groups[last_group], row, customer, contact, followup)
                continue
            if "name" not in customer:
                self.error(row.excel_row, header_of.get("name"), None, "customer name is empty; fill it in")
                last_ok, last_row, last_group = False, row.excel_row, None
                continue
            done = None
            if index >= split:
                if later is None:
                    later = (ahead.result() if ahead is not None else None) or []
                done = later[index - split] if index - split < len(later) else None
            if done is not None:
                phones, keys = done
            else:
                phones = phone_keys(customer.get("phone"), region)
                keys = customer_keys(customer, phone_region=region, phones=phones)
            target = self._same_customer(row, customer, keys, header_of)
            if target == -1:
                last_ok, last_row, last_group = False, row.excel_row, None
                continue
            if target is not None:
                self._attach(self.groups[target], row, customer, contact, followup)
                last_group, last_ok = target, True
                continue
            dup = self._infile_duplicate(customer, keys)
            if dup is not None:
                g, reason = dup
                entry = {"row": row.excel_row, "duplicate_of_row": self.groups[g].row, "reason": reason}
                if self.options.on_duplicate == "skip":
                    self.result.skipped += 1
                    self.result.duplicates.append({**entry, "action": "skip"})
                    last_group, last_ok = None, True
                    continue
                if self.options.on_duplicate == "update":
                    self.result.duplicates.append({**entry, "action": "update"})
                    self._attach(self.groups[g], row, customer, contact, followup, overwrite=True)
                    last_group, last_ok = g, True
                    continue
                self.result.duplicates.append({**entry, "action": "create"})
            group = Group(row=row.excel_row, values=customer, rows=[row.excel_row], custom=dict(row.custom),
                          owner=row.values.get("owner"), ref=row.values.get("ref"), keys=keys, phones=phones)
            self._add_contact_followup(group, row, contact, followup)
            if "next_followup_on" in row.values:
                group.values["next_followup_on"] = row.values["next_followup_on"]
            self.groups.append(group)
            idx = len(self.groups) - 1
            if customer.get("code"):
                self.by_code[customer["code"]] = idx
            if keys.get("name_key"):
                self.by_name.setdefault(keys["name_key"], []).append(idx)
            for kind in ("credit_key", "phone_key", "email_key"):
                if keys.get(kind):
                    self.by_key.setdefault((kind, keys[kind]), idx)  # type: ignore[arg-type]
            if group.ref:
                self.by_ref[group.ref] = idx
            last_group, last_ok, last_row = idx, True, row.excel_row
        self.result.footer_rows = pending_footer

    def _repeats(self, reader: _RowReader, rows: list[list[Any]], index: int, row: _Row) -> int | None:
        """The Excel row number of an earlier row that this row repeats exactly (same converted values), or None;
        otherwise remembers this row."""
        same_hash = self.seen.setdefault(hash(row.signature), [])
        for other in same_hash:
            earlier = reader.convert(rows[other], other)
            if earlier is not None and earlier.signature == row.signature:
                return earlier.excel_row
        same_hash.append(index)
        return None

    def _same_customer(self, row: _Row, customer: dict[str, Any], keys: dict[str, str | None],
                       header_of: dict[str, str]) -> int | None:
        """The group this row repeats (same code, or same name and no conflicting value); -1 after an error."""
        code = customer.get("code")
        idx: int | None = None
        if code and code in self.by_code:
            idx = self.by_code[code]
            g = self.groups[idx]
            if g.keys.get("name_key") != keys.get("name_key"):
                self.error(row.excel_row, header_of.get("code"), code,
                           f"code {code} is already used on row {g.row} for {g.values.get('name')!r}; codes are "
                           "unique, fix one of them")
                return -1
        elif (named := self._same_name(keys)) is not None:
            idx = named
            if code and self.groups[idx].values.get("code") and self.groups[idx].values["code"] != code:
                return None  # same name, other code: another customer (a duplicate, see on-duplicate)
        if idx is None:
            return None
        g = self.groups[idx]
        conflicts = [k for k, v in customer.items() if g.values.get(k) not in (None, v)]
        if not conflicts:
            return idx
        if code and code in self.by_code:
            k = conflicts[0]
            self.error(row.excel_row, header_of.get(k), customer[k],
                       f"same code {code} as row {g.row}, but {k} there is {g.values[k]!r}; make the rows agree")
            return -1
        return None

    def _same_name(self, keys: dict[str, str | None]) -> int | None:
        """The first group with the same name key and no conflicting city (深圳明达 is not 广州明达)."""
        for idx in self.by_name.get(keys.get("name_key") or "", ()):
            if _same_city(self.groups[idx].keys.get("city_key"), keys.get("city_key")):
                return idx
        return None

    def _infile_duplicate(self, customer: dict[str, Any], keys: dict[str, str | None]) -> tuple[int, str] | None:
        named = self._same_name(keys)
        if named is not None:
            return named, "same name"
        for kind, reason in (("credit_key", "same credit code"), ("phone_key", "same phone"),
                             ("email_key", "same e-mail")):
            key = keys.get(kind)
            if key and (kind, key) in self.by_key:
                return self.by_key[(kind, key)], reason
        return None

    def _attach(self, group: Group, row: _Row, customer: dict[str, Any], contact: dict[str, Any],
                followup: dict[str, Any], *, overwrite: bool = False) -> None:
        for key, value in customer.items():
            if overwrite or group.values.get(key) is None:
                group.values[key] = value
        for key, value in row.custom.items():
            if overwrite or key not in group.custom:
                group.custom[key] = value
        if "next_followup_on" in row.values and (overwrite or "next_followup_on" not in group.values):
            group.values["next_followup_on"] = row.values["next_followup_on"]
        group.rows.append(row.excel_row)
        self._add_contact_followup(group, row, contact, followup)

    def _children_ok(self, row: _Row, contact: dict[str, Any], followup: dict[str, Any],
                     sheet: str | None = None) -> bool:
        problems: list[tuple[Any, str]] = []
        if contact and "name" not in contact:
            problems.append((None, "the row has contact details but no contact name; add the contact's name"))
        if followup and "content" not in followup:
            problems.append((None, "the row has a follow-up time or method but no follow-up content; say what "
                                   "happened"))
        elif followup.get("at") and followup["at"] > self.clock.now:
            problems.append((followup["at"].isoformat(), "the follow-up time is in the future: log follow-ups "
                                                         "when they have happened"))
        for value, message in problems:
            self.result.errors.append(RowError(row.excel_row, None, value, message, sheet))
        return not problems

    def _add_contact_followup(self, group: Group, row: _Row, contact: dict[str, Any],
                              followup: dict[str, Any]) -> None:
        if contact and contact not in [{k: v for k, v in c.items() if k != "row"} for c in group.contacts]:
            group.contacts.append({**contact, "row": row.excel_row})
        if followup:
            group.followups.append({**followup, "row": row.excel_row})

    def add_related(self, sheet: RawSheet, cmap: ColumnMap, kind: str) -> None:
        """Contacts or follow-ups sheets of a workbook (such as our own export), linked by the customer ID column."""
        reader = _RowReader(cmap, sheet, self.clock, sheet.name)
        for index in range(cmap.header_row + 1, len(sheet.rows)):
            row = reader.convert(sheet.rows[index], index)
            if row is None:
                continue
            if row.errors:
                self.result.errors.extend(row.errors)
                continue
            ref = row.values.get("ref")
            if ref is None or ref not in self.by_ref:
                self.result.errors.append(RowError(row.excel_row, cmap.headers[cmap.fields.index("ref")], ref,
                                                   "no customer with this ID on the customers sheet", sheet.name))
                continue
            group = self.groups[self.by_ref[ref]]
            _c, contact, followup = _split(row.values)
            if kind == "contacts":
                followup = {}
            else:
                contact = {}
            if not self._children_ok(row, contact, followup, sheet.name):
                continue
            if kind == "contacts":
                self._add_contact_followup(group, row, contact, {})
            else:
                self._add_contact_followup(group, row, {}, followup)


# -------------------------------------------------------------------------------------------------- matching


def _match_database(planner: _Planner, result: ImportResult) -> None:
    from crm_cli.access import can_edit
    from crm_cli.customers import find_duplicates

    session, options = planner.session, planner.options
    table = Customer.__table__  # type: ignore[attr-defined]
    from crm_cli.db import bulkimport as bulk

    groups = planner.groups
    # An empty table matches nothing: no look-ups (100k keys of six kinds cost ~0.5 s against nothing).
    empty = session.execute(select(table.c.id).limit(1)).first() is None
    code_hits = {} if empty else bulk.lookup(session, table, "code", (g.values.get("code") for g in groups),
                                             live_only=False, extra=("deleted_at",))
    hits: dict[str, dict[str, list[tuple[Any, ...]]]] = {
        kind: {} if empty else bulk.lookup(session, table, kind, (g.keys.get(kind) for g in groups),
                                           extra=("city_key",) if kind == "name_key" and "city_key" in table.c else ())
        for kind, _ in MATCH_ORDER if kind != "code"
    }
    fuzzy_limit = int(get_setting(session, "import.fuzzy_check_rows"))
    fuzzy = len(groups) <= fuzzy_limit
    result.duplicate_check = ("exact keys in bulk, then customers.find_duplicates per row" if fuzzy else
                              f"exact keys in bulk (file has more than import.fuzzy_check_rows={fuzzy_limit} "
                              "customers, so the per-row check was not run)")
    # When no key of the file is in the database (an empty one, say) and there is no per-row check, nothing
    # can match: the loop would only find that out row by row.
    matchable = fuzzy or bool(code_hits) or any(hits.values())
    for g in groups if matchable else ():
        code = g.values.get("code")
        if code and code in code_hits:
            cid, deleted_at = code_hits[code][0]
            if deleted_at is not None:
                planner.error(g.row, None, code, f"code {code} belongs to deleted customer #{cid}; restore it "
                                                 f"(crm customer restore {cid}) or change the code")
                g.action = "error"
                continue
            g.match_id, g.match_reason = cid, "same code"
        else:
            for kind, reason in MATCH_ORDER[1:]:
                key = g.keys.get(kind)
                found = [h for h in hits[kind].get(key, ()) if kind != "name_key" or len(h) < 2
                         or _same_city(h[1], g.keys.get("city_key"))] if key else []
                if found:
                    g.match_id, g.match_reason = found[0][0], reason
                    break
        if g.match_id is None and fuzzy:
            matches = find_duplicates(session, {**g.values, **dict(g.keys.items())}, limit=1)
            if matches:
                g.match_id, g.match_reason = matches[0].customer.id, ", ".join(matches[0].reasons)
        if g.match_id is None:
            continue
        entry = {"row": g.row, "customer_id": g.match_id, "reason": g.match_reason}
        if options.on_duplicate == "create":
            if g.match_reason == "same code":
                planner.error(g.row, None, code, f"code {code} already belongs to customer #{g.match_id}; codes "
                                                 "are unique, so this row cannot be created as a new customer")
                g.action = "error"
                continue
            result.duplicates.append({**entry, "action": "create"})
            g.match_id = None
        elif options.on_duplicate == "skip":
            g.action = "skip"
            result.duplicates.append({**entry, "action": "skip"})
        else:
            g.action = "update"
            result.duplicates.append({**entry, "action": "update"})
    # Permission to update: load the matched customers with their owners (customer_owners) in bulk.
    to_update = [g for g in groups if g.action == "update"]
    if to_update:
        rows = bulk.select_with_owners(session, table, CustomerOwner.__table__,  # type: ignore[attr-defined]
                                       (g.match_id for g in to_update))  # type: ignore[misc]
        by_id = {r["id"]: r for r in rows}
        for g in to_update:
            current = by_id[g.match_id]
            if not (g.contacts or g.followups or g.custom or any(
                    v is not None and current.get(k) != v for k, v in g.values.items() if k in current)):
                g.action = "skip"
                for d in result.duplicates:
                    if d.get("customer_id") == g.match_id and d["row"] == g.row:
                        d["action"] = "unchanged"
                continue
            probe = Customer(owner_id=current["owner_id"], name="")
            if not can_edit(planner.user, probe):
                planner.error(g.row, None, None, f"matches customer #{g.match_id}, which is not yours to update; "
                                                 "ask its owner or use --on-duplicate skip")
                g.action = "error"
        # several rows of the file matching one customer: only the first updates it
        first: dict[int, int] = {}
        for g in to_update:
            if g.action != "update":
                continue
            if g.match_id in first:
                planner.error(g.row, None, None, f"matches customer #{g.match_id} like row {first[g.match_id]}; "
                                                 "merge the two rows")
                g.action = "error"
            else:
                first[g.match_id] = g.row  # type: ignore[index]


# ---------------------------------------------------------------------------------------------------- owners


def _user_index(session: Session) -> dict[str, User]:
    out: dict[str, User] = {}
    for u in session.exec(select(User)):
        out.setdefault(u.username.lower(), u)
        if u.display_name:
            out.setdefault(u.display_name.lower(), u)
    return out


def _assign_owners(planner: _Planner, result: ImportResult) -> None:
    from crm_cli.users import get_user
    from crm_cli.vocab import Role

    session, user, options = planner.session, planner.user, planner.options
    chosen = sum(bool(x) for x in (options.owner, options.round_robin, options.pool))
    if chosen > 1:
        raise InvalidInput("choose one of --owner, --round-robin and --pool")
    privileged = user.role != Role.REP.value
    users = _user_index(session)
    rotation: list[User] = []
    if options.round_robin:
        rotation = [get_user(session, name.strip()) for name in options.round_robin if name.strip()]
        if not rotation:
            raise InvalidInput("--round-robin needs user names separated by commas")
    fixed: User | None = user
    if options.owner:
        fixed = None if options.owner in ("pool", "公海") else get_user(session, options.owner)
    if options.pool:
        fixed = None
    others = [u for u in [*rotation, fixed] if u is not None and u.id != user.id]
    if others and not privileged:
        raise PermissionDenied(f"a rep imports customers for themselves or the pool, not for {others[0].username}")
    caps = _caps(session, {u.id for u in [*rotation, fixed, *users.values()] if u is not None})  # type: ignore[misc]
    rotation_caps = _rotation_caps(session, rotation, caps)
    counts = _owned_counts(session, set(caps) | set(rotation_caps))
    cycle = itertools.cycle(rotation) if rotation else None
    for g in planner.groups:
        if g.action != "create":
            continue
        owner: User | None
        if g.owner and str(g.owner).lower() in ("pool", "公海"):
            owner = None
        elif g.owner:
            owner = users.get(str(g.owner).lower())
            if owner is None:
                column = planner.header_of.get("owner", "owner")
                planner.error(g.row, column, g.owner, f"no user {g.owner!r}: add them (crm user add {g.owner}), or "
                                                      f"import without owners: --map '{column}=ignore' (with --owner "
                                                      "USER or --pool)")
                g.action = "error"
                continue
            if owner.id != user.id and not privileged:
                planner.error(g.row, planner.header_of.get("owner", "owner"), g.owner,
                              "a rep cannot import customers for another user")
                g.action = "error"
                continue
        elif cycle is not None:
            owner = None
            for _ in range(len(rotation)):
                candidate = next(cycle)
                if _has_room(candidate.id, rotation_caps, counts):  # type: ignore[arg-type]
                    owner = candidate
                    break
            if owner is None:
                planner.error(g.row, None, None, "every --round-robin user has reached their cap of customers")
                g.action = "error"
                continue
        else:
            owner = fixed
        if owner is not None:
            if not _has_room(owner.id, caps, counts):  # type: ignore[arg-type]
                planner.error(g.row, None, None, f"{owner.username} has reached their cap of "
                                                 f"{caps[owner.id]} customers")  # type: ignore[index]
                g.action = "error"
                continue
            counts[owner.id] = counts.get(owner.id, 0) + 1  # type: ignore[index]
        g.owner_id = owner.id if owner else None


def _caps(session: Session, user_ids: set[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for uid in user_ids:
        for hook in OWNER_CAPS:
            cap = hook(session, uid)
            if cap is not None:
                out[uid] = min(cap, out.get(uid, cap))
    return out


def _rotation_caps(session: Session, rotation: list[User], caps: dict[int, int]) -> dict[int, int]:
    """Caps for --round-robin: the hooks' caps and the pool's per-user cap (``pool.max_owned``, 0 = none), so that
    sharing new customers among reps skips a rep at the cap as `crm pool assign` would refuse them. An explicit
    owner (--owner, an owner column) is the importer's decision and is not capped."""
    from crm_cli.settings import get_setting

    pool_cap = int(get_setting(session, "pool.max_owned") or 0)
    out: dict[int, int] = {}
    for u in rotation:
        assert u.id is not None
        cap = caps.get(u.id)
        if pool_cap > 0:
            cap = pool_cap if cap is None else min(cap, pool_cap)
        if cap is not None:
            out[u.id] = cap
    return out


def _owned_counts(session: Session, user_ids: set[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    from sqlalchemy import func

    owner = col(CustomerOwner.owner_id)
    stmt = (select(owner, func.count())
            .join(Customer, col(Customer.id) == CustomerOwner.customer_id)
            .where(owner.in_(user_ids), col(Customer.deleted_at).is_(None))
            .group_by(owner))
    return {row[0]: row[1] for row in session.execute(stmt).all()}


def _has_room(user_id: int, caps: dict[int, int], counts: dict[int, int]) -> bool:
    return user_id not in caps or counts.get(user_id, 0) < caps[user_id]


# ------------------------------------------------------------------------------------------------- the import


def plan_mapping(session: Session, source: Source, options: ImportOptions) -> tuple[ColumnMap, dict[str, str]]:
    overrides: dict[str, str] = {}
    if options.mapping:
        overrides.update(parse_overrides([f"{h}={f}" for h, f in load_mapping(session, options.mapping).items()]))
    overrides.update(parse_overrides(options.overrides))
    try:
        return _sheet_mapping(source.main, overrides, options), overrides
    except InvalidInput as first_error:
        # No --sheet and the first sheet holds no customers (an instructions or cover sheet, say): the first other
        # sheet that does becomes the one imported, and the summary names it.
        for i, other in enumerate(source.others):
            try:
                cmap = _sheet_mapping(other, overrides, options)
            except InvalidInput:
                continue
            source.others = [source.main, *source.others[:i], *source.others[i + 1:]]
            source.main = other
            return cmap, overrides
        if source.others:
            names = ", ".join(s.name for s in (source.main, *source.others))
            raise InvalidInput(f"sheet {source.main.name}: {first_error}; no other sheet holds customers either "
                               f"(sheets: {names}); pick one with --sheet NAME") from first_error
        raise


def _sheet_mapping(sheet: RawSheet, overrides: dict[str, str], options: ImportOptions) -> ColumnMap:
    rows = sheet.rows
    header_row = find_header_row(rows, extra=set(overrides))
    cmap = map_columns(rows[header_row], header_row, overrides=overrides, keep_unknown=options.keep_unknown)
    if "name" not in cmap.fields:
        raise InvalidInput(
            f"no column holds the customer name; headers: {', '.join(h for h in cmap.headers if h)}; "
            "map one with --map 'Header=name'")
    return cmap


def import_source(
    session: Session,
    *,
    user: User,
    clock: Clock,
    source: Source,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportResult:
    """Plan, check and (unless ``options.dry_run`` or a refused ``all_or_nothing``) write the import in the
    caller's transaction. Raises only for problems with the whole file; row problems are in ``result.errors``."""
    import gc

    # The import allocates millions of small dicts and lists that all stay alive until it ends; the cyclic
    # garbage collector would walk them again and again (measured: more than half the time of a 100k import).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _import_source(session, user=user, clock=clock, source=source, options=options, progress=progress)
    finally:
        if enabled:
            gc.enable()


def _import_source(
    session: Session,
    *,
    user: User,
    clock: Clock,
    source: Source,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportResult:
    if options.on_duplicate not in ON_DUPLICATE:
        raise InvalidInput(f"--on-duplicate {options.on_duplicate!r}: use skip, update or create")
    cmap, _overrides = plan_mapping(session, source, options)
    result = ImportResult(file=str(source.path), sheet=source.main.name, header_row=cmap.header_row + 1,
                          mapping=cmap.as_dict(), ignored_columns=cmap.ignored, dry_run=options.dry_run)
    planner = _Planner(session, user, clock, options, result)
    planner.add_rows(source.main, cmap, progress)
    if "ref" in cmap.fields:
        for other in source.others:
            try:
                oi = find_header_row(other.rows)
            except InvalidInput:
                continue
            omap = map_columns(other.rows[oi], oi)
            if "ref" not in omap.fields:
                continue
            if "contact_name" in omap.fields:
                planner.add_related(other, omap, "contacts")
                result.related_sheets.append(other.name)
            elif "followup_content" in omap.fields:
                planner.add_related(other, omap, "followups")
                result.related_sheets.append(other.name)
    if progress:
        progress("matching duplicates", 0, 1)
    from crm_cli.db.bulkimport import bulk_cache

    with bulk_cache(session, 64):
        _match_database(planner, result)
    _assign_owners(planner, result)
    result.skipped += sum(1 for g in planner.groups if g.action == "skip")
    creates = [g for g in planner.groups if g.action == "create"]
    updates = [g for g in planner.groups if g.action == "update"]
    result.created, result.updated = len(creates), len(updates)
    result.contacts_created = sum(len(g.contacts) for g in creates + updates)
    result.followups_created = sum(len(g.followups) for g in creates + updates)
    result.errors.sort(key=lambda e: (e.sheet or "", e.row))
    if options.save_mapping and not options.dry_run:
        save_mapping(session, user=user, clock=clock, name=options.save_mapping, mapping=cmap.as_dict())
    if options.all_or_nothing and result.errors:
        result.refused = True
    if options.dry_run or result.refused:
        return result
    if progress:
        progress("writing", 0, 1)
    from crm_cli.db.bulkimport import bulk_cache

    with bulk_cache(session):
        _write(session, user=user, clock=clock, source=source, options=options, result=result,
               creates=creates, updates=updates, region=planner.region)
    return result


# Rows are written as tuples in their stored form (bulkimport.insert_tuples), in these column orders.
CUSTOMER_COLUMNS = ("id", *CUSTOMER_FIELDS, "created_at", "created_by", "updated_at", "updated_by", "next_followup_on",
                    "custom", "deleted_at", "name_key", "city_key", "phone_key", "email_key", "credit_key",
                    "address_key", "search_text")
OWNER_COLUMNS = ("customer_id", "owner_id", "owned_since", "last_followup_at")  # customer_owners: one row each
CONTACT_COLUMNS = ("id", "customer_id", "name", "title", "department", "mobile", "phone", "email", "wechat",
                   "birthday", "notes", "is_primary", "created_at", "updated_at")
AUDIT_COLUMNS = ("id", "at", "user_id", "entity", "entity_id", "customer_id", "action", "changes", "note")
_C_NAME, _C_TITLE, _C_MOBILE, _C_PHONE, _C_EMAIL, _C_WECHAT = 2, 3, 5, 6, 7, 8  # indexes in CONTACT_COLUMNS
_CODE, _NAME, _LEVEL, _STARS, _TARGET, _PHONE, _EMAIL = (CUSTOMER_FIELDS.index(f) for f in (
    "code", "name", "level", "stars", "is_target", "phone", "email"))  # indexes in CUSTOMER_FIELDS


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@contextmanager
def _indexes_for_a_big_load(session: Session, creates: list[Group], updates: list[Group]) -> Iterator[Any]:
    """A load much bigger than the tables it goes into builds their secondary indexes afterwards, in one sorted
    pass each (``bulkimport.indexes_set_aside``), with a page cache that holds the whole load. Yields the
    ``bulkimport.SetAside`` (None when no index was set aside)."""
    from crm_cli.db import bulkimport as bulk

    customers_t = Customer.__table__  # type: ignore[attr-defined]
    owners_t = CustomerOwner.__table__  # type: ignore[attr-defined]
    tables: list[Any] = []
    if creates and not updates:
        loads = ((customers_t, len(creates)), (Contact.__table__, sum(len(g.contacts) for g in creates)),  # type: ignore[attr-defined]
                 (FollowUp.__table__, sum(len(g.followups) for g in creates)),  # type: ignore[attr-defined]
                 (AuditEntry.__table__, len(creates)))  # type: ignore[attr-defined]
        tables = [t for t, n in loads if n >= REBUILD_INDEXES_MIN and n >= bulk.row_estimate(session, t)]
    if not tables:
        yield None
        return
    with ExitStack() as stack:
        if customers_t in tables:
            tables.append(owners_t)
            stack.enter_context(bulk.bulk_cache(session, BIG_LOAD_CACHE_MIB))  # no spilling to the WAL midway
        yield stack.enter_context(bulk.indexes_set_aside(session, tables))


def _write(session: Session, *, user: User, clock: Clock, source: Source, options: ImportOptions,
           result: ImportResult, creates: list[Group], updates: list[Group], region: str) -> None:
    from crm_cli.customers import compute_keys
    from crm_cli.db import bulkimport as bulk
    from crm_cli.db.search import build_search_text
    from crm_cli.dedupe import token_terms, tokens_for
    from crm_cli.normalize import phone_keys

    now = clock.now
    customers_t = Customer.__table__  # type: ignore[attr-defined]
    owners_t = CustomerOwner.__table__  # type: ignore[attr-defined]
    contacts_t = Contact.__table__  # type: ignore[attr-defined]
    followups_t = FollowUp.__table__  # type: ignore[attr-defined]
    audit_t = AuditEntry.__table__  # type: ignore[attr-defined]
    batch = ImportBatch(
        at=now, user_id=user.id, file_name=source.path.name, sheet=source.main.name,
        options={"on_duplicate": options.on_duplicate, "owner": options.owner, "round_robin": options.round_robin,
                 "pool": options.pool, "mapping": result.mapping},
        rows_read=result.rows_read, created=result.created, updated=result.updated, skipped=result.skipped,
        errors=len(result.error_rows),
    )  # fmt: skip
    session.add(batch)
    session.flush()
    assert batch.id is not None
    note = f"import batch {batch.id} ({source.path.name})"
    users = _user_index(session)
    cust_id = bulk.next_id(session, customers_t)
    contact_id = bulk.next_id(session, contacts_t)
    follow_id = bulk.next_id(session, followups_t)
    audit_id = bulk.next_id(session, audit_t)
    first_customer, first_contact, first_follow = cust_id, contact_id, follow_id
    cust_rows: list[tuple[Any, ...]] = []
    owner_rows: list[tuple[Any, ...]] = []  # in OWNER_COLUMNS order, one per new customer
    token_docs: list[tuple[int, str]] = []  # the new and updated customers' token documents (crm_cli.dedupe)
    contact_rows: list[tuple[Any, ...]] = []
    follow_rows: list[dict[str, Any]] = []
    audit_rows: list[tuple[Any, ...]] = []
    stored_now = bulk.encoder_of(customers_t, "created_at")(now)
    stored_json = bulk.encoder_of(audit_t, "changes")
    stored_at = bulk.encoder_of(owners_t, "last_followup_at")
    stored_on = bulk.encoder_of(customers_t, "next_followup_on")
    stored_custom = bulk.encoder_of(customers_t, "custom")
    stored_birthday = bulk.encoder_of(contacts_t, "birthday")
    stored_bool = bulk.encoder_of(contacts_t, "is_primary")
    user_id = user.id

    def audit(entity: str, entity_id: int, customer_id: int, action: str, changes: dict[str, Any]) -> None:
        nonlocal audit_id
        audit_rows.append((audit_id, stored_now, user_id, entity, entity_id, customer_id, action,
                           stored_json(changes or None), note))
        audit_id += 1

    def add_children(g: Group, cid: int, has_contacts: bool, fold: bool = False) -> tuple[
            list[tuple[Any, ...]], datetime | None, date | None]:
        """Contacts (rows in CONTACT_COLUMNS order) and follow-ups of a group. ``fold``: a new customer's audit
        entry lists them (one audit row per imported customer instead of one per record: the audit log was a
        third of a big import's time)."""
        nonlocal contact_id, follow_id
        new_contacts = []
        for k, contact in enumerate(g.contacts):
            get = contact.get
            row = (contact_id, cid, contact["name"], get("title"), get("department"), get("mobile"), get("phone"),
                   get("email"), get("wechat"), stored_birthday(get("birthday")), None,
                   stored_bool(k == 0 and not has_contacts), stored_now, stored_now)
            new_contacts.append(row)
            if not fold:
                audit("contact", contact_id, cid, "create",
                      {f: [None, row[i]] for f, i in (("name", _C_NAME), ("title", _C_TITLE), ("mobile", _C_MOBILE),
                                                      ("email", _C_EMAIL)) if row[i] is not None})
            contact_id += 1
        contact_rows.extend(new_contacts)
        last_at: datetime | None = None
        next_on: date | None = None
        if g.followups:
            for fu in sorted(g.followups, key=lambda f: f.get("at") or now):
                at = fu.get("at") or now
                by = users.get(str(fu["by"]).lower()) if fu.get("by") else None
                follow_rows.append({"id": follow_id, "customer_id": cid, "user_id": by.id if by else user_id,
                                    "at": at, "method": fu.get("method") or "other", "content": fu["content"],
                                    "next_on": fu.get("next_on"), "plan": fu.get("plan"), "created_at": now})
                if not fold:
                    audit("followup", follow_id, cid, "create",
                          {"at": [None, at.isoformat()], "content": [None, fu["content"]]})
                follow_id += 1
                last_at = at
            if "next_followup_on" in g.values and follow_rows[-1]["next_on"] is None:
                follow_rows[-1]["next_on"] = g.values["next_followup_on"]
        next_on = g.values.get("next_followup_on")
        return new_contacts, last_at, next_on

    def flush_customers() -> None:
        """Insert the customer rows built so far, and let them go (a 100k import held half a GiB of rows at once
        otherwise)."""
        bulk.insert_tuples(session, customers_t, CUSTOMER_COLUMNS, cust_rows)
        cust_rows.clear()

    from crm_cli.db.search import deferred_search_index

    with _indexes_for_a_big_load(session, creates, updates) as aside:
        with deferred_search_index(session, first_id=first_customer, rows=len(creates)) as search_fill:
            # 1. The new customer rows (their search text covers their contacts), written as they are built ...
            made: list[tuple[Group, int, list[Any], dict[str, str | None], list[str], list[tuple[Any, ...]]]] = []
            for n, g in enumerate(creates, start=1):
                cid = cust_id
                cust_id += 1
                get = g.values.get
                fields = [get(k) for k in CUSTOMER_FIELDS]
                fields[_LEVEL] = fields[_LEVEL] or "potential"
                fields[_STARS] = fields[_STARS] or 0
                fields[_TARGET] = bool(fields[_TARGET])
                contacts, last_at, next_on = add_children(g, cid, False, fold=True)
                parts: list[Any] = [fields[_NAME], fields[_CODE], fields[_PHONE], fields[_EMAIL]]
                for c in contacts:
                    parts += (c[_C_NAME], c[_C_MOBILE], c[_C_PHONE], c[_C_EMAIL], c[_C_WECHAT])
                if len(g.rows) == 1 and g.keys:
                    keys, phones = g.keys, g.phones  # computed once, when the row was checked
                else:  # later rows of the file filled in this customer's fields
                    values = dict(zip(CUSTOMER_FIELDS, fields, strict=True))
                    keys, phones = compute_keys(values, phone_region=region), phone_keys(values["phone"], region)
                stored = fields.copy()
                stored[_TARGET] = stored_bool(stored[_TARGET])
                cust_rows.append((
                    cid, *stored, stored_now, user_id, stored_now, user_id, stored_on(next_on),
                    stored_custom(g.custom or None), None, keys["name_key"], keys["city_key"], keys["phone_key"],
                    keys["email_key"], keys["credit_key"], keys["address_key"], build_search_text(*parts),
                ))  # fmt: skip
                owner_rows.append((cid, g.owner_id, stored_now if g.owner_id else None, stored_at(last_at)))
                made.append((g, cid, fields, keys, phones, contacts))
                if n % WRITE_CHUNK == 0:
                    flush_customers()
            flush_customers()
            # 2. ... then the trigram search index fills in a thread (and the customers' indexes set aside are
            # built there) while this one builds the blocking tokens and the audit entries (Python only: the
            # session is not touched until the thread is done).
            search_fill.start(then=aside.take(customers_t.name) if aside is not None else [])
            for g, cid, fields, keys, phones, contacts in made:
                if terms := token_terms(tokens_for(keys["name_key"], phones, keys["email_key"], keys["credit_key"],
                                                   keys["address_key"])):
                    token_docs.append((cid, terms))
                changes = {k: [None, v if type(v) is str else _plain(v)]
                           for k, v in zip(CUSTOMER_FIELDS, fields, strict=True) if v is not None}
                if g.owner_id is not None:
                    changes["owner_id"] = [None, g.owner_id]
                if contacts:
                    changes["contacts"] = [None, [" ".join(filter(None, (c[_C_NAME], c[_C_MOBILE], c[_C_EMAIL])))
                                                  for c in contacts]]
                if g.followups:
                    changes["followups"] = [None, len(g.followups)]
                audit("customer", cid, cid, "create", changes)
            del made
            search_fill.wait()
            bulk.insert_tuples(session, owners_t, OWNER_COLUMNS, owner_rows)  # after their customers (foreign key)
            owner_rows.clear()

        update_rows: list[dict[str, Any]] = []
        clock_rows: list[dict[str, Any]] = []  # customer_owners rows whose last_followup_at the import moves
        item_rows: list[dict[str, Any]] = []
        if updates:
            current = {r["id"]: r for r in bulk.select_with_owners(session, customers_t, owners_t,
                                                                   (g.match_id for g in updates))}  # type: ignore[misc]
            existing_contacts: dict[int, list[dict[str, Any]]] = {}
            for c in bulk.select_by_ids(session, contacts_t, current, column="customer_id"):
                existing_contacts.setdefault(c["customer_id"], []).append(c)
            for g in updates:
                cid = g.match_id
                assert cid is not None
                old = current[cid]
                have = existing_contacts.get(cid, [])
                names = {(c["name"], c["mobile"]) for c in have}
                g.contacts = [c for c in g.contacts if (c["name"], c.get("mobile")) not in names]
                new = {k: old[k] for k in SNAPSHOT}
                for k in CUSTOMER_FIELDS:
                    if g.values.get(k) is not None:
                        new[k] = g.values[k]
                if g.custom:
                    new["custom"] = {**(old["custom"] or {}), **g.custom}
                contacts, last_at, next_on = add_children(g, cid, bool(have))
                if last_at is not None and (old["last_followup_at"] is None or last_at >= old["last_followup_at"]):
                    new["last_followup_at"] = last_at
                    new["next_followup_on"] = next_on
                elif next_on is not None:
                    new["next_followup_on"] = next_on
                new.update(compute_keys(new, phone_region=region))
                if terms := token_terms(tokens_for(new["name_key"], phone_keys(new["phone"], region), new["email_key"],
                                                   new["credit_key"], new["address_key"])):
                    token_docs.append((cid, terms))
                parts = [new["name"], new["code"], new["phone"], new["email"]]
                for c in have:
                    parts.extend([c["name"], c["mobile"], c["phone"], c["email"], c["wechat"]])
                for t in contacts:
                    parts.extend([t[_C_NAME], t[_C_MOBILE], t[_C_PHONE], t[_C_EMAIL], t[_C_WECHAT]])
                new["search_text"] = build_search_text(*parts)
                new["updated_at"], new["updated_by"] = now, user.id
                changes = {k: [_plain(old[k]), _plain(new[k])] for k in CUSTOMER_FIELDS + ("custom", "next_followup_on")
                           if old[k] != new[k]}
                update_rows.append({"_id": cid, **new})
                if new["last_followup_at"] != old["last_followup_at"]:
                    clock_rows.append({"_id": cid, "last_followup_at": new["last_followup_at"]})
                item_rows.append({"batch_id": batch.id, "customer_id": cid, "action": "update", "undone": False,
                                  "before": {k: _plain(old[k]) for k in SNAPSHOT}})
                audit("customer", cid, cid, "update", changes)

        bulk.insert_tuples(session, contacts_t, CONTACT_COLUMNS, contact_rows)
        bulk.insert_rows(session, followups_t, follow_rows)
        bulk.update_rows(session, customers_t, update_rows, CUSTOMER_SNAPSHOT)
        bulk.update_rows(session, owners_t, clock_rows, OWNER_SNAPSHOT, key="customer_id")
        bulk.insert_rows(session, ImportItem.__table__, item_rows)  # type: ignore[attr-defined]
        bulk.insert_tuples(session, audit_t, AUDIT_COLUMNS, audit_rows)
        bulk.replace_tokens(session, token_docs, new_from=first_customer, updated=[r["_id"] for r in update_rows])
    batch.customers_from, batch.customers_to = (first_customer, cust_id - 1) if creates else (None, None)
    batch.contacts_from, batch.contacts_to = (first_contact, contact_id - 1) if contact_id > first_contact else (
        None, None)
    batch.followups_from, batch.followups_to = (first_follow, follow_id - 1) if follow_id > first_follow else (
        None, None)
    batch.audit_mark = audit_id - 1
    session.add(batch)
    session.flush()
    result.batch = batch.id
    result.contacts_created, result.followups_created = contact_id - first_contact, follow_id - first_follow


# ------------------------------------------------------------------------------------------------ error file


def write_errors_file(source: Source, result: ImportResult, path: Path | None = None) -> Path | None:
    """``FILE.errors.xlsx``: the refused rows with their original columns plus a reason column, ready to fix and
    import again (the importer ignores the reason column)."""
    rows = result.error_rows
    if not rows:
        return None
    from crm_cli.sheets.writer import write_rows

    target = path or source.path.with_name(source.path.stem + ".errors.xlsx")
    cmap_header = source.main.rows[result.header_row - 1]
    reasons: dict[int, list[str]] = {}
    for e in result.errors:
        if e.sheet is None:
            where = f"{e.column}: " if e.column else ""
            shown = f" ({e.value})" if e.value not in (None, "") else ""
            reasons.setdefault(e.row, []).append(f"{where}{e.message}{shown}")
    width = max(len(cmap_header), *(len(source.main.rows[r - 1]) for r in rows))
    headers = [cells.text(c) or "" for c in cmap_header] + [""] * (width - len(cmap_header)) + ["错误原因 / Error"]
    body = []
    for r in rows:
        raw = list(source.main.rows[r - 1]) + [None] * (width - len(source.main.rows[r - 1]))
        for (fr, fc), formula in source.main.formulas.items():
            if fr == r - 1 and fc < width:
                raw[fc] = formula
        body.append([_raw_out(v) for v in raw] + ["; ".join(reasons[r])])
    write_rows(target, [("Errors", headers, body)])
    result.errors_file = str(target)
    return target


def _raw_out(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # phones and codes stay exact when re-read
    if value == "":
        return None
    return value


# ------------------------------------------------------------------------------------------------ batches


def list_batches(session: Session, *, limit: int = 50) -> list[ImportBatch]:
    stmt = select(ImportBatch).order_by(col(ImportBatch.id).desc()).limit(limit)
    return list(session.exec(stmt))


@dataclass
class UndoResult:
    batch: int
    deleted: int = 0
    reverted: int = 0
    contacts_deleted: int = 0
    followups_deleted: int = 0
    kept: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "deleted": self.deleted, "reverted": self.reverted,
                "contacts_deleted": self.contacts_deleted, "followups_deleted": self.followups_deleted,
                "kept": self.kept}


def undo_batch(session: Session, *, user: User, clock: Clock, batch_id: int, keep_changed: bool = False) -> UndoResult:
    """Remove the customers (and contacts, follow-ups) a batch created and revert the customers it updated.

    Records changed since the import (any audit entry after the batch's own) are not touched: the undo is
    refused with a list of them, or, with ``keep_changed``, undoes the rest and returns them in ``kept``."""
    from sqlalchemy import and_

    from crm_cli.customers import compute_keys
    from crm_cli.db import bulkimport as bulk
    from crm_cli.dedupe import phone_region
    from crm_cli.vocab import Role

    region = phone_region(session)
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(f"no import batch {batch_id}: see `crm import list`")
    if batch.undone_at is not None:
        raise Refused(f"import batch {batch_id} was already undone on {batch.undone_at:%Y-%m-%d %H:%M}")
    if batch.user_id != user.id and user.role != Role.ADMIN.value:
        raise PermissionDenied(f"import batch {batch_id} was made by another user; only they or an admin can undo it")
    customers_t = Customer.__table__  # type: ignore[attr-defined]
    items = list(session.exec(select(ImportItem).where(ImportItem.batch_id == batch_id, col(ImportItem.undone).is_(False))))
    created: list[int] = []
    if batch.customers_from is not None:
        stmt = select(Customer.id).where(col(Customer.id).between(batch.customers_from, batch.customers_to),
                                         Customer.created_at == batch.at, Customer.created_by == batch.user_id)
        created = list(session.exec(stmt))  # type: ignore[arg-type]
    touched = set(created) | {i.customer_id for i in items}
    changed: dict[int, AuditEntry] = {}
    ids = sorted(touched)
    for part in bulk.chunks(ids):
        stmt2 = (select(AuditEntry).where(col(AuditEntry.id) > batch.audit_mark,
                                          col(AuditEntry.customer_id).in_(list(part)))
                 .order_by(col(AuditEntry.id)))
        for entry in session.exec(stmt2):
            changed.setdefault(entry.customer_id, entry)  # type: ignore[arg-type]
    result = UndoResult(batch=batch_id)
    if changed:
        names = dict(session.exec(select(Customer.id, Customer.name).where(col(Customer.id).in_(list(changed)[:1000]))).all())  # type: ignore[arg-type]
        lines = [f"#{cid} {names.get(cid, '?')}: {e.action} of {e.entity} on {e.at:%Y-%m-%d %H:%M}"
                 for cid, e in sorted(changed.items())]
        if not keep_changed:
            raise Refused(f"{len(changed)} record(s) of import batch {batch_id} changed since the import; nothing "
                          "was undone. Use --keep-changed to undo the rest and keep these", details=lines[:50])
        result.kept = lines
    now = clock.now
    note = f"undo of import batch {batch_id}"
    audit_rows: list[dict[str, Any]] = []
    # The batch's contacts and follow-ups first, those of the customers about to go included (their cascade would
    # remove them uncounted: the summary said "0 contacts removed" after taking 100k customers with theirs).
    keep = set(changed)
    for table, lo, hi, attr in ((Contact.__table__, batch.contacts_from, batch.contacts_to, "contacts_deleted"),  # type: ignore[attr-defined]
                                (FollowUp.__table__, batch.followups_from, batch.followups_to, "followups_deleted")):  # type: ignore[attr-defined]
        if lo is None:
            continue
        from sqlalchemy import delete

        cond = and_(table.c.id.between(lo, hi), table.c.created_at == batch.at)
        if keep:
            cond = and_(cond, table.c.customer_id.not_in(list(keep)))
        n = session.execute(delete(table).where(cond)).rowcount  # type: ignore[attr-defined]
        setattr(result, attr, n or 0)
    to_delete = [c for c in created if c not in changed]
    if to_delete:
        for cid in to_delete:
            audit_rows.append({"at": now, "user_id": user.id, "entity": "customer", "entity_id": cid,
                               "customer_id": cid, "action": "delete", "changes": None, "note": note})
        # The customer_owners rows first (their foreign key has no cascade); the batch's contacts and follow-ups are gone
        # already (counted above); the token documents have no foreign key at all.
        bulk.delete_ids(session, CustomerOwner.__table__, to_delete, column="customer_id")  # type: ignore[attr-defined]
        from crm_cli.db.search import search_index_for_a_big_delete

        remaining = bulk.row_estimate(session, customers_t) - len(to_delete)
        bulk.delete_tokens(session, to_delete, remaining=remaining)
        with search_index_for_a_big_delete(session, deleting=len(to_delete), remaining=remaining):
            result.deleted = bulk.delete_ids(session, customers_t, to_delete)
    reverts = []
    for item in items:
        if item.customer_id in changed:
            continue
        before = dict(item.before or {})
        for key in ("updated_at", "last_followup_at"):
            if before.get(key):
                before[key] = datetime.fromisoformat(before[key])
        if before.get("next_followup_on"):
            before["next_followup_on"] = date.fromisoformat(before["next_followup_on"])
        before.update(compute_keys(before, phone_region=region))
        reverts.append({"_id": item.customer_id, **before})
        audit_rows.append({"at": now, "user_id": user.id, "entity": "customer", "entity_id": item.customer_id,
                           "customer_id": item.customer_id, "action": "revert", "changes": None, "note": note})
        item.undone = True
        session.add(item)
    if reverts:
        bulk.update_rows(session, customers_t, reverts, CUSTOMER_SNAPSHOT)
        bulk.update_rows(session, CustomerOwner.__table__, reverts, OWNER_SNAPSHOT, key="customer_id")  # type: ignore[attr-defined]
        from crm_cli.dedupe import index_ids

        index_ids(session, [r["_id"] for r in reverts])
    result.reverted = len(reverts)
    bulk.insert_rows(session, AuditEntry.__table__, audit_rows)  # type: ignore[attr-defined]
    batch.undone_at = now
    batch.undone_by = user.id
    session.add(batch)
    session.flush()
    return result
