"""A realistic demo database: Chinese and English companies, contacts and months of follow-ups.

Also used by ``bench/make_db.py`` to build large databases, so it writes with bulk Core inserts.
Some follow-ups are due today, some overdue, some customers were never contacted, some sit in the public pool.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

DEMO_USERS = [
    # username, display name, role, manager, e-mail
    ("wang.fang", "王芳", "rep", "li.na", "wang.fang@example.com"),
    ("zhang.wei", "张伟", "admin", None, "zhang.wei@example.com"),
    ("li.na", "李娜", "manager", None, "li.na@example.com"),
    ("chen.jie", "陈杰", "rep", "li.na", "chen.jie@example.com"),
    ("emily.wu", "Emily Wu", "rep", "li.na", "emily.wu@example.com"),
    ("zhao.min", "赵敏", "assistant", None, "zhao.min@example.com"),
]
DEMO_USERNAMES = [u[0] for u in DEMO_USERS]
REPS = ["wang.fang", "chen.jie", "emily.wu"]

CITIES = ["深圳", "广州", "上海", "北京", "杭州", "苏州", "成都", "武汉", "南京", "东莞", "佛山", "厦门", "天津", "重庆"]
BRAND_CHARS = "明达华信创新远航恒泰宏图金源瑞丰博雅天诚联合盛世鼎盛中科佳和安康永兴东方汇通新世纪长城锦程"
INDUSTRIES_ZH = [
    ("电子科技", "电子"), ("机械设备", "机械"), ("信息技术", "软件"), ("贸易", "贸易"), ("医疗器械", "医疗"),
    ("食品", "食品"), ("物流", "物流"), ("建筑工程", "建筑"), ("新材料", "材料"), ("教育咨询", "教育"),
]
LEGAL_ZH = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
BRANDS_EN = ["Acme", "Northwind", "Bluewave", "Summit", "Pioneer", "Evergreen", "Silverline", "Redwood", "Orion",
             "Harbor", "Keystone", "Lumen", "Vertex", "Atlas", "Nimbus", "Cobalt"]
INDUSTRIES_EN = [("Widgets", "Manufacturing"), ("Software", "Software"), ("Logistics", "Logistics"),
                 ("Foods", "Food"), ("Medical", "Medical"), ("Trading", "Trade"), ("Robotics", "Machinery")]
LEGAL_EN = ["Inc.", "Ltd.", "LLC", "Co., Ltd.", "GmbH", "Corp."]
SOURCES = ["展会", "官网", "转介绍", "电话营销", "老客户", "Trade show", "Website", "Referral"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建国", "海燕", "志强"]
TITLES = ["总经理", "采购经理", "技术总监", "财务", "销售总监", "行政", "CEO", "Purchasing Manager", "CTO"]
EN_NAMES = ["John Smith", "Mary Johnson", "David Lee", "Sarah Brown", "Michael Chen", "Emma Davis", "James Wilson"]
NOTES = [
    "电话沟通了产品需求，客户对价格比较敏感", "发送了报价单，等待回复", "上门拜访，见了采购经理和技术总监",
    "客户要求演示，约了下周", "微信沟通，客户在比较竞品", "Sent the proposal, waiting for budget approval",
    "Demo went well, they want a trial", "合同条款讨论中", "客户暂时没有需求，半年后再联系", "Intro call with the CTO",
]
LEVELS = ["potential"] * 40 + ["intent"] * 30 + ["key"] * 15 + ["won"] * 12 + ["invalid"] * 3
METHODS = ["phone"] * 5 + ["wechat"] * 3 + ["visit"] * 2 + ["email"] * 2 + ["meeting"]


def default_demo_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("crm_cli")) / "demo.db"


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _company(rng: random.Random, i: int) -> dict[str, Any]:
    if rng.random() < 0.8:
        city = rng.choice(CITIES)
        brand = rng.choice(BRAND_CHARS[::2]) + rng.choice(BRAND_CHARS[1::2])
        industry, ind = rng.choice(INDUSTRIES_ZH)
        name = f"{city}市{brand}{industry}{rng.choice(LEGAL_ZH)}"
        if rng.random() < 0.15:
            name = f"{brand}{industry}（{city}）{rng.choice(LEGAL_ZH)}"
        return {"name": name, "region": city, "industry": ind, "phone": f"0{rng.randint(10, 999)}-{rng.randrange(10**7, 10**8)}",
                "email": None, "website": None, "address": f"{city}市{rng.choice('南北东西中')}山路{rng.randint(1, 999)}号"}
    brand = rng.choice(BRANDS_EN)
    industry, ind = rng.choice(INDUSTRIES_EN)
    suffix = f" {rng.randint(2, 99)}" if rng.random() < 0.5 else ""
    name = f"{brand}{suffix} {industry} {rng.choice(LEGAL_EN)}"
    domain = f"{brand.lower()}{suffix.strip()}{industry.lower()}.com"
    return {"name": name, "region": rng.choice(["Hong Kong", "Singapore", "上海", "深圳"]), "industry": ind,
            "phone": f"+852 {rng.randrange(10**7, 10**8)}", "email": f"info@{domain}", "website": f"https://{domain}",
            "address": f"{rng.randint(1, 300)} {rng.choice(['Queen', 'King', 'Harbour', 'Nathan'])} Road"}


def build_demo(path: Path, *, customers: int = 300, seed: int = 7, replace: bool = False,
               now: datetime | None = None, followups_per_customer: float = 5.0) -> Path:
    from crm_cli.dates import Clock
    from crm_cli.db.engine import Database
    from crm_cli.errors import Refused

    path = Path(path)
    if path.exists():
        if not replace:
            raise Refused(f"{path} exists; use --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database(path)
    clock = Clock(now)
    populate(db, customers=customers, seed=seed, clock=clock, followups_per_customer=followups_per_customer)
    db.dispose()
    return path


def populate(db: Any, *, customers: int, seed: int, clock: Any, followups_per_customer: float = 5.0) -> None:
    from sqlalchemy import insert

    from crm_cli.customers import compute_keys
    from crm_cli.db.bulkimport import bulk_cache
    from crm_cli.db.models import Contact, Customer, CustomerOwner, FollowUp, User
    from crm_cli.db.search import build_search_text

    rng = random.Random(seed)
    now = clock.now
    today = clock.today
    with db.write() as session, bulk_cache(session, mib=512):
        ids: dict[str, int] = {}
        for username, display, role, _manager, email in DEMO_USERS:
            user = User(username=username, display_name=display, role=role, email=email,
                        created_at=now - timedelta(days=400))
            session.add(user)
            session.flush()
            ids[username] = user.id  # type: ignore[assignment]
        for username, _d, _r, manager, _e in DEMO_USERS:
            if manager:
                session.get(User, ids[username]).manager_id = ids[manager]  # type: ignore[union-attr]
        session.flush()
        rep_ids = [ids[r] for r in REPS]
        chunk = 5000
        next_customer_id = 1
        next_contact_id = 1
        for start in range(0, customers, chunk):
            cust_rows: list[dict[str, Any]] = []
            contact_rows: list[dict[str, Any]] = []
            follow_rows: list[dict[str, Any]] = []
            for i in range(start, min(customers, start + chunk)):
                cid = next_customer_id
                next_customer_id += 1
                comp = _company(rng, i)
                created = now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440))
                owner = None if rng.random() < 0.15 else rng.choice(rep_ids)
                if cid <= 3 and owner is not None:
                    owner = ids[REPS[0]]
                people = []
                for k in range(rng.choice((1, 1, 2, 2, 3))):
                    if comp["email"]:
                        pname = rng.choice(EN_NAMES)
                        email = f"{pname.split()[0].lower()}@{comp['email'].split('@')[1]}"
                    else:
                        pname = rng.choice(SURNAMES) + rng.choice(GIVEN)
                        email = f"{rng.choice(['sales', 'buy', 'info', 'hr'])}{rng.randint(1, 999)}@{rng.choice(['qq.com', '163.com'])}" if rng.random() < 0.5 else None
                    birthday = None
                    if rng.random() < 0.3:
                        birthday = date(rng.randint(1965, 1998), 1, 1) + timedelta(days=rng.randint(0, 364))
                        if rng.random() < 0.05:
                            birthday = today.replace(year=rng.randint(1970, 1995)) + timedelta(days=rng.randint(0, 6)) if not (today.month == 2 and today.day == 29) else birthday
                    people.append({
                        "id": next_contact_id, "customer_id": cid, "name": pname, "title": rng.choice(TITLES),
                        "department": None, "mobile": _mobile(rng), "phone": None, "email": email, "wechat": None,
                        "birthday": birthday, "notes": None, "is_primary": k == 0, "created_at": created,
                        "updated_at": created,
                    })  # fmt: skip
                    next_contact_id += 1
                contact_rows.extend(people)
                # Follow-ups: most customers have some; about 10% were never contacted.
                count = 0 if rng.random() < 0.1 else max(1, int(rng.expovariate(1 / followups_per_customer)))
                count = min(count, 30)
                last_at = None
                next_on = None
                times = sorted(created + (now - created) * rng.random() for _ in range(count))
                for n, at in enumerate(times):
                    is_last = n == count - 1
                    nxt = None
                    if is_last:
                        r = rng.random()
                        if r < 0.12:
                            nxt = today
                        elif r < 0.3 and at.date() < today - timedelta(days=1):
                            gap = (today - at.date()).days - 1
                            nxt = today - timedelta(days=rng.randint(1, min(gap, 20)))
                        elif r < 0.75:
                            nxt = today + timedelta(days=rng.randint(1, 30))
                    follow_rows.append({
                        "customer_id": cid, "user_id": owner or rng.choice(rep_ids), "at": at,
                        "method": rng.choice(METHODS), "content": rng.choice(NOTES), "next_on": nxt,
                        "plan": "再次电话确认" if nxt else None, "created_at": at,
                    })  # fmt: skip
                    last_at, next_on = at, nxt
                values = {
                    "id": cid, "code": f"C{cid:06d}" if rng.random() < 0.6 else None, "name": comp["name"],
                    "level": rng.choice(LEVELS), "stars": rng.choice((0, 0, 1, 2, 3, 3, 4, 5)),
                    "source": rng.choice(SOURCES), "region": comp["region"], "industry": comp["industry"],
                    "is_target": rng.random() < 0.2, "credit_code": None, "phone": comp["phone"],
                    "email": comp["email"], "website": comp["website"], "address": comp["address"], "notes": None,
                    "owner_id": owner, "owned_since": created if owner else None, "created_at": created,
                    "created_by": owner or ids["zhao.min"], "updated_at": created, "updated_by": owner or ids["zhao.min"],
                    "last_followup_at": last_at, "next_followup_on": next_on, "custom": None, "deleted_at": None,
                }  # fmt: skip
                values.update(compute_keys(values))
                parts = [values["name"], values["code"], values["phone"], values["email"]]
                for p in people:
                    parts.extend([p["name"], p["mobile"], p["email"]])
                values["search_text"] = build_search_text(*parts)
                cust_rows.append(values)
            owner_rows = [{k: v.pop(k) for k in ("owner_id", "owned_since", "last_followup_at")} | {"customer_id": v["id"]}
                          for v in cust_rows]
            session.execute(insert(Customer.__table__), cust_rows)  # type: ignore[attr-defined]
            session.execute(insert(CustomerOwner.__table__), owner_rows)  # type: ignore[attr-defined]
            session.execute(insert(Contact.__table__), contact_rows)  # type: ignore[attr-defined]
            if follow_rows:
                session.execute(insert(FollowUp.__table__), follow_rows)  # type: ignore[attr-defined]
        from crm_cli.sales_demo import populate_sales

        populate_sales(session, clock, seed=seed)
        from crm_cli.dedupe import rebuild_index

        rebuild_index(session, recompute_keys=False)
    db.analyze()
