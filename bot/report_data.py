"""The weekly report's numbers: read-only SQL over the store, aggregated into a frozen ReportData.

Sources (bot/store_schema.py is the contract): the ``ledger`` (what we posted and why not),
``post_metrics`` (our posts' public metrics), ``collected_posts`` and ``collected_tags`` (what
came back), ``collection_gaps``, ``collection_errors`` and ``cursors`` (how complete that is),
``x_requests`` (what reading cost); the planned posts come from the composed calendar.

How things are counted, for a :class:`~bot.report_period.Period` [start, end) of local days:

- our posts belong to the period by their planned time (ledger ``scheduled_at``);
- a collected post belongs to it by ``created_at`` (X's time); posts by our own account
  (``x_username``, any case, or an ``x_post_id`` in the ledger) are left out everywhere;
  a post is a *mention* when it tags our account and a *hashtag post* when it holds the
  campaign hashtag (it may be both);
- *authors* are distinct X accounts (a count only: nothing about anyone is kept);
- *tags* are (supporter post, legislator) pairs from ``collected_tags``, legislators' own
  posts excluded; a *response* is a post whose author is a legislator;
- *states reached* are the states of legislators tagged or responding;
- spend is ``x_requests.cost_dollars`` plus our posts at ``settings.prices`` (a post holding a
  URL at ``post_with_url``), by the time the request was made or the post went out.

All SQL goes through :meth:`bot.store.Store.query` (reads only); StoreError on failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.legislators import Directory
from bot.report_model import (
    OUTCOMES,
    CollectedPost,
    Completeness,
    DayCount,
    Gap,
    LegislatorTally,
    Metrics,
    Planned,
    PostOutcome,
    ReportData,
    Response,
    Spend,
    StateTally,
    Totals,
)
from bot.report_period import Period, local_midnight, post_url
from bot.settings import Budget, Prices
from bot.store import LedgerRow, Store
from bot.twitter_text import extract_urls

_OUTCOME = {"posted": "posted", "duplicate": "refused", "auth_broken": "refused",
            "missed": "missed", "skipped": "skipped", "sending": "pending",
            "rate_limited": "pending", "unknown": "pending"}  # fmt: skip
_REASON = {"duplicate": "X refused it as duplicate content",
           "auth_broken": "X refused the credentials", "unknown": "checking whether it went out",
           "no record": "no ledger row: the worker was not running at its time"}  # fmt: skip
_NOT_OURS = """lower(ifnull(p.author_username, '')) != lower(?)
    AND p.post_id NOT IN (SELECT x_post_id FROM ledger WHERE x_post_id IS NOT NULL)"""
_IN = "p.created_at >= ? AND p.created_at < ?"
_COLLECTED = """SELECT post_id, created_at, author_username, text, like_count, retweet_count,
    reply_count, quote_count, impression_count, mentions_account, has_hashtag,
    legislator_bioguide_id, replies_to_post_id, quotes_post_id,
    (SELECT group_concat(bioguide_id, ' ') FROM collected_tags t WHERE t.post_id = p.post_id)
    FROM collected_posts p"""
TOP_POSTS = 10


def build_report_data(
    store: Store,
    period: Period,
    *,
    planned: Sequence[Planned],
    directory: Directory,
    account: str,
    campaign: str,
    prices: Prices,
    budget: Budget,
    now: datetime,
) -> ReportData:
    """Read the period (and the previous one, for the change) and aggregate them.

    Args:
        store: the reachout database (read only).
        period: local days in the campaign time zone.
        planned: the composed plan's posts (any period: filtered here by ``at_utc``).
        directory: names, states and chambers of the bioguide ids found.
        account: our X username (``campaign.x_username``, no @).
        campaign: a name for the title, e.g. ``#RecessReachOut``.
        prices: dollars per post (``post``, ``post_with_url``).
        budget: the monthly budget (dollars and reads).
        now: aware; decides which unrecorded posts are upcoming, and whether it is finished.

    Raises:
        StoreError: the database cannot be read.
    """
    account = account.removeprefix("@")
    current = _side(store, period, planned, account, directory, now)
    previous = _side(store, period.previous(), planned, account, directory, now)
    posts = current.posts
    return ReportData(
        period=period,
        generated_at=now.astimezone(UTC),
        campaign=campaign,
        account=account,
        posts=posts,
        outcomes={o: sum(p.outcome == o for p in posts) for o in OUTCOMES},
        days=current.days,
        totals=current.totals,
        previous=previous.totals,
        legislators=current.tallies,
        states=_states(current.tallies),
        responses=current.responses,
        top_posts=_top_posts(store, period, account),
        completeness=_completeness(store, period, now),
        spend=_spend(store, period, planned, prices, budget),
    )


@dataclass(frozen=True)
class _Side:
    """One period's posts, days, legislators, responses and totals."""

    posts: tuple[PostOutcome, ...]
    days: tuple[DayCount, ...]
    tallies: tuple[LegislatorTally, ...]
    responses: tuple[Response, ...]
    totals: Totals


