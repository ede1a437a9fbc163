"""Loading a synthetic county into the registry (`jiuzhu synth population --load`), and the command's errors."""
import io
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.core.idnumber import parse_id_number
from jiuzhu.core.models import Region
from jiuzhu.registry.models import (
    Asset,
    Household,
    IncomeItem,
    LegalSupporter,
    Person,
    RigidExpense,
    TierMembership,
)
from jiuzhu.synth.errors import SynthError, SynthErrorCode
from jiuzhu.synth.generator import DEFAULT_AS_OF, generate_chunk, plan_population
from jiuzhu.synth.services import CHANGE_REASON, county_for_load, population_load
from tests.factories import make_region_tree

MODELS = [Household, Person, IncomeItem, Asset, RigidExpense, LegalSupporter, TierMembership]


def counts() -> dict:
    return {
        **{m.__name__: m.objects.count() for m in MODELS},
        **{f"history:{m.__name__}": m.history.count() for m in MODELS},
        "regions": Region.objects.count(),
    }


def expected_tables(county_code: str, households: int, seed: int = 42):
    """What the generator makes of the county as the region table describes it."""
    _region, county = county_for_load(county_code)
    planned = plan_population([county], [households], mode="households", seed=seed)
    return generate_chunk(planned, seed=seed, as_of=DEFAULT_AS_OF)


@pytest.fixture
def county_without_townships(db):
    tree = make_region_tree()
    return Region.objects.create(code="370403000000", name="薛城区", name_en="Xuecheng District",
                                 level="county", parent=tree.prefecture)


def test_a_county_is_loaded_with_all_its_records_and_their_history(db):
    tree = make_region_tree()  # Shizhong district with two real townships
    result = population_load(county_code=tree.county.code, households=200, seed=42)

    tables = expected_tables(tree.county.code, 200)
    persons = tables.persons.to_pylist()
    assert Household.objects.count() == result.households_created == 200
    assert Person.objects.count() == result.persons_created == len(persons)
    nonzero_incomes = sum(1 for p in persons for k, v in p.items() if k.startswith("income_") and v)
    assert IncomeItem.objects.count() == result.income_items_created == nonzero_incomes
    assert LegalSupporter.objects.count() == tables.supporters.num_rows
    assert Asset.objects.count() == result.assets_created > 200
    assert RigidExpense.objects.count() == result.rigid_expenses_created > 0
    assert TierMembership.objects.count() == result.tier_memberships_created >= 190
    # Every record has its "created" history entry, marked as the synthetic load.
    for model in MODELS:
        created = model.history.filter(history_type="+", history_change_reason=CHANGE_REASON)
        assert created.count() == model.objects.count(), model
    # The households' history already knows their head.
    assert not Household.history.filter(head__isnull=True).exists()

    household = Household.objects.select_related("head", "region").get(head__id_number=persons[0]["id_number"])
    assert household.region.level == "village" and household.region.code.startswith("370402")
    assert household.head.relation == "head"
    for person in Person.objects.all():
        parsed = parse_id_number(person.id_number, today=DEFAULT_AS_OF)
        assert parsed.birth_date == person.birth_date and parsed.region_prefix == "370402"
    # Amounts arrive exact, to the fen.
    first = persons[0]
    for item in IncomeItem.objects.filter(person__id_number=first["id_number"]):
        assert item.monthly_amount == first[f"income_{item.kind}"]
    assert all(isinstance(a.value, Decimal) for a in Asset.objects.all()[:20])


def test_each_created_history_entry_holds_the_records_values(db):
    tree = make_region_tree()
    population_load(county_code=tree.county.code, households=60, seed=9)
    for model in MODELS:
        objects = {o.pk: o for o in model.objects.all()}
        entries = list(model.history.all())
        assert len(entries) == len(objects) > 0, model
        for entry in entries:
            assert entry.history_type == "+" and entry.history_user_id is None
            assert entry.history_change_reason == CHANGE_REASON
            original = objects[entry.id]
            for field in model.history.model.tracked_fields:
                assert getattr(entry, field.attname) == getattr(original, field.attname), (model, field.name)


def test_tier_memberships_start_in_the_past_and_person_tiers_name_the_person(db):
    tree = make_region_tree()
    population_load(county_code=tree.county.code, households=300, seed=42)
    memberships = TierMembership.objects.all()
    assert all(m.start_date < DEFAULT_AS_OF and m.start_date.day == 1 and m.end_date is None for m in memberships)
    extreme = memberships.filter(tier="extreme_poverty")
    assert extreme.exists() and not extreme.filter(person__isnull=True).exists()
    assert not memberships.filter(tier="dibao", person__isnull=False).exists()
    # The dibao differential is paid for every household with a living, counted member.
    for m in memberships.filter(tier="dibao"):
        living = m.household.members.filter(death_date__isnull=True, not_counted_reason="")
        assert (m.monthly_amount or 0) > 0 or not living.exists()
    # Every active or suspended household with a tier has at least one membership; exited ones none.
    with_tier = set(memberships.values_list("household_id", flat=True))
    assert not Household.objects.filter(status="exited", id__in=with_tier).exists()


