"""python manage.py ingest: outcome lines, summary, exit status, --dry-run, --update, forced metadata."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plans.models import Plan
from tests.plans.ingest.conftest import SEEDS, make_docx

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    code = 0
    try:
        call_command("ingest", *map(str, args), stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_seeds_folder_prints_three_ingested_plans():
    code, out = run(SEEDS)
    assert code == 0
    assert "ingested: " in out
    assert "-> 2017年全省科技工作要点 [湖北 2017]" in out
    assert "-> 江西省科技厅2019年科技工作安排 [江西 2019]" in out
    assert "-> 市科委2017年工作要点 [天津 2017]" in out
    assert "3 个文件：ingested 3，updated 0，duplicate 0，rejected 0" in out
    assert Plan.objects.count() == 3


def test_second_run_reports_duplicates_and_update_refreshes(tmp_path):
    run(SEEDS)
    code, out = run(SEEDS)
    assert code == 0 and out.count("duplicate: ") == 3
    code, out = run(SEEDS, "--update")
    assert code == 0 and out.count("updated: ") == 3
    assert Plan.objects.count() == 3


def test_rejected_file_gives_exit_status_1_and_the_rest_is_ingested(tmp_path):
    shutil.copy(SEEDS / "000_cc9d41f681d31d0b.txt", tmp_path / "good.txt")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "broken.docx").write_bytes(make_docx(["湖北省2017年工作要点"])[:800])
    (tmp_path / "nested" / "empty.txt").write_bytes(b"")
    (tmp_path / "notes.md").write_text("ignored in folders")
    code, out = run(tmp_path)
    assert code == 1
    assert "rejected: " in out and "docx 文件已损坏或被截断" in out and "空文件" in out
    assert "notes.md" not in out  # folders are walked for supported types only
    assert "ingested 1" in out and "rejected 2" in out
    assert list(Plan.objects.values_list("source", flat=True)) == ["good.txt"]


def test_named_unsupported_file_is_rejected(tmp_path):
    path = tmp_path / "plan.xyz"
    path.write_text("x")
    code, out = run(path)
    assert code == 1 and "不支持的文件类型 .xyz" in out


def test_missing_path_is_an_error():
    with pytest.raises(CommandError):
        call_command("ingest", "/nonexistent/folder", stdout=io.StringIO())


def test_dry_run_prints_metadata_and_writes_nothing():
    code, out = run(SEEDS / "004_c14efba4d36f7256.txt", "--dry-run")
    assert code == 0
    assert "would ingest: " in out
    assert "region        天津  (gazetteer" in out
    assert "published_on  2017-03-06" in out
    assert "dry run（未保存）：1 个文件：would ingest 1，would be duplicate 0，rejected 0" in out
    assert Plan.objects.count() == 0


def test_forced_region_year_level():
    code, _out = run(
        SEEDS / "004_c14efba4d36f7256.txt", "--region", "天津市", "--year", "2017", "--level", "provincial"
    )
    assert code == 0
    plan = Plan.objects.get()
    assert (plan.region.name, plan.year, plan.level) == ("天津", 2017, "provincial")
    assert plan.extraction["region"]["method"] == "override"


def test_bad_forced_region_rejects_the_file():
    code, out = run(SEEDS / "000_cc9d41f681d31d0b.txt", "--region", "火星")
    assert code == 1 and "未知的地区" in out
    assert Plan.objects.count() == 0


@pytest.mark.slow
def test_real_process_exit_status_and_searchable_plans(tmp_path):
    """GIVEN a fresh data folder WHEN `manage.py ingest` runs on the seeds plus an empty file in its own process
    THEN it exits 1 for the empty file, ingests the seeds, and has waited for the background index before
    exiting, so a second process finds all three plans."""
    root = Path(__file__).resolve().parents[3]
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATA_DIR": str(tmp_path / "data"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "LOG_LEVEL": "WARNING",
    }
    batch = tmp_path / "batch"
    shutil.copytree(SEEDS, batch)
    (batch / "empty.txt").write_bytes(b"")

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "-v0").returncode == 0
    result = manage("ingest", str(batch))
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("ingested: ") == 3
    assert "\n\n" not in result.stdout  # one line per file, nothing in between
    assert "rejected: " in result.stdout and "空文件" in result.stdout
    found = manage(
        "shell",
        "-c",
        "from plans.search import SearchParams, search; print(search(SearchParams(q='科技工作')).count)",
    )
    assert found.stdout.strip().splitlines()[-1] == "3", found.stderr
