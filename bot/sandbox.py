"""Sandbox traffic: what supporters, legislators and X's failures add to the sandbox X.

`Traffic` feeds a `bot.testing.SandboxX` with the posts a campaign brings back, for
``reachout simulate`` and the sandbox worker, deterministically for a seed (settings
``simulation``):

- **supporters' campaign-hashtag posts**, each tagging the author's own senators and House
  member (handles from the real directory, ``data/legislators.yaml``), at
  ``hashtag_posts_per_day`` on average with a daily rhythm in the campaign's time zone (quiet
  at night, busiest in the evening); some quote our posts, some also mention the account;
  supporters are a fixed pool in which a few post often, so there are fewer authors than posts;
- **supporters' replies to our posts**, ``replies_per_post`` each on average, over the hours
  after the post; they mention the account (mentions timeline), some carry the hashtag
  (recent search too);
- **legislators' replies**, ``legislator_replies_per_day``, in office hours, from the
  legislator's real account: to a supporter who tagged them, or to our latest post;
- **our posts' public metrics**, growing with age (impressions, likes, reposts, bookmarks;
  replies and quotes as fed);
- **faults** at ``fault_percent`` of calls: 429 with a reset, 503, a connect timeout (nothing
  sent), and a read timeout after X acted (a post that reached X although the connection
  dropped), via `SandboxX.inject_faults`.

Posts are `XPost` values as `bot.x_models.page_from_json` makes them from X API v2 pages
(``expansions=author_id``, entities with user ids, ``public_metrics``, ``lang``);
:func:`post_json` writes one back in that shape. X's limits stay the sandbox's: the 800-mention
cap, duplicate refusal and the 15-minute rate limits. Who the supporters are and the texts
everyone posts: `bot.sandbox_crowd`. Nothing here reads a clock.
"""

from __future__ import annotations

import hashlib
import math
import random
from bisect import bisect
from collections import Counter, deque
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate, chain, count
from typing import Any
from zoneinfo import ZoneInfo

from bot.legislators import Directory, Legislator
from bot.sandbox_crowd import (
    AGAIN_SUFFIXES,
    HASHTAG_TEXTS,
    HASHTAG_TEXTS_ES,
    QUOTE_TEXTS,
    REPLY_TEXTS,
    REPLY_TEXTS_ES,
    STANDALONE_TEXT,
    TO_SUPPORTER_TEXTS,
    TO_US_TEXTS,
    Supporter,
    legislator_x_id,
    supporter_pool,
)
from bot.settings import Simulation
from bot.testing import Fault, SandboxX
from bot.twitter_text import extract_hashtags, extract_mentions
from bot.x_models import (
    CREATE_POST,
    MENTIONS,
    OWN_POSTS,
    POSTS_BY_ID,
    SEARCH_RECENT,
    Account,
    XPost,
)

# Relative activity per local hour 0-23: supporters (waking hours, evening peak) and
# legislators' offices (office hours).
SUPPORTER_HOURS = (
    0.35, 0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.0, 1.0,
    1.1, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 2.0, 1.8, 1.3, 0.7,
)  # fmt: skip
OFFICE_HOURS = (
    0, 0, 0, 0, 0, 0, 0, 0.2, 0.8, 1.0, 1.0, 1.0,
    0.8, 1.0, 1.0, 1.0, 1.0, 0.8, 0.4, 0.2, 0.1, 0, 0, 0,
)  # fmt: skip
FAULT_ENDPOINTS = (CREATE_POST, MENTIONS, SEARCH_RECENT, OWN_POSTS, POSTS_BY_ID)
"""Endpoints faults are injected into by default (not ``GET /2/users/me``)."""
INJECTED_FAULTS = ("rate_limited", "server_error", "unavailable_before", "unavailable_after")
"""The `bot.testing.FAULT_KINDS` injected, equally often: 429, 503, timeouts before/after."""
QUOTE_SHARE = 0.08  # of hashtag posts, when we have a recent post to quote
MENTION_SHARE = 0.15  # of hashtag posts that also mention the account
SPANISH_SHARE = 0.08
REPLY_HASHTAG_SHARE = 0.4
REPLY_MEAN_DELAY = timedelta(hours=3)
REPLY_MAX_DELAY = timedelta(hours=48)
METRICS_WINDOW = timedelta(days=4)  # our posts' metrics grow this long (replies, quotes end by 3)
RECENT = timedelta(hours=72)  # what a quote or a legislator's reply may answer


