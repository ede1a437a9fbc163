"""Every rule's explanation is translatable, and the generated list of texts matches the rules."""
import importlib.util
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from jiuzhu.policy.rules import RULES

ROOT = Path(__file__).resolve().parents[2]


def test_rule_texts_are_generated_from_the_current_docstrings():
    spec = importlib.util.spec_from_file_location("rule_texts_script", ROOT / "scripts" / "rule_texts.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    current = (ROOT / "jiuzhu" / "policy" / "rule_texts.py").read_text(encoding="utf-8")
    assert current == script.render(), "run: .venv/bin/python scripts/rule_texts.py"


def test_every_rule_states_its_policy_in_plain_words():
    assert [r.name for r in RULES if r.explain and not r.doc] == []


@pytest.mark.django_db
def test_the_explanation_is_in_chinese_by_default_and_english_on_request(regions_loaded):
    from jiuzhu.policy.explain import screen_household
    from tests.factories import make_id
    from tests.policy.conftest import book_with

    household = {"region_code": "370402001001", "hukou": "rural", "members": [
        {"id_number": make_id(birth_date=date(1950, 1, 1)), "relation": "head"}]}
    with translation.override("zh-hans"):
        zh = screen_household(data=household, as_of=date(2025, 6, 1), book=book_with())
    with translation.override("en"):
        en = screen_household(data=household, as_of=date(2025, 6, 1), book=book_with())
    age_zh = next(r for r in zh["members"][0]["rules"] if r["rule"] == "age")["explanation"]
    age_en = next(r for r in en["members"][0]["rules"] if r["rule"] == "age")["explanation"]
    assert age_en == "Completed years of age on the date of evaluation."
    assert age_zh != age_en and not age_zh.isascii()
