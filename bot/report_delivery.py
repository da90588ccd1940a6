"""Delivering a written report: a Slack-compatible webhook and SMTP e-mail, both optional.

The report folder is always the primary copy; delivery is a courtesy copy. Each channel is
tried once, independently, and what failed comes back as a short message (never holding the
webhook URL, which is itself a credential, or the SMTP password) for the caller to alert on.

- webhook (settings ``report.webhook_url``): ``POST {"text": summary}``, the payload Slack,
  Mattermost, Rocket.Chat and Teams incoming webhooks accept; connect and read timeouts
  from settings ``timeouts``.
- e-mail (settings ``report.smtp_host`` and ``email_from``/``email_to``): summary.md as the
  text body, report.html attached; ``smtp_security`` ``starttls`` (port 587), ``tls`` (465)
  or ``none`` (a local relay; a login is then refused: the password would go in clear);
  login as ``smtp_user`` with the secret ``REACHOUT_SMTP_PASSWORD``.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import requests

from bot.settings import Report, Settings, Timeouts

PASSWORD_SECRET = "REACHOUT_SMTP_PASSWORD"
MAX_WEBHOOK_CHARS = 3500  # Slack shows ~4,000 characters of a message before cutting it
SMTPFactory = Callable[..., Any]


class ReportDelivery:
    """Sends a written report by webhook and e-mail, as the settings say.

    Args:
        report: settings ``report`` (webhook_url, smtp_*, email_*).
        timeouts: connect and read timeouts for the webhook and SMTP, in seconds.
        smtp_password: the value of REACHOUT_SMTP_PASSWORD, or None.
        campaign: a name for the e-mail subject, e.g. ``#RecessReachOut``.
        session: the requests session (tests pass one; default a new Session).
        smtp: ``smtplib.SMTP``-like class (tests inject a fake; no sockets then).
        smtp_ssl: ``smtplib.SMTP_SSL``-like class, for ``smtp_security: tls``.
    """

    def __init__(
        self,
        report: Report,
        *,
        timeouts: Timeouts,
        smtp_password: str | None = None,
        campaign: str = "reachout",
        session: requests.Session | None = None,
        smtp: SMTPFactory = smtplib.SMTP,
        smtp_ssl: SMTPFactory = smtplib.SMTP_SSL,
    ) -> None:
        self._report = report
        self._timeouts = timeouts
        self._password = smtp_password
        self._campaign = " ".join(campaign.split())  # one line: it goes into a header
        self._session = session or requests.Session()
        self._smtp, self._smtp_ssl = smtp, smtp_ssl

    @classmethod
    def from_settings(
        cls, settings: Settings, smtp_password: str | None, campaign: str, **kwargs: Any
    ) -> ReportDelivery:
        """Build from the effective settings and the secret (bot.settings.Secrets.get)."""
        return cls(settings.report, timeouts=settings.timeouts, smtp_password=smtp_password,
                   campaign=campaign, **kwargs)  # fmt: skip

    @property
    def channels(self) -> list[str]:
        """The channels configured: ``webhook``, ``e-mail``; empty when none."""
        r = self._report
        return ["webhook"] * bool(r.webhook_url) + ["e-mail"] * bool(r.smtp_host)

    def __call__(self, folder: Path, label: str, summary: str) -> list[str]:
        """Send the report in ``folder`` (label e.g. ``2027-W32``) by every configured channel.

        Returns:
            One message per channel that failed; empty when everything configured worked.
        """
        problems = []
        if self._report.webhook_url and (problem := self.send_webhook(summary)):
            problems.append(problem)
        if self._report.smtp_host and (problem := self.send_email(folder, label, summary)):
            problems.append(problem)
        return problems

    def send_webhook(self, summary: str) -> str | None:
        """POST ``{"text": summary}`` to the webhook; return what failed, or None."""
        if not self._report.webhook_url:
            return None
        text = summary if len(summary) <= MAX_WEBHOOK_CHARS else summary[:MAX_WEBHOOK_CHARS] + "…"
        timeout = (self._timeouts.connect_seconds, self._timeouts.read_seconds)
        try:
            response = self._session.post(
                self._report.webhook_url, json={"text": text}, timeout=timeout
            )
            response.raise_for_status()
        except requests.RequestException as exc:
            status = getattr(exc.response, "status_code", None)
            why = f"HTTP {status}" if status else type(exc).__name__
            return f"the report webhook failed ({why})"
        return None

    def send_email(self, folder: Path, label: str, summary: str) -> str | None:
        """E-mail the summary with report.html attached; return what failed, or None."""
        r = self._report
        recipients = [a.strip() for a in (r.email_to or "").split(",") if a.strip()]
        if not r.email_from or not recipients:
            return "e-mail is not set up: set report.email_from and report.email_to"
        if r.smtp_user and not self._password:
            return f"e-mail needs the SMTP password: set {PASSWORD_SECRET}"
        if r.smtp_user and r.smtp_security == "none":
            return "refusing to send the SMTP password unencrypted: use starttls or tls"
        try:
            message = self._message(folder, label, summary, r.email_from, recipients)
            self._send(message)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            # SMTP errors carry the server's reply, never our password.
            return f"the report e-mail to {r.smtp_host} failed ({type(exc).__name__}: {exc})"
        return None

    def _message(
        self, folder: Path, label: str, summary: str, sender: str, to: list[str]
    ) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = f"{self._campaign} weekly report {label}"
        message["From"] = sender
        message["To"] = ", ".join(to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message.set_content(summary)
        html = (folder / "report.html").read_bytes()
        message.add_attachment(html, maintype="text", subtype="html",
                               filename=f"report-{label}.html")  # fmt: skip
        return message

    def _send(self, message: EmailMessage) -> None:
        r = self._report
        assert r.smtp_host is not None
        timeout = self._timeouts.connect_seconds + self._timeouts.read_seconds
        context = ssl.create_default_context()
        if r.smtp_security == "tls":
            server = self._smtp_ssl(r.smtp_host, r.smtp_port, timeout=timeout, context=context)
        else:
            server = self._smtp(r.smtp_host, r.smtp_port, timeout=timeout)
        with server:
            if r.smtp_security == "starttls":
                server.starttls(context=context)
            if r.smtp_user:
                server.login(r.smtp_user, self._password)
            server.send_message(message)
