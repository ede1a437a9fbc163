"""The synthetic low-income population: one vectorised generator behind both the Parquet writer and the
database loader.

How it stays fast and deterministic at national scale:

- Work is cut into chunks of whole counties (about a million people each). Everything inside a chunk is
  numpy over whole arrays; there is no loop over people or households, only over the few dozen counties of a
  chunk when random numbers are drawn.
- Each county has its own random streams, seeded from (seed, county code) with numpy's SeedSequence: one for
  the household composition, one for everything else. Every draw is made for every county of the chunk,
  unconditionally and in the same order, so a county's data is the same whichever chunk it falls in; a run
  with tiny chunks writes exactly the same rows as one with big chunks.
- Counts (households, persons, supporters per county) come from the composition stream alone, so they can
  be planned up front and every row gets its final dense id before any chunk is generated; chunks can then
  be written in parallel.
- Resident ID numbers are unique because a county is never split between chunks: the 3-digit sequence is
  the rank of a person within (county, birth date, sex), and the first six digits are the county's code.

The distributions, and which published figures they reproduce, are described in docs/synthetic-data.md.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.synth import names, schema
from jiuzhu.synth.errors import SynthError, SynthErrorCode
from jiuzhu.synth.geography import County, CountyLayout, county_layout
from jiuzhu.synth.provinces import reference_standard

# Bump when a change alters generated rows for the same arguments; recorded in the manifest.
GENERATOR_VERSION = "1"
# The registry snapshot date: ages, birth dates and tier start dates are relative to it. A constant, so that
# the same arguments give the same data on any day.
DEFAULT_AS_OF = date(2026, 1, 1)
# ID numbers have 500 sequence numbers per sex and birth date in a county: far more than a few million
# people need, but a county holding a whole country would run out.
MAX_PEOPLE_PER_COUNTY = 3_000_000

_EPOCH = date(1970, 1, 1)
_DAYS_PER_YEAR = 365.2425

# ---------------------------------------------------------------------------------------------------------
# Household archetypes of the low-income population, with their share of households. Low-income households
# are small and old: many lone elderly people and elderly couples, grandparents raising left-behind children,
# single disabled adults, and families with a sick or disabled member.
# ---------------------------------------------------------------------------------------------------------
(LONE_ELDER, ELDER_COUPLE, GRANDPARENTS, LONE_ADULT, COUPLE_CHILDREN, SINGLE_PARENT, THREE_GEN,
 PARENTS_ADULT_CHILD, SIBLINGS) = range(9)
ARCH_SHARES = np.array([0.29, 0.14, 0.05, 0.10, 0.15, 0.08, 0.09, 0.06, 0.04])

TIERS = ["extreme_poverty", "dibao", "dibao_individual", "dibao_marginal", "rigid_expense",
         "poverty_relapse_risk", "other_hardship", ""]
EP, DIBAO, INDIV, MARGINAL, RIGID, RELAPSE, OTHER, NO_TIER = range(8)
# Registered tier by archetype (columns as TIERS without "", individual dibao is assigned later from the
# members' conditions). Tuned so that the shares of *persons* match the Ministry's 2023 figures: dibao 61 %,
# 特困 7 %, marginal 9 %, relapse-risk 5 %, other 18 % (rigid-expenditure hardship counted in other).
TIER_PROBS = np.array([
    # EP    dibao  indiv  marg   rigid  relapse other
    [0.36, 0.48, 0.00, 0.04, 0.00, 0.00, 0.12],  # lone elder
    [0.10, 0.67, 0.00, 0.06, 0.02, 0.00, 0.15],  # elder couple
    [0.00, 0.77, 0.00, 0.08, 0.00, 0.00, 0.15],  # grandparents with grandchildren
    [0.30, 0.55, 0.00, 0.00, 0.00, 0.00, 0.15],  # lone working-age adult
    [0.00, 0.51, 0.00, 0.08, 0.07, 0.17, 0.17],  # couple with children
    [0.00, 0.66, 0.00, 0.08, 0.05, 0.06, 0.15],  # single parent
    [0.00, 0.59, 0.00, 0.06, 0.05, 0.17, 0.13],  # three generations
    [0.00, 0.68, 0.00, 0.10, 0.08, 0.00, 0.14],  # parents with an adult disabled child
    [0.05, 0.75, 0.00, 0.05, 0.00, 0.00, 0.15],  # siblings
])
TIER_PROBS = TIER_PROBS / TIER_PROBS.sum(axis=1, keepdims=True)

STATUSES = ["active", "suspended", "exited"]
STATUS_PROBS = [0.955, 0.025, 0.02]

# Grandchildren's situation in grandparent households (RULES.md §3; GLOSSARY: orphan, unsupported child).
CS_NONE, CS_ORPHAN, CS_UNSUPPORTED, CS_DIFFICULTY = range(4)
CHILD_STATUSES = ["", "orphan", "unsupported_child", "child_in_difficulty"]

ROLE_HEAD, ROLE_SPOUSE, ROLE_CHILD, ROLE_GRANDCHILD, ROLE_PARENT, ROLE_SIBLING = range(6)
RELATIONS = ["head", "spouse", "child", "grandchild", "parent", "sibling"]

SEXES = ["female", "male"]  # index = is_male
HUKOUS = ["urban", "rural"]  # index = is_rural
LABOUR = ["full", "partial", "none"]
LAB_FULL, LAB_PARTIAL, LAB_NONE = range(3)

# Disability types in the order of STATISTICS.md's table (China Disabled Persons' Federation, millions).
DISABILITY_TYPES = ["", "physical", "hearing", "visual", "multiple", "mental", "intellectual", "speech"]
DISABILITY_SHARES = np.array([24.7, 20.5, 12.6, 13.9, 6.3, 5.7, 1.3])
DIS_PHYSICAL, DIS_HEARING, DIS_VISUAL, DIS_MULTIPLE, DIS_MENTAL, DIS_INTELLECTUAL, DIS_SPEECH = range(1, 8)
# Children's disabilities are mostly intellectual, multiple and physical; adult children who still live
# with their parents are there mostly because of intellectual or mental disability.
DISABILITY_SHARES_CHILD = np.array([0.20, 0.10, 0.05, 0.20, 0.05, 0.30, 0.10])
DISABILITY_SHARES_DEPENDENT = np.array([0.15, 0.03, 0.04, 0.15, 0.25, 0.35, 0.03])
# Grades 1 (most severe) to 4. Nationally about 29 % of disabled people are grade 1-2; among low-income
# people the severe share is higher.
GRADE_SHARES = np.array([0.14, 0.26, 0.30, 0.30])
GRADE_SHARES_SEVERE = np.array([0.30, 0.45, 0.20, 0.05])

STUDENT_STAGES = ["", "preschool", "primary", "junior_secondary", "senior_secondary", "secondary_vocational",
                  "higher_vocational", "undergraduate", "postgraduate"]
(ST_NONE, ST_PRESCHOOL, ST_PRIMARY, ST_JUNIOR, ST_SENIOR, ST_SEC_VOC, ST_HIGHER_VOC, ST_UNDERGRAD,
 ST_POSTGRAD) = range(9)
# Yearly out-of-pocket education cost by stage (yuan): the rigid education expense of a student.
STUDENT_COST = np.array([0, 2400, 600, 800, 3000, 2000, 9000, 12000, 15000])

EMPLOYMENTS = ["employed", "self_employed", "farming", "flexible", "unemployed", "retired", "student",
               "not_working"]
(EMP_EMPLOYED, EMP_SELF, EMP_FARMING, EMP_FLEXIBLE, EMP_UNEMPLOYED, EMP_RETIRED, EMP_STUDENT,
 EMP_NOT_WORKING) = range(8)
# How much of a household's counted income an earner of each kind brings in, relative to the others.
EARNER_WEIGHT = np.array([1.0, 1.0, 0.6, 0.7, 0.05, 0.8, 0.0, 0.25])

NOT_COUNTED = ["", "clergy", "prison", "drug_rehabilitation", "missing"]
INCAPACITIES = ["", "no_civil_capacity", "missing", "prison"]

INCOME_INDEX = {kind: i for i, kind in enumerate(schema.INCOME_KINDS)}

# Supporters' situations: why (or whether) they can support the person (RULES.md §3).
(SUP_CAPABLE, SUP_PRISON, SUP_MISSING, SUP_NO_CIVIL, SUP_SEVERE, SUP_DIBAO, SUP_POOR_OLD) = range(7)

_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


@dataclass(frozen=True)
class PlannedCounty:
    """A county with its requested size and the counts and id offsets the plan gives it."""

    county: County
    mode: str  # "households" or "people": what `size` counts
    size: int
    households: int = 0
    persons: int = 0
    supporters: int = 0
    household_offset: int = 0  # ids of this county start after these
    person_offset: int = 0
    supporter_offset: int = 0


@dataclass
class ChunkTables:
    households: pa.Table
    persons: pa.Table
    supporters: pa.Table


# ---------------------------------------------------------------------------------------------------------
# Random streams
# ---------------------------------------------------------------------------------------------------------
def _rng(seed: int, county: County, stream: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, int(county.code), stream])))


class _Draws:
    """Random numbers for a chunk: each call draws a block from every county's own stream, in county order,
    and concatenates them. Callers must never make a draw conditional on the chunk's data."""

    def __init__(self, rngs: list[np.random.Generator], sizes: dict[str, list[int]]):
        self.rngs = rngs
        self.sizes = sizes

    def u(self, level: str, k: int | None = None) -> np.ndarray:
        shape = (lambda n: n) if k is None else (lambda n: (n, k))
        return np.concatenate([r.random(shape(n), dtype=np.float32) for r, n in zip(self.rngs, self.sizes[level])])

    def z(self, level: str, k: int | None = None) -> np.ndarray:
        shape = (lambda n: n) if k is None else (lambda n: (n, k))
        return np.concatenate([r.standard_normal(shape(n)) for r, n in zip(self.rngs, self.sizes[level])])

    def digits(self, level: str, k: int) -> np.ndarray:
        return np.concatenate([r.integers(0, 10, (n, k), dtype=np.uint8)
                               for r, n in zip(self.rngs, self.sizes[level])])


