"""Dibao standards for every county of a synthetic population, as parameter rows for a test or benchmark book.

The synthetic generator places incomes around a county's reference standard (provinces.reference_standard): a
published figure for the reference regions of RULES.md, a coarse provincial band elsewhere. The parameter
table of a real deployment holds only published standards, so a national synthetic run would find no
standard in most counties. Benchmarks and tests add these rows to their in-memory ParameterBook — never to a
database — each marked as synthetic.
"""
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds

from jiuzhu.synth.provinces import reference_standard

SOURCE = "synthetic county standard (jiuzhu synth), not a published figure"
FROM = date(2000, 1, 1)


def synthetic_standard_rows(population: Path) -> list[tuple]:
    """(region_code, name, effective_from, value, source) rows: urban and rural dibao standards of every
    county of the population that has no published standard."""
    households = ds.dataset(Path(population) / "households", format="parquet")
    codes = pc.unique(pc.utf8_slice_codeunits(households.to_table(columns=["region_code"]).column(
        "region_code"), 0, 6)).to_pylist()
    rows = []
    for county in sorted(codes):
        urban, rural, published = reference_standard(county + "000000")
        if published:
            continue
        code = county + "000000"
        rows.append((code, "dibao_standard_urban", FROM, f"{urban}.00", SOURCE))
        rows.append((code, "dibao_standard_rural", FROM, f"{rural}.00", SOURCE))
    return rows
