"""Alert delivery to a Slack-compatible webhook, through real requests under `responses`."""

from __future__ import annotations

import json
import logging

import pytest
import requests
import responses

from bot.alerts import WebhookAlerts

URL = "https://hooks.example.org/services/T000/B000/secret-path"


def sink(url: str | None = URL) -> WebhookAlerts:
    return WebhookAlerts(url, connect_seconds=2.0, read_seconds=5.0, campaign="#RecessReachOut")


@responses.activate
def test_an_alert_is_posted_as_slack_text_with_timeouts() -> None:
    """The webhook gets {"text": ...} naming the campaign, kind, message and post key."""
    responses.post(URL, json={"ok": True})
    assert sink().deliver(
        "auth_broken", "X refused our credentials; posting is paused", "kickoff@x"
    )
    sent = responses.calls[0].request
    assert {
        "text": "[#RecessReachOut] auth_broken: X refused our credentials; posting is "
        "paused (post kickoff@x)"
    } == json.loads(sent.body or b"{}")
    assert (2.0, 5.0) == getattr(sent, "req_kwargs")["timeout"]  # noqa: B009 (set by responses)


@pytest.mark.parametrize(
    "failure",
    [requests.ConnectionError("down"), requests.ReadTimeout("slow")],
    ids=["connection", "timeout"],
)
@responses.activate
def test_a_failed_delivery_is_logged_without_the_url_and_never_raises(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    """Posting goes on when the webhook is down; the log names the failure, not the secret URL."""
    responses.post(URL, body=failure)
    with caplog.at_level(logging.WARNING, logger="reachout.alerts"):
        assert sink().deliver("missed", "kickoff was not posted in time") is False
    assert f"error={type(failure).__name__}" in caplog.text
    assert "secret-path" not in caplog.text


@responses.activate
def test_an_error_status_is_a_failed_delivery(caplog: pytest.LogCaptureFixture) -> None:
    """A 404 from the webhook (revoked URL) is reported as failed, with the status."""
    responses.post(URL, status=404)
    with caplog.at_level(logging.WARNING, logger="reachout.alerts"):
        assert sink().deliver("duplicate", "X refused a duplicate") is False
    assert "status=404" in caplog.text


def test_no_url_delivers_nothing() -> None:
    """Without alerts.webhook_url the alert stays in the store and the log only."""
    assert sink(None).deliver("missed", "x") is False


@responses.activate
def test_the_sink_only_queues_and_a_background_thread_delivers() -> None:
    """Calling the sink returns at once; the alert is sent by the delivery thread."""
    responses.post(URL, json={"ok": True})
    alerts = sink()
    alerts("missed", "kickoff was not posted in time", "kickoff@x")
    alerts.wait()
    assert 1 == len(responses.calls)
    body = json.loads(responses.calls[0].request.body or b"{}")
    assert (
        "[#RecessReachOut] missed: kickoff was not posted in time (post kickoff@x)" == body["text"]
    )