def _fold(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Values outside [lo, hi] reflected back inside. Clipping would pile them all onto the bound, and
    a pile of people of the same age is a pile of people born on the same day."""
    x = np.where(x > hi, 2 * hi - x, x)
    x = np.where(x < lo, 2 * lo - x, x)
    return np.clip(x, lo, hi)  # only values more than (hi - lo) outside are still out of range


def _pick(u: np.ndarray, probs) -> np.ndarray:
    """Index drawn with the given probabilities (rows of a matrix when `probs` is 2-D, one per row of u)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim == 1:
        cum = np.cumsum(probs / probs.sum())
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int8)
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1).astype(np.int8)


# ---------------------------------------------------------------------------------------------------------
# Composition: who lives in each household (drawn from the county's composition stream)
# ---------------------------------------------------------------------------------------------------------
def _sizes(u: np.ndarray, arch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(k1, k2, members) of households: k1 and k2 count the archetype's variable members (grandparents and
    grandchildren, elderly parents and children…)."""
    k1 = np.select(
        [arch == GRANDPARENTS, arch == THREE_GEN, arch == PARENTS_ADULT_CHILD],
        [1 + (u[:, 1] < 0.55), 1 + (u[:, 1] < 0.3), 1 + (u[:, 1] < 0.5)],
        0,
    ).astype(np.int8)
    k2 = np.select(
        [arch == GRANDPARENTS, arch == COUPLE_CHILDREN, arch == SINGLE_PARENT, arch == THREE_GEN,
         arch == PARENTS_ADULT_CHILD],
        [1 + _pick(u[:, 2], [0.6, 0.35, 0.05]), _pick(u[:, 2], [0.1, 0.4, 0.35, 0.15]),
         1 + _pick(u[:, 2], [0.6, 0.35, 0.05]), 1 + _pick(u[:, 2], [0.45, 0.45, 0.1]), 1 + (u[:, 2] < 0.15)],
        0,
    ).astype(np.int8)
    # Members: 1 alone, 2 for couples and siblings, and the variable members on top of the fixed ones.
    fixed = np.array([1, 2, 0, 1, 2, 1, 2, 0, 2], dtype=np.int8)[arch]
    with_k1 = np.isin(arch, [GRANDPARENTS, THREE_GEN, PARENTS_ADULT_CHILD])
    members = (fixed + np.where(with_k1, k1, 0) + k2).astype(np.int8)
    return k1, k2, members


def _archetypes(u: np.ndarray, filler: np.ndarray) -> np.ndarray:
    return np.where(filler, LONE_ELDER, _pick(u[:, 0], ARCH_SHARES)).astype(np.int8)


def _compose(u: np.ndarray, *, is_district: np.ndarray, filler: np.ndarray) -> dict[str, np.ndarray]:
    """Households from their composition draws (8 uniforms each), vectorised over many counties."""
    arch = _archetypes(u, filler)
    k1, k2, n_members = _sizes(u, arch)
    cs = np.where(arch == GRANDPARENTS, _pick(u[:, 3], [0.40, 0.15, 0.30, 0.15]), CS_NONE).astype(np.int8)
    # Rural shares: about 65 % of the low-income population is rural; lone elderly people and
    # left-behind children more so.
    p_rural = np.where(is_district, 0.46, 0.81) + np.select(
        [arch == LONE_ELDER, arch == GRANDPARENTS, arch == SINGLE_PARENT], [0.05, 0.15, -0.1], 0.0)
    rural = u[:, 5] < np.clip(p_rural, 0.05, 0.97)
    tier = _pick(u[:, 4], TIER_PROBS[arch])
    # Monitoring against relapse into poverty is a rural programme (the former poverty-alleviation files).
    tier = np.where((tier == RELAPSE) & ~rural, MARGINAL, tier).astype(np.int8)
    status = _pick(u[:, 7], STATUS_PROBS)
    tier = np.where(status == 2, NO_TIER, tier).astype(np.int8)
    # Legal supporters living elsewhere: adult children of old people, parents of left-behind children and
    # of single disabled adults, the absent parent of a single parent's children. Those of 特困 persons are
    # mostly none, or unable to support (their situation is drawn later).
    u6 = u[:, 6]
    ep = tier == EP
    n_sup = np.select(
        [(arch <= ELDER_COUPLE) & ep, arch <= ELDER_COUPLE,
         (arch == GRANDPARENTS) & (cs == CS_ORPHAN), arch == GRANDPARENTS,
         (arch == LONE_ADULT) & ep, arch == LONE_ADULT,
         arch == SINGLE_PARENT, arch == PARENTS_ADULT_CHILD],
        [np.where(u6 < 0.7, 0, 1 + (u6 > 0.85)), _pick(u6, [0.2, 0.25, 0.25, 0.18, 0.12]),
         0, 1 + (u6 < 0.6),
         (u6 > 0.8).astype(np.int8), _pick(u6, [0.55, 0.3, 0.15]),
         (u6 < 0.3).astype(np.int8), _pick(u6, [0.5, 0.3, 0.2])],
        0,
    ).astype(np.int8)
    return {"arch": arch, "k1": k1, "k2": k2, "n_members": n_members, "n_sup": n_sup,
            "rural": rural, "cs": cs, "tier": tier, "status": status}


_MEAN_SIZE_GUESS = 2.2


def _composition_draws(planned: list[PlannedCounty], *, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Composition uniforms (one row of 8 per household) of several counties, each from its own stream:
    (uniforms, filler flags, county index).

    With mode "people" a county gets exactly `size` persons: households are drawn until they hold at
    least that many, the one that overshoots is dropped, and the few persons missing become lone elderly
    households (fillers). Sizes are computed for all counties at once; a county falls short of its target
    only rarely and then draws again from its own stream.
    """
    rngs = [_rng(seed, p.county, 0) for p in planned]
    if all(p.mode == "households" for p in planned):
        blocks = [r.random((p.size, 8)) for r, p in zip(rngs, planned)]
        filler = [np.zeros(p.size, dtype=bool) for p in planned]
    else:
        targets = np.array([p.size for p in planned], dtype=np.int64)
        blocks = [r.random((int(t / _MEAN_SIZE_GUESS * 1.1) + 16, 8)) for r, t in zip(rngs, targets)]
        while True:
            lengths = np.array([len(b) for b in blocks])
            u = np.concatenate(blocks)
            members = _sizes(u, _archetypes(u, np.zeros(len(u), dtype=bool)))[2]
            totals = np.bincount(np.repeat(np.arange(len(blocks)), lengths), weights=members,
                                 minlength=len(blocks)).astype(np.int64)
            short = np.flatnonzero(totals < targets)
            if not len(short):
                break
            for c in short:
                more = int((targets[c] - totals[c]) / _MEAN_SIZE_GUESS * 1.1) + 16
                blocks[c] = np.concatenate([blocks[c], rngs[c].random((more, 8))])
        starts = np.cumsum(lengths) - lengths
        filler = []
        for c, (block, target) in enumerate(zip(blocks, targets)):
            cum = np.cumsum(members[starts[c]: starts[c] + lengths[c]], dtype=np.int64)
            k = int(np.searchsorted(cum, target))  # the first household reaching the target
            if cum[k] == target:
                blocks[c] = block[: k + 1]
                filler.append(np.zeros(k + 1, dtype=bool))
            else:
                missing = int(target - (cum[k - 1] if k else 0))
                blocks[c] = np.concatenate([block[:k], rngs[c].random((missing, 8))])
                filler.append(np.arange(k + missing) >= k)
    cidx = np.repeat(np.arange(len(planned)), [len(b) for b in blocks])
    if not blocks:
        return np.zeros((0, 8)), np.zeros(0, dtype=bool), cidx
    return np.concatenate(blocks), np.concatenate(filler), cidx


