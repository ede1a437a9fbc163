"""The region tree: real codes shipped, loaded idempotently, subtrees by code prefix."""
import pytest

from jiuzhu.core.models import Region
from jiuzhu.core.regions import ancestor_codes, level_of_code, region_prefix
from jiuzhu.core.services import RegionDataError, regions_load


def test_level_is_read_from_where_the_trailing_zeros_start():
    assert level_of_code("370000000000") == "province"
    assert level_of_code("370400000000") == "prefecture"
    assert level_of_code("370402000000") == "county"
    assert level_of_code("370402001000") == "township"
    assert level_of_code("370402001001") == "village"
    with pytest.raises(ValueError):
        level_of_code("3704020010")


def test_a_subtree_is_the_code_prefix_of_its_level():
    assert region_prefix(code="370402001000", level="township") == "370402001"
    assert ancestor_codes("370402001001") == ["370000000000", "370400000000", "370402000000", "370402001000"]


@pytest.mark.django_db
def test_shipped_regions_load_once_and_reload_changes_nothing():
    first = regions_load()
    assert first.created > 3000
    second = regions_load()
    assert (second.created, second.updated) == (0, 0)
    shizhong = Region.objects.get(code="370402000000")
    assert shizhong.name == "市中区" and shizhong.parent.name == "枣庄市"
    assert [r.code for r in shizhong.path()] == ["370000000000", "370400000000", "370402000000"]
    # Every reference region of RULES.md exists with its real code.
    for code in ["320100000000", "370300000000", "370700000000", "370100000000", "370402000000",
                 "210000000000", "370200000000", "442000000000", "341723000000"]:
        assert Region.objects.filter(code=code).exists(), code
    shandong_counties = Region.objects.filter(code__startswith="37", level="county").count()
    assert shandong_counties >= 136


@pytest.mark.django_db
def test_a_bad_region_file_names_the_line(tmp_path):
    bad = tmp_path / "regions.csv"
    bad.write_text("code,name,name_en,level,parent_code\n370000000000,山东省,Shandong,province,\n37040200,x,x,county,370000000000\n", encoding="utf-8")
    with pytest.raises(RegionDataError, match=r"regions.csv:3: code '37040200'"):
        regions_load(path=bad)
    assert not Region.objects.exists()
