"""The pipeline compiled to SQL once per engine dialect, input shape and mode, then reused.

Compiling the Ibis expression takes seconds (it is large); executing it takes milliseconds for one household.
The SQL does not depend on the data or the date (both are tables), so it is compiled once per process and
kept on disk under var/cache/ keyed by a fingerprint of the rules, the pipeline, the input schemas and the
Ibis version: change a rule and the fingerprint changes.

Two modes of the same expression:
- ``single``: each stage becomes its own statement writing a temporary table (small statements plan fast);
- ``batch``: one statement per output, which the engine optimises as a whole (projection push-down keeps
  only the columns the rules use).
"""
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import ibis
import pyarrow as pa

from jiuzhu.policy.pipeline import ALWAYS_KEEP, BATCH_KEEP, BATCH_PERSON_KEEP, batch_results, evaluate, household_results, person_tiers
from jiuzhu.policy.rules import STAGES

INPUT_NAMES = {"households": "jz_in_households", "persons": "jz_in_persons",
               "supporters": "jz_in_supporters", "params": "jz_in_params"}
_SOURCES = Path(__file__).resolve().parent
_lock = threading.Lock()
_memory: dict[str, "CompiledPipeline"] = {}


@dataclass
class CompiledPipeline:
    stages: list[tuple[str, str]]      # (temporary table name, SQL) in order; empty in batch mode
    outputs: dict[str, str]            # output name → SELECT

    def as_json(self) -> str:
        return json.dumps({"stages": self.stages, "outputs": self.outputs})

    @classmethod
    def from_json(cls, text: str) -> "CompiledPipeline":
        data = json.loads(text)
        return cls([tuple(s) for s in data["stages"]], data["outputs"])


def _fingerprint(*parts: str) -> str:
    h = hashlib.sha256()
    h.update(ibis.__version__.encode())
    for path in sorted(_SOURCES.glob("rules/*.py")) + [_SOURCES / "pipeline.py", _SOURCES / "parameters.py",
                                                       _SOURCES / "compiled.py"]:
        h.update(path.read_bytes())
    for part in parts:
        h.update(part.encode())
    return h.hexdigest()[:32]


def _cache_dir() -> Path | None:
    try:
        from django.conf import settings

        return Path(settings.JIUZHU["VAR_DIR"]) / "cache" / "policy-sql"
    except Exception:  # settings not configured: memory cache only
        return None


def compile_pipeline(*, dialect: str, schemas: dict[str, pa.Schema], mode: str) -> CompiledPipeline:
    """SQL for the pipeline over tables named by INPUT_NAMES with the given schemas."""
    key = _fingerprint(dialect, mode, *(f"{n}:{schemas[n]}" for n in sorted(schemas)))
    with _lock:
        if key in _memory:
            return _memory[key]
        cache_dir = _cache_dir()
        path = cache_dir / f"{dialect}-{mode}-{key}.json" if cache_dir else None
        if path and path.exists():
            _memory[key] = CompiledPipeline.from_json(path.read_text(encoding="utf-8"))
            return _memory[key]
        compiled = _compile(dialect=dialect, schemas=schemas, mode=mode)
        _memory[key] = compiled
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_text(compiled.as_json(), encoding="utf-8")
            tmp.replace(path)
        return compiled


# Stage boundaries of pipeline.evaluate, and the rule stages evaluated after each.
_LATER_STAGES = {
    "supporters": STAGES[STAGES.index("supporter") + 1:],
    "persons": STAGES[STAGES.index("person") + 1:],
    "households": STAGES[STAGES.index("household") + 1:],
    "members": STAGES[STAGES.index("member") + 1:],
    "totals": (),
}


def _column_usage(tables) -> dict[str, set[str]]:
    """Which columns each stage's rules read (recorded while building the expression once)."""
    from jiuzhu.policy.rules import base

    base.ACCESS_LOG = {}
    try:
        evaluate(**tables)
        return base.ACCESS_LOG
    finally:
        base.ACCESS_LOG = None


def _compile(*, dialect: str, schemas: dict[str, pa.Schema], mode: str) -> CompiledPipeline:
    tables = {name: ibis.table(ibis.Schema.from_pyarrow(schemas[name]), name=INPUT_NAMES[name])
              for name in INPUT_NAMES}
    stages: list[tuple[str, str]] = []
    usage = _column_usage(tables)

    def cut(name, table):
        if mode != "single":
            return table
        needed = set(ALWAYS_KEEP)
        for later in _LATER_STAGES[name]:
            needed |= usage.get(later, set())
        table = table.select(*[c for c in table.columns if c in needed])
        temp = f"jz_stage_{name}"
        stages.append((temp, ibis.to_sql(table, dialect=dialect)))
        return ibis.table(table.schema(), name=temp)

    if mode == "single":
        evaluated = evaluate(**tables, cut=cut, usage=usage, keep=ALWAYS_KEEP)
    else:
        evaluated = evaluate(**tables, cut=cut, usage=usage, keep=BATCH_KEEP, person_keep=BATCH_PERSON_KEEP)
    exprs = {
        "households_full": evaluated.households,
        "persons_full": evaluated.persons,
        "supporters_full": evaluated.supporters,
        "household_results": household_results(evaluated),
        "person_tiers": person_tiers(evaluated),
        "batch_results": batch_results(evaluated),
    }
    if mode == "single":
        del exprs["batch_results"]
    else:
        del exprs["households_full"], exprs["persons_full"], exprs["supporters_full"]
    return CompiledPipeline(stages, {name: ibis.to_sql(e, dialect=dialect) for name, e in exprs.items()})
