"""Policy tests: the shipped regions and reference standards, loaded once per session."""
import functools

import pytest

from jiuzhu.policy.resolve import ParameterBook
from jiuzhu.policy.services import reference_rows


@pytest.fixture(scope="session")
def reference_book() -> ParameterBook:
    """The reference standards of RULES.md straight from the shipped YAML (no database needed)."""
    return book_with()


@functools.cache
def _reference() -> tuple:
    # Parsing the shipped YAML takes longer than screening a household: once per process.
    return tuple((r["region_code"], r["name"], r["effective_from"], r["value"], r["source_document"])
                 for r in reference_rows())


def book_with(extra: list[dict] | None = None) -> ParameterBook:
    rows = list(_reference())
    for e in extra or []:
        rows.append((str(e["region"]), e["name"], e["from"], e["value"], e.get("source", "test case")))
    return ParameterBook(rows)
