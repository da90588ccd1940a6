"""bot.report_data, bot.report_period: the report's numbers against independent SQL counts.

A real SQLite file in tmp_path, the collection tables filled with SQL (tests/report_rows.py),
the real legislator directory; every number is compared with a count the test makes itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.report_data import iter_collected
from bot.report_model import DayCount, group_days
from bot.report_period import (
    Period,
    between,
    check_limits,
    clean_text,
    parse_week,
    post_url,
    week_of,
)
from bot.settings import Budget, Prices
from bot.store import Store
from tests.report_rows import (
    ACCOUNT,
    NEW_YORK,
    Plan,
    add_post,
    build,
    connect,
    directory,
    fixture_week,
    ledger,
    plan_at,
    sql_counts,
    ts,
    utc,
    week,
)

AFTER_WEEK = utc("2027-08-09T14:00:00")  # Monday after the fixture week, 10:00 EDT


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "reachout.db")


def test_every_number_equals_an_independent_sql_count(store: Store) -> None:
    """Totals, days, legislators, states, outcomes, metrics, spend, completeness: all equal
    what the test counts itself in SQL, for the week and for the previous week."""
    plans = fixture_week(store)
    data = build(store, week(), plans, AFTER_WEEK)
    for period, totals in ((data.period, data.totals), (data.period.previous(), data.previous)):
        sql = sql_counts(store, period.start_at, period.end_at, "-4 hours")
        tagged = sql["tags_by_bioguide"]
        responders = sql["responses_by_bioguide"]
        states = {directory().get(b).state for b in {*tagged, *responders}}  # type: ignore[union-attr]
        in_plan = [p for p in plans if period.start_at <= p.at_utc < period.end_at]
        expected = {
            "posts_planned": len(in_plan),
            "posts_posted": sql["ledger_by_state"].get("posted", 0),
            "collected": sql["collected"],
            "mentions": sql["mentions"],
            "hashtag_posts": sql["hashtag_posts"],
            "authors": sql["authors"],
            "tags": sum(tagged.values()),
            "legislators_tagged": len(tagged),
            "responses": sql["responses"],
            "states_reached": len(states),
        }
        assert expected == totals.__dict__
    sql = sql_counts(store, data.period.start_at, data.period.end_at, "-4 hours")
    days = {str(d.day): (d.collected, d.mentions, d.hashtag_posts, d.responses) for d in data.days}
    assert {day: sql["per_day"].get(day, (0, 0, 0, 0)) for day in days} == days
    assert sql["tags_by_bioguide"] == {t.bioguide_id: t.tags for t in data.legislators if t.tags}
    assert sql["taggers_by_bioguide"] == {
        t.bioguide_id: t.supporters for t in data.legislators if t.tags
    }
    assert sql["responses_by_bioguide"] == {
        t.bioguide_id: t.responses for t in data.legislators if t.responses
    }
    by_state: dict[str, int] = {}
    for bioguide, n in sql["tags_by_bioguide"].items():
        state = directory().get(bioguide).state  # type: ignore[union-attr]
        by_state[state] = by_state.get(state, 0) + n
    assert by_state == {s.state: s.tags for s in data.states if s.tags}
    ledger_states = sql["ledger_by_state"]
    unrecorded = sum(1 for p in plans if data.period.start_at <= p.at_utc < data.period.end_at) - (
        sum(ledger_states.values())
    )
    expected_outcomes = {
        "posted": ledger_states.get("posted", 0),
        "refused": ledger_states.get("duplicate", 0) + ledger_states.get("auth_broken", 0),
        "missed": ledger_states.get("missed", 0),
        "skipped": ledger_states.get("skipped", 0),
        "pending": sum(ledger_states.get(s, 0) for s in ("sending", "rate_limited", "unknown")),
        "upcoming": 0,
        "no record": unrecorded,
    }
    assert expected_outcomes == dict(data.outcomes)
    assert sql["metrics"] == {
        p.key: (m.likes, m.reposts, m.replies, m.quotes, m.impressions)
        for p in data.posts
        if (m := p.metrics)
    }
    prices = Prices()
    with_url = {p.key for p in plans if p.has_url}
    posts_dollars = sum(
        prices.post_with_url if key in with_url else prices.post
        for key, _ in sql["posted_in_period"]
    )
    assert (sql["reads_dollars"], sql["reads"]) == (
        pytest.approx(data.spend.reads_dollars),
        data.spend.reads,
    )
    assert pytest.approx(posts_dollars) == data.spend.posts_dollars
    assert len(sql["posted_in_period"]) == data.spend.posts
    month = sql_counts(store, utc("2027-08-01T04:00:00"), data.period.end_at, "-4 hours")
    assert pytest.approx(month["reads_dollars"]) == data.spend.month_reads_dollars
    assert (sql["gaps"], sql["gap_estimate"]) == (
        len(data.completeness.gaps),
        data.completeness.missing_estimate,
    )
    assert sql["errors"] == data.completeness.error_count


def test_the_fixture_week_has_a_bit_of_everything(store: Store) -> None:
    """The fixture is not trivially empty: every kind of number the report shows is non-zero
    (so the comparison above compares something)."""
    data = build(store, week(), fixture_week(store), AFTER_WEEK)
    assert all(value > 0 for value in data.totals.__dict__.values())
    assert all(data.outcomes[o] for o in ("posted", "refused", "missed", "skipped", "pending"))
    assert data.completeness.gaps and data.completeness.error_count
    assert data.spend.reads_dollars > 0 and data.spend.posts_dollars > 0
    assert data.spend.month_reads_dollars > data.spend.reads_dollars  # 1 Aug is in the month


# Local days across DST and odd offsets: (zone, week, a post's UTC time, its local day or None
# when it is outside the week). Expected days are worked out by hand, not with zoneinfo.
DST_CASES = [
    # US fall-back on Sun 7 Nov 2027 (02:00 EDT -> 01:00 EST): Sunday has 25 hours.
    ("America/New_York", "2027-W44", "2027-11-01T04:00:00", "2027-11-01"),  # Mon 00:00 EDT
    ("America/New_York", "2027-W44", "2027-11-01T03:59:59", None),  # Sun 31 Oct 23:59 EDT
    ("America/New_York", "2027-W44", "2027-11-07T05:30:00", "2027-11-07"),  # 01:30 EDT
    ("America/New_York", "2027-W44", "2027-11-07T06:30:00", "2027-11-07"),  # 01:30 EST (again)
    ("America/New_York", "2027-W44", "2027-11-08T04:30:00", "2027-11-07"),  # Sun 23:30 EST
    ("America/New_York", "2027-W44", "2027-11-08T05:00:00", None),  # Mon 8 Nov 00:00 EST
    # US spring-forward on Sun 14 Mar 2027 (02:00 EST -> 03:00 EDT): Sunday has 23 hours.
    ("America/New_York", "2027-W10", "2027-03-08T05:00:00", "2027-03-08"),  # Mon 00:00 EST
    ("America/New_York", "2027-W10", "2027-03-14T07:30:00", "2027-03-14"),  # 03:30 EDT
    ("America/New_York", "2027-W10", "2027-03-15T03:59:00", "2027-03-14"),  # Sun 23:59 EDT
    ("America/New_York", "2027-W10", "2027-03-15T04:30:00", None),  # Mon 15 Mar 00:30 EDT
    # India, UTC+05:30 all year: a day starts at 18:30 UTC.
    ("Asia/Kolkata", "2027-W31", "2027-08-01T18:29:00", None),  # Sun 1 Aug 23:59 IST
    ("Asia/Kolkata", "2027-W31", "2027-08-01T18:30:00", "2027-08-02"),  # Mon 00:00 IST
    ("Asia/Kolkata", "2027-W31", "2027-08-02T18:29:59", "2027-08-02"),
    ("Asia/Kolkata", "2027-W31", "2027-08-02T18:30:00", "2027-08-03"),
]


@pytest.mark.parametrize(("zone", "label", "created", "day"), DST_CASES)
def test_a_dst_week_buckets_posts_by_local_day(
    store: Store, zone: str, label: str, created: str, day: str | None
) -> None:
    """Each post lands in the local day it was written on, including the 23- and 25-hour
    days of a DST change and half-hour offsets; posts outside the week are not counted."""
    timezone = ZoneInfo(zone)
    period = parse_week(label, timezone)
    add_post(store, "3000000000000000001", utc(created), mention=True)
    data = build(store, period, [], period.end_at + timedelta(days=1))
    found = [str(d.day) for d in data.days if d.collected]
    assert ([day] if day else []) == found
    assert (1 if day else 0) == data.totals.mentions == sum(d.mentions for d in data.days)
    assert [str(d) for d in period.days] == [str(d.day) for d in data.days]


def test_dst_week_length_and_day_count_sum(store: Store) -> None:
    """The fall-back week is 169 hours long and the daily counts add up to the week's."""
    period = parse_week("2027-W44", NEW_YORK)
    assert timedelta(hours=169) == period.end_at - period.start_at
    for n, hour in enumerate(range(0, 169, 7)):
        add_post(store, f"31{n:017d}", period.start_at + timedelta(hours=hour))
    data = build(store, period, [], period.end_at)
    assert len(range(0, 169, 7)) == data.totals.collected == sum(d.collected for d in data.days)