def compose_counties(planned: list[PlannedCounty], *, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The households of several counties (archetype, size, tier, status, number of supporters) and each
    household's county index. Each county draws from its own stream; the arithmetic is done once for all."""
    u, filler, cidx = _composition_draws(planned, seed=seed)
    is_district = np.array([p.county.is_district for p in planned], dtype=bool)[cidx]
    return _compose(u, is_district=is_district, filler=filler), cidx


def count_counties(group: list[PlannedCounty], *, seed: int) -> np.ndarray:
    """(households, persons, supporters) of each county of a group, from its composition draws."""
    comp, cidx = compose_counties(group, seed=seed)
    return np.stack([
        np.bincount(cidx, minlength=len(group)),
        np.bincount(cidx, weights=comp["n_members"], minlength=len(group)),
        np.bincount(cidx, weights=comp["n_sup"], minlength=len(group)),
    ], axis=1).astype(np.int64)


def plan_population(counties: list[County], sizes: np.ndarray, *, mode: str, seed: int,
                    map_function: Callable = map) -> list[PlannedCounty]:
    """Counts and dense id offsets for every county with a non-zero size, in code order.

    Counties are counted a group at a time (about a million households or persons each), to bound memory;
    `map_function` may spread the groups over worker processes (an executor's `map`, which keeps order).
    """
    requested = []
    for county, size in zip(counties, sizes):
        size = int(size)
        if size <= 0:
            continue
        if mode == "people" and size > MAX_PEOPLE_PER_COUNTY:
            raise SynthError(SynthErrorCode.TOO_MANY_PEOPLE, code=county.code, people=size,
                             limit=MAX_PEOPLE_PER_COUNTY)
        requested.append(PlannedCounty(county, mode, size))
    groups: list[list[PlannedCounty]] = []
    group_size = 0
    for p in requested:
        if not groups or group_size >= 1_000_000:
            groups.append([])
            group_size = 0
        groups[-1].append(p)
        group_size += p.size
    planned = []
    h_off = p_off = s_off = 0
    for group, counts in zip(groups, map_function(partial(count_counties, seed=seed), groups)):
        for g, (h, n, s) in zip(group, counts.tolist()):
            if n > MAX_PEOPLE_PER_COUNTY:
                raise SynthError(SynthErrorCode.TOO_MANY_PEOPLE, code=g.county.code, people=n,
                                 limit=MAX_PEOPLE_PER_COUNTY)
            planned.append(replace(g, households=h, persons=n, supporters=s,
                                   household_offset=h_off, person_offset=p_off, supporter_offset=s_off))
            h_off, p_off, s_off = h_off + h, p_off + n, s_off + s
    return planned


def chunk_counties(planned: list[PlannedCounty], *, chunk_persons: int) -> list[list[PlannedCounty]]:
    """Consecutive counties grouped into chunks of at least `chunk_persons` persons (the last may be smaller)."""
    chunks, current, persons = [], [], 0
    for p in planned:
        current.append(p)
        persons += p.persons
        if persons >= chunk_persons:
            chunks.append(current)
            current, persons = [], 0
    if current:
        chunks.append(current)
    return chunks


# ---------------------------------------------------------------------------------------------------------
# Arrow helpers
# ---------------------------------------------------------------------------------------------------------
def _strings(values: list[str], idx: np.ndarray) -> pa.Array:
    return pc.take(pa.array(values, pa.string()), pa.array(np.asarray(idx, dtype=np.int32)))


def _fixed_strings(chars: np.ndarray) -> pa.Array:
    """An (n, width) uint8 matrix of ASCII characters as an Arrow string array, without a Python loop."""
    n, width = chars.shape
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _decimal(fen: np.ndarray, type_: pa.DataType) -> pa.Array:
    """Whole fen (int64) as an Arrow decimal with scale 2: the unscaled 128-bit value is the fen count."""
    fen = np.asarray(fen, dtype=np.int64)
    words = np.empty((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = fen >> 63  # sign extension of the low word
    return pa.Array.from_buffers(type_, len(fen), [None, pa.py_buffer(words)])


def _date32(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    days = np.asarray(days, dtype=np.int32)
    if valid is None:
        return pa.Array.from_buffers(pa.date32(), len(days), [None, pa.py_buffer(days)])
    return pa.array(days, type=pa.int32(), mask=~valid).cast(pa.date32())


def _ints(values: np.ndarray, type_: pa.DataType, valid: np.ndarray | None = None) -> pa.Array:
    if valid is None:
        return pa.array(values.astype(type_.to_pandas_dtype()), type=type_)
    return pa.array(values.astype(type_.to_pandas_dtype()), type=type_, mask=~valid)


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _digits_of(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) matrix of the decimal digits of non-negative integers, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((np.asarray(values, dtype=np.int64)[:, None] // powers) % 10).astype(np.uint8)


# Birth dates are looked up, not computed: a table of the YYYYMMDD digits of every day from 1880 (the
# earliest birth date GB 11643 numbers accept here) to 2099, and of their weighted sum for the check digit.
_DAY0 = (date(1880, 1, 1) - _EPOCH).days
_DAY_COUNT = (date(2100, 1, 1) - date(1880, 1, 1)).days


def _build_date_tables() -> tuple[np.ndarray, np.ndarray]:
    d = (np.arange(_DAY_COUNT) + _DAY0).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    ymd = year * 10000 + (months.astype(np.int64) % 12 + 1) * 100 + (d - months).astype(np.int64) + 1
    digits = _digits_of(ymd, 8)
    return digits, digits.astype(np.int64) @ _ID_WEIGHTS[6:14]


_DATE_DIGITS, _DATE_WEIGHTED = _build_date_tables()
_SEQ_DIGITS = _digits_of(np.arange(1000), 3)
_SEQ_WEIGHTED = _SEQ_DIGITS.astype(np.int64) @ _ID_WEIGHTS[14:17]


def id_numbers(region6: np.ndarray, birth_days: np.ndarray, sequence: np.ndarray) -> pa.Array:
    """GB 11643 numbers from (n, 6) region digits, birth dates (days since 1970) and 3-digit sequences.

    The 17 digits form a uint8 matrix; the check character is the weighted digit sum mod 11, summed from
    per-part lookup tables, and the matrix is handed to Arrow as fixed-width strings.
    """
    day = np.asarray(birth_days, dtype=np.int64) - _DAY0
    if len(day) and (day.min() < 0 or day.max() >= _DAY_COUNT):
        raise ValueError("birth date outside 1880-2099")
    chars = np.empty((len(day), 18), dtype=np.uint8)
    chars[:, :6] = region6
    chars[:, 6:14] = _DATE_DIGITS[day]
    chars[:, 14:17] = _SEQ_DIGITS[sequence]
    total = region6.astype(np.int64) @ _ID_WEIGHTS[:6] + _DATE_WEIGHTED[day] + _SEQ_WEIGHTED[sequence]
    chars[:, :17] += ord("0")
    chars[:, 17] = _ID_CHECK[total % 11]
    return _fixed_strings(chars)


def id_keys(region6: np.ndarray, birth_days: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """core.idnumber.id_key of the same numbers, from their parts: region, birth date, sequence (int64)."""
    day = np.asarray(birth_days, dtype=np.int64) - _DAY0
    region = region6.astype(np.int64) @ (10 ** np.arange(5, -1, -1, dtype=np.int64))
    ymd = _DATE_DIGITS[day].astype(np.int64) @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
    return region * 10 ** 11 + ymd * 1000 + np.asarray(sequence, dtype=np.int64)


def _ranks_within(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's rank within its group of equal keys (stable: earlier rows rank first), and the index of
    the group's first row."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = sorted_key[1:] != sorted_key[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - group_start
    first = np.empty(len(order), dtype=np.int64)
    first[order] = order[group_start]
    return rank, first


# ---------------------------------------------------------------------------------------------------------
# The chunk generator
# ---------------------------------------------------------------------------------------------------------
def county_standards(county: County) -> tuple[int, int]:
    """(urban, rural) reference dibao standard the generator straddles incomes around, yuan a month."""
    urban, rural, published = reference_standard(county.code)
    if published:
        return urban, rural
    jitter = 1 + 0.06 * (2 * np.random.default_rng([0x5EED_0003, int(county.code)]).random() - 1)
    return int(round(urban * jitter)), int(round(rural * jitter))


@dataclass
class _Places:
    """The villages of a chunk's counties as arrays, with per-county pools of communities and villages."""

    code_ints: np.ndarray  # per village
    township_names: pa.Array  # of the chunk's townships
    village_township: np.ndarray  # index into township_names
    village_name: np.ndarray  # index into _PLACE_NAMES
    pool: np.ndarray  # village indices by county: its communities, then its villages
    urban_start: np.ndarray  # per county, positions in `pool`
    urban_count: np.ndarray
    rural_start: np.ndarray
    rural_count: np.ndarray

    def codes(self, village: np.ndarray) -> pa.Array:
        return pa.array(self.code_ints[village], pa.int64()).cast(pa.string())

    def labels(self, village: np.ndarray) -> pa.Array:
        """Township and village name, the start of an address: 龙泉镇王家庄村."""
        return _join(pc.take(self.township_names, pa.array(self.village_township[village])),
                     pc.take(_PLACE_NAMES, pa.array(self.village_name[village])))


# Every community and village name, communities first: indexed by the layouts' stems.
_PLACE_NAMES = pa.array([zh + "社区" for zh, _ in names.COMMUNITY_STEMS] + [zh + "村" for zh, _ in names.VILLAGE_STEMS])


def _places(layouts: list[CountyLayout]) -> _Places:
    township_names, codes, towns, stems, community, county = [], [], [], [], [], []
    for c, layout in enumerate(layouts):
        towns.append(layout.village_township + len(township_names))
        township_names.extend(t.name for t in layout.townships)
        codes.append(layout.village_codes())
        stems.append(np.where(layout.village_community, 0, len(names.COMMUNITY_STEMS)) + layout.village_stem)
        community.append(layout.village_community)
        county.append(np.full(len(layout.village_stem), c))
    county_of = np.concatenate(county) if county else np.zeros(0, dtype=np.int64)
    community_flag = np.concatenate(community) if community else np.zeros(0, dtype=bool)
    pool = np.lexsort((np.arange(len(county_of)), ~community_flag, county_of))
    n = len(layouts)
    n_comm = np.bincount(county_of, weights=community_flag, minlength=n).astype(np.int64)
    n_all = np.bincount(county_of, minlength=n).astype(np.int64)
    first = np.cumsum(n_all) - n_all
    # A county (or township) without one kind of place houses everybody in the other kind.
    urban_start, urban_count = first.copy(), n_comm.copy()
    rural_start, rural_count = first + n_comm, n_all - n_comm
    urban_start = np.where(urban_count == 0, rural_start, urban_start)
    urban_count = np.where(urban_count == 0, rural_count, urban_count)
    rural_start = np.where(rural_count == 0, first, rural_start)
    rural_count = np.where(rural_count == 0, n_comm, rural_count)
    return _Places(np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64),
                   pa.array(township_names, pa.string()),
                   np.concatenate(towns) if towns else np.zeros(0, dtype=np.int64),
                   np.concatenate(stems) if stems else np.zeros(0, dtype=np.int64),
                   pool, urban_start, urban_count, rural_start, rural_count)


def generate_chunk(planned: list[PlannedCounty], *, seed: int, as_of: date = DEFAULT_AS_OF) -> ChunkTables:
    """Households, persons and supporters of a chunk of whole counties, with their final ids."""
    hh, cidx = compose_counties(planned, seed=seed)
    assert np.array_equal(np.bincount(cidx, minlength=len(planned)), [p.households for p in planned]), \
        "composition differs from the plan"
    H = len(hh["arch"])
    D = _Draws([_rng(seed, p.county, 1) for p in planned],
               {"h": [p.households for p in planned], "p": [p.persons for p in planned],
                "s": [p.supporters for p in planned]})
    as_of_day = (as_of - _EPOCH).days
    layouts = [county_layout(p.county) for p in planned]
    places = _places(layouts)

    # --- Household level, part 1: place, then sort by village so that ids follow region codes. ---------
    uh = D.u("h", 32)  # each column has one use, or uses in disjoint groups of households
    zh = D.z("h", 4)  # deposits, financial assets, dwelling value, business profit
    rural = hh["rural"]
    start = np.where(rural, places.rural_start[cidx], places.urban_start[cidx])
    count = np.where(rural, places.rural_count[cidx], places.urban_count[cidx])
    village = places.pool[start + np.minimum((uh[:, 0] * count).astype(np.int64), count - 1)]
    order = np.argsort(places.code_ints[village], kind="stable")
    # Counties are in code order and village codes start with the county code, so this sort only moves
    # households within their county: every county's block of random numbers stays its own.
    hh = {k: v[order] for k, v in hh.items()}
    uh, zh, village, cidx, rural = uh[order], zh[order], village[order], cidx[order], rural[order]
    arch, k1, k2, tier = hh["arch"], hh["k1"], hh["k2"], hh["tier"]
    n_members, n_sup = hh["n_members"].astype(np.int64), hh["n_sup"].astype(np.int64)

    std_urban, std_rural = np.array([county_standards(p.county) for p in planned], dtype=np.int64).reshape(-1, 2).T
    standard = np.where(rural, std_rural[cidx], std_urban[cidx]) if H else np.zeros(0, dtype=np.int64)

    # Anchor ages of each household's generations.
    # Ages of the elderly: an exponential tail from 60 (mean about 71), truncated at 99.5 through its
    # distribution function rather than clipped, so that no birth date collects the overflow.
    elder_age = 60 - 11.0 * np.log1p(-uh[:, 1] * (1 - np.exp(-39.5 / 11.0)))
    child0 = 22.0 * uh[:, 2]  # eldest child
    grandchild0 = 17.9 * uh[:, 2]
    gap = 1.5 + 4.5 * uh[:, 3]  # between siblings
    generation = 21 + 17 * uh[:, 4]  # parent's age at the eldest child's birth
    head_age = np.select(
        [arch <= ELDER_COUPLE, arch == GRANDPARENTS, arch == LONE_ADULT,
         (arch == COUPLE_CHILDREN) & (k2 == 0), (arch == COUPLE_CHILDREN) | (arch == SINGLE_PARENT)
         | (arch == THREE_GEN), arch == PARENTS_ADULT_CHILD, uh[:, 5] < 0.5],
        [elder_age, np.maximum(elder_age, _fold(grandchild0 + 40 + 8 * uh[:, 5], 40, 99.5)), 18 + 41.9 * uh[:, 1] ** 0.7,
         22 + 37.9 * uh[:, 1], _fold(child0 + generation, 22, 59.9),
         _fold(18 + 32 * uh[:, 6] + generation, 39, 99.0), elder_age],
        30 + 29.9 * uh[:, 1],
    )
    adult_child0 = np.minimum(18 + 32 * uh[:, 6], head_age - 18 - 3 * uh[:, 5])
    head_male_p = np.select(
        [arch == LONE_ELDER, arch == ELDER_COUPLE, (arch == GRANDPARENTS) & (k1 == 1), arch == LONE_ADULT,
         arch == SINGLE_PARENT, (arch == PARENTS_ADULT_CHILD) & (k1 == 1), arch == SIBLINGS],
        [0.42, 0.85, 0.35, 0.58, 0.22, 0.3, 0.55], 0.82)
    head_male = uh[:, 7] < head_male_p
    surname_cum = np.cumsum(names.SURNAME_WEIGHTS) / np.sum(names.SURNAME_WEIGHTS)
    family_surname = np.searchsorted(surname_cum, uh[:, 8], side="right").clip(0, 99)
    other_surname = np.searchsorted(surname_cum, uh[:, 9], side="right").clip(0, 99)
    line_surname = np.where(head_male, family_surname, other_surname)  # the children's surname

    # --- Persons: structure ------------------------------------------------------------------------------
    P = int(n_members.sum())
    pstart = np.zeros(H, dtype=np.int64)
    if H:
        pstart[1:] = np.cumsum(n_members)[:-1]
    ph = np.repeat(np.arange(H), n_members)
    j = np.arange(P) - pstart[ph]
    pa_arch, pk1, pk2 = arch[ph], k1[ph], k2[ph]
    role = np.select(
        [j == 0,
         (pa_arch == ELDER_COUPLE) | ((pa_arch == GRANDPARENTS) & (j < pk1)),
         pa_arch == GRANDPARENTS,
         (pa_arch == COUPLE_CHILDREN) & (j == 1), pa_arch == COUPLE_CHILDREN, pa_arch == SINGLE_PARENT,
         (pa_arch == THREE_GEN) & (j == 1), (pa_arch == THREE_GEN) & (j < 2 + pk2), pa_arch == THREE_GEN,
         (pa_arch == PARENTS_ADULT_CHILD) & (j < pk1), pa_arch == PARENTS_ADULT_CHILD],
        [ROLE_HEAD, ROLE_SPOUSE, ROLE_GRANDCHILD, ROLE_SPOUSE, ROLE_CHILD, ROLE_CHILD, ROLE_SPOUSE, ROLE_CHILD,
         ROLE_PARENT, ROLE_SPOUSE, ROLE_CHILD],
        ROLE_SIBLING,
    ).astype(np.int8)
    first_child = np.select(
        [pa_arch == GRANDPARENTS, pa_arch == SINGLE_PARENT, pa_arch == PARENTS_ADULT_CHILD], [pk1, 1, pk1], 2)
    ci = j - first_child  # position among the children (or among the elderly parents for THREE_GEN)
    ci_parent = j - 2 - pk2

    up = D.u("p", 8)
    zp = D.z("p")
    h_age = head_age[ph]
    h_male = head_male[ph]
    spouse_gap = 2.5 + 3.0 * zp
    child_age = np.select(
        [pa_arch == GRANDPARENTS, pa_arch == PARENTS_ADULT_CHILD],
        [grandchild0[ph] - ci * gap[ph], adult_child0[ph] - ci * gap[ph]],
        child0[ph] - ci * gap[ph],
    )
    # A younger child that would be unborn gets an age below its elder sibling's instead.
    child_age = np.where(child_age < 0, up[:, 0] * np.maximum(child_age + ci * gap[ph], 0.5), child_age)
    child_age = np.where(pa_arch == PARENTS_ADULT_CHILD, _fold(child_age, 18.0, 99.0), child_age)
    age = np.select(
        [role == ROLE_HEAD, role == ROLE_SPOUSE, (role == ROLE_CHILD) | (role == ROLE_GRANDCHILD),
         role == ROLE_PARENT],
        [h_age, _fold(h_age + np.where(h_male, -spouse_gap, spouse_gap), 18, 99.5), child_age,
         _fold(h_age + 22 + 12 * uh[ph, 10] + 2 * ci_parent, 40, 99.5)],
        _fold(h_age + 10 * (up[:, 0] - 0.5), 18, 99.5),
    )
    birth_day = (as_of_day - np.floor(age * _DAYS_PER_YEAR)).astype(np.int64)
    # From here on, age is what the birth date says, so that no attribute contradicts the stored date.
    age = (as_of_day - birth_day) / _DAYS_PER_YEAR
    male = np.select(
        [role == ROLE_HEAD, role == ROLE_SPOUSE, (role == ROLE_PARENT) & (pk1 == 2)],
        [h_male, ~h_male, ci_parent == 0],
        up[:, 1] < np.where(role == ROLE_PARENT, 0.35, 0.52),
    ).astype(bool)
    own_surname = np.searchsorted(surname_cum, up[:, 2], side="right").clip(0, 99)
    surname = np.select(
        [role == ROLE_HEAD, (role == ROLE_SPOUSE) & male, (role == ROLE_CHILD) | (role == ROLE_GRANDCHILD),
         (role == ROLE_PARENT) & male, role == ROLE_SIBLING],
        [family_surname[ph], other_surname[ph], line_surname[ph], family_surname[ph], family_surname[ph]],
        own_surname,
    )
    given = _given_names(up[:, 3], up[:, 4], up[:, 5], male, birth_day)
    p_rural = np.where(up[:, 6] < 0.03, ~rural[ph], rural[ph])  # a few members keep another hukou
    adult_dependent = (pa_arch == PARENTS_ADULT_CHILD) & (role == ROLE_CHILD)
    del up, zp, spouse_gap, child_age

    # --- Persons: health and capacity ----------------------------------------------------------------------
    up = D.u("p", 8)
    p_tier = tier[ph]
    minor = age < 18
    working_age = (age >= 16) & (age < 60)
    p_dis = np.select([age < 18, age < 60, age < 80], [0.04, 0.12, 0.22], 0.32)
    p_dis = np.where((pa_arch == LONE_ADULT) & (role == ROLE_HEAD), 0.55, p_dis)
    p_dis = np.where(adult_dependent, 0.85, p_dis)
    # 特困 persons of working age qualify by having no labour capacity, so nearly all are severely disabled.
    ep_working = (p_tier == EP) & working_age
    p_dis = np.where(ep_working, 0.95, p_dis)
    disabled = up[:, 0] < p_dis
    dis_type = np.select(
        [minor, adult_dependent],
        [_pick(up[:, 1], DISABILITY_SHARES_CHILD), _pick(up[:, 1], DISABILITY_SHARES_DEPENDENT)],
        _pick(up[:, 1], DISABILITY_SHARES),
    )
    dis_type = np.where(disabled, 1 + dis_type, 0).astype(np.int8)
    severe_mix = ep_working | adult_dependent
    grade = np.where(severe_mix, 1 + _pick(up[:, 2], GRADE_SHARES_SEVERE), 1 + _pick(up[:, 2], GRADE_SHARES))
    grade = np.where(disabled, grade, 0).astype(np.int8)
    # Working-age 特困 persons with a mild grade have it raised: the rule needs intellectual/mental grade
    # 1-3, physical 1-2 or visual 1 (RULES.md §3); everybody else is left as drawn.
    grade = np.where(ep_working & disabled & (grade > 2) & ~np.isin(dis_type, [DIS_MENTAL, DIS_INTELLECTUAL]),
                     2, grade).astype(np.int8)
    p_ill = np.select([age < 18, age < 60], [0.015, 0.07], 0.11)
    p_ill = np.where((pa_arch == LONE_ADULT) & (role == ROLE_HEAD), 0.25, p_ill)
    p_ill = np.where(p_tier == RIGID, p_ill * 3, p_ill)
    ill = up[:, 3] < p_ill
    severe = (grade >= 1) & (grade <= 2) | ((grade == 3) & np.isin(dis_type, [DIS_MENTAL, DIS_INTELLECTUAL]))
    labour = np.select(
        [age < 16, age < 18, age >= 65, age >= 60, severe, (grade == 3) | ill, grade == 4],
        [LAB_NONE, LAB_PARTIAL, LAB_NONE, np.where(up[:, 4] < 0.8, LAB_NONE, LAB_PARTIAL), LAB_NONE,
         np.where(up[:, 4] < 0.7, LAB_PARTIAL, LAB_NONE), np.where(up[:, 4] < 0.5, LAB_PARTIAL, LAB_FULL)],
        LAB_FULL,
    ).astype(np.int8)
    p_care = np.select([age < 6, age < 60, age < 70, age < 80, age < 90], [0, 0.01, 0.05, 0.12, 0.28], 0.5)
    p_care = np.clip(p_care + np.select([grade == 1, grade == 2], [0.5, 0.25], 0.0), 0, 1)
    p_care = np.where(age < 6, 0.0, p_care)
    needs_care = up[:, 5] < p_care
    very_dependent = (grade == 1) | (age >= 90)
    self_care_failed = np.where(
        needs_care,
        np.where(very_dependent, 3 + np.floor(up[:, 6] * 4), 1 + np.floor(up[:, 6] ** 1.5 * 6)),
        0,
    ).clip(0, 6).astype(np.int8)

    # --- Persons: school, work, status ---------------------------------------------------------------------
    stage = np.select(
        [age < 3, age < 6, age < 12, age < 15, age < 18, age < 22, age < 25],
        [ST_NONE,
         np.where(up[:, 7] < 0.85, ST_PRESCHOOL, ST_NONE),
         ST_PRIMARY, ST_JUNIOR,
         np.select([up[:, 7] < 0.5, up[:, 7] < 0.88], [ST_SENIOR, ST_SEC_VOC], ST_NONE),
         np.select([up[:, 7] < 0.22, up[:, 7] < 0.45], [ST_UNDERGRAD, ST_HIGHER_VOC], ST_NONE),
         np.where(up[:, 7] < 0.03, ST_POSTGRAD, ST_NONE)],
        ST_NONE,
    ).astype(np.int8)
    # Most children with severe intellectual or multiple disabilities are not in ordinary schools.
    stage = np.where((age >= 6) & (grade == 1) & np.isin(dis_type, [DIS_INTELLECTUAL, DIS_MULTIPLE]),
                     ST_NONE, stage).astype(np.int8)
    student = stage != ST_NONE
    labour = np.where(student & (age >= 16) & (age < 18), LAB_NONE, labour).astype(np.int8)
    del up
    up = D.u("p", 8)
    emp_rural_full = _pick(up[:, 0], [0.10, 0.05, 0.35, 0.25, 0.10, 0.0, 0.0, 0.15])
    emp_urban_full = _pick(up[:, 0], [0.20, 0.05, 0.0, 0.30, 0.25, 0.0, 0.0, 0.20])
    emp_rural_part = _pick(up[:, 0], [0.0, 0.0, 0.30, 0.20, 0.10, 0.0, 0.0, 0.40])
    emp_urban_part = _pick(up[:, 0], [0.05, 0.0, 0.0, 0.25, 0.20, 0.0, 0.0, 0.50])
    employment = np.select(
        [student, age < 16,
         (age >= 60) & ~p_rural, (age >= 60) & (age < 75),
         labour == LAB_NONE, (labour == LAB_PARTIAL) & p_rural, labour == LAB_PARTIAL, p_rural],
        [EMP_STUDENT, EMP_NOT_WORKING,
         np.where(up[:, 1] < 0.35, EMP_RETIRED, EMP_NOT_WORKING),
         np.where(up[:, 1] < 0.30, EMP_FARMING, EMP_NOT_WORKING),
         EMP_NOT_WORKING, emp_rural_part, emp_urban_part, emp_rural_full],
        emp_urban_full,
    ).astype(np.int8)
    # Registered members who are not counted (RULES.md §1): mostly men in prison, some missing, a few
    # in drug rehabilitation or living at a religious site. Never the head.
    adult_member = (role != ROLE_HEAD) & (age >= 18) & (age < 60)
    nc = np.where(adult_member, _pick(up[:, 2], np.array([0.976, 0.001, 0.016, 0.002, 0.005])), 0)
    nc = np.where(adult_member & ~male & (nc == 2) & (up[:, 3] < 0.8), 0, nc).astype(np.int8)
    child_status = np.where(minor & (role == ROLE_GRANDCHILD), hh["cs"][ph], CS_NONE)
    child_status = np.where(minor & (pa_arch == SINGLE_PARENT) & (role == ROLE_CHILD) & (up[:, 4] < 0.05),
                            CS_DIFFICULTY, child_status).astype(np.int8)
    # Deaths the registry already knows of: a few of the oldest, within the last ten months.
    dead = (age >= 75) & (up[:, 5] < 0.005)
    death_day = as_of_day - 10 - np.floor(up[:, 6] * 290).astype(np.int64)
    has_phone = (age >= 16) & (up[:, 7] < np.where(age < 70, 0.9, 0.55))
    del up

    # --- Incomes (monthly, fen) ----------------------------------------------------------------------------
    counted = (nc == 0) & ~dead
    n_counted = np.bincount(ph, weights=counted, minlength=H).astype(np.int64)
    # Per-capita counted income as a multiple of the reference standard, by registered tier. Most records
    # agree with the facts; some are stale (a dibao household whose income has since risen, a marginal one
    # that has fallen below the standard), as in any registry between reviews.
    lo = np.array([0.05, 0.10, 1.00, 1.00, 1.00, 0.90, 0.40, 1.30])
    width = np.array([0.60, 0.89, 0.49, 0.49, 2.00, 2.50, 3.00, 3.00])
    stale_p = np.array([0.06, 0.08, 0.10, 0.10, 0.0, 0.0, 0.0, 0.0])
    shape = np.where(tier == DIBAO, 0.8, 1.0)
    ratio = lo[tier] + width[tier] * uh[:, 11] ** shape
    stale = uh[:, 12] < stale_p[tier]
    stale_ratio = np.select(
        [(tier == EP), (tier == DIBAO) & (uh[:, 13] < 0.67), tier == DIBAO, uh[:, 13] < 0.5],
        [1.05 + 0.8 * uh[:, 11], 1.0 + 0.6 * uh[:, 11], 1.6 + 2.0 * uh[:, 11], 0.6 + 0.4 * uh[:, 11]],
        1.5 + 1.5 * uh[:, 11],
    )
    ratio = np.where(stale, stale_ratio, ratio)
    counted_income = np.rint(ratio * standard * n_counted * 100).astype(np.int64)  # fen a month

    up = D.u("p", 10)
    weight = np.where(counted & (age >= 16), EARNER_WEIGHT[employment], 0.0)
    total_weight = np.bincount(ph, weights=weight, minlength=H)
    share = np.where(total_weight[ph] > 0, weight / np.where(total_weight[ph] > 0, total_weight[ph], 1), 0.0)
    earned = np.floor(counted_income[ph] * share / 100) * 100  # whole yuan
    not_working_kind = np.where((age >= 60) & (n_sup[ph] > 0), INCOME_INDEX["maintenance"],
                                np.where(up[:, 0] < 0.7, INCOME_INDEX["transfer_net"], INCOME_INDEX["other"]))
    kind_of_employment = np.array([INCOME_INDEX[k] for k in
                                   ["wage", "business_net", "business_net", "wage", "transfer_net", "pension",
                                    "other", "other"]])
    earned_kind = np.where(employment == EMP_NOT_WORKING, not_working_kind, kind_of_employment[employment])
    income = np.zeros((len(schema.INCOME_KINDS), P), dtype=np.int64)
    income[earned_kind, np.arange(P)] = earned.astype(np.int64)

    std_p = standard[ph]

    def yuan(x):
        return np.rint(x).astype(np.int64) * 100

    alive = ~dead
    old = alive & (age >= 60)
    income[INCOME_INDEX["pension_base"]] = np.where(
        old, yuan(np.where(employment == EMP_RETIRED, 0.25, 0.2) * std_p + 30 * up[:, 1]), 0)
    income[INCOME_INDEX["elderly_allowance"]] = np.where(
        alive & (age >= 80) & (up[:, 2] < 0.85), yuan(np.select([age >= 100, age >= 90], [500, 200], 100)), 0)
    income[INCOME_INDEX["disability_allowance"]] = np.where(
        alive & (grade >= 1) & (grade <= 2), yuan(0.15 * std_p),
        np.where(alive & (grade >= 3) & np.isin(p_tier, [EP, DIBAO]), yuan(0.08 * std_p), 0))
    income[INCOME_INDEX["orphan_allowance"]] = np.select(
        [child_status == CS_ORPHAN, child_status == CS_UNSUPPORTED], [yuan(2.0 * std_p), yuan(1.4 * std_p)], 0)
    income[INCOME_INDEX["family_planning"]] = np.where(old & p_rural & (up[:, 3] < 0.15), 8000, 0)
    income[INCOME_INDEX["special_care"]] = np.where(old & (up[:, 4] < 0.004), yuan(800 + 1700 * up[:, 5]), 0)
    income[INCOME_INDEX["scholarship"]] = np.where(
        (stage >= ST_SENIOR) & (up[:, 6] < 0.3), yuan(100 + 200 * up[:, 5]), 0)
    income[INCOME_INDEX["property_net"]] += np.where((role == ROLE_HEAD) & (up[:, 7] < 0.02),
                                                     yuan(50 + 550 * up[:, 8]), 0)
    income[INCOME_INDEX["other"]] += np.where(alive & (age >= 18) & (up[:, 9] < 0.02),
                                              yuan(20 + 280 * up[:, 8]), 0)

    # Individual dibao: in a marginal household, a severely disabled or seriously ill member may be covered
    # alone (RULES.md §2). The registry records it on the first such member.
    key_member = counted & (severe | ill)
    first_key = np.full(H, 127, dtype=np.int64)
    np.minimum.at(first_key, ph[key_member], j[key_member])
    tier = np.where((tier == MARGINAL) & (first_key < 127) & (uh[:, 14] < 0.35), INDIV, tier).astype(np.int8)
    p_tier = tier[ph]
    # What the household receives now from its tier (excluded from income by default): the dibao
    # differential (at least 20 % of the standard per person), the 特困 basic living standard (1.3 × the
    # dibao standard), or individual dibao at 60 % of the standard.
    dibao_due = np.maximum(standard * n_counted * 100 - counted_income, 20 * standard * n_counted)
    payment = np.select(
        [(p_tier == DIBAO) & (role == ROLE_HEAD), (p_tier == EP) & counted, (p_tier == INDIV) & (j == first_key[ph])],
        [np.floor(dibao_due[ph] / 100) * 100, yuan(1.3 * std_p), yuan(0.6 * std_p)],
        0,
    )
    income[INCOME_INDEX["government_assistance"]] = payment.astype(np.int64)
    del up

    # --- Household level, part 2: assets and rigid expenses ------------------------------------------------
    n_for_limit = np.maximum(n_counted, 1)
    asset_limit = 24 * standard * n_for_limit * 100  # fen; a typical local rule (RULES.md §1)
    capped = np.isin(tier, [EP, DIBAO, INDIV, MARGINAL])
    over_limit = capped & (uh[:, 15] < 0.03)
    deposits = np.where(uh[:, 16] < 0.25, 0,
                        np.exp(np.log(2500 * np.sqrt(n_for_limit) * (1 + (ratio > 1.5))) + zh[:, 0]) * 100)
    deposits = np.where(capped, np.minimum(deposits, 0.95 * asset_limit), deposits)
    deposits = np.where(over_limit, asset_limit * (1.1 + 1.9 * uh[:, 17]), deposits)
    deposits = (np.floor(deposits)).astype(np.int64)
    financial = np.where(uh[:, 18] < 0.06, np.exp(np.log(5000) + zh[:, 1]) * 100, 0)
    financial = np.where(capped & ~over_limit, np.minimum(financial, np.maximum(0.95 * asset_limit - deposits, 0)),
                         financial).astype(np.int64)
    dwelling_count = np.where(rural, _pick(uh[:, 19], [0.05, 0.92, 0.03]),
                              _pick(uh[:, 19], [0.45, 0.52, 0.03])).astype(np.int16)
    dwelling_value = (dwelling_count * np.where(rural, 60_000, 250_000) * np.exp(0.3 * zh[:, 2])
                      * (0.8 + 0.4 * uh[:, 20])).astype(np.int64) * 100
    p_car = np.array([0.003, 0.02, 0.04, 0.04, 0.06, 0.08, 0.08, 0.10])[tier]
    vehicle_count = np.where(uh[:, 21] < p_car, 1 + (uh[:, 21] < p_car * 0.1), 0).astype(np.int16)
    vehicle_value = np.where(vehicle_count > 0, np.floor(15_000 + 70_000 * uh[:, 31] ** 2), 0).astype(np.int64) * 100
    wheelchair_need = np.bincount(
        ph, weights=(np.isin(dis_type, [DIS_PHYSICAL, DIS_MULTIPLE]) & (grade >= 1) & (grade <= 2)), minlength=H) > 0
    exempt = ((uh[:, 22] < 0.3).astype(np.int16) + (rural & (uh[:, 23] < 0.2))
              + (wheelchair_need & (uh[:, 28] < 0.3))).astype(np.int16)
    business_count = (uh[:, 29] < np.where(np.isin(tier, [EP, DIBAO]), 0.01, 0.03)).astype(np.int16)
    business_profit = np.where(business_count > 0, np.floor(20_000 * np.exp(0.8 * zh[:, 3])), 0).astype(np.int64) * 100

    up = D.u("p", 6)
    medical_p = np.where(ill, 12_000 * np.exp(0.8 * (up[:, 0] * 2 - 1) * 1.5),
                         np.where((age >= 60) & (up[:, 1] < 0.3), 1500 * (0.3 + 1.4 * up[:, 0]), 0))
    education_p = STUDENT_COST[stage] * (0.7 + 0.6 * up[:, 2])
    care_p = np.where(self_care_failed >= 4, 8000 + 22000 * up[:, 3],
                      np.where((self_care_failed >= 1) & (up[:, 4] < 0.5), 1000 + 5000 * up[:, 3], 0))
    rehab_p = np.where((grade >= 1) & (grade <= 3) & (up[:, 5] < 0.3), 1000 + 11000 * up[:, 4], 0)
    del up

    def per_household(x):
        return np.rint(np.bincount(ph, weights=x, minlength=H)).astype(np.int64) * 100

    rigid_medical = per_household(medical_p)
    rigid_education = per_household(education_p)
    rigid_care = per_household(care_p)
    rigid_rehab = per_household(rehab_p)
    # Basic living costs are recorded for households assessed for rigid-expenditure hardship.
    rigid_living = np.where((tier == RIGID) | (uh[:, 14] > 0.7),
                            np.floor(standard * n_for_limit * 12 * (0.4 + 0.3 * uh[:, 30])), 0).astype(np.int64) * 100
    # A rigid-expenditure household's costs exceed a large share of its income (RULES.md §5).
    annual_income = counted_income * 12
    rigid_total = rigid_medical + rigid_education + rigid_care + rigid_rehab + rigid_living
    boost = (tier == RIGID) & (rigid_total < 0.8 * annual_income)
    rigid_medical = np.where(boost, rigid_medical + (np.floor(annual_income * (0.7 + 0.8 * uh[:, 17]) / 100) * 100),
                             rigid_medical).astype(np.int64)

    # --- Supporters ---------------------------------------------------------------------------------------
    S = int(n_sup.sum())
    sh = np.repeat(np.arange(H), n_sup)
    sstart = np.zeros(H, dtype=np.int64)
    if H:
        sstart[1:] = np.cumsum(n_sup)[:-1]
    js = np.arange(S) - sstart[sh]
    s_arch = arch[sh]
    supported_offset = np.select([s_arch == GRANDPARENTS, s_arch == SINGLE_PARENT], [k1[sh], 1], 0)
    supported = pstart[sh] + supported_offset
    s_relation = np.where(np.isin(s_arch, [GRANDPARENTS, SINGLE_PARENT, LONE_ADULT]), ROLE_PARENT, ROLE_CHILD)
    us = D.u("s", 10)
    supported_age = age[supported]
    s_age = np.where(s_relation == ROLE_PARENT, _fold(supported_age + 20 + 16 * us[:, 0], 18, 99.0),
                     np.maximum(supported_age - 20 - 18 * us[:, 0], 18.0 + us[:, 0]))
    s_birth = (as_of_day - np.floor(s_age * _DAYS_PER_YEAR)).astype(np.int64)
    s_male = np.select([(s_arch == GRANDPARENTS), s_arch == SINGLE_PARENT], [js == 0, ~head_male[sh]],
                       us[:, 1] < 0.5).astype(bool)
    s_cs = hh["cs"][sh]
    s_tier_hh = tier[sh]
    ep_stale = uh[sh, 12] < 0.06
    situation = np.select(
        [(s_arch == GRANDPARENTS) & (s_cs == CS_UNSUPPORTED), (s_arch == GRANDPARENTS) & (s_cs == CS_DIFFICULTY),
         s_arch == GRANDPARENTS,
         (s_tier_hh == EP) & ~ep_stale & (s_relation == ROLE_CHILD), (s_tier_hh == EP) & ~ep_stale],
        [_pick(us[:, 2], [0, 0.4, 0.2, 0.1, 0.3]), np.where(us[:, 2] < 0.5, SUP_SEVERE, SUP_DIBAO),
         SUP_CAPABLE,
         _pick(us[:, 2], [0, 0.25, 0.15, 0.15, 0.45]), _pick(us[:, 2], [0, 0, 0, 0, 0.2, 0.5, 0.3])],
        _pick(us[:, 2], [0.89, 0.01, 0.005, 0.005, 0.03, 0.06, 0.0]),
    ).astype(np.int8)
    s_incapacity = np.select([situation == SUP_NO_CIVIL, situation == SUP_MISSING, situation == SUP_PRISON],
                             [1, 2, 3], 0).astype(np.int8)
    s_tier = np.where(situation == SUP_DIBAO, DIBAO, NO_TIER).astype(np.int8)
    s_disabled = (situation == SUP_SEVERE) | ((situation == SUP_CAPABLE) & (us[:, 3] < 0.04))
    s_dis_type = np.where(s_disabled, 1 + _pick(us[:, 4], DISABILITY_SHARES), 0).astype(np.int8)
    s_grade = np.where(situation == SUP_SEVERE, 1 + (us[:, 5] < 0.6),
                       np.where(s_disabled, 3 + (us[:, 5] < 0.5), 0)).astype(np.int8)
    s_rural = rural[sh]
    s_income = np.select(
        [situation == SUP_CAPABLE, situation == SUP_POOR_OLD, situation == SUP_DIBAO, situation == SUP_SEVERE],
        [np.where(s_rural, 30_000, 48_000) * np.exp(0.6 * (us[:, 6] * 2 - 1) * 1.6),
         3000 + 9000 * us[:, 6], 2000 + 6000 * us[:, 6], 4000 * us[:, 6]],
        0,
    )
    s_assets = np.where(situation == SUP_CAPABLE, 80_000 * np.exp(1.0 * (us[:, 7] * 2 - 1) * 1.6),
                        10_000 * us[:, 7])
    s_surname_own = np.searchsorted(surname_cum, us[:, 8], side="right").clip(0, 99)
    s_surname = np.where(s_male, np.where(s_relation == ROLE_PARENT, line_surname[sh], family_surname[sh]),
                         s_surname_own)
    s_given = _given_names(us[:, 9], us[:, 8], us[:, 7], s_male, s_birth)
    del us

    # --- ID numbers: rank within (county, birth date, sex) over persons and supporters together ------------
    up = D.u("p")
    us = D.u("s")
    all_county = np.concatenate([cidx[ph], cidx[sh]])
    all_birth = np.concatenate([birth_day, s_birth])
    all_male = np.concatenate([male, s_male]).astype(np.int8)
    # One int64 key: county, then birth day (offset to be non-negative), then sex.
    rank, first = _ranks_within((all_county.astype(np.int64) << 40) | ((all_birth - _DAY0) << 1) | all_male)
    if len(rank) and rank.max() >= 500:
        worst = int(all_county[int(np.argmax(rank))])
        raise SynthError(SynthErrorCode.ID_SEQUENCE_EXHAUSTED, code=planned[worst].county.code)
    # The group's first member draws where its sequence numbers start, so they look issued, not counted.
    start_at = np.floor(np.concatenate([up, us]) * 500).astype(np.int64)[first]
    sequence = 2 * ((start_at + rank) % 500) + all_male
    region_digits = np.array([[int(ch) for ch in p.county.code6] for p in planned], dtype=np.uint8).reshape(-1, 6)
    ids = id_numbers(region_digits[all_county], all_birth, sequence)
    person_ids_arr, supporter_ids_arr = ids.slice(0, P), ids.slice(P, S)
    person_id_keys = id_keys(region_digits[all_county[:P]], all_birth[:P], sequence[:P])
    del up, us

    # --- Ids ----------------------------------------------------------------------------------------------
    county_h_off = np.array([p.household_offset for p in planned], dtype=np.int64)
    county_p_off = np.array([p.person_offset for p in planned], dtype=np.int64)
    county_s_off = np.array([p.supporter_offset for p in planned], dtype=np.int64)
    county_h_start = np.concatenate([[0], np.cumsum([p.households for p in planned])])[:-1].astype(np.int64)
    county_p_start = np.concatenate([[0], np.cumsum([p.persons for p in planned])])[:-1].astype(np.int64)
    county_s_start = np.concatenate([[0], np.cumsum([p.supporters for p in planned])])[:-1].astype(np.int64)
    household_id = 1 + np.arange(H) - county_h_start[cidx] + county_h_off[cidx] if H else np.zeros(0, np.int64)
    p_cidx = cidx[ph]
    person_id = 1 + np.arange(P) - county_p_start[p_cidx] + county_p_off[p_cidx] if P else np.zeros(0, np.int64)
    s_cidx = cidx[sh]
    supporter_id = 1 + np.arange(S) - county_s_start[s_cidx] + county_s_off[s_cidx] if S else np.zeros(0, np.int64)

    # --- Arrow tables ------------------------------------------------------------------------------------
    households = pa.Table.from_arrays([
        pa.array(household_id, pa.int64()),
        places.codes(village),
        _strings(HUKOUS, rural.astype(np.int8)),
        _addresses(places, village, rural, uh),
        pa.array(person_id[pstart] if H else np.zeros(0, np.int64), pa.int64()),
        _strings(STATUSES, hh["status"]),
        _strings(TIERS, tier),
        _decimal(deposits, schema.MONEY),
        _decimal(financial, schema.MONEY),
        pa.array(dwelling_count, pa.int16()),
        _decimal(dwelling_value, schema.MONEY),
        pa.array(vehicle_count, pa.int16()),
        _decimal(vehicle_value, schema.MONEY),
        pa.array(exempt, pa.int16()),
        pa.array(business_count, pa.int16()),
        _decimal(business_profit, schema.MONEY),
        _decimal(rigid_medical, schema.MONEY),
        _decimal(rigid_education, schema.MONEY),
        _decimal(rigid_care, schema.MONEY),
        _decimal(rigid_rehab, schema.MONEY),
        _decimal(rigid_living, schema.MONEY),
        _bank_accounts(D, tier, hh["status"]),
    ], schema=schema.HOUSEHOLDS)

    phone_digits = D.digits("p", 9)
    phones = _phones(phone_digits, has_phone)
    persons = pa.Table.from_arrays([
        pa.array(person_id, pa.int64()),
        pa.array(household_id[ph] if P else np.zeros(0, np.int64), pa.int64()),
        person_ids_arr,
        pa.array(person_id_keys, pa.int64()),
        _join(_strings(names.SURNAMES, surname), given),
        _strings(SEXES, male.astype(np.int8)),
        _date32(birth_day),
        _strings(RELATIONS, role),
        _strings(HUKOUS, p_rural.astype(np.int8)),
        _strings(LABOUR, labour),
        pa.array(self_care_failed, pa.int8()),
        _strings(DISABILITY_TYPES, dis_type),
        _ints(grade, pa.int8(), valid=grade > 0),
        pa.array(ill, pa.bool_()),
        _strings(STUDENT_STAGES, stage),
        _strings(EMPLOYMENTS, employment),
        _strings(CHILD_STATUSES, child_status),
        _strings(NOT_COUNTED, nc),
        phones,
        _date32(death_day, valid=dead),
        *[_decimal(income[i], schema.MONTHLY) for i in range(len(schema.INCOME_KINDS))],
    ], schema=schema.PERSONS)

    supporters = pa.Table.from_arrays([
        pa.array(supporter_id, pa.int64()),
        pa.array(household_id[sh] if S else np.zeros(0, np.int64), pa.int64()),
        pa.array(person_id[supported] if S else np.zeros(0, np.int64), pa.int64()),
        _join(_strings(names.SURNAMES, s_surname), s_given),
        supporter_ids_arr,
        _date32(s_birth),
        _strings(RELATIONS, s_relation),
        _strings(TIERS, s_tier),
        _strings(DISABILITY_TYPES, s_dis_type),
        _ints(s_grade, pa.int8(), valid=s_grade > 0),
        _decimal(np.rint(s_income).astype(np.int64) * 100, schema.MONEY),
        _decimal(np.rint(s_assets).astype(np.int64) * 100, schema.MONEY),
        _strings(INCAPACITIES, s_incapacity),
    ], schema=schema.SUPPORTERS)
    return ChunkTables(households, persons, supporters)


def _given_names(u_first: np.ndarray, u_second: np.ndarray, u_len: np.ndarray, male: np.ndarray,
                 birth_day: np.ndarray) -> pa.Array:
    """Given names of one or two characters from the lists of the holder's sex and generation."""
    lists = [names.GIVEN_FEMALE_YOUNGER, names.GIVEN_MALE_YOUNGER, names.GIVEN_FEMALE_OLDER,
             names.GIVEN_MALE_OLDER]
    offsets = np.cumsum([0] + [len(x) for x in lists])
    pool = [ch for x in lists for ch in x] + [""]
    older = birth_day < (date(1980, 1, 1) - _EPOCH).days
    which = male.astype(np.int64) + 2 * older
    size = np.diff(offsets)[which]
    first = offsets[which] + np.minimum((u_first * size).astype(np.int64), size - 1)
    second = offsets[which] + np.minimum((u_second * size).astype(np.int64), size - 1)
    single = u_len < np.where(older, 0.25, 0.10)
    second = np.where(single, len(pool) - 1, second)
    return _join(_strings(pool, first), _strings(pool, second))


def _addresses(places: _Places, village: np.ndarray, rural: np.ndarray, uh: np.ndarray) -> pa.Array:
    """`<township><village>12号` in villages, `<township><community>3号楼2单元401室` in communities."""
    label = places.labels(village)
    number = pa.array((1 + np.floor(uh[:, 24] * 320)).astype(np.int64)).cast(pa.string())
    building = pa.array((1 + np.floor(uh[:, 25] * 40)).astype(np.int64)).cast(pa.string())
    unit = pa.array((1 + np.floor(uh[:, 26] * 4)).astype(np.int64)).cast(pa.string())
    room = pa.array((100 * (1 + np.floor(uh[:, 27] * 6)) + 1 + np.floor(uh[:, 24] * 1280 % 4)).astype(
        np.int64)).cast(pa.string())
    in_village = _join(label, number, pa.scalar("号"))
    in_community = _join(label, building, pa.scalar("号楼"), unit, pa.scalar("单元"), room, pa.scalar("室"))
    return pc.if_else(pa.array(rural, pa.bool_()), in_village, in_community)


def _phones(digits: np.ndarray, has_phone: np.ndarray) -> pa.Array:
    """11-digit mobile numbers 13x/15x/18x; "" for people without one."""
    prefixes = np.array([[int(c) for c in p] for p in names.MOBILE_PREFIXES], dtype=np.uint8)
    # The first of the nine random digits picks the prefix (well spread across the 29 prefixes).
    which = (digits[:, 0].astype(np.int64) * 10 + digits[:, 1]) % len(prefixes)
    chars = np.empty((len(digits), 11), dtype=np.uint8)
    chars[:, :3] = prefixes[which]
    chars[:, 3:] = np.concatenate([digits[:, 1:], digits[:, :1]], axis=1)[:, :8]
    phone = _fixed_strings(chars + ord("0"))
    return pc.if_else(pa.array(has_phone, pa.bool_()), phone, pa.scalar(""))


def _bank_accounts(draws: _Draws, tier: np.ndarray, status: np.ndarray) -> pa.Array:
    """19-digit UnionPay-style card numbers (62…, Luhn check digit) for households paid by bank; ""
    for households with no tier (nothing to pay) and a few that have not given one."""
    digits = draws.digits("h", 17)
    u = draws.u("h")
    chars = np.empty((len(digits), 19), dtype=np.uint8)
    chars[:, 0], chars[:, 1] = 6, 2
    chars[:, 2:18] = digits[:, :16]
    # Luhn: from the right of the payload, every second digit doubled (9 subtracted when above 9).
    payload = chars[:, :18].astype(np.int64)
    doubled = payload[:, 17::-2] * 2
    total = (doubled - 9 * (doubled > 9)).sum(axis=1) + payload[:, 16::-2].sum(axis=1)
    chars[:, 18] = (10 - total % 10) % 10
    account = _fixed_strings(chars + ord("0"))
    has = (tier != NO_TIER) & (u < 0.95)
    return pc.if_else(pa.array(has, pa.bool_()), account, pa.scalar(""))
