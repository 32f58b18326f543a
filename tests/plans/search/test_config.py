"""SEARCH_URL accepts only engines that work; anything else stops start-up and `manage.py check` with the forms."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from plans.search.config import WHOOSH_ENGINE, haystack_connections

REPO = Path(__file__).resolve().parents[3]


def test_whoosh_urls_give_the_whoosh_connection(tmp_path):
    assert haystack_connections(f"whoosh://{tmp_path}") == {
        "default": {"ENGINE": WHOOSH_ENGINE, "PATH": str(tmp_path)}
    }


@pytest.mark.parametrize(
    "url", ["elasticsearch://localhost:9200/policy", "opensearch://h/i", "solr://h/s", "/just/a/path", ""]
)
def test_other_urls_are_refused_naming_the_accepted_forms(url):
    with pytest.raises(ImproperlyConfigured, match="whoosh:///absolute/path/to/index"):
        haystack_connections(url)


def manage_check(tmp_path, search_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SEARCH_URL": search_url,
        "DATA_DIR": str(tmp_path),
        "DEBUG": "true",
        "SEARCH_WARM": "0",
        "DATABASE_URL": "",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_py_check_fails_for_elasticsearch_and_passes_for_whoosh(tmp_path):
    refused = manage_check(tmp_path, "elasticsearch://localhost:9200/policy_search")
    assert refused.returncode != 0
    assert "whoosh:///absolute/path/to/index" in refused.stderr and "docs/scale-out.md" in refused.stderr
    accepted = manage_check(tmp_path, f"whoosh://{tmp_path / 'index'}")
    assert accepted.returncode == 0, accepted.stderr


def test_the_system_check_refuses_a_connection_without_an_adapter(settings):
    settings.HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
            "URL": "x",
        }
    }
    with pytest.raises(SystemCheckError, match="plans.search.E001"):
        call_command("check")
