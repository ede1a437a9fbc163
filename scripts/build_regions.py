#!/usr/bin/env python3
"""Build jiuzhu/core/data/regions.csv from the npm package `china-division`.

Developer tool, not run at install time. The app reads only the generated CSV; pypinyin is needed
here (to write name_en) and nowhere else.

    mkdir -p /tmp/regions && cd /tmp/regions && npm install china-division@2.7.0
    python3 -m venv /tmp/regions/venv && /tmp/regions/venv/bin/pip install pypinyin==0.55.0
    /tmp/regions/venv/bin/python scripts/build_regions.py /tmp/regions/node_modules/china-division

The argument is the installed package directory (the one holding package.json) or its dist/
directory. Output columns: code,name,name_en,level,parent_code (12-digit statistical division codes,
sorted by code). Coverage: every province, prefecture and county-level unit in the country, plus
the townships (乡级) of the provinces in TOWNSHIP_PROVINCES.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

from pypinyin import Style, lazy_pinyin

# Two-digit province codes whose townships (乡镇/街道) are written. 37 = Shandong.
TOWNSHIP_PROVINCES = {"37"}

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "jiuzhu" / "core" / "data" / "regions.csv"

LEVELS = ("province", "prefecture", "county", "township")
PREFIX_LENGTH = {"province": 2, "prefecture": 4, "county": 6, "township": 9}
HEADER = ["code", "name", "name_en", "level", "parent_code"]

# --------------------------------------------------------------------------------------------
# English names
# --------------------------------------------------------------------------------------------

# Whole-name overrides (Chinese name -> English): statistical pseudo-units that are not place
# names, and a few names whose conventional English form is not their pinyin.
NAME_OVERRIDES = {
    "内蒙古自治区": "Inner Mongolia Autonomous Region",
    "市辖区": "Municipal Districts",
    "县": "Counties",
    "省直辖县级行政区划": "County-level Divisions under the Province",
    "自治区直辖县级行政区划": "County-level Divisions under the Autonomous Region",
    "兴安盟": "Hinggan League",
    "阿里地区": "Ngari Prefecture",
    "中沙群岛的岛礁及其海域": "Zhongsha Islands, Reefs and Sea Areas",
    "吉林中国新加坡食品区": "Jilin China-Singapore Food Zone",
    "山西转型综合改革示范区": "Shanxi Transformation and Comprehensive Reform Demonstration Zone",
    "中新苏滁高新技术产业开发区": "China-Singapore Suchu High-tech Industrial Development Zone",
    "格尔木藏青工业园区": "Golmud Tibet-Qinghai Industrial Park",
    "开发区类似乡级单位": "Development Zone (Township-equivalent Unit)",
    "东营港经济开发区": "Dongying Port Economic Development Zone",
    "郑州航空港经济综合实验区": "Zhengzhou Airport Economy Zone",
    "豫东综合物流产业聚集区": "Yudong Comprehensive Logistics Industry Cluster",
    "矿区": "Mining District",
    "神农架林区": "Shennongjia Forestry District",
    "郊区": "Suburban District",
    "城区": "Urban District",
}

# Stem -> English word, used instead of pinyin: conventional forms (Shaanxi, Harbin) and the
# usual English forms of Mongolian, Uygur and Tibetan place names (prefecture level).
STEM_EN = {
    "内蒙古": "Inner Mongolia", "陕西": "Shaanxi", "哈尔滨": "Harbin", "呼和浩特": "Hohhot",
    "乌鲁木齐": "Urumqi", "拉萨": "Lhasa", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur", "乌兰察布": "Ulanqab", "锡林郭勒": "Xilingol", "阿拉善": "Alxa",
    "克拉玛依": "Karamay", "吐鲁番": "Turpan", "喀什": "Kashgar", "和田": "Hotan",
    "阿克苏": "Aksu", "阿勒泰": "Altay", "伊犁": "Ili", "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin", "克孜勒苏": "Kizilsu", "日喀则": "Shigatse", "昌都": "Qamdo",
    "林芝": "Nyingchi", "那曲": "Nagqu", "喀喇沁左翼": "Kalaqin Left Wing",
}

# Stem (or part of one) -> pinyin syllables, where pypinyin picks the wrong reading of a
# polyphonic character in a place name.
STEM_PINYIN = {
    "长子": ["zhang", "zi"],
    "乐亭": ["lao", "ting"],
    "乐陵": ["lao", "ling"],
    "乐清": ["yue", "qing"],
    "单": ["shan"],
    "费": ["bi"],
    "浚": ["xun"],
    "洪洞": ["hong", "tong"],
    "涡阳": ["guo", "yang"],
    "丁里长": ["ding", "li", "zhang"],
    "水泊": ["shui", "po"],
    "里堡": ["li", "pu"],
    "柳行": ["liu", "hang"],
    "宕昌": ["tan", "chang"],
    "称多": ["chen", "duo"],
    "繁峙": ["fan", "shi"],
    "筠连": ["jun", "lian"],
    "朝阳": ["chao", "yang"],
    "漯河": ["luo", "he"],
    "伽师": ["jia", "shi"],
}
# Character readings that hold in place names wherever the character stands.
CHAR_PINYIN = {
    "长": "chang", "都": "du", "勒": "le", "什": "shi", "柏": "bai", "翟": "zhai", "阚": "kan",
    "峤": "qiao", "佛": "fo", "泊": "bo",
}

# Code -> English name, for a name whose reading differs between places (六合区 in Nanjing is
# Luhe; 六合街道 in Dongying is Liuhe).
CODE_OVERRIDES = {
    "320116000000": "Luhe District",
}

# Ethnic group names as they appear in autonomous-area names (with or without 族).
ETHNIC = {
    "蒙古": "Mongol", "藏": "Tibetan", "回": "Hui", "维吾尔": "Uygur", "壮": "Zhuang",
    "苗": "Miao", "彝": "Yi", "土家": "Tujia", "侗": "Dong", "白": "Bai", "哈尼": "Hani",
    "傣": "Dai", "傈僳": "Lisu", "佤": "Va", "拉祜": "Lahu", "纳西": "Naxi", "景颇": "Jingpo",
    "布朗": "Blang", "普米": "Pumi", "怒": "Nu", "独龙": "Derung", "羌": "Qiang", "土": "Tu",
    "撒拉": "Salar", "东乡": "Dongxiang", "保安": "Bonan", "裕固": "Yugur", "哈萨克": "Kazak",
    "柯尔克孜": "Kirgiz", "塔吉克": "Tajik", "锡伯": "Xibe", "满": "Manchu", "朝鲜": "Korean",
    "达斡尔": "Daur", "鄂温克": "Ewenki", "鄂伦春": "Oroqen", "黎": "Li", "畲": "She",
    "瑶": "Yao", "仫佬": "Mulao", "毛南": "Maonan", "仡佬": "Gelao", "布依": "Bouyei",
    "水": "Shui", "各": "Multi-ethnic",
}
# Without a following 族 only these multi-character names are recognised, so that characters of
# a place name are never taken for an ethnic group.
ETHNIC_BARE = {"蒙古", "维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "锡伯", "鄂伦春"}

# Suffixes of ordinary names, longest first.
SUFFIXES = [
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("街道办事处", "Subdistrict"),
    ("街道", "Subdistrict"),
    ("民族乡", "Ethnic Township"),
    *[
        (wing_zh + pos_zh + "旗", " ".join(w for w in (wing_en, pos_en, "Banner") if w))
        for wing_zh, wing_en in (("左翼", "Left Wing"), ("右翼", "Right Wing"), ("", ""))
        for pos_zh, pos_en in (("左", "Left"), ("右", "Right"), ("前", "Front"), ("中", "Middle"),
                               ("后", "Rear"), ("", ""))
        if wing_zh + pos_zh
    ],
    ("联合旗", "United Banner"),
    ("矿区", "Mining District"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("群岛", "Islands"),
    ("苏木", "Sumu"),
    ("省", "Province"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
    ("镇", "Town"),
    ("乡", "Township"),
]

# Generic words of the functional zones (开发区, 园区 ...) that NBS codes at county or township
# level. Stripped from the end of a name repeatedly, longest first.
ZONE_TERMS = sorted(
    [
        ("高新技术产业开发区", "High-tech Industrial Development Zone"),
        ("高技术产业开发区", "High-tech Industrial Development Zone"),
        ("高新技术开发区", "High-tech Development Zone"),
        ("高新技术产业园区", "High-tech Industrial Park"),
        ("高新技术产业示范区", "High-tech Industry Demonstration Zone"),
        ("经济技术开发区", "Economic and Technological Development Zone"),
        ("经济开发区", "Economic Development Zone"),
        ("经济发展区", "Economic Development Zone"),
        ("蓝色经济开发区", "Blue Economy Development Zone"),
        ("开发区", "Development Zone"),
        ("工业园区", "Industrial Park"),
        ("产业园区", "Industrial Park"),
        ("现代产业园区", "Modern Industrial Park"),
        ("循环化工园区", "Circular Chemical Industry Park"),
        ("文化旅游创意园区", "Cultural Tourism and Creative Park"),
        ("生态经济园区", "Ecological Economic Park"),
        ("新动能产业园", "New Growth Drivers Industrial Park"),
        ("商贸园", "Trade Park"),
        ("工业加工区", "Industrial Processing Zone"),
        ("装备制造工业园区", "Equipment Manufacturing Industrial Park"),
        ("工业区", "Industrial Zone"),
        ("新经济区", "New Economic Zone"),
        ("经济区", "Economic Zone"),
        ("示范区", "Demonstration Zone"),
        ("城乡一体化示范区", "Urban-Rural Integration Demonstration Zone"),
        ("风景名胜区", "Scenic Area"),
        ("管理区", "Administrative Zone"),
        ("管理委员会", "Management Committee"),
        ("行政委员会", "Administrative Committee"),
        ("管委会", "Management Committee"),
        ("新区", "New Area"),
        ("新城", "New Town"),
        ("旅游度假区", "Tourist Resort"),
        ("生态旅游度假区", "Eco-tourism Resort"),
        ("自然保护区", "Nature Reserve"),
        ("国家森林公园", "National Forest Park"),
        ("建设服务中心", "Construction Service Center"),
        ("物业服务中心", "Property Service Center"),
        ("服务中心", "Service Center"),
        ("服务管理办公室", "Service and Administration Office"),
        ("办公室", "Office"),
        ("办事处", "Office"),
        ("类似乡级单位", "(Township-equivalent Unit)"),
        ("直属乡镇", "Directly Administered Townships"),
        ("大市场", "Market"),
        ("省级", "Provincial"),
        ("农业", "Agricultural"),
        ("畜牧业", "Animal Husbandry"),
        ("现代", "Modern"),
        ("外向型", "Export-oriented"),
        ("核电", "Nuclear Power"),
        ("火炬", "Torch"),
        ("临港", "Port"),
        ("汽车", "Automotive"),
        ("稀土", "Rare Earth"),
    ],
    key=lambda t: -len(t[0]),
)


def _syllables(stem: str) -> list[str]:
    """Pinyin syllables of a stem: pypinyin (with phrase context), then the overrides on top."""
    if stem in STEM_PINYIN:
        return list(STEM_PINYIN[stem])
    result = lazy_pinyin(stem, style=Style.NORMAL, v_to_u=True)
    if len(result) != len(stem):  # non-Han characters present: keep pypinyin's output
        return result
    i = 0
    while i < len(stem):
        for j in range(len(stem), i + 1, -1):
            if stem[i:j] in STEM_PINYIN:
                result[i:j] = STEM_PINYIN[stem[i:j]]
                i = j
                break
        else:
            if stem[i] in CHAR_PINYIN:
                result[i] = CHAR_PINYIN[stem[i]]
            i += 1
    return result


def pinyin_word(stem: str) -> str:
    """历下 -> 'Lixia', 东阿 -> "Dong'e" (apostrophe before a non-initial syllable in a/o/e)."""
    if not stem:
        return ""
    if stem in STEM_EN:
        return STEM_EN[stem]
    text = ""
    for idx, s in enumerate(_syllables(stem)):
        if idx and s[:1] in ("a", "o", "e"):
            text += "'"
        text += s
    return text[:1].upper() + text[1:]


def _strip_ethnic(stem: str) -> tuple[str, list[str]]:
    """'恩施土家族苗族' -> ('恩施', ['Tujia', 'Miao'])."""
    groups: list[str] = []
    keys = sorted(ETHNIC, key=len, reverse=True)
    while True:
        for key in keys:
            if stem.endswith(key + "族"):
                groups.insert(0, ETHNIC[key])
                stem = stem[: -(len(key) + 1)]
                break
            if key in ETHNIC_BARE and stem.endswith(key) and stem != "内蒙古":
                groups.insert(0, ETHNIC[key])
                stem = stem[: -len(key)]
                break
        else:
            return stem, groups


def _join_groups(groups: list[str]) -> str:
    if len(groups) <= 1:
        return "".join(groups)
    return ", ".join(groups[:-1]) + " and " + groups[-1]


def split_suffix(name: str) -> tuple[str, str, list[str]]:
    """历下区 -> ('历下', 'District', []); 恩施土家族苗族自治州 -> ('恩施', 'Autonomous
    Prefecture', ['Tujia', 'Miao']); a name without a known suffix -> (name, '', [])."""
    for zh, en in SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            stem = name[: -len(zh)]
            groups: list[str] = []
            if zh.startswith("自治"):
                stem, groups = _strip_ethnic(stem)
            return stem, en, groups
    return name, "", []


def english_name(name: str, context: tuple[tuple[str, str], ...] = ()) -> str:
    """Chinese division name -> English-style name: 历下区 -> 'Lixia District'.

    context: (Chinese stem, English stem) of the ancestors, e.g. ('潍坊', 'Weifang'); a
    functional-zone name that starts with one is split there ('潍坊滨海经济技术开发区' ->
    'Weifang Binhai Economic and Technological Development Zone')."""
    if name in NAME_OVERRIDES:
        return NAME_OVERRIDES[name]

    # Functional zones: strip generic words from the end.
    tail: list[str] = []
    stem = name
    while True:
        for zh, en in ZONE_TERMS:
            if stem.endswith(zh):
                tail.insert(0, en)
                stem = stem[: -len(zh)]
                break
        else:
            break
    if tail:
        words = []
        matched = True
        while stem and matched:
            matched = False
            for zh, en in sorted(context, key=lambda c: -len(c[0])):
                if zh and stem.startswith(zh):
                    words.append(en)
                    stem = stem[len(zh):]
                    if stem[:1] in ("省", "市", "县", "区"):
                        stem = stem[1:]
                    matched = True
                    break
        if stem:
            words.append(pinyin_word(stem))
        return " ".join(words + tail)

    stem, suffix_en, groups = split_suffix(name)
    prefix = ""
    for zh, en in sorted(context, key=lambda c: -len(c[0])):
        # a name that repeats its county's full name: 高密市朝阳街道 -> 'Gaomi Chaoyang Subdistrict'
        if zh and stem.startswith(zh) and stem[len(zh):len(zh) + 1] in ("市", "县", "区") \
                and len(stem) > len(zh) + 2:
            prefix, stem = en, stem[len(zh) + 1:]
            break
    parts = [prefix, pinyin_word(stem), _join_groups(groups), suffix_en]
    return " ".join(p for p in parts if p)


def province_english(name: str) -> str:
    if name in NAME_OVERRIDES:
        return NAME_OVERRIDES[name]
    if name.endswith("市"):  # 北京市, 天津市, 上海市, 重庆市
        return f"{pinyin_word(name[:-1])} Municipality"
    return english_name(name)


def context_entry(name: str, name_en: str) -> tuple[str, str] | None:
    """(Chinese stem, English stem) of an ancestor, for splitting functional-zone names."""
    if name in ("市辖区", "县") or "直辖" in name:
        return None
    stem, suffix_en, groups = split_suffix(name)
    if name in NAME_OVERRIDES and suffix_en and name_en.endswith(" " + suffix_en) and not groups:
        return stem, name_en[: -len(suffix_en) - 1]
    return stem, pinyin_word(stem)


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def pad(code: str) -> str:
    return code + "0" * (12 - len(code))


def ancestor_code(code12: str, level: str) -> str:
    n = PREFIX_LENGTH[level]
    return code12[:n] + "0" * (12 - n)


def level_of(code12: str) -> str:
    if code12[2:] == "0" * 10:
        return "province"
    if code12[4:] == "0" * 8:
        return "prefecture"
    if code12[6:] == "0" * 6:
        return "county"
    if code12[9:] == "000":
        return "township"
    return "village"


def load(path: Path) -> tuple[dict, dict[str, list]]:
    pkg = path
    if (pkg / "dist").is_dir():
        dist = pkg / "dist"
    else:
        dist, pkg = pkg, pkg.parent
    meta = {}
    if (pkg / "package.json").is_file():
        meta = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
    data = {}
    for key in ("provinces", "cities", "areas", "streets"):
        data[key] = json.loads((dist / f"{key}.json").read_text(encoding="utf-8"))
    return meta, data


def build_rows(data: dict[str, list]) -> list[dict]:
    rows: dict[str, dict] = {}
    contexts: dict[str, tuple[str, str]] = {}

    def add(code12: str, name: str, level: str, parent: str, name_en: str) -> None:
        if code12 in rows:
            raise SystemExit(f"duplicate code {code12} ({name} / {rows[code12]['name']})")
        name_en = CODE_OVERRIDES.get(code12, name_en)
        rows[code12] = {"code": code12, "name": name, "name_en": name_en, "level": level,
                        "parent_code": parent}
        entry = context_entry(name, name_en)
        if entry:
            contexts[code12] = entry

    def ctx(code12: str) -> tuple[tuple[str, str], ...]:
        """(Chinese stem, English stem) of the province, prefecture and county above code12."""
        found = []
        for lvl in ("province", "prefecture", "county"):
            a = ancestor_code(code12, lvl)
            if a != code12 and a in contexts:
                found.append(contexts[a])
        return tuple(found)

    for p in data["provinces"]:
        add(pad(p["code"]), p["name"], "province", "", province_english(p["name"]))
    for c in data["cities"]:
        code = pad(c["code"])
        add(code, c["name"], "prefecture", pad(c["provinceCode"]), english_name(c["name"], ctx(code)))
    skipped = []
    for a in data["areas"]:
        code = pad(a["code"])
        if code == pad(a["cityCode"]):
            # Prefecture-level city without counties (东莞 441900, 中山 442000, 儋州 460400): the
            # package repeats the city as a county-level row whose 12-digit code would equal the
            # prefecture's own code. Not written; its townships hang off the prefecture.
            skipped.append(f"{a['code']} {a['name']}")
            continue
        add(code, a["name"], "county", pad(a["cityCode"]), english_name(a["name"], ctx(code)))
    for s in data["streets"]:
        if s["provinceCode"] not in TOWNSHIP_PROVINCES:
            continue
        code = pad(s["code"])
        parent = pad(s["areaCode"])
        if parent not in rows:
            parent = pad(s["cityCode"])  # county-less prefecture, see above
        add(code, s["name"], "township", parent, english_name(s["name"], ctx(code)))
    if skipped:
        print("county-level rows equal to their prefecture, not written: " + ", ".join(skipped),
              file=sys.stderr)
    return [rows[k] for k in sorted(rows)]


def validate(rows: list[dict]) -> None:
    errors = []
    by_code = {}
    for r in rows:
        code = r["code"]
        if len(code) != 12 or not code.isdigit():
            errors.append(f"{code}: not 12 digits")
        if code in by_code:
            errors.append(f"{code}: duplicate")
        by_code[code] = r
        if r["level"] not in LEVELS:
            errors.append(f"{code}: bad level {r['level']}")
        elif level_of(code) != r["level"]:
            errors.append(f"{code}: level {r['level']} but code shape says {level_of(code)}")
        if not r["name"] or not r["name_en"]:
            errors.append(f"{code}: empty name")
    if [r["code"] for r in rows] != sorted(by_code):
        errors.append("rows not sorted by code")
    for r in rows:
        code, level, parent = r["code"], r["level"], r["parent_code"]
        if level == "province":
            if parent:
                errors.append(f"{code}: province with parent {parent}")
            continue
        if parent not in by_code:
            errors.append(f"{code}: parent {parent!r} missing")
            continue
        plevel = by_code[parent]["level"]
        expected_level = LEVELS[LEVELS.index(level) - 1]
        if plevel == expected_level:
            if parent != ancestor_code(code, plevel):
                errors.append(f"{code}: parent {parent} is not its {plevel} prefix")
        elif level == "township" and plevel == "prefecture" and code[4:6] == "00":
            # township of a county-less prefecture (东莞/中山/儋州 style)
            if parent != ancestor_code(code, "prefecture"):
                errors.append(f"{code}: parent {parent} is not its prefecture prefix")
        else:
            errors.append(f"{code}: {level} under {plevel} {parent}")
    if errors:
        raise SystemExit("invalid regions:\n  " + "\n  ".join(errors[:50]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", type=Path, help="china-division package dir (or its dist/)")
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args(argv)

    meta, data = load(args.package)
    rows = build_rows(data)
    validate(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    counts = Counter(r["level"] for r in rows)
    print(f"source: {meta.get('name', '?')} {meta.get('version', '?')}")
    print(f"wrote {len(rows)} rows to {args.output}: "
          + ", ".join(f"{lvl} {counts[lvl]}" for lvl in LEVELS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
