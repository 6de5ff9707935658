"""The normalised keys and blocking tokens that every customer write keeps up to date (see crm_cli.dedupe).

Split from crm_cli.dedupe so that `crm customer add` and edits load only this and crm_cli.normalize, not the entry
check's scoring (crm_cli.matching) or the batch search; crm_cli.dedupe re-exports every name here.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from crm_cli import normalize, settings
from crm_cli.db import tokens as token_index
from crm_cli.db.models import Customer

settings.register(
    settings.SettingSpec("dedupe.phone_region", str, "CN",
                         "default country (ISO code) for phones written without +country, e.g. CN, US, HK"),
)  # fmt: skip

KEY_COLUMNS = ("name_key", "city_key", "phone_key", "email_key", "credit_key", "address_key")


def phone_region(session: Any) -> str:
    try:
        return str(settings.get_setting(session, "dedupe.phone_region") or "CN")
    except Exception:  # the settings table may not exist yet inside a migration
        return "CN"


def customer_keys(values: dict[str, Any], *, phone_region: str = "CN",
                  phones: list[str] | None = None) -> dict[str, str | None]:
    """The normalised keys stored on a customer row. ``phones``: ``normalize.phone_keys`` of the phone, when the
    caller has them already (the key is the first)."""
    parts = normalize.name_parts(values.get("name"))
    region = normalize.fold(values.get("region")) if values.get("region") else ""
    return {
        "name_key": parts.core or None,
        "city_key": parts.city or (normalize._region_of(region) if region else None),
        "phone_key": normalize.phone_key(values.get("phone"), phone_region) if phones is None else (
            phones[0] if phones else None),
        "email_key": normalize.email_key(values.get("email")),
        "credit_key": normalize.credit_key(values.get("credit_code")),
        "address_key": normalize.address_key(values.get("address")),
    }


def tokens_for(name_key: str | None, phones: list[str] | tuple[str, ...], email_key: str | None,
               credit_key: str | None, address_key: str | None) -> list[str]:
    out = ["n:" + t for t in normalize.name_tokens(name_key)]
    out.extend("t:" + p for p in phones)
    if email_key:
        out.append("e:" + email_key)
        domain = normalize.email_domain(email_key)
        if domain:
            out.append("d:" + domain)
    if credit_key:
        out.append("c:" + credit_key)
    if address_key:
        out.append("a:" + address_key)
    return list(dict.fromkeys(out))


LONG_TERM = 2048  # FTS5 cuts terms at 32768 bytes; a term longer than this stands for a digest of its token


def token_term(token: str) -> str:
    """The one index term of a token: its UTF-8 bytes in hex. Injective, and all letters and digits, so the index's
    tokenizer keeps it whole whatever the token holds (spaces, CJK, '+', '@', quotes) and case folding changes
    nothing. A token of more than ``LONG_TERM // 2`` bytes (a pasted page in an address) is ``h`` + a 128-bit
    BLAKE2 digest instead: FTS5 would cut its term at 32 KiB and confuse tokens alike in their first 16 KiB."""
    term = token.encode().hex()
    if len(term) > LONG_TERM:
        from hashlib import blake2b

        return "h" + blake2b(token.encode(), digest_size=16).hexdigest()
    return term


def token_terms(tokens: list[str]) -> str:
    """A customer's document in the token index (crm_cli.db.tokens): its tokens' terms, separated by spaces."""
    text = " ".join([t.encode().hex() for t in tokens])
    return text if len(text) <= LONG_TERM else " ".join([token_term(t) for t in tokens])


def term_token(term: str) -> str | None:
    """The token of an index term (``token_term`` reversed); None for a long token's digest."""
    return None if term.startswith("h") else bytes.fromhex(term).decode()


def _tokens_of_row(row: Any, region: str) -> list[str]:
    phones = normalize.phone_keys(row.phone, region) or ([row.phone_key] if row.phone_key else [])
    return tokens_for(row.name_key, phones, row.email_key, row.credit_key, row.address_key)


def index_customer(session: Session, customer: Customer) -> None:
    """Replace the customer's blocking tokens (called on every write that can change its keys)."""
    assert customer.id is not None
    terms = token_terms(_tokens_of_row(customer, phone_region(session)))
    token_index.replace_doc(session.connection(), customer.id, terms)
