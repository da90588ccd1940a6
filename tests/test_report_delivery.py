"""bot.report_delivery: the webhook through real requests (faked with ``responses``) and
e-mail through a fake ``smtplib.SMTP`` class (no sockets), and the weekly job's alerts."""

from __future__ import annotations

import json
import smtplib
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from bot.report import Reporter
from bot.report_delivery import PASSWORD_SECRET, ReportDelivery
from bot.settings import Report, Settings, Timeouts, load_secrets
from bot.store import Store
from tests.report_rows import NEW_YORK, build, utc

WEBHOOK = "https://hooks.slack.com/services/T000/B000/secretpath"
PASSWORD = "s3cret-pa55"
SUMMARY = "**#RecessReachOut report 2027-W31**\n\n- Mentions: 10\n"
EMAIL = Report(
    smtp_host="smtp.example.org", smtp_user="reports@example.org",
    email_from="reports@example.org", email_to="director@example.org, staff@example.org",
)  # fmt: skip


class FakeSMTP:
    """Stands in for smtplib.SMTP / SMTP_SSL: records what was called, sends nothing."""

    def __init__(self, calls: list[tuple[Any, ...]], kind: str, fail: Exception | None,
                 host: str, port: int, **kwargs: Any) -> None:  # fmt: skip
        self.calls, self.fail = calls, fail
        calls.append((kind, host, port, "context" in kwargs, kwargs.get("timeout")))

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append(("quit",))

    def starttls(self, context: Any = None) -> None:
        self.calls.append(("starttls", context is not None))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user, password))
        if self.fail:
            raise self.fail

    def send_message(self, message: EmailMessage) -> None:
        self.calls.append(("send", message))


def delivery(
    report: Report,
    calls: list[tuple[Any, ...]],
    *,
    password: str | None = PASSWORD,
    fail: Exception | None = None,
    campaign: str = "#RecessReachOut",
) -> ReportDelivery:
    """A ReportDelivery whose SMTP classes are FakeSMTP recording into ``calls``."""

    def smtp(host: str, port: int, **kw: Any) -> FakeSMTP:
        return FakeSMTP(calls, "SMTP", fail, host, port, **kw)

    def smtp_ssl(host: str, port: int, **kw: Any) -> FakeSMTP:
        return FakeSMTP(calls, "SMTP_SSL", fail, host, port, **kw)

    return ReportDelivery(report, timeouts=Timeouts(5, 30), smtp_password=password,
                          campaign=campaign, smtp=smtp, smtp_ssl=smtp_ssl)  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "report.html").write_text("<!DOCTYPE html><p>the report</p>", encoding="utf-8")
    return tmp_path


@responses.activate
def test_the_webhook_gets_the_summary_as_slack_json(folder: Path) -> None:
    """POST {"text": summary} to the webhook; nothing failed."""
    responses.post(WEBHOOK, status=200, body="ok")
    assert [] == delivery(Report(webhook_url=WEBHOOK), [])(folder, "2027-W31", SUMMARY)
    assert 1 == len(responses.calls)
    assert {"text": SUMMARY} == json.loads(responses.calls[0].request.body or b"")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ({"status": 500}, "the report webhook failed (HTTP 500)"),
        ({"status": 404}, "the report webhook failed (HTTP 404)"),
        (
            {"body": requests.ConnectionError("refused")},
            "the report webhook failed (ConnectionError)",
        ),
        ({"body": requests.ReadTimeout("slow")}, "the report webhook failed (ReadTimeout)"),
    ],
)
@responses.activate
def test_a_failed_webhook_is_reported_without_its_url(
    folder: Path, reply: dict[str, Any], expected: str
) -> None:
    """Each failure becomes one message; the webhook URL (a credential) is never in it."""
    responses.post(WEBHOOK, **reply)
    problems = delivery(Report(webhook_url=WEBHOOK), [])(folder, "2027-W31", SUMMARY)
    assert [expected] == problems
    assert "secretpath" not in problems[0]


@pytest.mark.parametrize(
    ("security", "port", "user", "expected"),
    [
        ("starttls", 587, "reports@example.org",
         [("SMTP", 587), ("starttls", True), ("login", "reports@example.org", PASSWORD), "send"]),
        ("tls", 465, "reports@example.org",
         [("SMTP_SSL", 465), ("login", "reports@example.org", PASSWORD), "send"]),
        ("none", 25, None, [("SMTP", 25), "send"]),
    ],
)  # fmt: skip
def test_email_speaks_smtp_as_the_settings_say(
    folder: Path, security: str, port: int, user: str | None, expected: list[Any]
) -> None:
    """STARTTLS on 587, TLS from the start on 465, a plain relay without login; one
    connection, closed after sending."""
    calls: list[tuple[Any, ...]] = []
    report = Report(**{**EMAIL.__dict__, "smtp_security": security, "smtp_port": port,
                       "smtp_user": user})  # fmt: skip
    assert [] == delivery(report, calls)(folder, "2027-W31", SUMMARY)
    simplified = [
        (c[0], c[2]) if c[0].startswith("SMTP") else "send" if c[0] == "send" else c for c in calls
    ]
    assert [*expected, ("quit",)] == simplified
    opened = calls[0]
    assert (EMAIL.smtp_host, 35.0) == (opened[1], opened[4])  # connect + read timeouts
    assert (security == "tls") == opened[3]  # SMTP_SSL gets a verifying TLS context


