"""Posting rules: claim a due post in the ledger, re-check it, send it to X, record the outcome.

`Poster.post_due` is the scheduler's job function for one due occurrence; `Poster.resolve_unknown`
settles posts whose fate is unknown. The ledger states and their meaning are DESIGN.md's
("The ledger"); how X's answers map onto them:

================================  ==============================================================
X's answer / situation            ledger state (and what happens next)
================================  ==============================================================
201                               ``posted`` with X's id
403 duplicate content             ``duplicate``, alert once (after an ``unknown`` attempt: the
                                  own posts are searched first, it is probably ours → ``posted``)
403 refused @mention              ``skipped``; tagged posting off (state ``tagged_posting``), alert
other 4xx                         ``skipped`` with X's message, alert
429                               ``rate_limited`` until X's reset (assumed +15 min when not
                                  sent) if that is not after ``latest_at_utc``, else ``missed``
401 / auth 403                    ``auth_broken``; ALL posting paused (state ``posting_paused``)
5xx, timeout, lost connection     ``unknown``: never re-sent before the account's own posts show
                                  the post is not there (then claimed again if still in time)
no connection made                ``unknown`` as well: the store has no "failed before reaching
                                  X" state, ``rate_limited`` would misreport a 429, and checking
                                  the own posts (one cheap owned read) before the retry is safe
time plus late_ok passed          ``missed`` (never posted late), alert
caps, length, tagging off         ``skipped`` (a row already tried and stopped by caps: ``missed``)
================================  ==============================================================

**Caps** (settings ``caps``) are checked before the claim: ``posts_per_day`` per *UTC* day
(00:00-24:00 UTC, the day X's own 24-hour counters and billing use), ``posts_per_15_minutes``
in the rolling 15 minutes up to now, ``min_spacing_minutes`` since the last post. A post that
went out or may have (``unknown``) counts. When a cap blocks a post that can wait, the
outcome is ``deferred`` with ``retry_at``: not a ledger state, nothing is written, and the
scheduler calls `Poster.post_due` again at ``retry_at``. The same holds for ``rate_limited``
and ``unknown`` outcomes that carry a ``retry_at``. A ``deferred`` outcome without one means
posting is paused: call again after `Poster.resume`.

Every outcome is one log line on ``reachout.posting`` (``key=… state=… x_post_id=… reason=…``,
the same fields in ``extra``); post texts and credentials are never logged. Outcomes that need
a human are alerts too (`Store.add_alert`, plus the optional callback).
"""

from __future__ import annotations

import html
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.compose import PlannedPost
from bot.errors import StoreError, XAuthError, XError, XRateLimited, XRejected, XUnavailable
from bot.settings import Caps
from bot.store import LedgerRow, LedgerState, Occurrence, Store
from bot.twitter_text import MAX_WEIGHTED_LENGTH, extract_urls, weighted_length
from bot.x_models import PostResult, XClient, XPost

log = logging.getLogger("reachout.posting")

OutcomeState = LedgerState | Literal["deferred"]
AlertSink = Callable[[str, str, str | None], None]
"""An alert callback: (kind, message, ledger key or None)."""

PAUSED_STATE = "posting_paused"  # store state: set (to "auth: <why>") while posting is paused
TAGGED_STATE = "tagged_posting"  # store state: "off: <why>" stops posts that @-tag anyone
FINAL = frozenset({"posted", "duplicate", "missed", "skipped"})
DAY = timedelta(days=1)
WINDOW = timedelta(minutes=15)
ASSUMED_RESET = timedelta(minutes=15)  # a 429 without a reset time: X's windows are 15 minutes
CHECK_RETRY = timedelta(minutes=1)  # after a failed own-posts check
FOUND = "found on the account after an unknown send"
_URL = "\x00url\x00"
_NEEDS_HUMAN = frozenset({"missed", "duplicate", "auth_broken", "skipped"})