def _side(
    store: Store,
    period: Period,
    planned: Sequence[Planned],
    account: str,
    directory: Directory,
    now: datetime,
) -> _Side:
    posts = _posts(store, period, planned, account, now)
    days = _days(store, period, account)
    responses = _responses(store, period, directory)
    tallies = _merge_responses(_legislators(store, period, account, directory), responses)
    sql = f"SELECT count(DISTINCT author_id) FROM collected_posts p WHERE {_IN} AND {_NOT_OURS}"
    authors = int(store.query("counting authors", sql, [*_range(period), account])[0][0])
    totals = Totals(
        posts_planned=sum(p.in_plan for p in posts),
        posts_posted=sum(p.outcome == "posted" for p in posts),
        collected=sum(d.collected for d in days),
        mentions=sum(d.mentions for d in days),
        hashtag_posts=sum(d.hashtag_posts for d in days),
        authors=authors,
        tags=sum(t.tags for t in tallies),
        legislators_tagged=sum(t.tags > 0 for t in tallies),
        responses=len(responses),
        states_reached=len({t.state for t in tallies} - {""}),
    )
    return _Side(posts, days, tallies, responses, totals)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(text: str) -> datetime:
    moment = datetime.fromisoformat(text)  # "…Z" (how the store writes) is already UTC
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _range(period: Period) -> tuple[str, str]:
    return _ts(period.start_at), _ts(period.end_at)


def _posts(
    store: Store, period: Period, planned: Sequence[Planned], account: str, now: datetime
) -> tuple[PostOutcome, ...]:
    """Planned posts in the period joined with their ledger rows and metrics."""
    start, end = period.start_at, period.end_at
    rows = {r.key: r for r in store.rows(since=start, until=end)}
    sql = """SELECT m.x_post_id, m.like_count, m.retweet_count, m.reply_count, m.quote_count,
        m.impression_count FROM post_metrics m JOIN ledger l ON l.x_post_id = m.x_post_id
        WHERE l.scheduled_at >= ? AND l.scheduled_at < ?"""
    metrics = {r[0]: _metrics(r[1:]) for r in store.query("reading metrics", sql, _range(period))}
    out: list[PostOutcome] = []
    wanted = [p for p in planned if start <= p.at_utc < end]
    for plan in wanted:
        out.append(_outcome(rows.pop(plan.key, None), plan, account, metrics, now))
    out += [_outcome(row, None, account, metrics, now) for row in rows.values()]
    return tuple(sorted(out, key=lambda p: (p.scheduled_at, p.key)))


def _outcome(
    row: LedgerRow | None,
    plan: Planned | None,
    account: str,
    metrics: Mapping[str, Metrics],
    now: datetime,
) -> PostOutcome:
    if row is None:
        assert plan is not None
        outcome = "upcoming" if plan.at_utc > now else "no record"
        why = _REASON.get(outcome, "")
        return PostOutcome(plan.key, plan.post_id, plan.at_utc, plan.target_group, plan.text,
                           outcome, "", why, None, None, None, None, in_plan=True)  # fmt: skip
    x_id = row.x_post_id
    reason = row.last_error or _REASON.get(row.state, "")
    return PostOutcome(
        key=row.key,
        item_id=row.item_id,
        scheduled_at=row.scheduled_at,
        target_group=row.target_group,
        text=row.text,
        outcome=_OUTCOME[row.state],
        state=row.state,
        reason="" if row.state == "posted" else reason,
        x_post_id=x_id,
        posted_at=row.posted_at,
        url=post_url(x_id, account) if row.state == "posted" else None,
        metrics=metrics.get(x_id) if x_id else None,
        in_plan=plan is not None,
    )


def _metrics(values: Sequence[Any]) -> Metrics:
    likes, reposts, replies, quotes, impressions = values
    return Metrics(likes or 0, reposts or 0, replies or 0, quotes or 0, impressions)


