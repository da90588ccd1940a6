"""Alert delivery: what needs a human goes to a Slack-compatible webhook as well as the store.

The worker stores every alert (``reachout status`` lists the open ones) and, when the setting
``alerts.webhook_url`` is set, posts each one to that URL as ``{"text": "..."}``, the payload
Slack, Mattermost, Rocket.Chat and Microsoft Teams' incoming webhooks accept. Delivery never
blocks or breaks posting: calling the sink only queues the alert (a bounded queue; when full,
the alert is logged as dropped), and one background thread sends it with connect and read
timeouts from the settings, one attempt; a failure is logged (without the URL, which is itself
a credential) and otherwise ignored, since the alert is already in the store.
"""

from __future__ import annotations

import logging
import queue
import threading

import requests

log = logging.getLogger("reachout.alerts")


class WebhookAlerts:
    """An alert sink (``Poster(alert=...)``) posting to an incoming webhook.

    Args:
        url: the webhook URL, or None to deliver nothing (alerts stay in the store and log).
        connect_seconds: connect timeout, in seconds.
        read_seconds: read timeout, in seconds.
        campaign: a name to prefix each message with, e.g. "#RecessReachOut".
        session: the requests session (tests pass one; default a new Session).
    """

    def __init__(
        self,
        url: str | None,
        *,
        connect_seconds: float,
        read_seconds: float,
        campaign: str = "reachout",
        session: requests.Session | None = None,
    ) -> None:
        self._url = url
        self._timeout = (connect_seconds, read_seconds)
        self._campaign = campaign
        self._session = session or requests.Session()
        self._queue: queue.Queue[tuple[str, str, str | None]] = queue.Queue(maxsize=100)
        self._thread: threading.Thread | None = None

    def __call__(self, kind: str, message: str, key: str | None = None) -> None:
        """Queue one alert for delivery and return at once (the Poster's alert sink)."""
        if not self._url:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, name="alerts", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait((kind, message, key))
        except queue.Full:
            log.warning("alert webhook queue full: dropped kind=%s (it is in the store)", kind)

    def _drain(self) -> None:
        while True:
            self.deliver(*self._queue.get())
            self._queue.task_done()

    def wait(self) -> None:
        """Block until every queued alert was attempted (tests, and at shutdown if wanted)."""
        self._queue.join()

    def deliver(self, kind: str, message: str, key: str | None = None) -> bool:
        """Deliver one alert; return True when the webhook accepted it (2xx)."""
        if not self._url:
            return False
        text = f"[{self._campaign}] {kind}: {message}" + (f" (post {key})" if key else "")
        try:
            response = self._session.post(self._url, json={"text": text}, timeout=self._timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            status = getattr(exc.response, "status_code", None)
            log.warning(
                "alert webhook failed kind=%s error=%s status=%s", kind, type(exc).__name__, status
            )
            return False
        return True
