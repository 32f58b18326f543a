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


NESTED = (
    "湖北省科技厅2019年工作要点\n一、科技金融\n（一）创业投资\n发展科技金融和创业投资，设立科技金融专营机构。\n"
    "（二）科技保险\n开展科技保险。\n1. 试点\n科技金融试点。\n二、人才\n引进院士和科技人才。\n（一）院士\n院士工作站。"
)


def test_outline_is_written_in_bulk_with_parents_and_section_themes():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans.ingest.sections import parse_sections

    def queries_for(text: str) -> tuple[int, int]:
        plan = services.plan_create(title="湖北省科技厅2019年工作要点", text=text)
        prepared = parse_sections(text)
        with CaptureQueriesContext(connection) as captured:
            created = services.plan_set_outline(plan=plan, sections=prepared)
        stored = list(plan.sections.order_by("order"))
        assert [s.pk for s in created] == [s.pk for s in stored]
        by_order = {s.order: s for s in stored}
        for section, source in zip(stored, prepared, strict=True):
            parent = by_order[prepared[source.parent].order] if source.parent is not None else None
            assert section.parent_id == (parent.pk if parent else None)
        # assigning again with an unchanged taxonomy and collection writes nothing and reports no change
        assert services.plan_assign_themes(plan=plan) is False
        section_inserts = sum('INSERT INTO "plans_section"' in q["sql"] for q in captured.captured_queries)
        return len(prepared), section_inserts

    # one insert per outline level (3 here), not one per section: twice the outline, the same inserts
    sections, inserts = queries_for(NESTED)
    doubled_sections, doubled_inserts = queries_for(NESTED + "\n" + NESTED)
    assert doubled_sections > sections and inserts == doubled_inserts == 3


def test_assign_themes_rewrites_only_what_changed():
    from plans.ingest.sections import parse_sections
    from plans.models import SectionTheme, Theme

    plan = services.plan_create(title="湖北省科技厅2019年工作要点", text=NESTED)
    services.plan_set_outline(plan=plan, sections=parse_sections(NESTED))
    talent = Theme.objects.get(name="科技人才")
    before = {row.pk: row.section.heading for row in SectionTheme.objects.filter(section__plan=plan)}
    touched = {row.section.heading for row in SectionTheme.objects.filter(section__plan=plan, theme=talent)}
    # the talent theme moves from the 院士 section to the 科技保险 one (the plan's own themes, decided by its
    # headings, stay as they were: the section rows are what changes)
    talent.keywords = "保险"
    talent.save()
    assert services.plan_assign_themes(plan=plan) is True
    after = SectionTheme.objects.filter(section__plan=plan)
    assert {row.section.heading for row in after.filter(theme=talent)} == {"科技保险"}
    touched |= {"科技保险"}
    # rows of sections whose themes did not change are the same rows (not deleted and inserted again)
    untouched_before = {pk for pk, heading in before.items() if heading not in touched}
    assert untouched_before and untouched_before <= set(after.values_list("pk", flat=True))
