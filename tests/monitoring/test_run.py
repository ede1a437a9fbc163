"""A whole monitoring run on synthetic feeds with planted events (issue 5's acceptance, small): what should be
found is found, and almost nothing else."""
import json
import shutil
from datetime import date

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from jiuzhu.monitoring.run import monitor_run
from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.synth.standards import synthetic_standard_rows
from tests.policy.conftest import _reference

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory, django_db_setup, django_db_blocker):
    root = tmp_path_factory.mktemp("monitor")
    with django_db_blocker.unblock():
        call_command("synth", "population", "--people", "30000", "--region", "370000000000", "--out",
                     str(root / "pop"), "--seed", "5", "--quiet")
        call_command("synth", "feeds", "--population", str(root / "pop"), "--out", str(root / "feeds"),
                     "--as-of", AS_OF.isoformat(), "--records", "3000", "--seed", "5", "--quiet")
    return root


def _key(row: dict, *, id_known: bool = True) -> tuple:
    """Who a warning is about: the person, or someone outside the population by ID number (by name when the
    record carried no ID)."""
    if row["person_id"] is not None and not row["indicator"].startswith("proactive"):
        return ("p", row["person_id"], row["indicator"], row["period"])
    return ("o", (row["id_number"] if id_known else "") or row["name"], row["indicator"], row["period"])


@pytest.mark.django_db
def test_planted_events_are_found(feeds, tmp_path):
    book = ParameterBook(list(_reference()) + synthetic_standard_rows(feeds / "pop"))
    summary = monitor_run(feeds=feeds / "feeds", population=feeds / "pop", as_of=AS_OF, out=tmp_path, book=book)
    assert summary.records > 2800 and all(s.file_error == "" for s in summary.sources)
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["warnings"] == summary.warnings
    # The engine run's own steps, matching stage first.
    assert list(written["run_seconds"])[:2] == ["inputs", "mon_s_matched"] and "warnings" in written["run_seconds"]

    truth_records = pq.read_table(feeds / "feeds" / "ground_truth" / "records.parquet").to_pylist()
    events = pq.read_table(feeds / "feeds" / "ground_truth" / "events.parquet").to_pylist()
    quality = {r["event_id"]: r["id_quality"] for r in truth_records if r["event_id"] is not None}
    planted_codes = {e["indicator"] for e in events}
    raised = {_key(w) for w in pq.read_table(tmp_path / "warnings.parquet").to_pylist()
              if w["indicator"] in planted_codes}
    valid = {_key(e) for e in events if quality.get(e["event_id"]) != "missing"}
    without_id = {_key(e, id_known=False) for e in events if quality.get(e["event_id"]) == "missing"}
    recall_valid = len(valid & raised) / len(valid)
    precision = len(raised & (valid | without_id)) / len(raised)
    assert recall_valid >= 0.995, sorted(valid - raised)[:5]
    assert precision >= 0.99, sorted(raised - valid - without_id)[:5]
    if without_id:
        assert len(without_id & raised) / len(without_id) >= 0.95


@pytest.mark.django_db
def test_a_population_written_before_id_keys_gives_the_same_warnings(feeds, tmp_path):
    """Records are matched to persons on id_key (the ID number's first 17 digits, format 2 of the population);
    a population of format 1 has no such column: the key is derived from the ID number, with the same result."""
    old = tmp_path / "pop-format-1"
    shutil.copytree(feeds / "pop", old)
    for part in (old / "persons").glob("*.parquet"):
        pq.write_table(pq.read_table(part).drop_columns(["id_key"]), part)
    book = ParameterBook(list(_reference()) + synthetic_standard_rows(feeds / "pop"))
    runs = {}
    for name, population in (("new", feeds / "pop"), ("old", old)):
        summary = monitor_run(feeds=feeds / "feeds", population=population, as_of=AS_OF, out=tmp_path / name,
                              book=book)
        assert summary.warnings > 100
        runs[name] = pq.read_table(tmp_path / name / "warnings.parquet").sort_by(
            [("subject_key", "ascending"), ("indicator", "ascending"), ("period", "ascending")])
    assert runs["old"].equals(runs["new"])
