"""The reference data migration gives a fresh database its regions and theme taxonomy."""

import pytest

from plans.models import Region, Theme


@pytest.mark.django_db
def test_reference_data_loaded():
    assert Region.objects.get(name="湖北").full_name == "湖北省"
    assert Region.objects.get(name="全国").kind == Region.Kind.NATIONAL
    assert Region.objects.count() == 35
    finance = Theme.objects.get(name="科技金融")
    assert "科技金融" in finance.keyword_list
    assert Theme.objects.filter(group=Theme.Group.ECONOMY).count() >= 4
