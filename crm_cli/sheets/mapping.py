"""Which column holds which field: header-row detection and Chinese/English header aliases.

Headers are compared after normalising (NFKC, lower case, spaces, ``*``, brackets such as ``（必填）`` removed), so
``客户名称*``, ``Company Name`` and ``company_name`` all reach ``name``. ``--map "Header=field"`` overrides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_cli.errors import InvalidInput

# field -> (kind, English header, Chinese header, aliases). Kinds are the converters of crm_cli.sheets.cells.
FIELDS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "ref": ("text", "Customer ID", "客户ID", ("客户id", "customerid", "crmid", "客户序号")),
    "code": ("digits", "Code", "客户编号", ("客户编码", "客户代码", "编号", "编码", "customercode", "code", "customerno",
                                          "客户号")),
    "name": ("text", "Name", "客户名称", ("公司名称", "企业名称", "客户名", "单位名称", "公司", "客户", "名称", "company",
                                        "companyname", "customer", "customername", "name", "account", "accountname",
                                        "organization", "organisation", "客户全称", "公司全称", "企业全称")),
    "level": ("level", "Level", "客户类别", ("客户级别", "客户等级", "类别", "级别", "等级", "客户类型", "客户状态",
                                         "customerlevel", "category", "type", "status", "stage")),
    "stars": ("stars", "Stars", "星级", ("星标", "重要程度", "rating", "stars", "star")),
    "source": ("text", "Source", "客户来源", ("来源", "线索来源", "source", "leadsource")),
    "region": ("text", "Region", "地区", ("区域", "城市", "所在地区", "省市", "region", "city", "area")),
    "industry": ("text", "Industry", "行业", ("所属行业", "行业类别", "行业分类", "industry", "sector")),
    "is_target": ("bool", "Target", "目标客户", ("是否目标客户", "target", "istarget")),
    "credit_code": ("credit", "Credit code", "统一社会信用代码", ("信用代码", "社会信用代码", "税号", "uscc",
                                                           "creditcode", "taxid", "统一信用代码", "纳税人识别号")),
    "phone": ("digits", "Phone", "电话", ("公司电话", "座机", "联系电话", "客户电话", "phone", "tel", "telephone",
                                        "companyphone", "电话号码", "办公电话", "固定电话", "固话", "phonenumber", "businessphone",
                                        "officephone", "workphone")),
    "email": ("email", "E-mail", "邮箱", ("电子邮箱", "公司邮箱", "email", "e-mail", "mail", "companyemail", "电子邮件", "邮件", "emailaddress")),
    "website": ("text", "Website", "网址", ("网站", "官网", "公司网址", "公司网站", "主页", "website", "web", "url",
                                          "homepage")),
    "address": ("text", "Address", "地址", ("公司地址", "详细地址", "通讯地址", "办公地址", "address", "street")),
    "notes": ("text", "Notes", "备注", ("说明", "备注信息", "客户备注", "描述", "notes", "note", "remarks", "comment", "comments", "description")),
    "owner": ("text", "Owner", "负责人", ("销售", "业务员", "归属人", "跟进人", "所属销售", "owner", "salesrep",
                                        "accountowner", "assignedto", "客户负责人", "责任人", "销售负责人", "销售员",
                                        "salesperson")),
    "next_followup_on": ("date", "Next follow-up", "下次跟进日期", ("下次跟进", "下次跟进时间", "下次联系日期", "下次联系时间",
                                                                "下次回访日期", "下次回访时间", "计划跟进日期",
                                                                "nextfollowup", "nextfollowupdate", "nextcontact")),
    "contact_name": ("text", "Contact", "联系人", ("联系人姓名", "姓名", "contact", "contactname", "contactperson")),
    "contact_title": ("text", "Title", "职务", ("职位", "联系人职务", "联系人职位", "title", "jobtitle", "position")),
    "contact_department": ("text", "Department", "部门", ("department", "dept")),
    "contact_mobile": ("digits", "Mobile", "手机", ("手机号", "手机号码", "移动电话", "联系人手机", "mobile",
                                                 "mobilephone", "cell", "cellphone", "联系人手机号",
                                                 "mobilenumber")),
    "contact_phone": ("digits", "Contact phone", "联系人电话", ("contactphone", "directline")),
    "contact_email": ("email", "Contact e-mail", "联系人邮箱", ("联系人电子邮箱", "contactemail", "contactmail")),
    "contact_wechat": ("text", "WeChat", "微信", ("微信号", "wechat", "weixin")),
    "contact_birthday": ("date", "Birthday", "生日", ("出生日期", "联系人生日", "birthday", "dateofbirth", "dob")),
    "followup_at": ("datetime", "Follow-up time", "跟进时间", ("跟进日期", "最近跟进时间", "联系时间",
                                                           "followuptime", "followupdate", "lastcontact")),
    "followup_method": ("method", "Method", "跟进方式", ("联系方式", "method", "followupmethod", "channel")),
    "followup_content": ("text", "Follow-up", "跟进内容", ("跟进记录", "沟通内容", "跟进情况", "followup",
                                                       "followupcontent", "followupnotes", "activity")),
    "followup_plan": ("text", "Plan", "下一步计划", ("跟进计划", "计划", "plan", "nextstep", "nextsteps")),
    "followup_next_on": ("date", "Next date", "约定下次日期", ("followupnextdate", "nexton")),
    "followup_by": ("text", "Followed up by", "跟进人员", ("followedupby", "by")),
    "contact_ref": ("text", "Contact ID", "联系人ID", ("contactid",)),
    "_ignore": ("text", "Error", "错误原因", ("错误", "reason", "error", "errors", "错误原因/error", "序号", "no", "#",
                                          "rowno", "行号")),
}
CUSTOMER_FIELDS = ("code", "name", "level", "stars", "source", "region", "industry", "is_target", "credit_code",
                   "phone", "email", "website", "address", "notes")
CONTACT_FIELDS = ("contact_name", "contact_title", "contact_department", "contact_mobile", "contact_phone",
                  "contact_email", "contact_wechat", "contact_birthday")
FOLLOWUP_FIELDS = ("followup_at", "followup_method", "followup_content", "followup_plan", "followup_next_on",
                   "followup_by")


def normalise_header(header: Any) -> str:
    if header is None:
        return ""
    value = unicodedata.normalize("NFKC", str(header)).strip().lower()
    value = re.sub(r"[(\[（【].*?[)\]）】]", "", value)  # (必填), [optional], （元）
    return re.sub(r"[\s*_:：.·/\\-]+", "", value) if value not in ("e-mail",) else "email"


_ALIASES: dict[str, str] = {}
for _field, (_kind, _en, _zh, _aliases) in FIELDS.items():
    for _alias in (_field, _en, _zh, *_aliases):
        _ALIASES.setdefault(normalise_header(_alias), _field)


def field_for_header(header: Any) -> str | None:
    return _ALIASES.get(normalise_header(header))


def kind_of(field_name: str) -> str:
    return FIELDS[field_name][0] if field_name in FIELDS else "text"


def header_label(field_name: str, lang: str) -> str:
    _kind, en, zh, _ = FIELDS[field_name]
    return zh if lang == "zh" else en


def find_header_row(rows: Sequence[Sequence[Any]], scan: int = 30, *, extra: set[str] | None = None) -> int:
    """The index of the row that looks most like a header (most cells that are known headers) among the first
    ``scan`` rows. A merged title row above the headers has one cell and loses to the real header row."""
    best, best_score = -1, 0
    for i, row in enumerate(rows[:scan]):
        cells = [c for c in row if isinstance(c, str) and c.strip()]
        known = {f for f in (field_for_header(c) for c in cells) if f}
        known |= {normalise_header(c) for c in cells if extra and normalise_header(c) in extra}
        score = len(known) + (2 if "name" in known else 0)
        if score > best_score:
            best, best_score = i, score
    if best < 0 or best_score < 3 and not (extra and best_score >= 1):
        shown = " | ".join(str(c) for c in (rows[0] if rows else []) if c not in (None, ""))[:200]
        raise InvalidInput(
            f"no header row found in the first {scan} rows (first row: {shown or 'empty'}); the sheet needs a row "
            "of column names such as 客户名称/Company, 手机/Mobile; or map columns with --map 'Header=name'")
    return best


@dataclass
class ColumnMap:
    """The header row and, for each column index, the field it feeds (None: ignored)."""

    header_row: int  # 0-based index into the sheet's rows
    headers: list[str]
    fields: list[str | None]
    custom: dict[int, str] = field(default_factory=dict)  # column -> custom field name (--keep-unknown)

    @property
    def ignored(self) -> list[str]:
        return [h for h, f, i in zip(self.headers, self.fields, range(len(self.headers)), strict=True)
                if f is None and h and i not in self.custom]

    def column_of(self, field_name: str) -> int | None:
        try:
            return self.fields.index(field_name)
        except ValueError:
            return None

    def as_dict(self) -> dict[str, str]:
        out = {h: ("ignore" if f == "_ignore" else f) for h, f in zip(self.headers, self.fields, strict=True)
               if h and f}
        out.update({self.headers[i]: f"custom:{name}" for i, name in self.custom.items()})
        return out


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``["手机号码=contact_mobile", "Region=custom:区域"]`` → {normalised header: field}."""
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InvalidInput(f"--map {pair!r}: use --map 'Header=field' (fields: {', '.join(public_fields())})")
        header, target = (p.strip() for p in pair.rsplit("=", 1))
        if target in ("", "-", "ignore", "skip"):
            target = "_ignore"
        if target not in FIELDS and not target.startswith("custom:"):
            resolved = field_for_header(target)
            if resolved is None:
                raise InvalidInput(f"--map {pair!r}: unknown field {target!r}; fields: {', '.join(public_fields())}, "
                                   "custom:NAME or ignore")
            target = resolved
        out[normalise_header(header)] = target
    return out