def test_loading_again_with_the_same_arguments_changes_nothing(db):
    tree = make_region_tree()
    population_load(county_code=tree.county.code, households=150, seed=7)
    before = counts()
    again = population_load(county_code=tree.county.code, households=150, seed=7)
    assert counts() == before
    assert again.households_created == 0 and again.households_skipped == 150
    assert again.villages_created == again.townships_created == 0


def test_real_townships_get_synthetic_villages_only(db):
    tree = make_region_tree()
    townships_before = set(Region.objects.filter(level="township").values_list("code", flat=True))
    result = population_load(county_code=tree.county.code, households=50, seed=1)
    assert result.townships_created == 0
    assert set(Region.objects.filter(level="township").values_list("code", flat=True)) == townships_before
    new_villages = Region.objects.filter(level="village", synthetic=True)
    assert new_villages.count() == result.villages_created > 0
    assert {v.parent_id for v in new_villages} <= townships_before
    # The factory's real villages keep their names; households may live in them too.
    assert Region.objects.get(code=tree.village_a1.code).name == "东风社区"


def test_a_county_without_townships_gets_plausible_synthetic_ones(county_without_townships):
    result = population_load(county_code=county_without_townships.code, households=80, seed=3)
    townships = Region.objects.filter(parent=county_without_townships)
    assert townships.count() == result.townships_created > 3
    for township in townships:
        assert township.synthetic and township.level == "township"
        assert township.code.startswith("370403") and township.code.endswith("000") and township.code[6:9] != "000"
        assert township.name.endswith(("街道", "镇", "乡"))
        assert township.name_en.endswith(("Subdistrict", "Town", "Township")) and township.name_en.isascii()
    villages = Region.objects.filter(parent__parent=county_without_townships)
    assert villages.count() == result.villages_created
    for village in villages:
        assert village.name.endswith(("村", "社区")) and village.name_en.endswith(("Village", "Community"))
        assert village.code[:9] == village.parent_id[:9] and village.code[9:] != "000"
    assert not Household.objects.exclude(region__parent__parent=county_without_townships).exists()


def test_unknown_and_non_county_codes_are_refused(db):
    tree = make_region_tree()
    with pytest.raises(SynthError) as err:
        population_load(county_code="370499000000", households=10)
    assert err.value.code == SynthErrorCode.UNKNOWN_COUNTY
    with pytest.raises(SynthError) as err:
        population_load(county_code=tree.township_a.code, households=10)
    assert err.value.code == SynthErrorCode.NOT_A_COUNTY
    assert Household.objects.count() == 0


# --- The command ----------------------------------------------------------------------------------------------
def run(*args) -> str:
    out = io.StringIO()
    call_command("synth", "population", *args, stdout=out)
    return out.getvalue()


def test_command_loads_a_county_and_says_what_it_did(db):
    tree = make_region_tree()
    first = run("--load", "--county", tree.county.code, "--households", "40", "--seed", "42")
    assert "40" in first and Household.objects.count() == 40
    second = run("--load", "--county", tree.county.code, "--households", "40", "--seed", "42")
    assert "40" in second and Household.objects.count() == 40
    assert first != second


@pytest.mark.parametrize(
    "args, code",
    [
        (["--load", "--county", "370499000000", "--households", "10"], "unknown_county"),
        (["--load", "--county", "370402000000", "--households", "0"], "bad_size"),
        (["--load", "--county", "370402000000"], "size_missing"),
    ],
)
def test_command_refuses_bad_load_arguments_with_a_clear_error(db, args, code):
    make_region_tree()
    with pytest.raises(CommandError, match=rf"\[{code}\]"):
        run(*args)
    assert Household.objects.count() == 0


def test_command_writes_parquet_and_refuses_a_non_empty_directory_without_force(tmp_path):
    out = tmp_path / "pop"
    message = run("--people", "300", "--region", "370402000000", "--out", str(out), "--quiet")
    assert "300" in message and (out / "manifest.json").exists()
    with pytest.raises(CommandError, match=r"\[output_not_empty\]"):
        run("--people", "300", "--region", "370402000000", "--out", str(out), "--quiet")
    (out / "notes.txt").write_text("kept")
    run("--people", "200", "--region", "370402000000", "--out", str(out), "--quiet", "--force")
    assert (out / "notes.txt").read_text() == "kept"
    assert '"persons": 200' in (out / "manifest.json").read_text()


@pytest.mark.parametrize(
    "args, code",
    [
        (["--households", "0"], "bad_size"),
        (["--people", "-5"], "bad_size"),
        (["--people", "10", "--region", "379999000000"], "unknown_region"),
        (["--people", "10", "--region", "370402001001"], "not_placeable"),
    ],
)
def test_command_refuses_bad_parquet_arguments_with_a_clear_error(tmp_path, args, code):
    with pytest.raises(CommandError, match=rf"\[{code}\]"):
        run(*args, "--out", str(tmp_path / "x"), "--quiet")


def test_command_exit_status_is_1_on_error_and_0_on_success(tmp_path):
    base = [sys.executable, "-m", "jiuzhu", "synth", "population", "--quiet"]
    failed = subprocess.run([*base, "--households", "0", "--out", str(tmp_path / "a")],
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "[bad_size]" in failed.stderr
    usage = subprocess.run([*base, "--households", "5"], capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "--out" in usage.stderr  # argparse: one of --out/--load is required
    ok = subprocess.run([*base, "--households", "5", "--region", "370402000000", "--out", str(tmp_path / "b")],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
