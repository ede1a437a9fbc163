"""docs/household-json.md stays true: its complete example is screened by `jiuzhu screen one` with the result
the page states, and every code value and error code the input accepts is documented."""
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from jiuzhu.policy.errors import MESSAGES, PolicyErrorCode
from jiuzhu.policy.inputs import ASSET_FIELDS_COUNT, ASSET_FIELDS_MONEY, TEMPORARY_TYPES
from jiuzhu.registry import choices

DOC = Path(__file__).resolve().parents[2] / "docs" / "household-json.md"


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _example() -> dict:
    section = _doc().split("## A complete example", 1)[1]
    block = re.search(r"```json\n(.*?)\n```", section, re.S).group(1)
    return json.loads(block)


@pytest.mark.django_db
def test_the_complete_example_is_screened_as_the_page_says(regions_loaded, tmp_path):
    from jiuzhu.policy.services import reference_load

    reference_load()
    path = tmp_path / "household.json"
    path.write_text(json.dumps(_example(), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with translation.override(translation.get_language()):  # the command activates --lang
        call_command("screen", "one", "--household", str(path), "--as-of", "2025-06-01", "--lang", "en",
                     stdout=out)
    result = json.loads(out.getvalue())
    summary = result["summary"]
    # The figures the page works out by hand.
    assert result["tier"] == "dibao"
    assert result["monthly_total"] == "1696.00"
    assert summary["counted_members"] == 4
    assert summary["income_counted_total"] == "1600.00"
    assert summary["income_per_capita"] == "400.00"
    assert summary["temporary_amount"] == "3296.00"
    assert summary["assist_first_amount"] == "3000.00"
    assert [m["person_tier"] for m in result["members"]] == ["", "", "", ""]


@pytest.mark.parametrize("values", [
    choices.Hukou.values, choices.Relation.values, choices.LabourCapacity.values, choices.SelfCareActivity.values,
    choices.DisabilityType.values, choices.StudentStage.values, choices.Employment.values,
    choices.ChildStatus.values, choices.NotCountedReason.values, choices.IncomeKind.values,
    choices.RigidExpenseKind.values, choices.SupporterIncapacity.values, choices.Tier.values,
    ASSET_FIELDS_MONEY, ASSET_FIELDS_COUNT, TEMPORARY_TYPES,
], ids=lambda v: str(v[1]))
def test_every_accepted_value_is_documented(values):
    doc = _doc()
    missing = [v for v in values if v and f"`{v}`" not in doc]
    assert not missing


def test_every_error_code_is_documented():
    doc = _doc()
    codes = set(MESSAGES) | {PolicyErrorCode.BAD_ID_NUMBER}
    assert not [c for c in sorted(codes) if f"| `{c}` |" not in doc]