@dataclass(frozen=True)
class TrafficStats:
    """What one `Traffic.advance` fed into the sandbox X.

    Attributes:
        hashtag_posts: supporters' campaign-hashtag posts (quotes included).
        quotes: of those, the ones quoting one of our posts.
        replies: supporters' replies to our posts.
        legislator_replies: posts by legislators' accounts.
        mentions: posts fed to the mentions timeline.
        searchable: posts fed to recent search.
        metrics_updates: our posts whose public metrics changed.
    """

    hashtag_posts: int = 0
    quotes: int = 0
    replies: int = 0
    legislator_replies: int = 0
    mentions: int = 0
    searchable: int = 0
    metrics_updates: int = 0

    def __add__(self, other: TrafficStats) -> TrafficStats:
        """Add two periods' figures."""
        return TrafficStats(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))


@dataclass(frozen=True, order=True)
class _Draft:
    """A post to come: when, and the key its details are drawn from."""

    at: datetime
    key: str
    kind: str
    parent: XPost | None = None


class Traffic:
    """Deterministic sandbox traffic and faults for one campaign account and one seed."""

    def __init__(
        self,
        x: SandboxX,
        directory: Directory,
        *,
        simulation: Simulation,
        hashtag: str,
        account: Account,
        timezone: ZoneInfo,
        fault_endpoints: Collection[str] = FAULT_ENDPOINTS,
    ) -> None:
        """Prepare the supporter pool and start injecting faults into ``x``.

        Args:
            x: the sandbox X the traffic goes into; its faults are injected from now on
                (`SandboxX.inject_faults`).
            directory: the legislator directory (whose handles are tagged and who replies).
            simulation: the settings' ``simulation`` block (volumes, fault rate, seed).
            hashtag: the campaign hashtag, ``#`` optional (``#RecessReachOut``).
            account: the campaign account (``x.me()``): who is mentioned and replied to.
            timezone: the campaign's zone: the daily rhythm follows its local hours.
            fault_endpoints: endpoint names (`bot.x_models`) faults may hit.
        """
        self._x, self._sim, self._tz, self._account = x, simulation, timezone, account
        self._tag = "#" + hashtag.lstrip("#")
        self._directory = directory
        self._fault_endpoints = frozenset(fault_endpoints)
        self._handled = [m for m in directory.members if m.x]
        self._user_ids = {m.x.lower(): legislator_x_id(m) for m in self._handled if m.x}
        self._user_ids[account.username.lower()] = account.user_id
        size = min(max(50, 4 * simulation.hashtag_posts_per_day), 5000)
        pool = supporter_pool(directory, size=size, seed=simulation.seed, taken=self._user_ids)
        self.supporters = {s.user_id: s for s in pool}
        """User id → `Supporter`, the whole pool (each tags only their own state's members)."""
        self._pool = pool
        self._cumulative = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(pool))))
        self._own: list[XPost] = []
        self._pending: list[_Draft] = []
        self._tagging: deque[tuple[XPost, tuple[Legislator, ...]]] = deque(maxlen=400)
        self._answers: Counter[tuple[str, str]] = Counter()  # (post id, reply|quote)
        self._metrics: dict[str, dict[str, int]] = {}
        self._reach: dict[str, tuple[float, float]] = {}  # final impressions, likes
        self._texts: set[tuple[str, str]] = set()
        self._calls: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        """Faults injected so far, by kind (`INJECTED_FAULTS`)."""
        x.inject_faults(self.fault_for)

    def advance(self, start: datetime, end: datetime) -> TrafficStats:
        """Feed the sandbox X the traffic created in [start, end), then update our metrics.

        Call it for consecutive periods with ``end`` no later than the sandbox clock (X shows
        no post from the future). The same seed and the same calls (and the same posts of
        ours) give identical posts, ids, texts and times; splitting a period in two changes
        nothing. Replies to a post of ours are planned when a call first sees it.

        Args:
            start: aware datetime, the period's start (any zone; UTC is used).
            end: aware datetime, its end (excluded), not before ``start``.

        Returns:
            The counts fed.

        Raises:
            ValueError: a naive datetime, or ``end`` before ``start``.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("Traffic.advance needs aware datetimes")
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        self._plan_replies(start)
        due = [d for d in self._pending if d.at < end]
        self._pending = [d for d in self._pending if d.at >= end]
        drafts = sorted([*self._hourly(start, end), *due])
        mentions: list[XPost] = []
        searchable: list[XPost] = []
        kinds: Counter[str] = Counter()
        for draft in drafts:
            post, kind = self._make(draft)
            kinds[kind] += 1
            if self._account.user_id in {i for _, i in post.mentions}:
                mentions.append(post)
            if self._tag[1:].lower() in {t.lower() for t in post.hashtags}:
                searchable.append(post)
        self._x.feed_mentions(*mentions)
        self._x.feed_search(*searchable)
        return TrafficStats(
            hashtag_posts=kinds["hashtag"] + kinds["quote"],
            quotes=kinds["quote"],
            replies=kinds["reply"],
            legislator_replies=kinds["legislator"],
            mentions=len(mentions),
            searchable=len(searchable),
            metrics_updates=self._grow_metrics(end),
        )

    def fault_for(self, endpoint: str) -> Fault | None:
        """Decide whether this call to ``endpoint`` fails (the sandbox asks on every call).

        The n-th call to an endpoint fails or not by the seed alone, at ``fault_percent``.

        Args:
            endpoint: the endpoint name, e.g. ``POST /2/tweets``.

        Returns:
            The fault (one of `INJECTED_FAULTS`; a 429 resets 1 to 15 minutes later), or None.
        """
        n = self._calls[endpoint]
        self._calls[endpoint] += 1
        seed = self._sim.seed
        if endpoint not in self._fault_endpoints:
            return None
        if _unit(seed, "fault", endpoint, n) * 100 >= self._sim.fault_percent:
            return None
        kind = INJECTED_FAULTS[int(_unit(seed, "kind", endpoint, n) * len(INJECTED_FAULTS))]
        self.faults[kind] += 1
        reset = 60 + int(_unit(seed, "reset", endpoint, n) * 840)
        return Fault(kind, endpoint, reset_after_seconds=reset)

    # --- planning -----------------------------------------------------------------------------

    def _hourly(self, start: datetime, end: datetime) -> Iterator[_Draft]:
        """Hashtag posts and legislators' replies of the UTC hours overlapping [start, end)."""
        seed, total, office = self._sim.seed, sum(SUPPORTER_HOURS), sum(OFFICE_HOURS)
        first, last = math.floor(start.timestamp() / 3600), math.ceil(end.timestamp() / 3600)
        for hour in range(first, last):
            local = datetime.fromtimestamp(hour * 3600, self._tz).hour
            rates = (
                ("hashtag", self._sim.hashtag_posts_per_day * SUPPORTER_HOURS[local] / total),
                ("legislator", self._sim.legislator_replies_per_day * OFFICE_HOURS[local] / office),
            )
            for kind, rate in rates:
                rng = random.Random(f"{seed}:{kind}:{hour}")
                for i in range(_poisson(rng, rate)):
                    at = datetime.fromtimestamp(hour * 3600 + rng.randrange(3600), UTC)
                    if start <= at < end:
                        yield _Draft(at, f"{kind}:{hour}:{i}", kind)

    def _plan_replies(self, start: datetime) -> None:
        """Plan the supporters' replies to posts of ours not seen before."""
        known = {p.post_id for p in self._own}
        for post in self._x.posts:
            if post.post_id in known or post.created_at is None:
                continue
            self._own.append(post)
            rng = random.Random(f"{self._sim.seed}:replies:{post.post_id}")
            mean_hours = REPLY_MEAN_DELAY.total_seconds() / 3600
            for i in range(_poisson(rng, self._sim.replies_per_post)):
                delay = min(timedelta(hours=rng.expovariate(1 / mean_hours)), REPLY_MAX_DELAY)
                at = max(post.created_at + timedelta(seconds=30) + delay, start)
                at = at.replace(microsecond=0)
                self._pending.append(_Draft(at, f"{post.post_id}:{i}", "reply", post))
        self._own.sort(key=lambda p: (p.created_at or start, int(p.post_id)))

    # --- making posts -------------------------------------------------------------------------

    def _make(self, draft: _Draft) -> tuple[XPost, str]:
        rng = random.Random(f"{self._sim.seed}:{draft.key}")
        if draft.kind == "legislator":
            return self._legislator_post(rng, draft.at), "legislator"
        who = self._pool[bisect(self._cumulative, rng.random() * self._cumulative[-1])]
        tagged = self._tags_of(who, rng)
        spanish = rng.random() < SPANISH_SHARE
        if draft.kind == "reply" and draft.parent is not None:
            template = rng.choice(REPLY_TEXTS_ES if spanish else REPLY_TEXTS)
            text = f"@{self._account.username} " + _fill(template, tagged, self._tag)
            if rng.random() < REPLY_HASHTAG_SHARE:
                text += f" {self._tag}"
            self._answers[draft.parent.post_id, "reply"] += 1
            parent = draft.parent
            return self._post(
                rng, text, who.user_id, who.username, draft.at, spanish, reply_to=parent
            ), "reply"
        quoted = self._recent_own(draft.at) if rng.random() < QUOTE_SHARE else None
        template = rng.choice(
            QUOTE_TEXTS if quoted else HASHTAG_TEXTS_ES if spanish else HASHTAG_TEXTS
        )
        text = _fill(template, tagged, self._tag)
        if rng.random() < MENTION_SHARE:
            text += f" Thanks @{self._account.username}!"
        post = self._post(
            rng, text, who.user_id, who.username, draft.at, spanish and not quoted, quote=quoted
        )
        self._tagging.append((post, tagged))
        if quoted:
            self._answers[quoted.post_id, "quote"] += 1
        return post, "quote" if quoted else "hashtag"

    def _legislator_post(self, rng: random.Random, at: datetime) -> XPost:
        """A legislator's reply: to a supporter who tagged them, else to our latest post."""
        recent = [(p, t) for p, t in self._tagging if p.created_at and p.created_at >= at - RECENT]
        ours = self._recent_own(at)
        if recent and (ours is None or rng.random() < 0.5):
            supporter_post, tagged = rng.choice(recent)
            member = rng.choice(tagged)
            text = f"@{supporter_post.author_username} " + rng.choice(TO_SUPPORTER_TEXTS)
            text = text.format(tag=self._tag)
            return self._post(rng, text, *_author(member), at, False, reply_to=supporter_post)
        member = rng.choice([m for _, tagged in recent for m in tagged] or self._handled)
        if ours is None:
            text = STANDALONE_TEXT.format(
                state=member.state, us=self._account.username, tag=self._tag
            )
            return self._post(rng, text, *_author(member), at, False)
        text = f"@{self._account.username} " + rng.choice(TO_US_TEXTS)
        text = text.format(state=member.state, tag=self._tag)
        self._answers[ours.post_id, "reply"] += 1
        return self._post(rng, text, *_author(member), at, False, reply_to=ours)

    def _post(
        self,
        rng: random.Random,
        text: str,
        author_id: str,
        username: str,
        at: datetime,
        spanish: bool,
        *,
        reply_to: XPost | None = None,
        quote: XPost | None = None,
    ) -> XPost:
        """An XPost as page_from_json makes it; the same author never repeats a text."""
        extras = chain(("", *AGAIN_SUFFIXES), (f" ({n})" for n in count(2)))
        text += next(e for e in extras if (author_id, text + e) not in self._texts)
        self._texts.add((author_id, text))
        post_id = self._x.new_id()
        referenced: tuple[tuple[str, str], ...] = ()
        if reply_to:
            referenced = (("replied_to", reply_to.post_id),)
        elif quote:
            referenced = (("quoted", quote.post_id),)
        likes = int(rng.expovariate(1 / 4))
        metrics = {
            "retweet_count": likes // 4,
            "reply_count": 0,
            "like_count": likes,
            "quote_count": 0,
            "bookmark_count": likes // 8,
            "impression_count": likes * 12 + rng.randrange(5, 90),
        }
        return XPost(
            post_id=post_id,
            text=text,
            author_id=author_id,
            author_username=username,
            created_at=at,
            conversation_id=(reply_to.conversation_id or reply_to.post_id) if reply_to else post_id,
            in_reply_to_user_id=reply_to.author_id if reply_to else None,
            referenced=referenced,
            mentions=tuple((n, self._user_ids.get(n.lower())) for n in extract_mentions(text)),
            hashtags=tuple(extract_hashtags(text)),
            public_metrics=metrics,
            lang="es" if spanish else "en",
        )

    def _tags_of(self, who: Supporter, rng: random.Random) -> tuple[Legislator, ...]:
        members = [m for m in map(self._directory.get, who.tags) if m is not None]
        chosen = set(rng.sample(range(len(members)), rng.randint(1, min(3, len(members)))))
        return tuple(m for i, m in enumerate(members) if i in chosen)

    def _recent_own(self, at: datetime) -> XPost | None:
        """Our latest post before ``at``, if it is recent."""
        for post in reversed(self._own):
            if post.created_at and at - RECENT <= post.created_at < at:
                return post
        return None

    def _grow_metrics(self, end: datetime) -> int:
        """Set our recent posts' public metrics as at ``end``; return how many changed."""
        changed = 0
        for post in self._own:
            if post.created_at is None or not end - METRICS_WINDOW <= post.created_at < end:
                continue
            if post.post_id not in self._reach:
                rng = random.Random(f"{self._sim.seed}:metrics:{post.post_id}")
                reach = rng.lognormvariate(math.log(1500), 0.6)
                self._reach[post.post_id] = (reach, reach * rng.uniform(0.01, 0.05))
            impressions, likes = self._reach[post.post_id]
            grown = 1 - math.exp(-(end - post.created_at).total_seconds() / (8 * 3600))
            counts = {
                "impression_count": int(impressions * grown),
                "like_count": int(likes * grown),
                "retweet_count": int(likes * 0.3 * grown),
                "bookmark_count": int(likes * 0.1 * grown),
                "reply_count": self._answers[post.post_id, "reply"],
                "quote_count": self._answers[post.post_id, "quote"],
            }
            if self._metrics.get(post.post_id) != counts:
                self._metrics[post.post_id] = counts
                self._x.set_metrics(post.post_id, **counts)
                changed += 1
        return changed


