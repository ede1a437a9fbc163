"""Authentication: bearer tokens (revocable, last use recorded) and the browser session with CSRF."""
import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from jiuzhu.accounts.models import ApiToken
from jiuzhu.core.roles import Role

pytestmark = pytest.mark.django_db


def test_a_token_authenticates(households, assistant_a, token_client):
    response = token_client(assistant_a).get("/api/v1/households")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("url", ["/api/v1/households", "/api/v1/persons", "/api/v1/regions"])
def test_no_credentials_is_401(url, households):
    response = Client().get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_token_is_401(households):
    response = Client(headers={"authorization": "Bearer jz_not-a-real-token"}).get("/api/v1/households")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_token_is_401(households, assistant_a, token_client):
    client = token_client(assistant_a)
    assert client.get("/api/v1/households").status_code == 200
    ApiToken.objects.filter(user=assistant_a).update(revoked=True)
    response = client.get("/api/v1/households")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_deactivated_users_token_is_401(households, assistant_a, token_client):
    client = token_client(assistant_a)
    assistant_a.is_active = False
    assistant_a.save()
    assert client.get("/api/v1/households").status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(households, assistant_a):
    client = Client(headers={"authorization": "Bearer jz_revoked-or-mistyped"})
    client.force_login(assistant_a)
    assert client.get("/api/v1/households").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(households, assistant_a, token_client):
    client = token_client(assistant_a)
    token = ApiToken.objects.get(user=assistant_a)
    assert token.last_used_at is None

    client.get("/api/v1/regions")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    client.get("/api/v1/regions")
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(seconds=61))
    client.get("/api/v1/regions")
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(seconds=1)
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)


def test_the_session_authenticates_reads(households, assistant_a):
    client = Client()
    client.force_login(assistant_a)
    response = client.get("/api/v1/households")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def _csrf_token_from_docs_page(client: Client) -> str:
    """The docs page embeds the CSRF token that Swagger's "Try it out" sends (and sets the cookie)."""
    html = client.get("/api/v1/docs").content.decode()
    match = re.search(r'data-csrf-token="([^"]+)"', html)
    assert match, "the docs page carries no CSRF token"
    return match.group(1)


def test_a_session_post_needs_the_csrf_token(households, assistant_a):
    own, _ = households
    client = Client(enforce_csrf_checks=True)
    client.force_login(assistant_a)
    url = f"/api/v1/persons/{own.head_id}/reveal"

    refused = client.post(url, {"field": "phone"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"

    token = _csrf_token_from_docs_page(client)
    accepted = client.post(url, {"field": "phone"}, content_type="application/json", headers={"x-csrftoken": token})
    assert accepted.status_code == 200
    assert accepted.json()["value"] == own.head.phone


def test_an_anonymous_post_is_401_not_a_csrf_failure(households):
    own, _ = households
    response = Client(enforce_csrf_checks=True).post(
        f"/api/v1/persons/{own.head_id}/reveal", {"field": "phone"}, content_type="application/json",
    )
    assert response.status_code == 401


def test_a_token_post_needs_no_csrf_token(households, assistant_a, token_client):
    own, _ = households
    client = token_client(assistant_a)
    client.handler.enforce_csrf_checks = True
    response = client.post(f"/api/v1/persons/{own.head_id}/reveal", {"field": "phone"}, content_type="application/json")
    assert response.status_code == 200


# The management command ------------------------------------------------------------------------------------


def test_apitoken_create_prints_a_working_key_once(households, assistant_a):
    out, err = io.StringIO(), io.StringIO()
    call_command("apitoken", "create", "--user", assistant_a.username, "--name", "nightly export", stdout=out,
                 stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("jz_")
    token = ApiToken.objects.get(user=assistant_a)
    assert token.name == "nightly export"
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert Client(headers={"authorization": f"Bearer {key}"}).get("/api/v1/households").status_code == 200

    listing = io.StringIO()
    call_command("apitoken", "list", stdout=listing)
    assert "nightly export" in listing.getvalue()
    assert key not in listing.getvalue()


def test_apitoken_revoke_stops_the_key(households, assistant_a, token_client):
    client = token_client(assistant_a)
    token = ApiToken.objects.get(user=assistant_a)
    out = io.StringIO()
    call_command("apitoken", "revoke", str(token.pk), stdout=out)
    token.refresh_from_db()
    assert token.revoked
    assert client.get("/api/v1/households").status_code == 401
    # Revoking twice is harmless.
    call_command("apitoken", "revoke", str(token.pk), stdout=io.StringIO())


def test_apitoken_refuses_unknown_users_and_tokens(region_tree, make_user):
    with pytest.raises(CommandError):
        call_command("apitoken", "create", "--user", "nobody", "--name", "x", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("apitoken", "revoke", "424242", stdout=io.StringIO())


def test_apitoken_list_can_be_limited_to_one_user(region_tree, make_user, token_client):
    alice = make_user(Role.GRID_WORKER, region_tree.township_a, username="alice")
    bob = make_user(Role.GRID_WORKER, region_tree.township_a, username="bob")
    token_client(alice)
    token_client(bob)
    out = io.StringIO()
    call_command("apitoken", "list", "--user", "alice", stdout=out)
    rows = out.getvalue().strip().splitlines()[1:]
    assert len(rows) == 1 and "\talice\t" in rows[0]
