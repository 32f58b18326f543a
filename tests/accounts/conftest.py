"""Fixtures for the accounts tests: users, logged-in clients, and a real SMTP server on loopback (tests/mail.py)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.mail import Mailbox, body_parts, free_port, smtp_server  # noqa: F401 - fixtures and helpers shared with tests/browser

PASSWORD = "a-long-test-password-42"


@pytest.fixture(autouse=True)
def default_language():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("researcher", "researcher@example.org", PASSWORD)


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("intruder", "intruder@example.org", PASSWORD)


@pytest.fixture
def logged_in(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
