"""Load the province-level regions and the starting theme taxonomy (editable in the admin afterwards)."""

from django.db import migrations


def load(apps, schema_editor):
    from plans.taxonomy import REGIONS, THEMES

    Region = apps.get_model("plans", "Region")
    Theme = apps.get_model("plans", "Theme")
    for order, (name, full_name, kind) in enumerate(REGIONS):
        Region.objects.update_or_create(name=name, defaults={"full_name": full_name, "kind": kind, "order": order})
    for order, (name, slug, group, min_hits, keywords) in enumerate(THEMES):
        Theme.objects.update_or_create(
            name=name,
            defaults={"slug": slug, "group": group, "min_hits": min_hits, "keywords": "\n".join(keywords), "order": order},
        )


def unload(apps, schema_editor):
    apps.get_model("plans", "Theme").objects.all().delete()
    apps.get_model("plans", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
