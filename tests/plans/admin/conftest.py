"""Fixtures for the admin tests: staff and non-staff users, and a private staging folder per test."""

import pytest


@pytest.fixture(autouse=True)
def staging_dir(settings, tmp_path):
    settings.UPLOAD_STAGING_DIR = tmp_path / "staging"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.UPLOAD_STAGING_DIR


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-editor-123")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