def public_fields() -> list[str]:
    return [f for f in FIELDS if not f.startswith("_")]


def map_columns(header_cells: Sequence[Any], header_row: int, *, overrides: dict[str, str] | None = None,
                keep_unknown: bool = False) -> ColumnMap:
    overrides = overrides or {}
    from crm_cli.sheets.cells import text

    headers = [text(c) or "" for c in header_cells]
    fields: list[str | None] = []
    custom: dict[int, str] = {}
    seen: dict[str, str] = {}
    for i, header in enumerate(headers):
        key = normalise_header(header)
        target = overrides.get(key) if key else None
        if target is None and key:
            target = field_for_header(header)
        if target and target.startswith("custom:"):
            custom[i] = target.split(":", 1)[1] or header
            target = None
        if target and target != "_ignore":
            if target in seen:
                raise InvalidInput(f"columns {seen[target]!r} and {header!r} both map to {target}; "
                                   f"map one elsewhere with --map '{header}=ignore' (or another field)")
            seen[target] = header
        if target is None and header and keep_unknown and i not in custom:
            custom[i] = header
        fields.append(target)
    # A mobile column on a sheet without contact names is the company's phone when it has no other phone.
    if "contact_mobile" in fields and "contact_name" not in fields and "phone" not in fields:
        fields[fields.index("contact_mobile")] = "phone"
    if "contact_email" in fields and "contact_name" not in fields and "email" not in fields:
        fields[fields.index("contact_email")] = "email"
    return ColumnMap(header_row=header_row, headers=headers, fields=fields, custom=custom)
