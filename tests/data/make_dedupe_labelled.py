"""Generate tests/data/dedupe_labelled.csv: a labelled duplicate-detection set (run once; the CSV is committed).

    python tests/data/make_dedupe_labelled.py

Each row is a customer record; rows with the same ``entity`` are the same company. Variants are the kinds users type:
city prefix or bracketed city, province + district prefix, Traditional characters, no legal form, one-character
typos, English legal forms and case, "The … Company", full-width characters. Hard negatives share a brand, a
business or a city with another company but are different companies; cross-language pairs (华为技术 / Huawei
Technologies) share only a phone or an e-mail. Company names are invented; the cross-language ones are well known.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import opencc

CITIES = ["深圳", "广州", "上海", "北京", "杭州", "苏州", "成都", "武汉", "南京", "东莞", "厦门", "天津"]
PROVINCE = {"深圳": "广东省", "广州": "广东省", "杭州": "浙江省", "苏州": "江苏省", "成都": "四川省", "武汉": "湖北省",
            "南京": "江苏省", "东莞": "广东省", "厦门": "福建省"}
DISTRICTS = ["南山区", "福田区", "天河区", "浦东新区", "海淀区", "西湖区", "工业园区", "高新区"]
BRANDS = ["明达", "华信", "远航", "恒泰", "宏图", "金源", "瑞丰", "博雅", "天诚", "鼎盛", "佳和", "安康", "永兴", "汇通",
          "锦程", "星辰", "蓝海", "盛唐", "嘉禾", "正源", "同创", "宇通", "昌隆", "润泽", "德胜", "富华", "新邦", "启明",
          "凯旋", "泰和", "英杰", "朗润"]
INDUSTRIES = ["电子科技", "机械设备", "信息技术", "贸易", "医疗器械", "食品", "物流", "建筑工程", "新材料", "教育咨询",
              "环保科技", "生物医药", "精密模具", "光电科技"]
LEGAL = ["有限公司", "有限公司", "股份有限公司", "有限责任公司"]
TYPOS = {"电": "店", "子": "于", "技": "枝", "械": "戒", "设": "没", "备": "被", "信": "言", "息": "悉", "贸": "贺",
         "易": "昜", "医": "翳", "疗": "疔", "器": "哭", "食": "饣", "物": "勿", "流": "硫", "建": "健", "筑": "築",
         "材": "村", "料": "科", "教": "敎", "育": "肓", "环": "坏", "保": "堡", "生": "牛", "药": "葯", "精": "睛",
         "模": "摸", "光": "兴"}
EN_BRANDS = ["Acme", "Northwind", "Bluewave", "Summit", "Pioneer", "Evergreen", "Silverline", "Redwood", "Orion",
             "Keystone", "Lumen", "Vertex", "Nimbus", "Cobalt", "Granite", "Falcon", "Meridian", "Sterling", "Crescent",
             "Beacon"]
EN_INDUSTRIES = ["Widgets", "Software", "Logistics", "Foods", "Medical Devices", "Trading", "Robotics", "Analytics",
                 "Packaging", "Textiles"]
EN_LEGAL = [("Inc.", "Incorporated"), ("Ltd.", "Limited"), ("LLC", "L.L.C."), ("Corp.", "Corporation"),
            ("Co., Ltd.", "Company Limited"), ("GmbH", "GmbH")]
CROSS = [("华为技术有限公司", "Huawei Technologies Co., Ltd."), ("联想集团有限公司", "Lenovo Group Limited"),
         ("海尔智家股份有限公司", "Haier Smart Home Co., Ltd."), ("小米科技有限责任公司", "Xiaomi Inc."),
         ("比亚迪股份有限公司", "BYD Company Limited"), ("中兴通讯股份有限公司", "ZTE Corporation"),
         ("深圳市大疆创新科技有限公司", "SZ DJI Technology Co., Ltd."), ("腾讯科技（深圳）有限公司", "Tencent Technology (Shenzhen) Co., Ltd."),
         ("美的集团股份有限公司", "Midea Group Co., Ltd."), ("珠海格力电器股份有限公司", "Gree Electric Appliances Inc. of Zhuhai"),
         ("顺丰速运有限公司", "SF Express Co., Ltd."), ("京东方科技集团股份有限公司", "BOE Technology Group Co., Ltd."),
         ("宁德时代新能源科技股份有限公司", "Contemporary Amperex Technology Co., Limited"),
         ("阿里巴巴（中国）有限公司", "Alibaba (China) Co., Ltd."), ("网易（杭州）网络有限公司", "NetEase (Hangzhou) Network Co., Ltd.")]


def main() -> None:
    rng = random.Random(20261127)
    s2t = opencc.OpenCC("s2t")
    rows: list[dict[str, str]] = []
    entity = 0
    used_cores: dict[str, str] = {}

    def phone() -> str:
        return f"0{rng.choice(['755', '20', '21', '10', '571', '512'])}-{rng.randrange(10**7, 10**8)}"

    def add(ent: int, name: str, **extra: str) -> None:
        rows.append({"entity": str(ent), "name": name, "phone": extra.get("phone", ""), "email": extra.get("email", ""),
                     "address": extra.get("address", ""), "kind": extra.get("kind", "")})

    # Chinese companies with variants.
    for _ in range(70):
        entity += 1
        while True:
            city, brand, industry = rng.choice(CITIES), rng.choice(BRANDS), rng.choice(INDUSTRIES)
            if f"{city}{brand}{industry}" not in used_cores:
                break
        used_cores[f"{city}{brand}{industry}"] = city
        legal = rng.choice(LEGAL)
        tel = phone()
        street = f"{rng.choice(DISTRICTS)}{rng.choice('东西南北中')}环路{rng.randint(1, 300)}号"
        base = f"{city}市{brand}{industry}{legal}"
        variants = [
            (f"{brand}{industry}（{city}）{legal}", "bracketed city"),
            (s2t.convert(base), "traditional"),
            (f"{PROVINCE.get(city, '')}{city}市{rng.choice(DISTRICTS)}{brand}{industry}{legal}", "province and district"),
            (f"{city}{brand}{industry}", "no legal form"),
            (base.replace(industry, "".join(TYPOS.get(ch, ch) if k == i else ch for k, ch in enumerate(industry)))
             if (i := rng.randrange(len(industry))) >= 0 else base, "typo"),
            (f"{city}市{brand}{industry}公司", "other legal form"),
        ]
        add(entity, base, phone=tel, address=f"{city}市{street}", kind="original")
        for name, kind in rng.sample(variants, rng.choice([1, 2, 2, 3])):
            extra = {"phone": tel} if rng.random() < 0.3 else {}
            if rng.random() < 0.3:
                extra["address"] = f"{street}"
            add(entity, name, kind=kind, **extra)
    # Hard negatives: same brand, other business, same city; same business, other brand, same city;
    # same name registered in another city (a different company in China).
    chinese = [r for r in rows if r["kind"] == "original"]
    for original in rng.sample(chinese, 45):
        city = next(c for c in CITIES if original["name"].startswith(c))
        core = original["name"][len(city) + 1 :]
        brand = core[:2]
        industry = next(i for i in INDUSTRIES if core[2:].startswith(i))
        choice = rng.random()
        entity += 1
        if choice < 0.4:
            other = rng.choice([i for i in INDUSTRIES if i != industry and i[:1] != industry[:1]
                                and f"{city}{brand}{i}" not in used_cores])
            used_cores[f"{city}{brand}{other}"] = city
            add(entity, f"{city}市{brand}{other}有限公司", phone=phone(), kind="negative: same brand")
        elif choice < 0.75:
            other_brand = rng.choice([b for b in BRANDS if not set(b) & set(brand)
                                      and f"{city}{b}{industry}" not in used_cores])
            used_cores[f"{city}{other_brand}{industry}"] = city
            add(entity, f"{city}市{other_brand}{industry}有限公司", phone=phone(), kind="negative: same business and city")
        else:
            other_city = rng.choice([c for c in CITIES if c != city and f"{c}{brand}{industry}" not in used_cores])
            used_cores[f"{other_city}{brand}{industry}"] = other_city
            add(entity, f"{other_city}市{brand}{industry}有限公司", phone=phone(), kind="negative: same name, other city")
    # English companies.
    en_used: set[str] = set()
    for _ in range(30):
        entity += 1
        while True:
            brand, industry = rng.choice(EN_BRANDS), rng.choice(EN_INDUSTRIES)
            if (brand, industry) not in en_used:
                break
        en_used.add((brand, industry))
        short, long = rng.choice(EN_LEGAL)
        domain = f"{brand.lower()}{industry.split()[0].lower()}.com"
        base = f"{brand} {industry} {short}"
        word = industry.split()[0]
        k = rng.randrange(1, len(word) - 1)
        typo = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
        variants = [
            (f"{brand.upper()} {industry.upper()}, {short}", "upper case"),
            (f"The {brand} {industry} Company", "The … Company"),
            (f"{brand} {industry} {long}", "long legal form"),
            (f"{brand} {industry.replace(word, typo)} {short}", "typo"),
            ("".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in f"{brand} {industry}"),
             "full width"),
            (f"{brand} {industry}", "no legal form"),
        ]
        add(entity, base, email=f"info@{domain}", address=f"{rng.randint(1, 300)} King Street", kind="original")
        for name, kind in rng.sample(variants, rng.choice([1, 2, 2, 3])):
            extra = {"email": f"{rng.choice(['sales', 'hr', 'ceo'])}@{domain}"} if rng.random() < 0.3 else {}
            add(entity, name, kind=kind, **extra)
    for brand, _industry in sorted(en_used)[:12]:
        entity += 1
        other = rng.choice([i for i in EN_INDUSTRIES if (brand, i) not in en_used])
        en_used.add((brand, other))
        add(entity, f"{brand} {other} {rng.choice(EN_LEGAL)[0]}", kind="negative: same brand")
    # Cross-language pairs linked by a phone or an e-mail only.
    for zh, en in CROSS:
        entity += 1
        if rng.random() < 0.5:
            tel = phone()
            add(entity, zh, phone=tel, kind="cross-language")
            add(entity, en, phone="+86 " + tel[1:].replace("-", " "), kind="cross-language by phone")
        else:
            mail = f"contact@{en.split()[0].lower()}.com"
            add(entity, zh, email=mail, kind="cross-language")
            add(entity, en, email=mail.upper(), kind="cross-language by e-mail")
    # Different companies using free mail: a shared domain is no evidence.
    for _ in range(10):
        entity += 1
        add(entity, f"{rng.choice(CITIES)}市{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}商行",
            email=f"boss{rng.randint(100, 999)}@qq.com", kind="negative: free mail")
    out = Path(__file__).with_name("dedupe_labelled.csv")
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["entity", "name", "phone", "email", "address", "kind"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows, {entity} entities to {out}")


if __name__ == "__main__":
    main()
