"""Where synthetic households live: which counties, with what weight, and the townships and villages of
each county.

Read straight from the shipped regions CSV (code,name,name_en,level,parent_code), so that writing a
national population needs no database. Counties come from the file; where a province has none, well-formed
synthetic county codes are made under its prefectures. Townships come from the file where it has them
(Shandong) and are made up otherwise; villages are always made up. Every made-up place is a pure function
of its parent's code, so the same county always gets the same townships and villages, whatever the seed
or the size of the population.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

import jiuzhu.core
from jiuzhu.core.regions import RegionLevel, level_of_code
from jiuzhu.synth import names
from jiuzhu.synth.errors import SynthError, SynthErrorCode
from jiuzhu.synth.provinces import PROVINCE_POPULATION_2020

REGIONS_CSV = Path(jiuzhu.core.__file__).resolve().parent / "data" / "regions.csv"

# Salts keep the random streams for geography apart from each other and from the population's seed.
_WEIGHT_SALT = 0x5EED_0001
_LAYOUT_SALT = 0x5EED_0002

# 三沙市's island counties: a few hundred residents, no place for a low-income population.
_UNINHABITED_PREFIXES = ("4603",)

# Spread of county sizes within a province (log-normal sigma): county populations in China range from
# tens of thousands to a few million, most between 200,000 and 1,000,000.
_COUNTY_WEIGHT_SIGMA = 0.45


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    name_en: str
    level: str
    parent_code: str


@dataclass(frozen=True)
class County:
    """A county-level division people are placed in."""

    code: str  # 12 digits
    name: str
    name_en: str = ""
    synthetic: bool = False
    # Townships known for this county (code, name, name_en); empty means: make them up.
    townships: tuple[tuple[str, str, str], ...] = ()
    # When people are placed in one township only (--region of a township).
    only_township: str = ""

    @property
    def code6(self) -> str:
        return self.code[:6]

    @property
    def province(self) -> str:
        return self.code[:2]

    @property
    def is_district(self) -> bool:
        """Urban districts (市辖区) have more subdistricts and urban residents than counties."""
        return self.name.endswith("区")


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    name_en: str
    kind: str  # subdistrict, town or xiang
    synthetic: bool


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    name_en: str
    community: bool  # an urban residents' committee (社区) rather than a village (村)
    township: Township


@dataclass
class CountyLayout:
    """A county's townships, and its villages as arrays (there are hundreds of thousands in a country):
    for each village its township (index into `townships`), the last three digits of its code, whether it
    is a community, and its name's stem (index into names.COMMUNITY_STEMS or names.VILLAGE_STEMS)."""

    county: County
    townships: list[Township]
    village_township: np.ndarray
    village_number: np.ndarray
    village_community: np.ndarray
    village_stem: np.ndarray

    def village_codes(self) -> np.ndarray:
        """12-digit codes as int64 (every province code starts with 1-6, so no leading zero is lost)."""
        township3 = np.array([int(t.code[6:9]) for t in self.townships], dtype=np.int64)
        return (int(self.county.code6) * 1_000_000 + township3[self.village_township] * 1000
                + self.village_number).astype(np.int64)

    def villages(self) -> list[Village]:
        """The villages as objects with their names, in code order (for the database)."""
        result = []
        for code, t, community, stem in zip(self.village_codes(), self.village_township, self.village_community,
                                            self.village_stem):
            kind = "community" if community else "village"
            stems = names.COMMUNITY_STEMS if community else names.VILLAGE_STEMS
            zh, en = names.place_name(stems[stem], kind)
            result.append(Village(str(code), zh, en, bool(community), self.townships[t]))
        return result


@lru_cache(maxsize=4)
def _read_regions_cached(path: str, mtime: float) -> tuple[RegionRow, ...]:
    with open(path, encoding="utf-8", newline="") as f:
        return tuple(
            RegionRow(
                code=row["code"].strip(),
                name=row["name"].strip(),
                name_en=(row.get("name_en") or "").strip(),
                level=(row.get("level") or "").strip(),
                parent_code=(row.get("parent_code") or "").strip(),
            )
            for row in csv.DictReader(f)
        )


def read_regions(path: Path = REGIONS_CSV) -> tuple[RegionRow, ...]:
    """The rows of a regions CSV (code,name,name_en,level,parent_code)."""
    path = Path(path)
    return _read_regions_cached(str(path), path.stat().st_mtime)


