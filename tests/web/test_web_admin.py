"""The admin shows the registry through the same selectors as the pages, with numbers masked."""
from decimal import Decimal

import pytest
from django.urls import reverse

from jiuzhu.accounts.models import User
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Person

pytestmark = pytest.mark.django_db


def changelist(client, model: str, **params):
    response = client.get(reverse(f"admin:{model}_changelist"), params)
    assert response.status_code == 200, response.status_code
    return response


def test_a_township_assistant_sees_only_their_townships_households(client, township):
    client.force_login(township.assistant)
    response = changelist(client, "registry_household")
    assert {h.pk for h in response.context["cl"].result_list} == {
        township.household.pk, township.household_urban.pk,
    }
    html = response.content.decode()
    assert mask_id_number(township.household.head.id_number) in html
    assert township.household.head.id_number not in html
    assert "孙志强" not in html


def test_another_townships_household_cannot_be_opened_in_the_admin(client, township):
    client.force_login(township.assistant)
    other = township.household_b
    response = client.get(reverse("admin:registry_household_change", args=[other.pk]))
    # The admin answers an object outside the queryset as one that does not exist.
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    for name in ["registry_household_history"]:
        assert client.get(reverse(f"admin:{name}", args=[other.pk])).status_code == 404
    version = other.history.latest().history_id
    assert client.get(
        reverse("admin:registry_household_simple_history", args=[other.pk, version])
    ).status_code == 404
    person = other.head
    assert client.get(reverse("admin:registry_person_change", args=[person.pk])).status_code == 302
    assert client.get(reverse("admin:registry_person_history", args=[person.pk])).status_code == 404


def test_members_and_household_parts_are_scoped_too(client, township):
    client.force_login(township.assistant)
    persons = changelist(client, "registry_person").context["cl"].result_list
    assert {p.household_id for p in persons} == {township.household.pk, township.household_urban.pk}
    township.household_b.income_items.create(kind="wage", monthly_amount=Decimal("900.00"))
    incomes = changelist(client, "registry_incomeitem").context["cl"].result_list
    assert {i.household_id for i in incomes} == {township.household.pk}
    # Searching by a full ID number from elsewhere finds nothing.
    response = changelist(client, "registry_person", q=township.household_b.head.id_number)
    assert list(response.context["cl"].result_list) == []


def test_the_household_autocomplete_offers_only_households_in_scope(client, township):
    client.force_login(township.assistant)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": "incomeitem", "field_name": "household", "term": ""},
    )
    assert response.status_code == 200
    assert {int(r["id"]) for r in response.json()["results"]} == {
        township.household.pk, township.household_urban.pk,
    }