@dataclass(frozen=True)
class Outcome:
    """What became of one due post.

    Attributes:
        key: the ledger key.
        state: the ledger state now, or ``"deferred"`` (a cap or the pause held it; not
            claimed, no row written).
        x_post_id: the post's id on X, when posted.
        reason: why, in a few words (X's message, the cap, ...); "" when posted as planned.
        retry_at: when to call `Poster.post_due` again (aware UTC); None: no retry due.
    """

    key: str
    state: OutcomeState
    x_post_id: str | None = None
    reason: str = ""
    retry_at: datetime | None = None


class Poster:
    """Sends due posts under the ledger's rules; one per worker, safe across processes."""

    def __init__(
        self,
        store: Store,
        client: XClient,
        caps: Caps,
        *,
        alert: AlertSink | None = None,
        user_id: str | None = None,
        settle_seconds: float = 30.0,
        stale_sending_seconds: float = 600.0,
        lookback_seconds: float = 300.0,
    ) -> None:
        """Build the poster.

        Args:
            store: the ledger (claims make it safe for several workers on one file).
            client: X, live or sandbox.
            caps: the posting limits.
            alert: called once per new alert with (kind, message, key); its failures are
                logged, never raised.
            user_id: the account's id; None: asked once with ``GET /2/users/me``.
            settle_seconds: an ``unknown`` post is declared absent only this long after the
                failed send, so X has had time to show it on the account.
            stale_sending_seconds: a ``sending`` row older than this belongs to a worker that
                stopped mid-send; it becomes ``unknown``. Must exceed the X request timeouts.
            lookback_seconds: the own-posts check reads from the first claim minus this.
        """
        self._store = store
        self._client = client
        self._caps = caps
        self._alert = alert
        self._user_id = user_id
        self._settle = timedelta(seconds=settle_seconds)
        self._stale = timedelta(seconds=stale_sending_seconds)
        self._lookback = timedelta(seconds=lookback_seconds)

    def post_due(self, planned: PlannedPost, *, now: datetime) -> Outcome:
        """Post one due occurrence, at most once, or say why not and when to try again.

        Calls X at most twice (an own-posts read for an ``unknown`` row, one ``POST
        /2/tweets``) and never sleeps. Calling it again for a settled key changes nothing.

        Args:
            planned: the occurrence, as composed.
            now: the current time (aware); posted_at and every stamp use it.

        Returns:
            The outcome, also logged (and alerted when a human is needed).

        Raises:
            StoreError: the database failed (the row then stays ``sending`` and becomes
                ``unknown`` after ``stale_sending_seconds``).
        """
        row = self._store.get(planned.key)
        if row is not None and row.state == "sending":
            if now - row.updated_at < self._stale:
                why = "another worker is sending it"
                return self._done(
                    Outcome(planned.key, "sending", None, why, row.updated_at + self._stale)
                )
            row = self._unstick(row, now)
        if row is not None and row.state in FINAL:
            return self._done(
                Outcome(planned.key, row.state, row.x_post_id, f"already {row.state}")
            )
        if row is None and (earlier := self._posted_before(planned)) is not None:
            why = f"already posted as {earlier.key} (the calendar moved it): not posted again"
            if not self._store.skip(planned.key, reason=why, now=now, **_occurrence(planned)):
                return self._current(planned.key, "settled by another worker")
            return self._done(Outcome(planned.key, "skipped", earlier.x_post_id, why))
        late = now > planned.latest_at_utc
        if (paused := self._store.get_state(PAUSED_STATE)) is not None:
            if late and (row is None or row.state != "unknown"):  # unknown: only after a check
                return self._miss(planned, "its time plus late_ok passed while paused", now)
            state: OutcomeState = "deferred" if row is None else row.state
            return self._done(Outcome(planned.key, state, None, f"posting paused ({paused})"))
        if row is not None and row.state == "unknown":
            settled = self._settle_unknown(row, planned.latest_at_utc, now)
            if settled is not None:
                return self._done(settled)
        if late:
            return self._miss(planned, "its time plus late_ok passed; never posted late", now)
        reset_at = row.next_attempt_at if row is not None and row.state == "rate_limited" else None
        if reset_at is not None and now < reset_at:
            why = "waiting for X's rate-limit reset"
            return self._done(Outcome(planned.key, "rate_limited", None, why, reset_at))
        blocked = self._caps_block(now, row if row is not None and row.state == "unknown" else None)
        if blocked is not None:
            retry_at, why = blocked
            if retry_at <= planned.latest_at_utc:
                return self._done(Outcome(planned.key, "deferred", None, why, retry_at))
            if row is None:
                if not self._store.skip(planned.key, reason=why, now=now, **_occurrence(planned)):
                    return self._current(planned.key, "settled by another worker")
                return self._alerting("skipped", Outcome(planned.key, "skipped", None, why), now)
            return self._miss(planned, why, now)
        return self._send(planned, row, now)

    def _posted_before(self, planned: PlannedPost) -> LedgerRow | None:
        """The same calendar entry and target group, posted under another time the same day.

        One entry goes out at most once a day per group, so a posted row of the same entry
        within 20 hours is this occurrence, moved by a calendar edit after it went out.
        """
        span = timedelta(hours=20)
        rows = self._store.rows(
            states=["posted"], since=planned.at_utc - span, until=planned.at_utc + span
        )
        return next(
            (
                r
                for r in rows
                if r.item_id == planned.post_id
                and r.key != planned.key
                and r.target_group == planned.target_group
            ),
            None,
        )

    def resolve_unknown(self, *, now: datetime) -> list[Outcome]:
        """Settle every ``unknown`` row against the account's own posts, re-sending nothing.

        First turns stale ``sending`` rows (a worker stopped mid-send) into ``unknown``. Then,
        per row, reads ``GET /2/users/:id/tweets`` from its first claim minus the lookback and
        looks for its exact text (NFC; X's ``&amp;`` escapes and t.co links undone): found →
        ``posted`` with that id; absent and past late_ok → ``missed`` (alerted); absent and
        still in time → stays ``unknown`` with ``retry_at`` = now: `post_due` may send it again.
        While posting is paused nothing is read.

        Args:
            now: the current time (aware).

        Returns:
            One outcome per ``unknown`` row, oldest first (each logged).
        """
        for row in self._store.rows(states=["sending"]):
            if now - row.updated_at >= self._stale:
                self._unstick(row, now)
        paused = self._store.get_state(PAUSED_STATE)
        outcomes = []
        for row in self._store.pending_unknown():
            latest = row.scheduled_at + timedelta(seconds=row.late_ok_seconds)
            if paused is not None:
                found = Outcome(row.key, "unknown", None, f"posting paused ({paused})")
            else:
                why = "not on the account: may be sent again"
                found = self._settle_unknown(row, latest, now) or Outcome(
                    row.key, "unknown", None, why, now
                )
            outcomes.append(self._done(found))
        return outcomes

    def resume(self, *, now: datetime) -> None:
        """Lift the posting pause (credentials fixed) and resolve the open auth alert."""
        resume_posting(self._store, now=now)

    # --- sending ------------------------------------------------------------------------------

    def _send(self, planned: PlannedPost, row: LedgerRow | None, now: datetime) -> Outcome:
        """Claim, re-check the policy, send once, record what X said."""
        key = planned.key
        was_unknown = row is not None and row.state == "unknown"
        retry_auth = row is not None and row.state == "auth_broken"
        if not self._store.claim(
            key,
            now=now,
            retry_unknown=was_unknown,
            retry_auth_broken=retry_auth,
            **_occurrence(planned),
        ):
            return self._current(key, "another worker claimed it first")
        refused = self._policy_refusal(planned)
        if refused is not None:
            self._store.record(key, "skipped", now=now, error=refused)
            skipped = Outcome(key, "skipped", None, refused)
            if refused.startswith("tagged posting is off"):  # alerted when it was turned off
                return self._done(skipped)
            return self._alerting("skipped", skipped, now)
        try:
            result: PostResult = self._client.create_post(planned.text)
        except XRejected as exc:
            return self._rejected(planned, exc, was_unknown, now)
        except XRateLimited as exc:
            reset_at = exc.reset_at or now + ASSUMED_RESET
            if reset_at <= planned.latest_at_utc:
                self._store.record(
                    key, "rate_limited", now=now, error=str(exc), next_attempt_at=reset_at
                )
                return self._done(Outcome(key, "rate_limited", None, str(exc), reset_at))
            why = f"{exc}; the reset is after the post's late_ok window"
            self._store.record(key, "missed", now=now, error=why)
            return self._alerting("missed", Outcome(key, "missed", None, why), now)
        except XAuthError as exc:
            self._store.record(key, "auth_broken", now=now, error=str(exc))
            return self._done(self._pause(key, "auth_broken", exc, now))
        except XError as exc:  # XUnavailable (and anything unexpected from X): it may be there
            reached = not isinstance(exc, XUnavailable) or exc.may_have_reached_x
            why = str(exc) if reached else f"{exc} (checked on the account before any retry)"
            self._store.record(key, "unknown", now=now, error=why)
            return self._done(Outcome(key, "unknown", None, why, now + self._settle))
        return self._done(self._posted(key, result.post_id, None, "", now))

    def _rejected(
        self, planned: PlannedPost, exc: XRejected, was_unknown: bool, now: datetime
    ) -> Outcome:
        key, why = planned.key, str(exc)
        if exc.duplicate and was_unknown:  # an earlier attempt probably went out: look for it
            row = self._store.get(key)
            assert row is not None  # claimed above
            try:
                found = self._find_own(row)
            except XError as check_failed:
                why = f"{why}; after an unknown attempt, so probably posted ({check_failed})"
                self._store.record(key, "unknown", now=now, error=why)
                return self._done(Outcome(key, "unknown", None, why, now + CHECK_RETRY))
            if found is not None:
                return self._done(self._posted(key, found.post_id, found.created_at, FOUND, now))
        if exc.duplicate:
            self._store.record(key, "duplicate", now=now, error=why)
            return self._alerting("duplicate", Outcome(key, "duplicate", None, why), now)
        if exc.mention_refused:
            if not (self._store.get_state(TAGGED_STATE) or "").startswith("off"):
                self._store.set_state(TAGGED_STATE, f"off: {why}", now)
            self._store.record(key, "skipped", now=now, error=why)
            self.raise_alert("tagged_posting_off", f"tagged posting turned off: {why}", None, now)
            return self._done(Outcome(key, "skipped", None, why))
        self._store.record(key, "skipped", now=now, error=why)
        return self._alerting("rejected", Outcome(key, "skipped", None, why), now)

    def _policy_refusal(self, planned: PlannedPost) -> str | None:
        if planned.refusal:  # composition refused it, e.g. an @-tag of someone out of office
            return planned.refusal
        length = weighted_length(planned.text)
        if length > MAX_WEIGHTED_LENGTH:
            return f"weighted length {length} is over {MAX_WEIGHTED_LENGTH}"
        tagged_posting = self._store.get_state(TAGGED_STATE) or ""
        if planned.tagged and tagged_posting.startswith("off"):
            return f"tagged posting is {tagged_posting}"
        return None

    def _caps_block(self, now: datetime, retrying: LedgerRow | None) -> tuple[datetime, str] | None:
        """Return (earliest time all caps allow a post, why) or None when they allow it now.

        ``retrying``: an ``unknown`` row about to be re-sent. It already counts as sent (the
        store counts ``unknown`` rows) and its retry replaces it, so it is left out.
        """
        caps, store = self._caps, self._store
        mine = retrying.updated_at if retrying is not None else None

        def sent(start: datetime, end: datetime) -> int:
            own = int(mine is not None and start <= mine < end)
            return store.posts_sent_between(start, end) - own

        end = now + timedelta(seconds=1)  # stamps are whole seconds: include this second
        blocks: list[tuple[datetime, str]] = []
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if sent(day, day + DAY) >= caps.posts_per_day:
            blocks.append((day + DAY, f"daily cap of {caps.posts_per_day} posts (UTC day) reached"))
        if sent(now - WINDOW, end) >= caps.posts_per_15_minutes:
            low, high = 1, int(WINDOW.total_seconds())  # first second the window frees a slot
            while low < high:
                mid = (low + high) // 2
                if sent(now + timedelta(seconds=mid) - WINDOW, end) >= caps.posts_per_15_minutes:
                    low = mid + 1
                else:
                    high = mid
            why = f"cap of {caps.posts_per_15_minutes} posts per 15 minutes reached"
            blocks.append((now + timedelta(seconds=low), why))
        last = store.last_posted_at()
        spacing = timedelta(minutes=caps.min_spacing_minutes)
        if last is not None and last != mine and now < last + spacing:
            blocks.append(
                (last + spacing, f"{caps.min_spacing_minutes} min spacing since the last post")
            )
        if not blocks:
            return None
        return max(at for at, _ in blocks), "; ".join(why for _, why in blocks)

    # --- the unknown case -------------------------------------------------------------------

    def _settle_unknown(self, row: LedgerRow, latest: datetime, now: datetime) -> Outcome | None:
        """Look for an ``unknown`` post on the account; None: absent and still in time."""
        if now - row.updated_at < self._settle:
            why = "waiting for X to show the post before checking the account"
            return Outcome(row.key, "unknown", None, why, row.updated_at + self._settle)
        try:
            found = self._find_own(row)
        except XAuthError as exc:
            return self._pause(row.key, "unknown", exc, now)
        except XRateLimited as exc:
            why = f"could not check the account's posts: {exc}"
            return Outcome(row.key, "unknown", None, why, exc.reset_at or now + ASSUMED_RESET)
        except XError as exc:
            why = f"could not check the account's posts: {exc}"
            return Outcome(row.key, "unknown", None, why, now + CHECK_RETRY)
        if found is not None:
            return self._posted(row.key, found.post_id, found.created_at, FOUND, now)
        if now > latest:
            why = "not on the account and its time plus late_ok passed; never posted late"
            if not self._store.mark_missed(row.key, reason=why, now=now, **_row_occurrence(row)):
                row = self._store.get(row.key) or row  # another worker settled it
                return Outcome(row.key, row.state, row.x_post_id, "settled by another worker")
            self.raise_alert("missed", why, row.key, now)
            return Outcome(row.key, "missed", None, why)
        return None

    def _unstick(self, row: LedgerRow, now: datetime) -> LedgerRow:
        """Turn a stale ``sending`` row (its worker stopped mid-send) into ``unknown``."""
        why = "the worker stopped while sending it: it may have reached X"
        try:
            self._store.record(row.key, "unknown", now=now, error=why)
        except StoreError:  # its worker finished after all (or another one got here first)
            if (current := self._store.get(row.key)) is None or current.state == "sending":
                raise
            return current
        return self._store.get(row.key) or row  # its outcome is logged by the caller

    def _find_own(self, row: LedgerRow) -> XPost | None:
        """Return the account's post with this row's text, if X shows one (every page since)."""
        if self._user_id is None:
            self._user_id = self._client.me().user_id
        since, wanted, token = row.created_at - self._lookback, _comparable(row.text), None
        for _ in range(32):  # newest first, 100 a page, and X shows an account's newest 3,200
            page = self._client.own_posts(self._user_id, start_time=since, pagination_token=token)
            found = (p for p in page.posts if _comparable(html.unescape(p.text)) == wanted)
            if (post := next(found, None)) is not None or (token := page.next_token) is None:
                return post
        return None

    def _posted(
        self, key: str, x_post_id: str, at: datetime | None, why: str, now: datetime
    ) -> Outcome:
        """Record ``posted``, unless another job (the resolve job, a retry) found it first."""
        try:
            self._store.record(key, "posted", now=now, x_post_id=x_post_id, posted_at=at)
        except StoreError:
            if (current := self._store.get(key)) is None or current.state != "posted":
                raise
            return Outcome(key, "posted", current.x_post_id, "found by another job meanwhile")
        return Outcome(key, "posted", x_post_id, why)

    # --- outcomes, alerts, logs ---------------------------------------------------------------

    def _miss(self, planned: PlannedPost, why: str, now: datetime) -> Outcome:
        if not self._store.mark_missed(planned.key, reason=why, now=now, **_occurrence(planned)):
            return self._current(planned.key, "settled by another worker")
        return self._alerting("missed", Outcome(planned.key, "missed", None, why), now)

    def _pause(self, key: str, state: OutcomeState, exc: XAuthError, now: datetime) -> Outcome:
        why = f"{exc}; all posting paused until the credentials are fixed"
        self._store.set_state(PAUSED_STATE, f"auth: {exc}", now)
        self.raise_alert("auth_broken", why, None, now)
        return Outcome(key, state, None, why)

    def _current(self, key: str, why: str) -> Outcome:
        row = self._store.get(key)
        assert row is not None  # claim and mark_missed refuse only existing rows
        return self._done(Outcome(key, row.state, row.x_post_id, why))

    def _alerting(self, kind: str, outcome: Outcome, now: datetime) -> Outcome:
        """Open an alert of ``kind`` about the outcome, then log it."""
        message = f"{outcome.key}: {outcome.state}: {outcome.reason}"
        self.raise_alert(kind, message, outcome.key, now)
        return self._done(outcome)

    def _done(self, outcome: Outcome) -> Outcome:
        """Log the outcome as one line (WARNING when it needs a human) and return it."""
        fields = {
            "key": outcome.key,
            "state": outcome.state,
            "x_post_id": outcome.x_post_id,
            "reason": outcome.reason,
            "retry_at": outcome.retry_at.isoformat() if outcome.retry_at else None,
        }
        level = logging.WARNING if outcome.state in _NEEDS_HUMAN else logging.INFO
        text = " ".join(f"{name}={value}" for name, value in fields.items() if value)
        log.log(level, "%s", text, extra=fields)
        return outcome

    def raise_alert(self, kind: str, message: str, key: str | None, now: datetime) -> None:
        """Open an alert in the store; deliver it (callback) only if it was not open already."""
        already = any(a.kind == kind and a.key == key for a in self._store.open_alerts())
        self._store.add_alert(kind, message, now=now, key=key)
        if self._alert is None or already:
            return
        try:
            self._alert(kind, message, key)
        except Exception:  # a broken webhook must not stop posting; the store keeps the alert
            log.exception("the alert callback failed for %s", kind)