def test_an_empty_week_is_empty_not_an_error(store: Store) -> None:
    """A week with nothing in the store gives zeros everywhere and says it is empty."""
    data = build(store, week(), [], AFTER_WEEK)
    assert data.empty
    assert all(v == 0 for v in data.totals.__dict__.values())
    assert (7, 0) == (len(data.days), sum(d.collected for d in data.days))
    assert ((), (), (), ()) == (data.posts, data.legislators, data.responses, data.top_posts)
    assert (0.0, 0.0) == (data.spend.dollars, data.spend.month_dollars)


@pytest.mark.parametrize(
    ("author", "post_id_in_ledger", "counted"),
    [
        ("alice", False, True),
        (ACCOUNT, False, False),
        (ACCOUNT.upper(), False, False),
        (None, True, False),  # our post, read back without an author: known by its id
    ],
)
def test_our_own_posts_are_not_counted(
    store: Store, author: str | None, post_id_in_ledger: bool, counted: bool
) -> None:
    """Posts by our account (any case, or whose id is one of our ledger posts) are left out."""
    plan = plan_at("kickoff", "2027-08-02T13:30:00")
    post_id = "1900000000000000009"
    if post_id_in_ledger:
        ledger(store, plan, "posted", x_post_id=post_id)
    add_post(store, post_id, utc("2027-08-03T15:00:00"), author=author, mention=True)
    data = build(store, week(), [plan], AFTER_WEEK)
    assert int(counted) == data.totals.collected == data.totals.mentions == data.totals.authors
    assert int(counted) == len(list(iter_collected(store, week(), ACCOUNT)))


