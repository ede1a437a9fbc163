"""A whole monitoring run in batch (`jiuzhu monitor run`): every department file of a feeds directory read
and checked, records without a usable ID linked probabilistically, warnings raised on the engine — for a
national Parquet population, written as Parquet; or for the registry, loaded into case management."""
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from jiuzhu.monitoring.engine import LINKS, monitor
from jiuzhu.monitoring.feedtypes import FEEDS, RECORDS
from jiuzhu.monitoring.intake import feed_report_write, read_feed
from jiuzhu.policy.parameters import NATIONAL
from jiuzhu.policy.resolve import ParameterBook


class RunError(ValueError):
    pass


@dataclass
class SourceSummary:
    name: str
    file: str
    feed_type: str
    rows: int
    accepted: int
    rejected: int
    file_error: str = ""


@dataclass
class RunSummary:
    as_of: str
    engine: str
    sources: list[SourceSummary] = field(default_factory=list)
    records: int = 0
    without_id: int = 0
    linked: int = 0
    to_review: int = 0
    warnings: int = 0
    by_indicator: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)      # read, link, warnings (the whole engine run)
    run_seconds: dict = field(default_factory=dict)  # inside the engine run: set-up, each stage, the indicators

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def read_sources(feeds: Path) -> list[dict]:
    """The files of a feeds directory and their column mappings (sources.yaml)."""
    path = feeds / "sources.yaml"
    if not path.exists():
        raise RunError(f"{path}: missing (it lists each file with its feed type, department and column mapping)")
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sources = document.get("sources") or []
    for i, source in enumerate(sources):
        for key in ("file", "feed_type"):
            if not source.get(key):
                raise RunError(f"{path}: sources[{i}] has no {key}")
        if source["feed_type"] not in FEEDS:
            raise RunError(f"{path}: sources[{i}]: unknown feed type {source['feed_type']!r}")
    return sources


def monitor_run(*, feeds: Path, population: Path, as_of: date, out: Path, engine: str = "duckdb",
                book: ParameterBook | None = None, link: bool = True) -> RunSummary:
    """Read every file of `feeds`, link ID-less records, raise the warnings; write records, links, reports,
    warnings.parquet and summary.json under `out`."""
    from jiuzhu.monitoring.linkage import LinkThresholds, link_records

    book = book or ParameterBook.from_database()
    summary = RunSummary(as_of=as_of.isoformat(), engine=engine)
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    files = []
    for batch_id, source in enumerate(read_sources(feeds), start=1):
        records_path = out / "records" / f"{batch_id:04d}.parquet"
        read = read_feed(path=feeds / source["file"], feed_type=source["feed_type"],
                         mapping=source.get("column_mapping") or {}, batch_id=batch_id, records_path=records_path,
                         today=as_of)
        summary.sources.append(SourceSummary(
            name=source.get("name", source["file"]), file=source["file"], feed_type=source["feed_type"],
            rows=read.rows_total, accepted=read.rows_accepted, rejected=read.rows_rejected,
            file_error=read.file_error.message if read.file_error else ""))
        if read.rows_rejected or read.file_error:
            feed_report_write(read, out / "reports" / f"{batch_id:04d}-{Path(source['file']).stem}.csv")
        if read.file_error is None and records_path.exists():
            files.append(records_path)
            summary.records += read.rows_accepted
    summary.seconds["read"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    links = LINKS.empty_table()
    if link and files:
        without_id = pa.concat_tables([_without_id(f) for f in files])
        summary.without_id = without_id.num_rows
        if without_id.num_rows:
            values = book.resolve_values(region_code=NATIONAL, as_of=as_of,
                                         names=("link_match_threshold", "link_review_threshold"))
            thresholds = LinkThresholds(match=float(values["link_match_threshold"]),
                                        review=float(values["link_review_threshold"]))
            links = link_records(records=without_id, persons=population, engine=engine, thresholds=thresholds)
    pq.write_table(links, out / "links.parquet")
    decisions = links.column("decision").to_pylist()
    summary.linked, summary.to_review = decisions.count("match"), decisions.count("review")
    summary.seconds["link"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    result = monitor(records=files, population=population, links=links, as_of=as_of, engine=engine, book=book)
    pq.write_table(result.warnings, out / "warnings.parquet")
    summary.seconds["warnings"] = round(time.perf_counter() - started, 2)
    summary.run_seconds = result.seconds
    summary.warnings = result.warnings.num_rows
    for name in result.warnings.column("indicator").to_pylist():
        summary.by_indicator[name] = summary.by_indicator.get(name, 0) + 1
    (out / "summary.json").write_text(summary.as_json(), encoding="utf-8")
    return summary


def _without_id(path: Path) -> pa.Table:
    table = pq.read_table(path).cast(RECORDS)
    return table.filter(pc.is_null(table.column("id_number")))