def _days(store: Store, period: Period, account: str) -> tuple[DayCount, ...]:
    """Count collected posts per local day: one pass, day picked by local-midnight bounds."""
    bounds = [_ts(local_midnight(d, period.timezone)) for d in period.days[1:]]
    case = " ".join(f"WHEN created_at < ? THEN {n}" for n in range(len(bounds)))
    day = f"CASE {case} ELSE {len(bounds)} END" if bounds else "0"
    sql = f"""SELECT {day}, count(*), sum(mentions_account != 0), sum(has_hashtag != 0),
        sum(legislator_bioguide_id IS NOT NULL) FROM collected_posts p
        WHERE {_IN} AND {_NOT_OURS} GROUP BY 1"""
    found = {int(r[0]): r for r in store.query("counting posts per day", sql,
                                               [*bounds, *_range(period), account])}  # fmt: skip
    out = []
    for n, local_day in enumerate(period.days):
        r = found.get(n, (n, 0, 0, 0, 0))
        out.append(DayCount(local_day, int(r[1]), int(r[2]), int(r[3]), int(r[4])))
    return tuple(out)


def _legislators(
    store: Store, period: Period, account: str, directory: Directory
) -> tuple[LegislatorTally, ...]:
    """Supporters' tags per legislator (most tagged first)."""
    sql = f"""SELECT t.bioguide_id, count(*), count(DISTINCT p.author_id)
        FROM collected_posts p JOIN collected_tags t ON t.post_id = p.post_id
        WHERE {_IN} AND +p.legislator_bioguide_id IS NULL AND {_NOT_OURS}
        GROUP BY t.bioguide_id"""
    rows = store.query("counting legislators tagged", sql, [*_range(period), account])
    tallies = [_tally(directory, str(r[0]), int(r[1]), int(r[2]), 0) for r in rows]
    return tuple(sorted(tallies, key=_tally_order))


def _tally(
    directory: Directory, bioguide: str, tags: int, supporters: int, responses: int
) -> LegislatorTally:
    member = directory.get(bioguide)
    if member is None:
        return LegislatorTally(bioguide, bioguide, "", "", None, tags, supporters, responses)
    return LegislatorTally(bioguide, member.name, member.chamber, member.state, member.district,
                           tags, supporters, responses)  # fmt: skip


def _tally_order(t: LegislatorTally) -> tuple[int, int, str, str]:
    return (-t.tags, -t.responses, t.name, t.bioguide_id)


def _merge_responses(
    tallies: Sequence[LegislatorTally], responses: Sequence[Response]
) -> tuple[LegislatorTally, ...]:
    """Add each legislator's responses to their tally (responders not tagged get one)."""
    counts = Counter(r.legislator.bioguide_id for r in responses)
    merged = {t.bioguide_id: replace(t, responses=counts[t.bioguide_id]) for t in tallies}
    for r in responses:
        merged.setdefault(r.legislator.bioguide_id, r.legislator)
    return tuple(sorted(merged.values(), key=_tally_order))


def _responses(store: Store, period: Period, directory: Directory) -> tuple[Response, ...]:
    sql = f"{_COLLECTED} WHERE legislator_bioguide_id IS NOT NULL AND {_IN}"
    rows = store.query("reading legislators' responses", sql + " ORDER BY created_at, post_id",
                       _range(period))  # fmt: skip
    posts = [_collected(r) for r in rows]
    counts = Counter(p.legislator_bioguide_id or "" for p in posts)
    out = []
    for p in posts:
        bioguide = p.legislator_bioguide_id or ""
        who = _tally(directory, bioguide, 0, 0, counts[bioguide])
        out.append(Response(p, who, bool(p.replies_to_post_id or p.quotes_post_id)))
    return tuple(out)


def _collected(r: Sequence[Any]) -> CollectedPost:
    return CollectedPost(
        post_id=str(r[0]),
        created_at=_at(r[1]),
        author_username=r[2],
        text=r[3] or "",
        metrics=_metrics(r[4:9]),
        mentions_account=bool(r[9]),
        has_hashtag=bool(r[10]),
        legislator_bioguide_id=r[11],
        replies_to_post_id=r[12],
        quotes_post_id=r[13],
        tagged=tuple(sorted((r[14] or "").split())),
    )


def _states(tallies: Sequence[LegislatorTally]) -> tuple[StateTally, ...]:
    """Per state: legislators tagged, tags, responses (most tags first, then by code)."""
    rows: dict[str, list[int]] = {}
    for t in tallies:
        row = rows.setdefault(t.state, [0, 0, 0])
        row[0] += t.tags > 0
        row[1] += t.tags
        row[2] += t.responses
    states = [StateTally(state, *row) for state, row in rows.items()]
    return tuple(sorted(states, key=lambda s: (-s.tags, -s.responses, s.state)))


