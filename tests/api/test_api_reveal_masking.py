"""Personal numbers: masked in every response; revealed in full only to roles with the right, audited."""
import json

import pytest

from jiuzhu.core.models import AuditLog
from jiuzhu.core.roles import Role

pytestmark = pytest.mark.django_db


def reveal(client, person_id, field):
    return client.post(f"/api/v1/persons/{person_id}/reveal", {"field": field}, content_type="application/json")


@pytest.mark.parametrize("role", [Role.HOTLINE_OPERATOR, Role.DEPARTMENT_STAFF])
def test_roles_without_reveal_rights_get_403(role, households, region_tree, make_user, token_client):
    own, _ = households
    user = make_user(role, region_tree.township_a)
    client = token_client(user)
    # They may read the household (masked) ...
    assert client.get(f"/api/v1/persons/{own.head_id}").status_code == 200
    # ... but not the full numbers.
    for field in ["id_number", "phone"]:
        response = reveal(client, own.head_id, field)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert not AuditLog.objects.filter(action__in=["reveal_id_number", "reveal_phone"]).exists()


def test_a_township_assistant_sees_the_full_number_and_the_reveal_is_audited(
    households, assistant_a, token_client
):
    own, _ = households
    head = own.head
    client = token_client(assistant_a)

    response = reveal(client, head.pk, "id_number")
    assert response.status_code == 200
    assert response.json() == {"person": head.pk, "field": "id_number", "value": head.id_number}
    entry = AuditLog.objects.get(action="reveal_id_number")
    assert (entry.actor, entry.object_type, entry.object_id, entry.region_code) == (
        assistant_a, "person", str(head.pk), own.region_id,
    )
    assert entry.ip_address == "127.0.0.1"

    assert reveal(client, head.pk, "phone").json()["value"] == head.phone == "13812345678"
    assert AuditLog.objects.filter(action="reveal_phone", actor=assistant_a).count() == 1


def test_only_id_number_and_phone_can_be_revealed(households, assistant_a, token_client):
    own, _ = households
    response = reveal(token_client(assistant_a), own.head_id, "bank_account")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["loc"][:2] == ["body", "payload"]


def test_no_response_contains_a_full_number(households, assistant_a, token_client):
    own, _ = households
    own.head.save()  # one more history record, so the history endpoint lists the person too
    client = token_client(assistant_a)
    secrets = [p.id_number for p in own.members.all()] + [s.id_number for s in own.legal_supporters.all()]
    secrets += [own.head.phone, own.bank_account]
    assert all(secrets)
    urls = [
        "/api/v1/households",
        f"/api/v1/households/{own.pk}",
        f"/api/v1/households/{own.pk}/history",
        "/api/v1/persons",
        f"/api/v1/persons/{own.head_id}",
        f"/api/v1/persons?q={own.head.id_number}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)


def test_numbers_are_masked_to_the_region_prefix_and_last_four(households, assistant_a, token_client):
    own, _ = households
    head = own.head
    person = token_client(assistant_a).get(f"/api/v1/persons/{head.pk}").json()
    assert person["id_number"] == head.id_number[:6] + "********" + head.id_number[-4:]
    assert person["phone"] == "138****5678"
    detail = token_client(assistant_a).get(f"/api/v1/households/{own.pk}").json()
    assert detail["bank_account"] == "*" * (len(own.bank_account) - 4) + own.bank_account[-4:]


def test_number_changes_are_masked_in_the_history(households, assistant_a, token_client):
    own, _ = households
    head = own.head
    head.phone = "13700002222"
    head.save()
    history = token_client(assistant_a).get(f"/api/v1/households/{own.pk}/history").json()
    change = next(e for e in history if e["kind"] == "person" and e["type"] == "changed")
    assert {"field": "phone", "old": "138****5678", "new": "137****2222"} in change["changes"]
    assert "13700002222" not in json.dumps(history)
