"""Pages open in Chinese whatever language the browser prefers; the user's own choice wins."""
import pytest


@pytest.mark.django_db
def test_an_english_browser_still_gets_the_chinese_login_page(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_choosing_english_with_the_switch_gives_english_pages(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Log in" in response.content.decode()


@pytest.mark.django_db
def test_the_api_still_honours_accept_language(client):
    response = client.get("/api/v1/households", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["message"].isascii()