@pytest.mark.parametrize(
    ("now", "outcome"),
    [("2027-08-03T13:59:59", "upcoming"), ("2027-08-03T14:00:00", "no record")],
)
def test_a_planned_post_without_a_ledger_row(store: Store, now: str, outcome: str) -> None:
    """Before its time it is upcoming; after it, "no record" with a reason."""
    plan = plan_at("later", "2027-08-03T14:00:00")
    data = build(store, week(), [plan], utc(now))
    assert [(plan.key, outcome)] == [(p.key, p.outcome) for p in data.posts]
    assert (outcome == "no record") == bool(data.posts[0].reason)


def test_a_ledger_row_no_longer_in_the_calendar_is_still_reported(store: Store) -> None:
    """A post that went out but was since removed from the calendar is listed, not planned."""
    plan = plan_at("removed", "2027-08-04T14:00:00")
    ledger(store, plan, "posted", x_post_id="1900000000000000042")
    data = build(store, week(), [], AFTER_WEEK)
    assert [(plan.key, "posted", False)] == [(p.key, p.outcome, p.in_plan) for p in data.posts]
    assert (0, 1) == (data.totals.posts_planned, data.totals.posts_posted)
    assert "https://x.com/RecessReachOut/status/1900000000000000042" == data.posts[0].url


def test_spend_prices_posts_with_a_url_higher(store: Store) -> None:
    """Posted rows are priced as settings.prices say: a URL in the post costs post_with_url
    (known from the plan, or found in the ledger text when the plan no longer has it)."""
    linked = plan_at("linked", "2027-08-02T14:00:00", has_url=True)
    plain = plan_at("plain", "2027-08-03T14:00:00")
    gone = Plan("gone@x", "gone", utc("2027-08-04T14:00:00"), "", "see https://example.org")
    for n, p in enumerate((linked, plain, gone)):
        ledger(store, p, "posted", x_post_id=f"19000000000000000{n}")
    prices = Prices(post=0.01, post_with_url=0.5)
    from bot.report_data import build_report_data

    data = build_report_data(
        store, week(), planned=[linked, plain], directory=directory(), account=ACCOUNT,
        campaign="#R", prices=prices, budget=Budget(monthly_dollars=2.0), now=AFTER_WEEK,
    )  # fmt: skip
    assert 3 == data.spend.posts
    assert pytest.approx(0.5 + 0.01 + 0.5) == data.spend.posts_dollars
    assert 2.0 == data.spend.budget_dollars