def post_json(post: XPost) -> dict[str, Any]:
    """Write a post as X API v2 sends it (tweet fields as `bot.x_models.page_from_json` reads).

    Entity offsets are code point positions in the text, as X gives them.
    """
    out: dict[str, Any] = {"id": post.post_id, "text": post.text}
    out["edit_history_tweet_ids"] = [post.post_id]
    if post.author_id:
        out["author_id"] = post.author_id
    if post.created_at:
        out["created_at"] = post.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    optional = {"conversation_id": post.conversation_id}
    optional["in_reply_to_user_id"] = post.in_reply_to_user_id
    out.update({k: v for k, v in optional.items() if v})
    if post.referenced:
        out["referenced_tweets"] = [{"type": t, "id": i} for t, i in post.referenced]
    entities: dict[str, list[dict[str, Any]]] = {}
    at = 0
    for name, user_id in post.mentions:
        at = post.text.index("@" + name, at)
        mention = {"start": at, "end": at + 1 + len(name), "username": name}
        entities.setdefault("mentions", []).append(mention | ({"id": user_id} if user_id else {}))
        at += 1
    at = 0
    for tag in post.hashtags:
        at = post.text.index("#" + tag, at)
        entities.setdefault("hashtags", []).append(
            {"start": at, "end": at + 1 + len(tag), "tag": tag}
        )
        at += 1
    if entities:
        out["entities"] = entities
    if post.public_metrics:
        out["public_metrics"] = dict(post.public_metrics)
    if post.lang:
        out["lang"] = post.lang
    return out


