"""Load the province-level regions and the starting theme taxonomy (editable in the admin afterwards)."""

from django.db import migrations


def load(apps, schema_editor):
    from plans.taxonomy import load_reference_data

    load_reference_data(apps.get_model("plans", "Region"), apps.get_model("plans", "Theme"))


def unload(apps, schema_editor):
    apps.get_model("plans", "Theme").objects.all().delete()
    apps.get_model("plans", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
