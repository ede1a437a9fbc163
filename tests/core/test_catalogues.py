"""Both message catalogues are complete: every user-facing text has its Chinese and English form."""
from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "jiuzhu" / "locale"


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_message_has_a_translation(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values())) or "fuzzy" in e.flags]
    assert len(po) > 100
    assert missing == []


def test_chinese_is_the_default_and_english_the_second_language():
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    with translation.override("zh-hans"):
        assert str(translation.gettext("Households")) == "家庭"
    with translation.override("en"):
        assert str(translation.gettext("Households")) == "Households"
