"""Accounts: Django's auth pages in our templates and both languages, sign-up only with ALLOW_SIGNUP, failed
log-ins throttled by django-axes, search pages public."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_log_in_through_the_form_and_back_to_next(client, user):
    page = client.get("/accounts/login/?next=/me/collections/")
    html = page.content.decode()
    assert page.status_code == 200 and "登录" in html and 'class="site-header"' in html
    assert 'name="next" value="/me/collections/"' in html
    response = client.post(
        "/accounts/login/", {"username": "researcher", "password": PASSWORD, "next": "/me/collections/"}
    )
    assert response.status_code == 302 and response["Location"] == "/me/collections/"
    assert "退出（researcher）" in client.get("/me/collections/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/me/collections/").status_code == 302


def test_a_wrong_password_is_explained(client, user):
    page = client.post("/accounts/login/", {"username": "researcher", "password": "wrong"})
    assert page.status_code == 200 and "请输入一个正确的" in page.content.decode()


def test_repeated_failures_are_throttled(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "researcher", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "researcher", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode() and "30 分钟" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user name from the same address is not locked.
    other = Client()
    assert other.post("/accounts/login/", {"username": "nobody", "password": "x"}).status_code == 200


def test_pages_in_english(client, user):
    client.cookies["django_language"] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html and "Log in" in html and "登录后可以" not in html
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/me/searches/").content.decode()
    assert "My searches" in html and "我的检索" not in html


def test_signup_is_off_by_default(client, settings):
    assert settings.ALLOW_SIGNUP is False
    assert client.get("/accounts/signup/").status_code == 404
    assert "/accounts/signup/" not in client.get("/accounts/login/").content.decode()


def test_signup_when_allowed(client, settings, django_user_model):
    settings.ALLOW_SIGNUP = True
    assert "/accounts/signup/" in client.get("/accounts/login/").content.decode()
    weak = client.post(
        "/accounts/signup/",
        {"username": "new", "email": "n@example.org", "password1": "123", "password2": "123"},
    )
    assert weak.status_code == 200 and not django_user_model.objects.filter(username="new").exists()
    response = client.post(
        "/accounts/signup/",
        {"username": "new", "email": "n@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/me/searches/"
    assert django_user_model.objects.get(username="new").email == "n@example.org"
    assert client.get("/me/searches/").status_code == 200


def test_password_change_and_reset(client, user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    new_password = "another-long-password-77"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert "密码已修改" in client.get("/accounts/password_change/done/").content.decode()
    client.post("/accounts/logout/")

    response = client.post("/accounts/password_reset/", {"email": "researcher@example.org"})
    assert response["Location"] == "/accounts/password_reset/done/"
    (message,) = mail.outbox
    assert message.subject == "政策检索：重设密码" and "/accounts/reset/" in message.body
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    form = client.get(link.removeprefix("http://testserver"), follow=True)
    assert "设置新密码" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "third-long-password-99", "new_password2": "third-long-password-99"},
    )
    assert done["Location"] == "/accounts/reset/done/"
    assert (
        Client()
        .post("/accounts/login/", {"username": "researcher", "password": "third-long-password-99"})
        .status_code
        == 302
    )


def test_search_pages_stay_public(client, make_plan):
    plan = make_plan(title="2024年科技金融要点", text="科技金融。")
    for path in (
        "/",
        "/search/?q=科技金融",
        f"/plans/{plan.pk}/",
        "/themes/",
        "/compare/",
        "/search/?q=科技&format=atom",
    ):
        assert client.get(path).status_code == 200, path