def _occurrence(planned: PlannedPost) -> Occurrence:
    late_ok = planned.latest_at_utc - planned.at_utc
    return Occurrence(
        item_id=planned.post_id,
        scheduled_at=planned.at_utc,
        late_ok_seconds=max(int(late_ok.total_seconds()), 0),
        target_group=planned.target_group,
        text=planned.text,
    )


def _row_occurrence(row: LedgerRow) -> Occurrence:
    return Occurrence(
        item_id=row.item_id,
        scheduled_at=row.scheduled_at,
        late_ok_seconds=row.late_ok_seconds,
        target_group=row.target_group,
        text=row.text,
    )


def _comparable(text: str) -> str:
    """A post's text as X may give it back: NFC, URLs masked (X wraps them in t.co), trimmed."""
    text = unicodedata.normalize("NFC", text).strip()
    for url in extract_urls(text):
        text = text.replace(url, _URL, 1)
    return text


def resume_posting(store: Store, *, now: datetime, tagged: bool = False) -> list[str]:
    """Lift the pause an auth failure set (and, with tagged, re-enable @-tagging posts).

    Args:
        store: the ledger's store.
        now: aware UTC.
        tagged: also turn tagged posting back on after X refused a mention.

    Returns:
        What was lifted, e.g. ["posting pause (auth: ...)"]; empty when nothing was.
    """
    lifted, kinds = [], {"auth_broken"} | ({"tagged_posting_off"} if tagged else set())
    for name, label in ((PAUSED_STATE, "posting pause"), (TAGGED_STATE, "tagged posting off")):
        value = store.get_state(name)
        if value is not None and (name == PAUSED_STATE or tagged):
            store.set_state(name, None, now)
            lifted.append(f"{label} ({value})")
    for open_alert in store.open_alerts():
        if open_alert.kind in kinds:
            store.resolve_alert(open_alert.id, now)
    log.info("posting resumed", extra={"state": "resumed"})
    return lifted