def test_the_email_holds_the_summary_and_the_report(folder: Path) -> None:
    """Subject names the campaign and week, To every recipient, the body is the summary, and
    report.html is attached as text/html."""
    calls: list[tuple[Any, ...]] = []
    delivery(EMAIL, calls, campaign="#RecessReachOut\r\nBcc: evil@example.org")(
        folder, "2027-W31", SUMMARY
    )
    message = next(c[1] for c in calls if c[0] == "send")
    assert "#RecessReachOut Bcc: evil@example.org weekly report 2027-W31" == message["Subject"]
    assert None is message["Bcc"]
    assert "director@example.org, staff@example.org" == message["To"]
    assert "reports@example.org" == message["From"]
    body = message.get_body(("plain",))
    assert SUMMARY == body.get_content()
    attachments = list(message.iter_attachments())
    assert [("text/html", "report-2027-W31.html")] == [
        (a.get_content_type(), a.get_filename()) for a in attachments
    ]
    assert (folder / "report.html").read_bytes() == attachments[0].get_payload(decode=True)


@pytest.mark.parametrize(
    ("changes", "password", "fail", "expected"),
    [
        ({"email_to": None}, PASSWORD, None, "e-mail is not set up"),
        ({"email_from": None}, PASSWORD, None, "e-mail is not set up"),
        ({}, None, None, f"e-mail needs the SMTP password: set {PASSWORD_SECRET}"),
        ({"smtp_security": "none"}, PASSWORD, None, "refusing to send the SMTP password"),
        ({}, PASSWORD, smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
         "the report e-mail to smtp.example.org failed (SMTPAuthenticationError"),
        ({}, PASSWORD, ConnectionRefusedError(111, "Connection refused"),
         "the report e-mail to smtp.example.org failed (ConnectionRefusedError"),
    ],
)  # fmt: skip
def test_email_problems_are_reported_plainly(
    folder: Path, changes: dict[str, Any], password: str | None, fail: Exception | None,
    expected: str,
) -> None:  # fmt: skip
    """Missing settings, a missing password, a plain-text login, a refused login or a
    refused connection each give one message, which never holds the password."""
    report = Report(**{**EMAIL.__dict__, **changes})
    problems = delivery(report, [], password=password, fail=fail)(folder, "2027-W31", SUMMARY)
    assert 1 == len(problems)
    assert problems[0].startswith(expected), problems[0]
    assert PASSWORD not in problems[0]


@responses.activate
def test_one_channel_failing_does_not_stop_the_other(folder: Path) -> None:
    """The webhook fails, the e-mail still goes: one problem back."""
    responses.post(WEBHOOK, status=503)
    calls: list[tuple[Any, ...]] = []
    both = Report(**{**EMAIL.__dict__, "webhook_url": WEBHOOK})
    sender = delivery(both, calls)
    assert ["webhook", "e-mail"] == sender.channels
    assert ["the report webhook failed (HTTP 503)"] == sender(folder, "2027-W31", SUMMARY)
    assert "send" in [c[0] for c in calls]


def test_nothing_configured_sends_nothing(folder: Path) -> None:
    """With no webhook and no SMTP host there is no channel and nothing to fail."""
    sender = delivery(Report(), [])
    assert ([], []) == (sender.channels, sender(folder, "2027-W31", SUMMARY))


def test_the_password_comes_from_the_secret(folder: Path) -> None:
    """from_settings takes REACHOUT_SMTP_PASSWORD from the environment (bot.settings)."""
    calls: list[tuple[Any, ...]] = []
    secrets = load_secrets({PASSWORD_SECRET: "from-env"})
    sender = ReportDelivery.from_settings(
        Settings(report=EMAIL), secrets.get(PASSWORD_SECRET), "#R",
        smtp=lambda host, port, **kw: FakeSMTP(calls, "SMTP", None, host, port, **kw),
    )  # fmt: skip
    assert [] == sender(folder, "2027-W31", SUMMARY)
    assert ("login", "reports@example.org", "from-env") in calls


@responses.activate
def test_the_weekly_job_alerts_on_a_failed_delivery(tmp_path: Path) -> None:
    """Reporter + ReportDelivery: the webhook answers 500, an alert says the report is on
    disk but not delivered, and the report is there."""
    responses.post(WEBHOOK, status=500)
    store = Store.open(tmp_path / "reachout.db")
    alerts: list[tuple[str, str, str | None]] = []
    reporter = Reporter(
        store, reports_dir=tmp_path / "reports", timezone=NEW_YORK,
        campaign_first_day=date(2027, 8, 2), build=lambda p, now: build(store, p, [], now),
        alert=lambda kind, message, key, now: alerts.append((kind, message, key)),
        deliver=delivery(Report(webhook_url=WEBHOOK), []),
    )  # fmt: skip
    [folder] = reporter.run_due(utc("2027-08-09T13:00:00"))
    assert [("report_delivery", "2027-W31")] == [(a[0], a[2]) for a in alerts]
    assert "HTTP 500" in alerts[0][1] and str(folder) in alerts[0][1]
    assert "secretpath" not in alerts[0][1]
    assert (folder / "report.html").exists()
    sent = json.loads(responses.calls[0].request.body or b"")
    assert (folder / "summary.md").read_text(encoding="utf-8") == sent["text"]
