"""ThemeTotal: each theme's sums over the ThemeShare rows, kept by triggers in the database.

The collection's averages (plans.services.theme_stats) were one aggregate over every ThemeShare row on each
save: about 1.5 million rows, a quarter of a second and growing, at 100,000 plans. Triggers keep the sums on
every insert, update and delete of a row, whatever issues it (the ingest services, bulk loads, cascades), in
whole units of 2**32 (plans.models.THEME_UNITS), so that the kept sums equal a sum over the rows exactly.
"""

import django.db.models.deletion
from django.db import migrations, models

UNITS = "4294967296.0"  # plans.models.THEME_UNITS, as SQL

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION plans_theme_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE plans_themetotal
       SET share_units = share_units - ROUND(OLD.share * {UNITS})::bigint,
           score_units = score_units - ROUND(OLD.score * {UNITS})::bigint
     WHERE theme_id = OLD.theme_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO plans_themetotal AS total (theme_id, share_units, score_units)
    VALUES (NEW.theme_id, ROUND(NEW.share * {UNITS})::bigint, ROUND(NEW.score * {UNITS})::bigint)
    ON CONFLICT (theme_id) DO UPDATE
       SET share_units = total.share_units + EXCLUDED.share_units,
           score_units = total.score_units + EXCLUDED.score_units;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER plans_themeshare_totals
AFTER INSERT OR DELETE OR UPDATE OF share, score, theme_id ON plans_themeshare
FOR EACH ROW EXECUTE FUNCTION plans_theme_totals();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS plans_themeshare_totals ON plans_themeshare;
DROP FUNCTION IF EXISTS plans_theme_totals();
"""

_SQLITE_ADD = f"""
  INSERT OR IGNORE INTO plans_themetotal (theme_id, share_units, score_units) VALUES (NEW.theme_id, 0, 0);
  UPDATE plans_themetotal
     SET share_units = share_units + CAST(ROUND(NEW.share * {UNITS}) AS INTEGER),
         score_units = score_units + CAST(ROUND(NEW.score * {UNITS}) AS INTEGER)
   WHERE theme_id = NEW.theme_id;"""
_SQLITE_TAKE = f"""
  UPDATE plans_themetotal
     SET share_units = share_units - CAST(ROUND(OLD.share * {UNITS}) AS INTEGER),
         score_units = score_units - CAST(ROUND(OLD.score * {UNITS}) AS INTEGER)
   WHERE theme_id = OLD.theme_id;"""
SQLITE = [
    f"CREATE TRIGGER plans_themeshare_totals_insert AFTER INSERT ON plans_themeshare BEGIN {_SQLITE_ADD} END;",
    f"CREATE TRIGGER plans_themeshare_totals_delete AFTER DELETE ON plans_themeshare BEGIN {_SQLITE_TAKE} END;",
    "CREATE TRIGGER plans_themeshare_totals_update AFTER UPDATE OF share, score, theme_id ON plans_themeshare"
    f" BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS plans_themeshare_totals_insert;",
    "DROP TRIGGER IF EXISTS plans_themeshare_totals_delete;",
    "DROP TRIGGER IF EXISTS plans_themeshare_totals_update;",
]

FILL = {
    "postgresql": f"""INSERT INTO plans_themetotal (theme_id, share_units, score_units)
        SELECT theme_id, SUM(ROUND(share * {UNITS})::bigint), SUM(ROUND(score * {UNITS})::bigint)
          FROM plans_themeshare GROUP BY theme_id""",
    "sqlite": f"""INSERT INTO plans_themetotal (theme_id, share_units, score_units)
        SELECT theme_id, SUM(CAST(ROUND(share * {UNITS}) AS INTEGER)), SUM(CAST(ROUND(score * {UNITS}) AS INTEGER))
          FROM plans_themeshare GROUP BY theme_id""",
}


def _statements(vendor: str, create: bool) -> list[str]:
    if vendor == "postgresql":
        return [POSTGRESQL if create else POSTGRESQL_DROP]
    if vendor == "sqlite":
        return SQLITE if create else SQLITE_DROP
    raise NotImplementedError(f"no ThemeTotal triggers for {vendor}")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL[vendor])
        for statement in _statements(vendor, create=True):
            cursor.execute(statement)


def drop_triggers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in _statements(schema_editor.connection.vendor, create=False):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0009_passagegroup_earliest"),
    ]

    operations = [
        migrations.CreateModel(
            name="ThemeTotal",
            fields=[
                (
                    "theme",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="total",
                        serialize=False,
                        to="plans.theme",
                    ),
                ),
                ("share_units", models.BigIntegerField(default=0)),
                ("score_units", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "主题合计",
                "verbose_name_plural": "主题合计",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
