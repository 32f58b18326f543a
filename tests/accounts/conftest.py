"""Fixtures for the accounts tests: users, logged-in clients, and a real SMTP server on loopback (tests/mail.py)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.mail import body_parts, free_port, running_smtp_server  # noqa: F401 - helpers for the tests here

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


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that Django sends to (tests/mail.py); yields its Mailbox."""
    with running_smtp_server(settings) as mailbox:
        yield mailbox
