"""Write services: create, update (re-parsing on a new text), delete, outline and themes."""

import pytest

from plans import services
from plans.ingest.clean import checksum
from plans.models import Plan, Region, Section

pytestmark = pytest.mark.django_db

TEXT = "湖北省科技厅2018年工作要点\n一、科技金融\n发展科技金融和创业投资。\n二、人才\n引进院士和科技人才。"


def make_plan(**extra):
    plan = services.plan_create(
        title="湖北省科技厅2018年工作要点",
        text=TEXT,
        region=Region.objects.get(name="湖北"),
        year=2018,
        original_filename="plan.txt",
        original_data=TEXT.encode(),
        **extra,
    )
    return plan


def test_create_sets_checksum_and_stores_the_original():
    plan = make_plan()
    assert plan.checksum == checksum(TEXT)
    assert plan.original_file.read() == TEXT.encode()


def test_create_validates():
    with pytest.raises(Exception):  # noqa: B017 (ValidationError from full_clean)
        make_plan(level="galactic")
    assert Plan.objects.count() == 0


def test_update_with_new_text_reparses_sections_and_themes():
    plan = make_plan()
    services.plan_set_outline(plan=plan, sections=[])
    new_text = TEXT + "\n三、科学普及\n开展科普活动和科技活动周，建设科普基地。"
    services.plan_update(plan=plan, text=new_text, manual=True)
    plan.refresh_from_db()
    assert plan.checksum == checksum(new_text)
    assert [s.anchor for s in plan.sections.all()] == ["s1", "s2", "s3"]
    assert plan.plan_themes.filter(theme__name="科学普及").exists()
    assert plan.extraction["text"]["method"] == "manual"


def test_update_rejects_unknown_fields():
    plan = make_plan()
    with pytest.raises(TypeError):
        services.plan_update(plan=plan, colour="red")


def test_delete_removes_sections_and_file(django_capture_on_commit_callbacks):
    plan = make_plan()
    services.plan_update(plan=plan, text=TEXT + "\n三、其他\n其他工作。")
    storage, name = plan.original_file.storage, plan.original_file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_delete(plan=plan)
    assert not Plan.objects.exists() and not Section.objects.exists()
    assert not storage.exists(name)
