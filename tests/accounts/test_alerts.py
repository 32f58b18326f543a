"""send_alerts against a real SMTP server on loopback: one digest per user, one section per saved search,
plain text and HTML, nothing sent twice across runs, a failed send retried on the next run."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.alerts import send_alerts
from accounts.models import AlertDigest, SentAlert
from tests.accounts.conftest import body_parts, free_port

pytestmark = pytest.mark.django_db


def _save(user, name, query):
    return services.saved_search_create(user=user, name=name, query=query)


def test_one_digest_per_user_with_a_section_per_search_and_nothing_twice(
    smtp_server, user, other_user, make_plan
):
    make_plan(
        title="2023年旧的科技金融要点", text="发展科技金融。", year=2023
    )  # before the searches: never sent
    finance = _save(user, "科技金融跟踪", "q=科技金融")
    institutes = _save(user, "新型研发机构", "q=新型研发机构&region=湖北")
    _save(other_user, "别人的检索", "q=人工智能")
    new_finance = make_plan(
        title="2025年科技金融工作要点", text="深化科技金融改革。", year=2025, issuer="湖北省科技厅"
    )
    new_institute = make_plan(title="2025年新型研发机构建设方案", text="培育新型研发机构。", region="湖北")
    make_plan(
        title="2025年新型研发机构（江西）", text="新型研发机构。", region="江西"
    )  # filtered out by region
    make_plan(title="2025年农业工作要点", text="乡村振兴。")  # matches nobody

    report = send_alerts(site_url="http://search.example.org")

    assert report.sent == [("researcher", 2)] and report.failed == []
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["researcher@example.org"]
    assert "2" in message["Subject"]
    text, html = body_parts(message)
    for body in (text, html):
        assert (
            body.count("科技金融跟踪") == 1
            and body.count("新型研发机构</a>" if body is html else "== 新型研发机构 ==") == 1
        )
        assert new_finance.title in body and new_institute.title in body
        assert "旧的科技金融" not in body and "江西" not in body and "农业" not in body
        assert f"http://search.example.org/plans/{new_finance.pk}/?q=" in body
        assert "http://search.example.org/search/?q=" in body
    # The text part has the sections in the order of the saved searches' names, each plan under its search.
    assert text.index("科技金融跟踪") < text.index(new_finance.title) < text.index("== 新型研发机构 ==")
    assert text.index("== 新型研发机构 ==") < text.index(new_institute.title)
    assert set(SentAlert.objects.values_list("saved_search_id", "plan_id")) == {
        (finance.pk, new_finance.pk),
        (institutes.pk, new_institute.pk),
    }

    # A second run finds nothing new: nothing is sent again.
    second = send_alerts(site_url="http://search.example.org")
    assert second.sent == [] and second.quiet == 2
    assert len(smtp_server.messages) == 1

    # A later plan is announced once, on its own.
    later = make_plan(title="2026年科技金融实施意见", text="科技金融。", year=2026)
    send_alerts(site_url="http://search.example.org")
    assert len(smtp_server.messages) == 2
    text, _html = body_parts(smtp_server.messages[1][1])
    assert later.title in text and new_finance.title not in text
    assert AlertDigest.objects.filter(user=user, status="sent").count() == 2


def test_a_failed_send_is_recorded_and_retried_on_the_next_run(settings, smtp_server, user, make_plan):
    _save(user, "科技金融", "q=科技金融")
    plan = make_plan(title="2025年科技金融要点", text="科技金融。")
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the connection is refused

    with pytest.raises(CommandError, match="1 digests could not be sent"):
        call_command("send_alerts", "--site-url", "http://search.example.org")
    failed = AlertDigest.objects.get()
    assert failed.status == AlertDigest.Status.FAILED and failed.error and failed.plan_count == 1
    assert not SentAlert.objects.exists() and smtp_server.messages == []

    settings.EMAIL_PORT = working_port
    call_command("send_alerts", "--site-url", "http://search.example.org")
    assert len(smtp_server.messages) == 1
    assert plan.title in body_parts(smtp_server.messages[0][1])[0]
    call_command("send_alerts", "--site-url", "http://search.example.org")
    assert len(smtp_server.messages) == 1, "the retried digest must not go out again"


def test_a_plan_waiting_for_the_index_is_announced_once_it_is_indexed(smtp_server, user, make_plan):
    from plans.search import index_plans

    _save(user, "科技金融", "q=科技金融")
    waiting = make_plan(title="2025年科技金融待索引", text="科技金融。", index=False)
    indexed = make_plan(title="2025年科技金融已索引", text="科技金融。")
    send_alerts(site_url="http://x.example")
    assert len(smtp_server.messages) == 1
    first = body_parts(smtp_server.messages[0][1])[0]
    assert indexed.title in first and waiting.title not in first

    index_plans([waiting.pk])
    send_alerts(site_url="http://x.example")
    assert len(smtp_server.messages) == 2
    second = body_parts(smtp_server.messages[1][1])[0]
    assert waiting.title in second and indexed.title not in second


def test_users_without_address_or_with_alerts_off_get_nothing(smtp_server, user, other_user, make_plan):
    other_user.email = ""
    other_user.save()
    _save(other_user, "无邮箱", "q=科技金融")
    muted = _save(user, "已关闭", "q=科技金融")
    services.saved_search_set_alerts(saved_search=muted, enabled=False)
    make_plan(title="2025年科技金融要点", text="科技金融。")
    report = send_alerts(site_url="http://x.example")
    assert report.sent == [] and smtp_server.messages == []


def test_email_url_from_the_environment_configures_the_mail_settings(tmp_path):
    """EMAIL_URL is read by config.settings through dj-email-url (a fresh process, as at start-up)."""
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 50,
        "DATA_DIR": str(tmp_path),
        "EMAIL_URL": "smtp://alerts:s%40cret@mail.example.org:587/?tls=True",
        "DEFAULT_FROM_EMAIL": "政策检索 <alerts@example.org>",
    }
    script = (
        "import json; from django.conf import settings as s; print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, "
        "s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.DEFAULT_FROM_EMAIL]))"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [
        "django.core.mail.backends.smtp.EmailBackend", "mail.example.org", 587, True, "alerts", "s@cret",
        "政策检索 <alerts@example.org>",
    ]  # fmt: skip
