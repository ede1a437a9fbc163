"""Writes in core: loading the reference region tree."""
import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from jiuzhu.core.models import Region
from jiuzhu.core.regions import LEVEL_ORDER, RegionLevel, level_of_code

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"


class RegionDataError(ValueError):
    pass


@dataclass
class RegionLoadResult:
    created: int
    updated: int
    unchanged: int


def _read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    seen = set()
    for line, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        try:
            derived = level_of_code(code)
        except ValueError:
            raise RegionDataError(f"{path}:{line}: code {code!r} is not a 12-digit division code") from None
        level = (row.get("level") or derived).strip()
        if level not in RegionLevel.values:
            raise RegionDataError(f"{path}:{line}: level {level!r} is not one of {', '.join(RegionLevel.values)}")
        if code in seen:
            raise RegionDataError(f"{path}:{line}: duplicate code {code}")
        seen.add(code)
        row["level"] = level
    for line, row in enumerate(rows, start=2):
        parent = (row.get("parent_code") or "").strip()
        if parent and parent not in seen and not Region.objects.filter(code=parent).exists():
            raise RegionDataError(f"{path}:{line}: parent {parent} of {row['code']} is not in the file")
    return rows


@transaction.atomic
def regions_load(*, path: Path = REGIONS_CSV) -> RegionLoadResult:
    """Load (or refresh) regions from a CSV of code,name,name_en,level,parent_code; idempotent."""
    rows = _read_rows(path)
    rows.sort(key=lambda r: (LEVEL_ORDER.index(RegionLevel(r["level"])), r["code"]))
    existing = {r.code: r for r in Region.objects.filter(code__in=[row["code"] for row in rows])}
    to_create, to_update = [], []
    for row in rows:
        values = {
            "name": row["name"].strip(),
            "name_en": (row.get("name_en") or "").strip(),
            "level": row["level"],
            "parent_id": (row.get("parent_code") or "").strip() or None,
        }
        current = existing.get(row["code"])
        if current is None:
            to_create.append(Region(code=row["code"], synthetic=False, **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
    # Parents first: rows are sorted by level, and bulk_create keeps order.
    Region.objects.bulk_create(to_create, batch_size=2000)
    Region.objects.bulk_update(to_update, ["name", "name_en", "level", "parent_id"], batch_size=2000)
    return RegionLoadResult(len(to_create), len(to_update), len(rows) - len(to_create) - len(to_update))