def page_json(posts: list[XPost]) -> dict[str, Any]:
    """Write posts as one X API v2 list page (``data``, ``includes.users``, ``meta``)."""
    users = {p.author_id: p.author_username for p in posts if p.author_id and p.author_username}
    body: dict[str, Any] = {"data": [post_json(p) for p in posts]} if posts else {}
    if users:
        body["includes"] = {
            "users": [{"id": i, "name": n, "username": n} for i, n in users.items()]
        }
    meta: dict[str, Any] = {"result_count": len(posts)}
    if posts:
        meta |= {"newest_id": posts[0].post_id, "oldest_id": posts[-1].post_id}
    return body | {"meta": meta}


def _author(member: Legislator) -> tuple[str, str]:
    return legislator_x_id(member), member.x or ""


def _fill(template: str, tagged: tuple[Legislator, ...], tag: str) -> str:
    return template.format(tags=" ".join(f"@{m.x}" for m in tagged), tag=tag)


def _poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw (normal approximation above 60)."""
    if rate <= 0:
        return 0
    if rate > 60:
        return max(0, round(rng.gauss(rate, math.sqrt(rate))))
    limit, count, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _unit(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts`` (the same in every process)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def _values(stats: TrafficStats) -> tuple[int, ...]:
    return tuple(getattr(stats, f) for f in TrafficStats.__dataclass_fields__)
