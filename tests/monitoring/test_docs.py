"""The monitoring documentation names every indicator."""
from pathlib import Path

from jiuzhu.monitoring.indicators import INDICATORS

DOC = Path(__file__).resolve().parents[2] / "docs" / "monitoring.md"


def test_every_indicator_is_documented():
    text = DOC.read_text(encoding="utf-8")
    assert not [name for name in INDICATORS if f"| `{name}` |" not in text]
