"""Editing a theme's keywords re-assigns themes across all plans (admin action, save option and command)."""

from io import StringIO

import pytest
from django.core.management import call_command

from plans.models import AuditEntry, Plan, Theme
from plans.search import SearchParams, search
from tests.plans.admin import files
from tests.plans.admin.flow import change_form_data, upload_and_confirm

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def plans(staff_client):
    upload_and_confirm(
        staff_client,
        [
            ("hubei.txt", files.gbk_txt("湖北", 2018, "揭榜挂帅")),
            ("henan.txt", files.gbk_txt("河南", 2019, "揭榜挂帅")),
            ("guangdong.txt", files.gbk_txt("广东", 2020, "基础研究")),
        ],
    )
    return list(Plan.objects.all())


def theme_counts(name: str) -> int:
    return Plan.objects.filter(themes__name=name).count()


def test_the_command_reports_how_many_plans_changed(plans):
    theme = Theme.objects.get(name="科学普及")
    assert theme_counts("科学普及") == 0
    theme.keywords += "\n揭榜挂帅"
    theme.min_hits = 1
    theme.save()
    out = StringIO()
    call_command("reassign_themes", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "2 份规划文件的主题将会变化。"
    assert theme_counts("科学普及") == 0
    out = StringIO()
    call_command("reassign_themes", stdout=out)
    assert out.getvalue().strip() == "2 份规划文件的主题有变化。"
    assert theme_counts("科学普及") == 2
    out = StringIO()
    call_command("reassign_themes", stdout=out)
    assert out.getvalue().strip() == "0 份规划文件的主题有变化。"


def test_saving_new_keywords_in_the_admin_reassigns_and_reindexes(staff_client, staff, plans):
    theme = Theme.objects.get(name="科学普及")
    url = f"/admin/plans/theme/{theme.pk}/change/"
    data = change_form_data(staff_client.get(url), keywords=theme.keywords + "\n揭榜挂帅", min_hits=1)
    data["reassign_after_save"] = "on"
    response = staff_client.post(url, data, follow=True)
    assert "2 份规划文件的主题有变化" in response.content.decode()
    assert theme_counts("科学普及") == 2
    from plans.curation import wait_for_index

    assert wait_for_index()
    facet = {v.value: v.count for v in search(SearchParams(q="", themes=("科学普及",))).facets["theme"]}
    assert facet.get("科学普及") == 2
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.REASSIGN_THEMES, plan__isnull=False).count() == 2
    )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.THEME_CHANGE, user=staff).exists()


def test_the_admin_action_reassigns_across_all_plans(staff_client, plans):
    Theme.objects.filter(name="科学普及").update(keywords="揭榜挂帅", min_hits=1)
    theme = Theme.objects.get(name="科学普及")
    response = staff_client.post(
        "/admin/plans/theme/", {"action": "reassign_all", "_selected_action": [theme.pk]}, follow=True
    )
    assert "2 份规划文件的主题有变化" in response.content.decode()
    assert theme_counts("科学普及") == 2


def test_plan_admin_page_explains_each_theme_by_its_share(staff_client, plans):
    from plans.models import PlanTheme

    row = PlanTheme.objects.select_related("plan").first()
    html = staff_client.get(f"/admin/plans/plan/{row.plan.pk}/change/").content.decode()
    assert f"占全文 {row.basis['share']:.1%}" in html and f"门槛 {row.basis['min_weight']:g} 倍" in html
