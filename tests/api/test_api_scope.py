"""Region scope: a township's staff see their own township's households through every endpoint, and
nothing of the neighbouring township, not even whether it exists (404, never 403)."""
import pytest

from jiuzhu.core.roles import Role

pytestmark = pytest.mark.django_db


def detail_urls(household):
    person = household.members.order_by("id").first()
    return [
        f"/api/v1/households/{household.pk}",
        f"/api/v1/households/{household.pk}/history",
        f"/api/v1/persons/{person.pk}",
    ]


def test_a_township_user_cannot_read_another_townships_household_or_person(
    households, assistant_a, token_client
):
    own, other = households
    client = token_client(assistant_a)
    for url in detail_urls(other):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    for url in detail_urls(own):
        assert client.get(url).status_code == 200, url


def test_revealing_a_number_of_another_township_is_404_and_not_audited(households, assistant_a, token_client):
    from jiuzhu.core.models import AuditLog

    _, other = households
    response = token_client(assistant_a).post(
        f"/api/v1/persons/{other.head_id}/reveal", {"field": "id_number"}, content_type="application/json",
    )
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="reveal_id_number").exists()


def test_a_missing_household_is_404_like_one_out_of_scope(households, assistant_a, token_client):
    response = token_client(assistant_a).get("/api/v1/households/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_lists_hold_only_the_users_subtree(households, assistant_a, assistant_b, county_bureau, token_client):
    own, other = households

    a = token_client(assistant_a).get("/api/v1/households").json()
    assert a["count"] == 1
    assert [h["id"] for h in a["items"]] == [own.pk]

    b = token_client(assistant_b).get("/api/v1/households").json()
    assert [h["id"] for h in b["items"]] == [other.pk]

    county = token_client(county_bureau).get("/api/v1/households").json()
    assert county["count"] == 2

    persons_a = token_client(assistant_a).get("/api/v1/persons").json()
    assert persons_a["count"] == 3
    assert {p["household"] for p in persons_a["items"]} == {own.pk}


def test_filtering_by_another_townships_region_or_household_finds_nothing(
    households, region_tree, assistant_a, token_client
):
    _, other = households
    client = token_client(assistant_a)
    by_region = client.get("/api/v1/households", {"region": region_tree.township_b.code}).json()
    assert by_region["count"] == 0 and by_region["items"] == []
    by_household = client.get("/api/v1/persons", {"household": other.pk}).json()
    assert by_household["count"] == 0
    # Searching by the neighbour's full ID number does not find them either.
    other_number = other.head.id_number
    assert client.get("/api/v1/persons", {"q": other_number}).json()["count"] == 0
    assert client.get("/api/v1/households", {"q": other_number}).json()["count"] == 0


def test_roles_without_registry_access_are_refused(region_tree, households, make_user, token_client):
    own, _ = households
    provider = make_user(Role.SERVICE_PROVIDER, region_tree.township_a)
    client = token_client(provider)
    for url in ["/api/v1/households", "/api/v1/persons", f"/api/v1/households/{own.pk}"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "permission_denied"


def test_regions_outside_the_subtree_are_404_but_ancestors_show_in_the_path(
    region_tree, assistant_a, token_client
):
    client = token_client(assistant_a)
    own = client.get(f"/api/v1/regions/{region_tree.township_a.code}")
    assert own.status_code == 200
    assert [r["code"] for r in own.json()["path"]] == [
        region_tree.province.code, region_tree.prefecture.code, region_tree.county.code,
        region_tree.township_a.code,
    ]
    for code in [region_tree.township_b.code, region_tree.village_b1.code, region_tree.county.code]:
        response = client.get(f"/api/v1/regions/{code}")
        assert response.status_code == 404, code
        assert client.get(f"/api/v1/regions/{code}/children").status_code == 404, code


def test_region_lists_hold_only_the_subtree(region_tree, assistant_a, county_bureau, token_client):
    client = token_client(assistant_a)
    codes = [r["code"] for r in client.get("/api/v1/regions").json()["items"]]
    assert codes == [region_tree.township_a.code, region_tree.village_a1.code, region_tree.village_a2.code]

    children = client.get(f"/api/v1/regions/{region_tree.township_a.code}/children").json()
    assert [r["code"] for r in children["items"]] == [region_tree.village_a1.code, region_tree.village_a2.code]

    county = token_client(county_bureau)
    townships = county.get("/api/v1/regions", {"level": "township"}).json()
    assert [r["code"] for r in townships["items"]] == [region_tree.township_a.code, region_tree.township_b.code]
    by_parent = county.get("/api/v1/regions", {"parent": region_tree.township_b.code}).json()
    assert [r["code"] for r in by_parent["items"]] == [region_tree.village_b1.code]
    by_name = county.get("/api/v1/regions", {"q": "新华"}).json()
    assert [r["code"] for r in by_name["items"]] == [region_tree.village_b1.code]


def test_malformed_region_codes_are_422(region_tree, assistant_a, token_client):
    client = token_client(assistant_a)
    assert client.get("/api/v1/regions/37040200100").status_code == 422
    assert client.get("/api/v1/regions", {"level": "galaxy"}).status_code == 422