def test_an_income_item_cannot_be_attached_to_a_household_out_of_scope(client, township):
    client.force_login(township.assistant)
    response = client.post(
        reverse("admin:registry_incomeitem_add"),
        {"household": township.household_b.pk, "kind": "wage", "monthly_amount": "100.00", "note": ""},
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "household" in response.context["adminform"].form.errors
    assert not township.household_b.income_items.exists()


def test_the_person_form_shows_numbers_masked_and_not_editable(client, township):
    client.force_login(township.assistant)
    person = township.household.head
    response = client.get(reverse("admin:registry_person_change", args=[person.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert mask_id_number(person.id_number) in html and person.id_number not in html
    assert "138****5678" in html and person.phone not in html
    assert "id_number" not in response.context["adminform"].form.fields


def test_the_admin_history_masks_changed_numbers(client, township):
    person = township.household.head
    old = person.phone
    person.phone = "13700001111"
    person.save()
    client.force_login(township.assistant)
    html = client.get(reverse("admin:registry_person_history", args=[person.pk])).content.decode()
    assert "137****1111" in html
    assert "13700001111" not in html and old not in html


def test_a_new_person_needs_a_valid_id_number(client, township):
    client.force_login(township.assistant)
    data = {
        "household": township.household.pk, "id_number": "370402196005170011", "name": "新成员",
        "sex": "male", "birth_date": "1960-05-17", "relation": "child", "hukou": "rural",
        "labour_capacity": "full", "self_care_failed_activities": "[]", "employment": "not_working",
    }
    response = client.post(reverse("admin:registry_person_add"), data)
    assert response.status_code == 200
    assert "id_number" in response.context["adminform"].form.errors
    assert not Person.objects.filter(name="新成员").exists()


def test_roles_that_only_read_cannot_change_or_delete_in_the_admin(client, township):
    township.department.is_staff = True
    township.department.save()
    client.force_login(township.department)
    url = reverse("admin:registry_household_change", args=[township.household.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.post(url, {"address": "x"}).status_code == 403
    assert client.post(reverse("admin:registry_household_delete", args=[township.household.pk]),
                       {"post": "yes"}).status_code == 403

    township.charity.is_staff = True
    township.charity.save()
    client.force_login(township.charity)
    assert client.get(reverse("admin:registry_household_changelist")).status_code == 403


def test_the_audit_log_cannot_be_added_changed_or_deleted_even_by_a_superuser(client, township):
    superuser = User.objects.create_superuser("root", password="pass-1234")
    client.force_login(superuser)
    entry = AuditLog.objects.get(action=AuditAction.LOGIN, actor=superuser)
    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    assert client.post(reverse("admin:core_auditlog_change", args=[entry.pk]), {"action": "x"}).status_code == 403
    assert client.post(reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk, action=AuditAction.LOGIN).exists()


def test_regions_are_read_only_for_staff(client, township):
    client.force_login(township.assistant)
    region = township.tree.township_a
    response = client.get(reverse("admin:core_region_changelist"), {"q": "中心"})
    assert [r.code for r in response.context["cl"].result_list] == [region.code]
    url = reverse("admin:core_region_change", args=[region.code])
    assert client.get(url).context["has_change_permission"] is False
    assert client.post(url, {"name": "改名"}).status_code == 403


def test_a_superuser_gives_roles_as_a_multiple_choice(client, township):
    superuser = User.objects.create_superuser("root", password="pass-1234")
    client.force_login(superuser)
    user = township.department
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    assert list(form.fields["roles"].choices) == list(Role.choices)
    data = {
        "username": user.username, "display_name": "孙科员", "home_region": township.tree.township_a.code,
        "roles": [Role.GRID_WORKER, Role.HOTLINE_OPERATOR], "is_active": "on",
        "date_joined_0": "2024-01-01", "date_joined_1": "08:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.roles == [Role.GRID_WORKER, Role.HOTLINE_OPERATOR]
    assert user.display_name == "孙科员"


def grant(user, *codenames):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # a fresh instance, without the permission cache


def test_staff_who_manage_accounts_cannot_hand_out_nationwide_access(client, township):
    manager = grant(township.assistant, "view_user", "change_user")
    client.force_login(manager)
    # Accounts of another township are not even listed.
    listed = changelist(client, "accounts_user").context["cl"].result_list
    assert township.other_assistant not in listed and township.department in listed

    user = township.department
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    assert Role.SYSTEM_ADMIN not in [value for value, _label in form.fields["roles"].choices]
    data = {
        "username": user.username, "home_region": "", "roles": [Role.SYSTEM_ADMIN], "is_active": "on",
        "date_joined_0": "2024-01-01", "date_joined_1": "08:00:00",
    }
    errors = client.post(url, data).context["adminform"].form.errors
    assert "roles" in errors and "home_region" in errors
    user.refresh_from_db()
    assert user.roles == [Role.DEPARTMENT_STAFF] and user.home_region == township.tree.township_a


def test_a_non_superuser_auditor_sees_the_audit_log_of_their_region_only(client, township):
    from jiuzhu.core.audit import audit_record

    audit_record(actor=township.other_assistant, action=AuditAction.VIEW_HOUSEHOLD, object_type="household",
                 object_id=township.household_b.pk, region_code=township.household_b.region_id)
    audit_record(actor=township.department, action=AuditAction.VIEW_HOUSEHOLD, object_type="household",
                 object_id=township.household.pk, region_code=township.household.region_id)
    auditor = grant(township.assistant, "view_auditlog")
    client.force_login(auditor)
    entries = changelist(client, "core_auditlog").context["cl"].result_list
    assert {e.region_code for e in entries} <= {township.household.region_id, township.tree.township_a.code}
    assert any(e.object_id == str(township.household.pk) for e in entries)
    assert not any(e.actor == township.other_assistant for e in entries)