def _top_posts(store: Store, period: Period, account: str) -> tuple[CollectedPost, ...]:
    """Supporters' posts with the most engagement (likes + reposts + replies + quotes)."""
    engagement = "ifnull(like_count, 0) + ifnull(retweet_count, 0) + ifnull(reply_count, 0)"
    sql = f"""{_COLLECTED} WHERE {_IN} AND {_NOT_OURS} AND +legislator_bioguide_id IS NULL
        ORDER BY {engagement} + ifnull(quote_count, 0) DESC, created_at, post_id LIMIT ?"""
    rows = store.query("reading top posts", sql, [*_range(period), account, TOP_POSTS])
    return tuple(_collected(r) for r in rows)


def _completeness(store: Store, period: Period, now: datetime) -> Completeness:
    sql = """SELECT source, start_at, end_at, reason, missing_estimate FROM collection_gaps
        WHERE start_at < ? AND end_at > ? ORDER BY start_at, id"""
    start, end = _range(period)
    gaps = tuple(
        Gap(r[0], _at(r[1]), _at(r[2]), r[3], r[4])
        for r in store.query("reading collection gaps", sql, (end, start))
    )
    sql = "SELECT source, count(*) FROM collection_errors WHERE at >= ? AND at < ? GROUP BY 1"
    errors = {str(r[0]): int(r[1]) for r in store.query("counting errors", sql, (start, end))}
    sql = "SELECT source, last_success_at FROM cursors ORDER BY source"
    last = {str(r[0]): _at(r[1]) if r[1] else None for r in store.query("reading cursors", sql)}
    return Completeness(gaps, errors, last, finished=period.end_at <= now)


def _spend(
    store: Store, period: Period, planned: Sequence[Planned], prices: Prices, budget: Budget
) -> Spend:
    month_start = local_midnight(period.last_day.replace(day=1), period.timezone)
    with_url = {p.key: p.has_url for p in planned}

    def between(start: datetime, end: datetime) -> tuple[float, int, float, int]:
        sql = """SELECT ifnull(sum(cost_dollars), 0), ifnull(sum(billable_reads), 0)
            FROM x_requests WHERE at >= ? AND at < ?"""
        reads = store.query("summing read costs", sql, (_ts(start), _ts(end)))[0]
        sql = """SELECT key, text FROM ledger WHERE state = 'posted'
            AND posted_at >= ? AND posted_at < ?"""
        posted = store.query("reading posts sent", sql, (_ts(start), _ts(end)))
        linked = sum(with_url.get(r[0], bool(extract_urls(r[1]))) for r in posted)
        dollars = linked * prices.post_with_url + (len(posted) - linked) * prices.post
        return float(reads[0]), int(reads[1]), dollars, len(posted)

    reads_dollars, reads, posts_dollars, posts = between(period.start_at, period.end_at)
    month_reads_dollars, month_reads, month_posts_dollars, _ = between(month_start, period.end_at)
    return Spend(reads_dollars, reads, posts_dollars, posts, f"{period.last_day:%Y-%m}",
                 month_reads_dollars, month_reads, month_posts_dollars,
                 budget.monthly_dollars, budget.monthly_reads)  # fmt: skip


def iter_collected(
    store: Store, period: Period, account: str, *, page_size: int = 5000
) -> Iterator[CollectedPost]:
    """Yield every post collected in the period, oldest first (our own account's left out).

    Reads in pages (keyset on created_at, post id) so a week of a million posts never sits in
    memory at once. Source: ``collected_posts`` and ``collected_tags``.

    Raises:
        StoreError: the database cannot be read.
    """
    start, end = _range(period)
    account = account.removeprefix("@")
    after: tuple[str, str] | None = None
    while True:
        where = f"{_IN} AND {_NOT_OURS}"
        params: list[Any] = [start, end, account]
        if after is not None:
            where += " AND (created_at, post_id) > (?, ?)"
            params[0] = after[0]
            params += after
        sql = f"{_COLLECTED} WHERE {where} ORDER BY created_at, post_id LIMIT ?"
        rows = store.query("reading collected posts", sql, [*params, page_size])
        yield from (_collected(r) for r in rows)
        if len(rows) < page_size:
            return
        after = (rows[-1][1], rows[-1][0])
