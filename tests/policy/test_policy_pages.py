"""The policy pages: the standards of a region (in force, inherited, dated history), entering and importing
standards, and "screen now" on a household with its explained decision."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.core.roles import Role
from jiuzhu.policy.models import ParameterValue
from jiuzhu.policy.rules import RULES
from jiuzhu.policy.services import parameter_set
from jiuzhu.registry.choices import Tier
from jiuzhu.registry.models import LegalSupporter

pytestmark = pytest.mark.django_db

SOURCE = "市中区2025年社会救助标准"


@pytest.fixture
def county_standards(region_tree):
    values = {
        "dibao_standard_urban": "941.00", "dibao_standard_rural": "824.00",
        "care_standard_full": "200.00", "care_standard_partial": "350.00", "care_standard_none": "700.00",
        "disposable_income_urban": "45000.00", "disposable_income_rural": "20000.00",
    }
    for name, value in values.items():
        parameter_set(actor=None, region_code=region_tree.county.code, name=name, effective_from=date(2025, 1, 1),
                      value=value, source_document=SOURCE)
    return values


@pytest.fixture
def bureau(region_tree, make_user):
    return make_user(Role.COUNTY_BUREAU, region_tree.county, display_name="民政局王科长")


@pytest.fixture
def assistant_a(region_tree, make_user):
    return make_user(Role.TOWNSHIP_ASSISTANT, region_tree.township_a)


@pytest.fixture
def dibao_household(region_tree, make_household):
    """Two adults in township A earning 500 yuan each: dibao of (824 − 500) × 2 = 648 yuan."""
    return make_household(
        region_tree.village_a1,
        members=[{"name": "王建军", "birth_date": date(1975, 5, 1), "incomes": {"wage": "500.00"}},
                 {"name": "刘桂兰", "birth_date": date(1977, 8, 1), "incomes": {"wage": "500.00"}}],
        tiers=[{"tier": Tier.DIBAO, "amount": Decimal("600.00")}],
    )


def rows_by_name(response) -> dict:
    return {row["name"]: row for row in response.context["rows"]}


# --- Standards ----------------------------------------------------------------------------------------------

def test_the_standards_page_shows_each_value_and_where_it_comes_from(client, county_standards, assistant_a,
                                                                     region_tree):
    client.force_login(assistant_a)
    response = client.get(reverse("policy:standards"), {"region": region_tree.township_a.code,
                                                        "as_of": "2026-03-01"})
    assert response.status_code == 200
    rows = rows_by_name(response)
    assert rows["dibao_standard_rural"]["value"] == "¥824.00"
    assert rows["dibao_standard_rural"]["origin"] == "inherited"
    assert region_tree.county.name in rows["dibao_standard_rural"]["origin_label"]
    assert rows["dibao_standard_rural"]["source_document"] == SOURCE
    assert rows["marginal_multiplier"]["origin"] == "default"
    assert rows["dibao_individual_min_share"]["value"] == "60%"
    html = response.content.decode()
    assert "¥824.00" in html and SOURCE in html
    # Only a county bureau may add values: no form for a township assistant.
    assert response.context["value_form"] is None
    assert reverse("policy:standard_set") not in html


def test_a_standard_nobody_has_entered_is_shown_as_missing(client, region_tree, bureau):
    client.force_login(bureau)
    response = client.get(reverse("policy:standards"), {"region": region_tree.county.code, "as_of": "2026-03-01"})
    assert response.status_code == 200
    rows = rows_by_name(response)
    assert rows["dibao_standard_rural"]["origin"] == "missing"
    assert rows["dibao_standard_rural"]["value"] == "—"
    assert rows["marginal_multiplier"]["origin"] == "default"


def test_a_village_grid_worker_reads_the_standards_of_the_village(client, county_standards, region_tree,
                                                                  make_user):
    client.force_login(make_user(Role.GRID_WORKER, region_tree.village_a1))
    response = client.get(reverse("policy:standards"))
    assert response.status_code == 200
    assert response.context["region_code"] == region_tree.village_a1.code
    assert rows_by_name(response)["dibao_standard_urban"]["value"] == "¥941.00"


def test_the_region_select_offers_only_the_users_subtree(client, county_standards, assistant_a, region_tree):
    client.force_login(assistant_a)
    response = client.get(reverse("policy:standards"), {"region": region_tree.township_b.code,
                                                        "as_of": "2026-03-01"})
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert "rows" not in response.context


def test_only_a_county_bureau_sets_standards(client, county_standards, assistant_a, region_tree, make_user):
    data = {"region_code": region_tree.township_a.code, "name": "dibao_standard_rural",
            "effective_from": "2026-01-01", "value": "900", "source_document": "乡镇文件"}
    for user in (assistant_a, make_user(Role.SUPERVISOR, region_tree.county),
                 make_user(Role.GRID_WORKER, region_tree.village_a1)):
        client.force_login(user)
        assert client.post(reverse("policy:standard_set"), data).status_code == 403
        assert client.get(reverse("policy:standards_import")).status_code == 403
    assert not ParameterValue.objects.filter(region_code=region_tree.township_a.code).exists()


def test_a_new_dated_value_leaves_the_older_value_in_force_for_earlier_dates(client, county_standards, bureau,
                                                                             region_tree):
    client.force_login(bureau)
    response = client.post(reverse("policy:standard_set"), {
        "region_code": region_tree.county.code, "name": "dibao_standard_rural", "effective_from": "2026-01-01",
        "value": "900.00", "source_document": "市中区2026年社会救助标准", "note": "",
    })
    assert response.status_code == 302

    def rural_on(day: str) -> dict:
        page = client.get(reverse("policy:standards"), {"region": region_tree.county.code, "as_of": day})
        return rows_by_name(page)["dibao_standard_rural"]

    assert rural_on("2025-06-30")["value"] == "¥824.00"
    assert rural_on("2025-12-31")["source_document"] == SOURCE
    assert rural_on("2026-01-01")["value"] == "¥900.00"
    # Both dated values are listed; the new one was entered by the bureau (from the change history).
    page = client.get(reverse("policy:standards"), {"region": region_tree.county.code, "as_of": "2026-02-01"})
    own = [row for row in page.context["own_values"] if row.value.name == "dibao_standard_rural"]
    assert [(row.value.effective_from, row.display, row.in_force) for row in own] == [
        (date(2026, 1, 1), "¥900.00", True), (date(2025, 1, 1), "¥824.00", False)]
    assert own[0].entered_by == bureau
    record = ParameterValue.history.get(region_code=region_tree.county.code, name="dibao_standard_rural",
                                        effective_from=date(2026, 1, 1))
    assert record.history_user == bureau
    assert "民政局王科长" in page.content.decode()


def test_an_invalid_value_is_shown_on_its_field(client, county_standards, bureau, region_tree):
    client.force_login(bureau)
    response = client.post(reverse("policy:standard_set"), {
        "region_code": region_tree.county.code, "name": "dibao_standard_rural", "effective_from": "2026-01-01",
        "value": "900.123", "source_document": "文件",
    })
    assert response.status_code == 200
    assert "value" in response.context["value_form"].errors
    response = client.post(reverse("policy:standard_set"), {
        "region_code": region_tree.county.code, "name": "dibao_standard_rural", "effective_from": "2026-01-01",
        "value": "900", "source_document": " ",
    })
    assert "source_document" in response.context["value_form"].errors
    assert not ParameterValue.objects.filter(effective_from=date(2026, 1, 1)).exists()


def test_a_bureau_cannot_set_standards_outside_its_county(client, county_standards, bureau, region_tree):
    client.force_login(bureau)
    response = client.post(reverse("policy:standard_set"), {
        "region_code": region_tree.prefecture.code, "name": "dibao_standard_rural",
        "effective_from": "2026-01-01", "value": "900", "source_document": "文件",
    })
    assert response.status_code == 403


# --- Importing standards ------------------------------------------------------------------------------------

CSV_HEADER = "region_code,name,effective_from,value,source_document,note\n"


def upload(client, name: str, data: bytes):
    return client.post(reverse("policy:standards_import"), {"file": SimpleUploadedFile(name, data)})


def test_a_csv_import_saves_the_good_rows_and_reports_the_bad_one(client, county_standards, bureau, region_tree):
    county, township = region_tree.county.code, region_tree.township_a.code
    text = (CSV_HEADER
            + f"{county},dibao_standard_rural,2026-01-01,900.00,市中区2026年标准,\n"
            + f"{township},no_such_parameter,2026-01-01,1,乡镇文件,\n"
            + f"{township},marginal_multiplier,2026-01-01,2,乡镇文件,按杭州做法\n"
            + f"{county},care_standard_full,2026-13-01,250,市中区2026年标准,\n")
    client.force_login(bureau)
    result = upload(client, "standards.csv", text.encode("utf-8-sig")).context["result"]

    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 2, 0, 0)
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "name"), (5, "effective_from")]
    assert ParameterValue.objects.get(region_code=township, name="marginal_multiplier").note == "按杭州做法"
    saved = ParameterValue.objects.get(region_code=county, name="dibao_standard_rural",
                                       effective_from=date(2026, 1, 1))
    assert saved.value == "900.00" and saved.created_by == bureau

    # Importing the same file again changes nothing.
    before = ParameterValue.history.count()
    again = upload(client, "standards.csv", text.encode("utf-8-sig")).context["result"]
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ParameterValue.history.count() == before


def test_an_import_in_gbk_with_chinese_headers(client, county_standards, bureau, region_tree):
    text = ("区划代码,参数,生效日期,值,依据文件,备注\n"
            f"{region_tree.county.code},income_excluded_kinds,2026/1/1,\"scholarship, orphan_allowance\",市中区文件,\n"
            f"{region_tree.county.code},deduct_medical_expense,2026-01-01,是,市中区文件,\n")
    client.force_login(bureau)
    result = upload(client, "标准.csv", text.encode("gbk")).context["result"]
    assert result.errors == [] and result.created == 2
    assert ParameterValue.objects.get(name="income_excluded_kinds").value == ["scholarship", "orphan_allowance"]
    assert ParameterValue.objects.get(name="deduct_medical_expense").value is True


def test_an_xlsx_import_reports_a_value_of_the_wrong_kind(client, county_standards, bureau, region_tree):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["region_code", "name", "effective_from", "value", "source_document", "note"])
    sheet.append([region_tree.county.code, "care_standard_full", date(2026, 1, 1), 250, "市中区文件", None])
    sheet.append([region_tree.county.code, "rounding", date(2026, 1, 1), "to_the_moon", "市中区文件", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(bureau)
    result = upload(client, "standards.xlsx", buffer.getvalue()).context["result"]
    assert result.created == 1
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(3, "value", "to_the_moon")]


def test_an_xlsx_date_typed_as_an_excel_serial_number_is_read_as_that_date(client, county_standards, bureau,
                                                                            region_tree):
    from openpyxl import Workbook

    from jiuzhu.policy.models import ParameterValue

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["region_code", "name", "effective_from", "value", "source_document", "note"])
    sheet.append([region_tree.county.code, "care_standard_full", 46023, 260, "市中区文件", None])  # 2026-01-01
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(bureau)
    result = upload(client, "standards.xlsx", buffer.getvalue()).context["result"]
    assert result.errors == [] and result.created == 1
    assert ParameterValue.objects.filter(name="care_standard_full", effective_from=date(2026, 1, 1)).exists()


def test_a_file_without_the_required_columns_is_refused_as_a_whole(client, county_standards, bureau):
    client.force_login(bureau)
    response = upload(client, "standards.csv", b"region_code,name\n370402000000,rounding\n")
    assert response.context["result"] is None
    assert "effective_from" in str(response.context["form"].errors["file"])


# --- Screen now ---------------------------------------------------------------------------------------------

def test_screen_now_explains_the_decision(client, county_standards, assistant_a, dibao_household):
    client.force_login(assistant_a)
    response = client.get(reverse("policy:household_screen", args=[dibao_household.pk]), {"as_of": "2026-03-01"})
    assert response.status_code == 200
    decision = response.context["decision"]
    assert decision["tier"] == Tier.DIBAO
    assert decision["monthly_total"] == "¥648.00"
    assert response.context["registered_amount"] == "¥600.00"
    rules = {r["rule"]: r for r in decision["household_rules"]}
    assert rules["dibao_standard"]["display"] == "¥824.00"
    assert rules["income_per_capita"]["display"] == "¥500.00"
    assert rules["dibao"]["display"] == str(translation.gettext("Yes"))
    assert rules["dibao"]["basis"]["document"]
    assert len(decision["members"]) == 2 and all(m["rules"] for m in decision["members"])
    html = response.content.decode()
    assert "<details>" in html and rules["dibao"]["basis"]["document"] in html
    assert "¥648.00" in html
    # The standards used, with the document that set them.
    used = {p["name"]: p for p in decision["parameters"]}
    assert used["dibao_standard_rural"]["source_document"] == SOURCE


def test_opening_screen_now_is_audited(client, county_standards, assistant_a, dibao_household):
    client.force_login(assistant_a)
    client.get(reverse("policy:household_screen", args=[dibao_household.pk]))
    entry = AuditLog.objects.get(action=AuditAction.VIEW_HOUSEHOLD)
    assert (entry.actor, entry.object_id) == (assistant_a, str(dibao_household.pk))


def test_a_township_cannot_screen_another_townships_household(client, county_standards, region_tree, make_user,
                                                              dibao_household):
    assistant_b = make_user(Role.TOWNSHIP_ASSISTANT, region_tree.township_b)
    client.force_login(assistant_b)
    assert client.get(reverse("policy:household_screen", args=[dibao_household.pk])).status_code == 404
    assert client.get(reverse("policy:household_screen", args=[999999])).status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.VIEW_HOUSEHOLD).exists()


def test_incomplete_facts_are_shown_with_their_field(client, county_standards, assistant_a, dibao_household):
    # A legal supporter recorded without an ID number or a birth date: the rules cannot tell their age.
    LegalSupporter.objects.create(household=dibao_household, supported_person=dibao_household.head,
                                  name="王建国", relation="sibling")
    client.force_login(assistant_a)
    response = client.get(reverse("policy:household_screen", args=[dibao_household.pk]))
    assert response.status_code == 200
    error = response.context["input_error"]
    assert (error.code, error.field) == ("missing_field", "legal_supporters[0].birth_date")
    assert "legal_supporters[0].birth_date" in response.content.decode()
    assert "decision" not in response.context


def test_rule_labels_are_chinese_by_default_and_english_after_switching(client, county_standards, assistant_a,
                                                                       dibao_household):
    url = reverse("policy:household_screen", args=[dibao_household.pk])
    labels = [r.label for r in RULES if r.name in {"counted_members", "income_per_capita", "dibao_standard"}]
    chinese = [str(label) for label in labels]
    with translation.override("en"):
        english = [str(label) for label in labels]
    # The catalogue translates them (the page would otherwise show the English msgids in both languages).
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in chinese), chinese
    client.force_login(assistant_a)

    html = client.get(url).content.decode()
    assert all(text in html for text in chinese)
    assert not any(text in html for text in english)

    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(url).content.decode()
    assert all(text in html for text in english)
    assert not any(text in html for text in chinese)


def test_the_household_page_links_to_screen_now(client, county_standards, assistant_a, dibao_household):
    client.force_login(assistant_a)
    html = client.get(reverse("web:household_detail", args=[dibao_household.pk])).content.decode()
    assert f'href="{reverse("policy:household_screen", args=[dibao_household.pk])}"' in html


# --- Navigation -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, standards, screening", [
    (Role.COUNTY_BUREAU, True, True),
    (Role.TOWNSHIP_ASSISTANT, True, True),
    (Role.SUPERVISOR, True, True),
    (Role.GRID_WORKER, True, False),
    (Role.CHARITY, False, False),
])
def test_navigation_shows_standards_and_screening_to_the_roles_that_use_them(client, region_tree, make_user,
                                                                             role, standards, screening):
    client.force_login(make_user(role, region_tree.county))
    html = client.get(reverse("web:home")).content.decode()
    assert (f'href="{reverse("policy:standards")}"' in html) is standards
    assert (f'href="{reverse("policy:screening")}"' in html) is screening
