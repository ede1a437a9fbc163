"""The web pages: language, login audit, the dashboard, the household list and the household page."""
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.core.roles import Role
from jiuzhu.registry.choices import HouseholdStatus, Tier

pytestmark = pytest.mark.django_db


# --- Language ---------------------------------------------------------------------------------------

def test_the_login_page_is_chinese_by_default(client):
    response = client.get(reverse("web:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "用户名" in html


def test_the_language_switcher_remembers_english_in_a_cookie(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:login")})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get(reverse("web:login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html and "Username" in html
    assert "登录" not in html


def test_every_page_offers_the_language_switch(client, township):
    client.force_login(township.assistant)
    for url in [reverse("web:home"), reverse("web:household_list"),
                reverse("web:household_detail", args=[township.household.pk])]:
        html = client.get(url).content.decode()
        assert f'action="{reverse("set_language")}"' in html, url
        assert 'name="language" value="en"' in html, url


# --- Login and its audit ---------------------------------------------------------------------------------

def test_logging_in_is_audited(client, township):
    user = township.assistant
    response = client.post(reverse("web:login"), {"username": user.username, "password": user.raw_password})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    entry = AuditLog.objects.get(action=AuditAction.LOGIN)
    assert entry.actor == user
    assert entry.region_code == township.tree.township_a.code


def test_a_failed_login_is_audited_with_the_name_tried_but_not_the_password(client, township):
    response = client.post(reverse("web:login"), {"username": "nobody", "password": "guess-123"})
    assert response.status_code == 200
    entry = AuditLog.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.actor is None
    assert entry.detail == {"username": "nobody"}
    assert "guess-123" not in str(entry.detail)
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN).exists()


def test_pages_need_a_login(client, township):
    for url in [reverse("web:home"), reverse("web:household_list"),
                reverse("web:household_detail", args=[township.household.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


def test_logout_is_a_post(client, township):
    client.force_login(township.assistant)
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


# --- Layout and dashboard ----------------------------------------------------------------------------------

def test_the_header_shows_who_is_logged_in_where_and_as_what(english, township):
    english.force_login(township.assistant)
    html = english.get(reverse("web:home")).content.decode()
    assert "钱助理" in html
    assert "Zhongxin Subdistrict" in html
    assert str(Role.TOWNSHIP_ASSISTANT.label) in html
    assert f'href="{reverse("web:household_list")}"' in html
    assert f'action="{reverse("web:logout")}"' in html


def test_the_dashboard_counts_only_the_users_township_by_tier(client, township, make_household):
    # A person-level tier counts its one member; a household-level tier counts every member.
    person_tier_household = make_household(township.tree.village_a1, members=[{}, {}, {}])
    person_tier_household.tier_memberships.create(
        tier=Tier.EXTREME_POVERTY, person=person_tier_household.head, start_date=date(2024, 1, 1),
    )
    # An ended membership is not counted.
    township.household_urban.tier_memberships.create(
        tier=Tier.DIBAO, start_date=date(2020, 1, 1), end_date=date(2021, 12, 31),
    )
    client.force_login(township.assistant)
    summary = client.get(reverse("web:home")).context["summary"]
    tiers = {row["tier"]: row for row in summary["tiers"]}

    assert summary["households"] == 3  # township B's household is not counted
    assert summary["active_households"] == 2
    assert summary["persons"] == 2 + 1 + 3
    assert (tiers[Tier.DIBAO]["households"], tiers[Tier.DIBAO]["persons"]) == (1, 2)
    assert (tiers[Tier.DIBAO_MARGINAL]["households"], tiers[Tier.DIBAO_MARGINAL]["persons"]) == (1, 1)
    assert (tiers[Tier.EXTREME_POVERTY]["households"], tiers[Tier.EXTREME_POVERTY]["persons"]) == (1, 1)
    assert tiers[Tier.RIGID_EXPENSE]["households"] == 0


def test_a_role_without_registry_access_sees_no_counts_and_no_list(client, township):
    client.force_login(township.charity)
    assert client.get(reverse("web:home")).context["summary"] is None
    assert client.get(reverse("web:household_list")).status_code == 403


# --- Household list ----------------------------------------------------------------------------------------

def listed(client, **params) -> list[int]:
    response = client.get(reverse("web:household_list"), params)
    assert response.status_code == 200
    return [h.pk for h in response.context["page"].object_list]


def test_the_list_shows_the_users_township_only_with_masked_numbers(client, township):
    client.force_login(township.assistant)
    response = client.get(reverse("web:household_list"))
    html = response.content.decode()
    assert [h.pk for h in response.context["page"].object_list] == [
        township.household.pk, township.household_urban.pk,
    ]
    head = township.household.head
    assert mask_id_number(head.id_number) in html
    assert head.id_number not in html
    assert "孙志强" not in html
    row = response.context["page"].object_list[0]
    assert row.member_count == 2
    assert [m.tier for m in row.active_tiers] == [Tier.DIBAO]


def test_search_by_full_id_number_finds_the_household_of_any_member(client, township):
    client.force_login(township.assistant)
    spouse = township.household.members.get(name="刘桂兰")
    assert listed(client, q=spouse.id_number) == [township.household.pk]
    # As typed by people: spaces and a lower-case x are tidied by the selector.
    assert listed(client, q=" ".join([spouse.id_number[:6], spouse.id_number[6:14], spouse.id_number[14:]])) == [
        township.household.pk
    ]


def test_search_by_id_number_does_not_reach_another_township(client, township):
    client.force_login(township.assistant)
    assert listed(client, q=township.household_b.head.id_number) == []


def test_search_by_name(client, township):
    client.force_login(township.assistant)
    assert listed(client, q="赵丽") == [township.household_urban.pk]
    assert listed(client, q="建军") == [township.household.pk]


def test_filters_by_region_tier_status_and_hukou(client, township):
    client.force_login(township.assistant)
    assert listed(client, region=township.tree.village_a2.code) == [township.household_urban.pk]
    assert listed(client, tier=Tier.DIBAO) == [township.household.pk]
    assert listed(client, status=HouseholdStatus.SUSPENDED) == [township.household_urban.pk]
    assert listed(client, hukou="rural") == [township.household.pk]


def test_the_region_filter_offers_only_the_users_subtree(client, township):
    client.force_login(township.assistant)
    response = client.get(reverse("web:household_list"), {"region": township.tree.village_b1.code})
    codes = [code for code, _label in response.context["form"].fields["region"].choices]
    assert codes == ["", township.tree.village_a1.code, township.tree.village_a2.code]
    # A region outside the subtree is refused, not silently widened to it.
    assert response.context["form"].errors["region"]
    assert [h.pk for h in response.context["page"].object_list] == [
        township.household.pk, township.household_urban.pk,
    ]


def test_pagination_is_25_a_page_and_page_links_keep_the_filters(client, township, make_household):
    for _ in range(30):
        make_household(township.tree.village_a1, members=[{"name": "陈大伟"}])
    client.force_login(township.assistant)
    response = client.get(reverse("web:household_list"), {"q": "陈大伟", "hukou": "rural"})
    page = response.context["page"]
    assert page.paginator.count == 30
    assert len(page.object_list) == 25
    html = response.content.decode()
    assert "?q=%E9%99%88%E5%A4%A7%E4%BC%9F&amp;hukou=rural&amp;page=2" in html

    second = client.get(reverse("web:household_list"), {"q": "陈大伟", "hukou": "rural", "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert not set(h.pk for h in second.context["page"].object_list) & set(h.pk for h in page.object_list)


def test_the_export_link_carries_the_filters_for_roles_that_may_export(client, township):
    client.force_login(township.assistant)
    html = client.get(reverse("web:household_list"), {"tier": "dibao", "page": 1}).content.decode()
    assert f'href="{reverse("web:household_export")}?tier=dibao"' in html

    client.force_login(township.department)
    html = client.get(reverse("web:household_list"), {"tier": "dibao"}).content.decode()
    assert reverse("web:household_export") not in html


def test_the_list_page_runs_the_same_number_of_queries_for_2_or_25_rows(client, township, make_household):
    client.force_login(township.assistant)
    url = reverse("web:household_list")
    client.get(url)  # warm up the session and content types
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["page"].object_list) == 2
    for i in range(30):
        make_household(township.tree.village_a1 if i % 2 else township.tree.village_a2,
                       members=[{}, {}, {}], tiers=[{"tier": Tier.DIBAO}, {"tier": Tier.RIGID_EXPENSE}])
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["page"].object_list) == 25
    assert len(many) == len(few)
    assert len(many) <= 8


# --- Household page ------------------------------------------------------------------------------------------

def test_the_household_page_shows_the_household_and_audits_the_view(english, township, page_section):
    english.force_login(township.assistant)
    household = township.household
    response = english.get(reverse("web:household_detail", args=[household.pk]))
    assert response.status_code == 200
    html = response.content.decode()

    # Region path from province to village, masked bank account.
    for region in ["Shandong Province", "Zaozhuang City", "Shizhong District", "Zhongxin Subdistrict",
                   "Dongfeng Community"]:
        assert region in html
    assert "************3344" in html and "6230520011223344" not in html
    members = page_section(html, "members-heading")
    for member in household.members.all():
        assert member.name in members
        assert mask_id_number(member.id_number) in members
        assert member.id_number not in html
    assert "138****5678" in members and "13812345678" not in html
    assert "Fully self-caring" in members
    income = page_section(html, "income-heading")
    assert "1,200.50" in income and "300.00" in income and "1,500.50" in income
    assert "600.00" in page_section(html, "tiers-heading")

    entry = AuditLog.objects.get(action=AuditAction.VIEW_HOUSEHOLD)
    assert (entry.actor, entry.object_id, entry.region_code) == (
        township.assistant, str(household.pk), township.tree.village_a1.code,
    )


def test_another_townships_household_is_not_found(client, township):
    client.force_login(township.assistant)
    response = client.get(reverse("web:household_detail", args=[township.household_b.pk]))
    assert response.status_code == 404
    assert "孙志强" not in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.VIEW_HOUSEHOLD).exists()
    # Exactly as for an id that does not exist at all.
    assert client.get(reverse("web:household_detail", args=[999999])).status_code == 404


def test_the_page_shows_the_change_history_field_by_field(english, township, page_section):
    household = township.household
    household.address = "东风社区新村8号"
    household.status = HouseholdStatus.SUSPENDED
    household._history_user = township.assistant
    household.save()
    spouse = household.members.get(name="刘桂兰")
    old_phone = spouse.phone
    spouse.phone = "13700001111"
    spouse._history_user = township.other_assistant
    spouse.save()

    english.force_login(township.assistant)
    html = english.get(reverse("web:household_detail", args=[household.pk])).content.decode()
    history = page_section(html, "history-heading")
    assert "Address" in history and "东风社区新村8号" in history
    assert "Status" in history and "Active" in history and "Suspended" in history
    assert "钱助理" in history
    # The newest change comes first, and changed numbers stay masked in the history.
    assert history.index("刘桂兰") < history.index("东风社区新村8号")
    assert "137****1111" in history and "13700001111" not in html and old_phone not in html
    assert "Updated" not in history


# --- Revealing numbers ---------------------------------------------------------------------------------------

def reveal_url(person, field="id_number"):
    return reverse("web:person_reveal", args=[person.pk, field])


def test_revealing_an_id_number_returns_it_and_audits_it(client, township):
    client.force_login(township.assistant)
    head = township.household.head
    response = client.post(reveal_url(head), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"person": head.pk, "field": "id_number", "value": head.id_number}
    assert response["Cache-Control"].startswith("max-age=0")
    entry = AuditLog.objects.get(action=AuditAction.REVEAL_ID_NUMBER)
    assert (entry.actor, entry.object_id) == (township.assistant, str(head.pk))


def test_revealing_a_phone_without_script_gets_a_small_page(client, township):
    client.force_login(township.assistant)
    head = township.household.head
    response = client.post(reveal_url(head, "phone"), HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 200
    assert head.phone in response.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.REVEAL_PHONE, object_id=str(head.pk)).count() == 1


def test_reveal_is_post_only_and_only_for_known_fields(client, township):
    client.force_login(township.assistant)
    head = township.household.head
    assert client.get(reveal_url(head)).status_code == 405
    assert client.post(reveal_url(head, "birth_date")).status_code == 404
    assert not AuditLog.objects.filter(action__startswith="reveal").exists()


def test_another_townships_member_cannot_be_revealed(client, township):
    client.force_login(township.assistant)
    response = client.post(reveal_url(township.household_b.head), HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert township.household_b.head.id_number not in response.content.decode()
    assert not AuditLog.objects.filter(action__startswith="reveal").exists()


def test_a_role_without_reveal_rights_gets_403_and_sees_only_masked_numbers(client, township):
    client.force_login(township.department)
    head = township.household.head
    page = client.get(reverse("web:household_detail", args=[township.household.pk])).content.decode()
    assert mask_id_number(head.id_number) in page
    assert head.id_number not in page
    assert reveal_url(head) not in page  # no "show" button

    response = client.post(reveal_url(head), HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert head.id_number not in response.content.decode()
    assert not AuditLog.objects.filter(action__startswith="reveal").exists()