def select_counties(*, region_code: str = "", regions_csv: Path = REGIONS_CSV) -> list[County]:
    """The counties to place people in: the whole country, or the subtree of one region, sorted by code.

    A township narrows placement to that township of its county.
    """
    rows = read_regions(regions_csv)
    by_code = {r.code: r for r in rows}
    townships_of: dict[str, list[RegionRow]] = {}
    for r in rows:
        if r.level == "township":
            townships_of.setdefault(r.parent_code, []).append(r)

    def county_of(row: RegionRow, *, synthetic: bool = False, only_township: str = "") -> County:
        known = tuple((t.code, t.name, t.name_en) for t in sorted(townships_of.get(row.code, []),
                                                                key=lambda t: t.code))
        return County(row.code, row.name, row.name_en, synthetic, known, only_township)

    if region_code:
        selected = by_code.get(region_code)
        if selected is None:
            # The file has no villages: say why a village code cannot be used rather than "unknown".
            if _is_village_code(region_code):
                raise SynthError(SynthErrorCode.NOT_PLACEABLE, code=region_code, level=RegionLevel.VILLAGE.label)
            raise SynthError(SynthErrorCode.UNKNOWN_REGION, code=region_code, source=Path(regions_csv).name)
        if selected.level == "township":
            return [county_of(by_code[selected.parent_code], only_township=selected.code)]
        if selected.level == "county":
            return [county_of(selected)]
        if selected.level not in ("province", "prefecture"):
            raise SynthError(SynthErrorCode.NOT_PLACEABLE, code=region_code, level=RegionLevel(selected.level).label)
        prefix = region_code[:2] if selected.level == "province" else region_code[:4]
    else:
        prefix = ""

    counties = [
        county_of(r) for r in rows
        if r.level == "county" and r.code.startswith(prefix)
        and (not r.code.startswith(_UNINHABITED_PREFIXES) or region_code.startswith(_UNINHABITED_PREFIXES))
    ]
    # Provinces (or prefectures) that the file lists without counties get synthetic ones.
    provinces = [r for r in rows if r.level == "province" and r.code.startswith(prefix[:2])]
    for province in provinces:
        p2 = province.code[:2]
        if any(c.code.startswith(p2) for c in counties):
            continue
        prefectures = [r for r in rows if r.level == "prefecture" and r.code.startswith(p2)
                       and r.code.startswith(prefix)]
        if not prefectures and len(prefix) <= 2:
            prefectures = [RegionRow(f"{p2}0100000000", "", "", "prefecture", province.code)]
        for prefecture in prefectures:
            counties.extend(synthetic_counties(prefecture.code))
    if not counties:
        raise SynthError(SynthErrorCode.NO_COUNTIES, code=region_code or "000000000000")
    return sorted(counties, key=lambda c: c.code)


def _is_village_code(code: str) -> bool:
    try:
        return level_of_code(code) == RegionLevel.VILLAGE
    except ValueError:
        return False


def synthetic_counties(prefecture_code: str) -> list[County]:
    """Six to twelve made-up counties under a prefecture: codes PPPP01… and names like 龙泉县."""
    rng = np.random.default_rng([_LAYOUT_SALT, int(prefecture_code)])
    n = int(rng.integers(6, 13))
    stems = [names.COUNTY_STEMS[i] for i in rng.choice(len(names.COUNTY_STEMS), n, replace=False)]
    result = []
    for i, stem in enumerate(stems, start=1):
        zh, en = names.place_name(stem, "county")
        result.append(County(f"{prefecture_code[:4]}{i:02d}000000", zh, en, synthetic=True))
    return result