def test_iter_collected_reads_every_post_once_in_order_across_pages(store: Store) -> None:
    """Keyset pages (even with ties on created_at) yield every post once, oldest first."""
    start = utc("2027-08-03T12:00:00")
    ids = [f"40000000000000{n:05d}" for n in range(23)]
    for n, post_id in enumerate(ids):
        add_post(store, post_id, start + timedelta(minutes=n // 4), author=f"a{n}")
    found = [p.post_id for p in iter_collected(store, week(), ACCOUNT, page_size=5)]
    conn = connect(store)
    expected = [r[0] for r in conn.execute("SELECT post_id FROM collected_posts ORDER BY 1")]
    assert expected == sorted(found) and len(expected) == len(found)
    times = [ts(p.created_at) for p in iter_collected(store, week(), ACCOUNT, page_size=5)]
    assert sorted(times) == times


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("plain text", None, "plain text"),
        ("a\u202eevil\u202c b", None, "aevil b"),  # bidi override
        ("\u2066isolate\u2069", None, "isolate"),
        ("nul\x00here", None, "nulhere"),
        ("lone \ud800 surrogate \udfff", None, "lone  surrogate "),
        ("tab\tand\nnewline\r\n", None, "tab\tand\nnewline\n"),
        ("line1\r\nline2\rline3\r\rline5", None, "line1\nline2\nline3\n\nline5"),
        ("bell\x07 esc\x1b[31m", None, "bell esc[31m"),
        ("x" * 20, 10, "x" * 9 + "…"),
        (None, None, ""),
        ("emoji 👍🏽 and عربي", None, "emoji 👍🏽 and عربي"),
    ],
)
def test_clean_text(text: str | None, limit: int | None, expected: str) -> None:
    """Bidi controls, control characters (not tab/newline), NUL and lone surrogates go;
    CRLF and a lone CR become a newline (a line break, not two lines run together)."""
    assert expected == clean_text(text, limit)


@pytest.mark.parametrize(
    ("post_id", "username", "expected"),
    [
        ("123", "SenRickScott", "https://x.com/SenRickScott/status/123"),
        ("123", None, "https://x.com/i/web/status/123"),
        ("123", "evil/../x", "https://x.com/i/web/status/123"),
        ("javascript:alert(1)", "a", None),
        ("12 3", "a", None),
        (None, "a", None),
    ],
)
def test_post_url_only_builds_x_links(post_id: str | None, username: str | None,
                                      expected: str | None) -> None:  # fmt: skip
    """Only a numeric id (and a valid handle) becomes a link: nothing else can."""
    assert expected == post_url(post_id, username)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2027-W31", date(2027, 8, 2), date(2027, 8, 8)),
        ("2027-W01", date(2027, 1, 4), date(2027, 1, 10)),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
        (" 2027-W52 ", date(2027, 12, 27), date(2028, 1, 2)),
    ],
)
def test_parse_week(text: str, first: date, last: date) -> None:
    """ISO weeks run Monday to Sunday; week 1 holds the year's first Thursday."""
    period = parse_week(text, NEW_YORK)
    assert (first, last, text.strip()) == (period.first_day, period.last_day, period.label)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-32", "is not an ISO week"),
        ("2027-W5", "is not an ISO week"),
        ("2027-W53", "2027 has no week 53"),
        ("2027-W00", "2027 has no week 00"),
    ],
)
def test_parse_week_refuses(text: str, message: str) -> None:
    """A malformed or impossible week is a ValueError that says why."""
    with pytest.raises(ValueError, match=message):
        parse_week(text, NEW_YORK)


def test_periods_previous_and_ranges() -> None:
    """The previous period has the same length; a range's label is a folder name."""
    week_31 = week_of(date(2027, 8, 5), NEW_YORK)
    assert ("2027-W31", "2027-W30") == (week_31.label, week_31.previous().label)
    span = between(date(2027, 8, 2), date(2027, 8, 15), NEW_YORK)
    assert ("2027-08-02_2027-08-15", date(2027, 7, 19), date(2027, 8, 1)) == (
        span.label,
        span.previous().first_day,
        span.previous().last_day,
    )
    assert datetime(2027, 8, 2, 4, tzinfo=UTC) == span.start_at
    with pytest.raises(ValueError, match="ends"):
        between(date(2027, 8, 2), date(2027, 8, 1), NEW_YORK)


@pytest.mark.parametrize(
    ("text", "first"),
    [("2027-w31", date(2027, 8, 2)), (" 2026-w53", date(2026, 12, 28))],
)
def test_parse_week_takes_a_lowercase_w(text: str, first: date) -> None:
    """``2027-w31`` is the same week as ``2027-W31``, labelled (and foldered) in capitals."""
    period = parse_week(text, NEW_YORK)
    assert (first, text.strip().upper()) == (period.first_day, period.label)


