"""Every searchui test starts in the default language (a request in English must not leak into the next test)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language():
    with translation.override("zh-hans"):
        yield