def county_weights(counties: list[County]) -> np.ndarray:
    """Share of the population each county gets: its province's share of the 2020 census population,
    split among the province's selected counties by a fixed log-normal size (a function of the code)."""
    raw = np.array([
        np.random.default_rng([_WEIGHT_SALT, int(c.code)]).lognormal(0.0, _COUNTY_WEIGHT_SIGMA)
        for c in counties
    ])
    provinces = np.array([c.province for c in counties])
    weights = np.empty(len(counties))
    for p in np.unique(provinces):
        mask = provinces == p
        weights[mask] = PROVINCE_POPULATION_2020.get(p, 1) * raw[mask] / raw[mask].sum()
    return weights / weights.sum()


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into whole numbers proportional to `weights` (largest remainders; ties by position)."""
    exact = total * np.asarray(weights, dtype=np.float64)
    whole = np.floor(exact).astype(np.int64)
    short = int(total - whole.sum())
    if short > 0:
        # Stable sort on the negated remainder: the earliest of equal remainders wins.
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:short]] += 1
    return whole


def township_kind(name: str) -> str:
    """Subdistrict (街道), xiang (乡) or town (镇, and anything else such as development zones)."""
    if name.endswith("街道") or name.endswith("办事处"):
        return "subdistrict"
    if name.endswith("乡"):
        return "xiang"
    return "town"


def county_layout(county: County) -> CountyLayout:
    """The county's townships (known or made up) and made-up villages, in code order.

    The villages are drawn for all the county's townships from one stream seeded by the county code (and
    only then narrowed to one township if asked), so a township always has the same villages.
    """
    if county.townships:
        townships = [Township(code, name, name_en, township_kind(name), False)
                     for code, name, name_en in county.townships]
    else:
        townships = synthetic_townships(county)
    kind = np.array([_KIND_INDEX[t.kind] for t in townships], dtype=np.int64)
    rng = np.random.default_rng([_LAYOUT_SALT, int(county.code), 1])
    u = rng.random((len(townships), 6))
    # Communities and villages per township: subdistricts are mostly communities (a few keep villages at
    # the edge of town), towns mostly villages around a few communities, xiang villages only.
    n_comm = np.select([kind == 0, kind == 1], [4 + np.floor(u[:, 0] * 9), 1 + np.floor(u[:, 0] * 4)],
                       np.floor(u[:, 0] * 2)).astype(np.int64)
    n_vill = np.select([kind == 0, kind == 1],
                       [(u[:, 1] < 0.3) * (2 + np.floor(u[:, 2] * 7)), 10 + np.floor(u[:, 2] * 21)],
                       8 + np.floor(u[:, 2] * 15)).astype(np.int64)
    parts = []
    for community, counts, pool, u_start, u_step in ((True, n_comm, len(names.COMMUNITY_STEMS), u[:, 3], u[:, 4]),
                                                     (False, n_vill, len(names.VILLAGE_STEMS), u[:, 5], u[:, 4])):
        t = np.repeat(np.arange(len(townships)), counts)
        i = np.arange(len(t)) - np.repeat(np.cumsum(counts) - counts, counts)
        # Names without repeats in a township: an arithmetic walk through the stems with a step coprime to
        # their number visits each stem once.
        steps = _COPRIME_STEPS[pool]
        start = np.floor(u_start * pool).astype(np.int64)[t]
        step = steps[np.floor(u_step * len(steps)).astype(np.int64)][t]
        number = 1 + i if community else 201 + i
        parts.append((t, number, np.full(len(t), community), (start + i * step) % pool))
    t, number, community, stem = (np.concatenate(x) for x in zip(*parts))
    order = np.lexsort((number, t))
    layout = CountyLayout(county, townships, t[order], number[order], community[order], stem[order])
    if county.only_township:
        keep = [i for i, tw in enumerate(townships) if tw.code == county.only_township]
        mask = np.isin(layout.village_township, keep)
        layout = CountyLayout(county, townships, layout.village_township[mask], layout.village_number[mask],
                              layout.village_community[mask], layout.village_stem[mask])
    return layout


_KIND_INDEX = {"subdistrict": 0, "town": 1, "xiang": 2}
_PRIMES = np.array([7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67], dtype=np.int64)
_COPRIME_STEPS = {n: _PRIMES[n % _PRIMES != 0]
                  for n in (len(names.COMMUNITY_STEMS), len(names.VILLAGE_STEMS))}


def synthetic_townships(county: County) -> list[Township]:
    """Made-up townships: districts are mostly subdistricts (街道, codes 001…), counties mostly towns
    (镇, 101…) and some xiang (乡, 201…), after the numbering of the statistical codes."""
    rng = np.random.default_rng([_LAYOUT_SALT, int(county.code)])
    if county.is_district:
        n = int(rng.integers(6, 15))
        n_sub = int(round(n * 0.65))
        n_xiang = 0
    else:
        n = int(rng.integers(9, 21))
        n_sub = int(rng.integers(1, 4))
        n_xiang = int(rng.binomial(n - n_sub, 0.2))
    n_town = n - n_sub - n_xiang
    stems = [names.TOWNSHIP_STEMS[i] for i in rng.choice(len(names.TOWNSHIP_STEMS), n, replace=False)]
    roads = [names.ROAD_STEMS[i] for i in rng.choice(len(names.ROAD_STEMS), n_sub, replace=False)]
    road_named = rng.random(n_sub) < 0.4
    result = []
    for i in range(n_sub):
        zh, en = names.place_name(roads[i] if road_named[i] else stems[i], "subdistrict")
        result.append(Township(f"{county.code6}{i + 1:03d}000", zh, en, "subdistrict", True))
    for i in range(n_town):
        zh, en = names.place_name(stems[n_sub + i], "town")
        result.append(Township(f"{county.code6}{101 + i:03d}000", zh, en, "town", True))
    for i in range(n_xiang):
        zh, en = names.place_name(stems[n_sub + n_town + i], "xiang")
        result.append(Township(f"{county.code6}{201 + i:03d}000", zh, en, "xiang", True))
    return result