@pytest.mark.parametrize(
    ("period", "title"),
    [
        (week_of(date(2027, 8, 5), NEW_YORK), "2027-W31 (2 Aug – 8 Aug 2027)"),
        (week_of(date(2026, 12, 30), NEW_YORK), "2026-W53 (28 Dec 2026 – 3 Jan 2027)"),
        (between(date(2027, 8, 2), date(2027, 8, 15), NEW_YORK), "2 Aug – 15 Aug 2027"),
        (between(date(2025, 1, 1), date(2027, 12, 31), NEW_YORK), "1 Jan 2025 – 31 Dec 2027"),
        (between(date(2027, 12, 31), date(2028, 1, 1), NEW_YORK), "31 Dec 2027 – 1 Jan 2028"),
    ],
)
def test_a_title_names_both_years_when_they_differ(period: Period, title: str) -> None:
    """The title shows the year once when both ends share it, else each end's own year."""
    assert title == period.title


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2025, 1, 1), date(2027, 12, 31), "at most a year (366 days); 2025-01-01 to "
         "2027-12-31 is 1,095 days: split it"),
        (date(1900, 1, 1), date(2100, 12, 31), "1900-01-01 is outside the years"),
        (date(1, 1, 1), date(1, 1, 7), "0001-01-01 is outside the years a report can cover "
         "(2000 to 2100)"),
        (date(9999, 12, 25), date(9999, 12, 31), "9999-12-25 is outside the years"),
        (date(2100, 12, 31), date(2101, 1, 1), "2101-01-01 is outside the years"),
        (date(2027, 1, 1), date(2028, 1, 2), "2027-01-01 to 2028-01-02 is 367 days"),
    ],
)  # fmt: skip
def test_check_limits_refuses(first: date, last: date, message: str) -> None:
    """More than a year of days, or a day outside 2000–2100, is a ValueError saying so."""
    with pytest.raises(ValueError) as caught:
        check_limits(between(first, last, NEW_YORK))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2028, 1, 1), date(2028, 12, 31)),  # a leap year: 366 days
        (date(2027, 1, 1), date(2028, 1, 1)),  # 366 days
        (date(2000, 1, 1), date(2000, 1, 7)),
        (date(2100, 12, 25), date(2100, 12, 31)),
    ],
)
def test_check_limits_accepts_up_to_a_year_from_2000_to_2100(first: date, last: date) -> None:
    """A year of days (366) and the first and last days of 2000–2100 are reportable, and so
    is the period before them (the report's comparison)."""
    period = between(first, last, NEW_YORK)
    assert period == check_limits(period)
    assert period.previous().end_at == period.start_at


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999-W52", r"9999 is outside the years a report can cover \(2000 to 2100\)"),
        ("0001-W01", "0001 is outside the years"),
        ("1999-W52", "1999 is outside the years"),
        ("2101-W01", "2101 is outside the years"),
    ],
)
def test_parse_week_refuses_years_outside_2000_to_2100(text: str, message: str) -> None:
    """A week of a year no report can cover is a ValueError, not an overflow later on."""
    with pytest.raises(ValueError, match=message):
        parse_week(text, NEW_YORK)


def test_a_long_period_is_grouped_per_week_then_per_month() -> None:
    """Up to 60 days show per day, up to 182 per ISO week (cut at the period's ends), longer
    per calendar month; every day is counted in exactly one group, in order."""
    for days, unit, groups in ((60, "day", 60), (61, "week", 9), (182, "week", 26),
                               (183, "month", 6), (366, "month", 13)):  # fmt: skip
        first = date(2027, 8, 2)  # a Monday
        counts = [DayCount(first + timedelta(days=n), n, n % 3, n % 5, n % 7 == 0)
                  for n in range(days)]  # fmt: skip
        spans = group_days(counts)
        assert (unit, groups) == (spans[0].unit, len(spans)), days
        assert (first, counts[-1].day) == (spans[0].first_day, spans[-1].last_day)
        assert [(s.last_day + timedelta(days=1)) for s in spans[:-1]] == [
            s.first_day for s in spans[1:]
        ]
        for name in ("collected", "mentions", "hashtag_posts", "responses"):
            assert sum(getattr(d, name) for d in counts) == sum(getattr(s, name) for s in spans)
    week = group_days([DayCount(first + timedelta(days=n), 0, 0, 0, 0) for n in range(70)])
    assert ("2 Aug – 8 Aug", "4 Oct – 10 Oct") == (week[0].label, week[-1].label)
    month = group_days([DayCount(first + timedelta(days=n), 0, 0, 0, 0) for n in range(200)])
    assert ("Aug 2027", "Feb 2028") == (month[0].label, month[-1].label)
