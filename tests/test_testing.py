"""SandboxX, the in-process X: posts, duplicates, reads and pagination, scripted faults, limits.

No network and no real clock: every test drives the sandbox's clock by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.errors import XAuthError, XError, XRateLimited, XRejected, XUnavailable
from bot.testing import (
    DUPLICATE_MESSAGE,
    FAULT_KINDS,
    FIRST_POST_ID,
    SANDBOX_ACCOUNT,
    SANDBOX_EPOCH,
    Fault,
    SandboxX,
)
from bot.x_models import (
    CREATE_POST,
    ME,
    MENTIONS,
    OWN_POSTS,
    POSTS_BY_ID,
    SEARCH_RECENT,
    Account,
    Page,
    XClient,
    XPost,
)

T0 = datetime(2027, 8, 2, 13, 30, tzinfo=UTC)
TEXT = "Congress is home for recess. Ask your members to back H.R. 2283 #RecessReachOut"


class Clock:
    """A hand-driven clock for the sandbox."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def supporter_post(sandbox: SandboxX, text: str, *, minutes: float = 0, **extra: Any) -> XPost:
    """A supporter's post with the sandbox's next id, posted ``minutes`` after T0."""
    return XPost(
        post_id=sandbox.new_id(),
        text=text,
        author_id="2244994945",
        author_username="supporter_fl",
        created_at=T0 + timedelta(minutes=minutes),
        **extra,
    )


def ids(page: Page) -> list[str]:
    """The post ids of a page, in page order."""
    return [p.post_id for p in page.posts]


def all_pages(read: Any) -> list[list[str]]:
    """Follow next_token to the end; return each page's ids."""
    pages, token = [], None
    while True:
        page = read(token)
        pages.append(ids(page))
        if page.next_token is None:
            return pages
        token = page.next_token


# --- posting ---------------------------------------------------------------------------------


def test_sandbox_conforms_to_the_xclient_protocol() -> None:
    """SandboxX is an XClient (mypy checks the assignment); me() is the default account."""
    client: XClient = SandboxX()
    assert Account("1690000000000000001", "RecessReachOut", "Recess Reach Out") == client.me()
    assert SANDBOX_ACCOUNT == client.me()


def test_created_posts_get_big_increasing_string_ids_and_the_clock_time() -> None:
    """Ids start at 1820000000000000000 and grow by one; created_at is the clock's."""
    clock = Clock()
    sandbox = SandboxX(clock=clock)
    first = sandbox.create_post(TEXT)
    clock.advance(minutes=5)
    second = sandbox.create_post(TEXT + " Day 2")
    assert ("1820000000000000000", "1820000000000000001") == (first.post_id, second.post_id)
    assert str(FIRST_POST_ID) == first.post_id
    assert [(first.post_id, T0), (second.post_id, T0 + timedelta(minutes=5))] == [
        (p.post_id, p.created_at) for p in sandbox.posts
    ]
    assert (TEXT, "RecessReachOut", ("RecessReachOut",)) == (
        sandbox.posts[0].text,
        sandbox.posts[0].author_username,
        sandbox.posts[0].hashtags,
    )


def test_default_clock_is_a_fixed_epoch() -> None:
    """Without a clock every post is created at SANDBOX_EPOCH: runs repeat exactly."""
    sandbox = SandboxX()
    sandbox.create_post(TEXT)
    assert [SANDBOX_EPOCH] == [p.created_at for p in sandbox.posts]


def test_two_sandboxes_with_the_same_script_behave_identically() -> None:
    """Deterministic: same calls, same faults, same ids, times and errors."""

    def run() -> list[str]:
        sandbox = SandboxX(clock=Clock())
        sandbox.script("server_error", "unavailable_after")
        seen = []
        for text in ("one", "two", "three"):
            try:
                seen.append(sandbox.create_post(text).post_id)
            except XError as exc:
                seen.append(type(exc).__name__)
        return seen + [f"{p.post_id} {p.created_at}" for p in sandbox.posts]

    assert run() == run()


@pytest.mark.parametrize(
    "second",
    [TEXT, "Cafe\u0301 talk #RecessReachOut"],
    ids=["same text", "same text after NFC"],
)
def test_duplicate_text_is_refused_as_x_does(second: str) -> None:
    """A text the account already posted gets X's 403 duplicate-content message; nothing stored."""
    sandbox = SandboxX()
    sandbox.create_post("Café talk #RecessReachOut" if second != TEXT else TEXT)
    with pytest.raises(XRejected) as refused:
        sandbox.create_post(second)
    assert (403, [DUPLICATE_MESSAGE], True, False) == (
        refused.value.status,
        refused.value.messages,
        refused.value.duplicate,
        refused.value.mention_refused,
    )
    assert "You are not allowed to create a Tweet with duplicate content." == DUPLICATE_MESSAGE
    assert 1 == len(sandbox.posts)


@pytest.mark.parametrize("text", ["a" * 281, "   "], ids=["281 weighted", "blank"])
def test_overlong_or_blank_text_is_refused(text: str) -> None:
    """Over 280 weighted characters or blank: a 400, nothing stored."""
    sandbox = SandboxX()
    with pytest.raises(XRejected) as refused:
        sandbox.create_post(text)
    assert (400, ()) == (refused.value.status, sandbox.posts)


def test_a_naive_clock_is_refused() -> None:
    """The clock must give aware datetimes (STYLE.md rule 3)."""
    sandbox = SandboxX(clock=lambda: datetime(2027, 8, 2, 13, 30))  # naive on purpose
    with pytest.raises(ValueError, match="naive"):
        sandbox.create_post(TEXT)


# --- scripted faults -------------------------------------------------------------------------

FAULTS = [
    # kind, error type, attributes, posts stored afterwards
    ("rate_limited", XRateLimited, {"reset_at": T0 + timedelta(minutes=15)}, 0),
    ("unavailable_before", XUnavailable, {"may_have_reached_x": False}, 0),
    ("unavailable_after", XUnavailable, {"may_have_reached_x": True}, 1),
    ("server_error", XUnavailable, {"may_have_reached_x": True}, 0),
    ("auth", XAuthError, {}, 0),
    ("mention_refused", XRejected, {"status": 403, "mention_refused": True, "duplicate": False}, 0),
    ("rejected", XRejected, {"status": 400, "mention_refused": False, "duplicate": False}, 0),
]


@pytest.mark.parametrize(
    ("kind", "error", "attributes", "stored"), FAULTS, ids=[f[0] for f in FAULTS]
)
def test_scripted_fault_on_create_post(
    kind: str, error: type[XError], attributes: dict[str, Any], stored: int
) -> None:
    """Each fault raises our error with the attributes callers branch on; only
    unavailable_after stores the post (X acted, the answer was lost)."""
    sandbox = SandboxX(clock=Clock())
    sandbox.script(kind)
    with pytest.raises(error) as raised:
        sandbox.create_post(TEXT)
    assert attributes == {name: getattr(raised.value, name) for name in attributes}
    assert stored == len(sandbox.posts)
    assert () == sandbox.pending_faults
    assert str(FIRST_POST_ID + stored) == sandbox.create_post(TEXT + " again").post_id


def test_every_fault_kind_is_in_the_table() -> None:
    """The test table covers every kind the sandbox offers."""
    assert sorted(FAULT_KINDS) == sorted(f[0] for f in FAULTS)


def test_faults_are_used_up_in_order_one_per_call() -> None:
    """Queued faults hit the next calls in order; then posting works again."""
    sandbox = SandboxX()
    sandbox.script("server_error", "auth")
    seen = []
    for n in range(3):
        try:
            seen.append(sandbox.create_post(f"post {n}").post_id)
        except XError as exc:
            seen.append(type(exc).__name__)
    assert ["XUnavailable", "XAuthError", "1820000000000000000"] == seen


def test_faults_can_target_other_endpoints() -> None:
    """A fault for own posts leaves create_post alone and fails the next own-posts read."""
    sandbox = SandboxX()
    sandbox.script(Fault("server_error", OWN_POSTS), Fault("auth", ME))
    posted = sandbox.create_post(TEXT)
    with pytest.raises(XUnavailable):
        sandbox.own_posts(SANDBOX_ACCOUNT.user_id)
    with pytest.raises(XAuthError):
        sandbox.me()
    assert [posted.post_id] == ids(sandbox.own_posts(SANDBOX_ACCOUNT.user_id))


def test_rate_limited_fault_reset_is_configurable() -> None:
    """reset_after_seconds sets reset_at relative to the clock."""
    sandbox = SandboxX(clock=Clock())
    sandbox.script(Fault("rate_limited", reset_after_seconds=3600))
    with pytest.raises(XRateLimited) as limited:
        sandbox.create_post(TEXT)
    assert T0 + timedelta(hours=1) == limited.value.reset_at


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (lambda: Fault("meteor"), "unknown fault"),
        (lambda: Fault("auth", "GET /2/nothing"), "unknown endpoint"),
        (lambda: Fault("mention_refused", MENTIONS), "create_post only"),
    ],
    ids=["kind", "endpoint", "mention on a read"],
)
def test_bad_faults_are_refused(fault: Any, message: str) -> None:
    """Unknown kinds and endpoints, and faults that make no sense, are ValueErrors."""
    with pytest.raises(ValueError, match=message):
        SandboxX().script(fault())


# --- reads -----------------------------------------------------------------------------------


def test_own_posts_are_newest_first_with_since_id_and_start_time() -> None:
    """GET /2/users/:id/tweets: newest first; since_id and start_time filter; others' id: none."""
    clock = Clock()
    sandbox = SandboxX(clock=clock)
    made = []
    for n in range(3):
        made.append(sandbox.create_post(f"post {n}").post_id)
        clock.advance(minutes=10)
    me = SANDBOX_ACCOUNT.user_id
    assert made[::-1] == ids(sandbox.own_posts(me))
    assert made[:0:-1] == ids(sandbox.own_posts(me, since_id=made[0]))
    assert [made[2]] == ids(sandbox.own_posts(me, start_time=T0 + timedelta(minutes=15)))
    assert [] == ids(sandbox.own_posts("12345"))
    page = sandbox.own_posts(me, max_results=5)
    assert (made[2], made[0], 3, None) == (
        page.newest_id,
        page.oldest_id,
        page.result_count,
        page.next_token,
    )
    assert {me: SANDBOX_ACCOUNT.username} == {k: v.username for k, v in page.users.items()}


def test_own_posts_page_back_with_the_pagination_token() -> None:
    """GET /2/users/:id/tweets: each page's next_token, passed back, gives the older posts."""
    clock = Clock()
    sandbox = SandboxX(clock=clock)
    made = [sandbox.create_post(f"post {n}").post_id for n in range(8)]
    me = SANDBOX_ACCOUNT.user_id
    first = sandbox.own_posts(me, max_results=5)
    second = sandbox.own_posts(me, max_results=5, pagination_token=first.next_token)
    assert (made[:2:-1], made[2::-1], None) == (ids(first), ids(second), second.next_token)


def test_mentions_paginate_newest_first_past_since_id() -> None:
    """Mentions: pages of max_results, next_token until done, only posts newer than since_id."""
    sandbox = SandboxX()
    fed = [supporter_post(sandbox, f"@RecessReachOut hello {n}", minutes=n) for n in range(12)]
    sandbox.feed_mentions(*fed)
    me = SANDBOX_ACCOUNT.user_id
    newest_first = [p.post_id for p in reversed(fed)]
    pages = all_pages(lambda t: sandbox.mentions(me, pagination_token=t, max_results=5))
    assert [newest_first[:5], newest_first[5:10], newest_first[10:]] == pages
    since = fed[8].post_id
    assert newest_first[:3] == ids(sandbox.mentions(me, since_id=since, max_results=5))
    assert [] == ids(sandbox.mentions("12345"))


def test_mentions_reach_only_the_newest_800() -> None:
    """X keeps the newest 800 mentions reachable; older ones are gone."""
    sandbox = SandboxX()
    fed = [supporter_post(sandbox, f"@RecessReachOut {n}") for n in range(805)]
    sandbox.feed_mentions(*fed)
    me = SANDBOX_ACCOUNT.user_id
    pages = all_pages(lambda t: sandbox.mentions(me, pagination_token=t, max_results=100))
    assert (800, fed[5].post_id) == (sum(map(len, pages)), pages[-1][-1])


def test_search_matches_words_excludes_retweets_and_reaches_back_seven_days() -> None:
    """Recent search: AND of words, -is:retweet, 7 days back; since_id wins over start_time."""
    clock = Clock(T0 + timedelta(days=7, minutes=30))
    sandbox = SandboxX(clock=clock)
    old = supporter_post(sandbox, "Call your senator #RecessReachOut", minutes=0)
    hit = supporter_post(sandbox, "Met my rep today #recessreachout", minutes=60)
    retweet = supporter_post(
        sandbox, "RT #RecessReachOut", minutes=61, referenced=(("retweeted", hit.post_id),)
    )
    other = supporter_post(sandbox, "Nothing to see", minutes=62)
    sandbox.feed_search(old, hit, retweet, other)
    query = "#RecessReachOut -is:retweet"
    assert [hit.post_id] == ids(sandbox.search_recent(query))
    assert [retweet.post_id, hit.post_id] == ids(sandbox.search_recent("#RecessReachOut"))
    assert [] == ids(sandbox.search_recent(query, since_id=hit.post_id))
    late_start = T0 + timedelta(days=30)
    assert [hit.post_id] == ids(
        sandbox.search_recent(query, since_id=old.post_id, start_time=late_start)
    )
    assert [] == ids(sandbox.search_recent(query, start_time=late_start))
    assert [other.post_id] == ids(sandbox.search_recent("nothing -#RecessReachOut"))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.mentions(SANDBOX_ACCOUNT.user_id, max_results=4), "5 to 100"),
        (lambda s: s.search_recent("#a", max_results=5), "10 to 100"),
        (lambda s: s.own_posts(SANDBOX_ACCOUNT.user_id, max_results=101), "5 to 100"),
        (lambda s: s.posts_by_id([str(n) for n in range(101)]), "at most 100"),
    ],
    ids=["mentions", "search", "own posts", "lookup"],
)
def test_out_of_range_arguments_are_value_errors(call: Any, message: str) -> None:
    """max_results outside X's range and over-long id lists are ValueErrors, as in the adapter."""
    with pytest.raises(ValueError, match=message):
        call(SandboxX())


def test_a_foreign_pagination_token_is_a_400() -> None:
    """A token the sandbox did not hand out is refused like X refuses one."""
    with pytest.raises(XRejected) as refused:
        SandboxX().search_recent("#a", pagination_token="b26v89c19zqg8o3fpzbkx4nxgi0gw")
    assert 400 == refused.value.status


def test_posts_by_id_returns_metrics_in_the_order_asked_and_errors_for_unknown_ids() -> None:
    """GET /2/tweets?ids=: known posts with public_metrics, X's not-found errors for the rest."""
    sandbox = SandboxX()
    mine = sandbox.create_post(TEXT)
    theirs = supporter_post(sandbox, "@RecessReachOut done!")
    sandbox.feed_mentions(theirs)
    sandbox.set_metrics(mine.post_id, like_count=7, impression_count=120)
    page = sandbox.posts_by_id([theirs.post_id, "999", mine.post_id])
    assert [theirs.post_id, mine.post_id] == ids(page)
    assert {
        "retweet_count": 0,
        "reply_count": 0,
        "like_count": 7,
        "quote_count": 0,
        "bookmark_count": 0,
        "impression_count": 120,
    } == dict(page.posts[1].public_metrics)
    assert [("999", "Could not find tweet with ids: [999].")] == [
        (e["resource_id"], e["detail"]) for e in page.errors
    ]
    assert Page() == sandbox.posts_by_id([])
    assert 1 == sandbox.calls.count(POSTS_BY_ID)  # no ids, no request
    with pytest.raises(KeyError):
        sandbox.set_metrics("999", like_count=1)


# --- limits and bookkeeping ------------------------------------------------------------------


def test_rate_limits_start_empty_and_count_calls_per_window() -> None:
    """rate_limits is empty before any call, then reports X's limit, what is left and the reset."""
    clock = Clock()
    sandbox = SandboxX(clock=clock)
    assert {} == dict(sandbox.rate_limits)
    sandbox.create_post(TEXT)
    clock.advance(minutes=1)
    sandbox.create_post(TEXT + " 2")
    limit = sandbox.rate_limits[CREATE_POST]
    assert (100, 98, T0 + timedelta(minutes=15)) == (limit.limit, limit.remaining, limit.reset_at)
    clock.advance(minutes=15)
    sandbox.me()
    sandbox.create_post(TEXT + " 3")
    assert (99, 74) == (
        sandbox.rate_limits[CREATE_POST].remaining,
        sandbox.rate_limits[ME].remaining,
    )


def test_the_101st_post_in_15_minutes_is_a_429() -> None:
    """X's per-user POST limit (100 per 15 minutes) holds in the sandbox too."""
    sandbox = SandboxX(clock=Clock())
    for n in range(100):
        sandbox.create_post(f"post {n}")
    with pytest.raises(XRateLimited) as limited:
        sandbox.create_post("one too many")
    assert (T0 + timedelta(minutes=15), 100) == (limited.value.reset_at, len(sandbox.posts))


def test_calls_are_recorded_by_endpoint() -> None:
    """Every call is logged by endpoint name, faulted ones included."""
    sandbox = SandboxX()
    sandbox.script("auth")
    with pytest.raises(XAuthError):
        sandbox.create_post(TEXT)
    sandbox.me()
    sandbox.own_posts(SANDBOX_ACCOUNT.user_id)
    sandbox.mentions(SANDBOX_ACCOUNT.user_id)
    sandbox.search_recent("#RecessReachOut")
    sandbox.posts_by_id(["1"])
    assert (CREATE_POST, ME, OWN_POSTS, MENTIONS, SEARCH_RECENT, POSTS_BY_ID) == sandbox.calls


def test_fed_posts_without_a_time_get_the_clock_time() -> None:
    """feed_* fills created_at from the clock when the post has none."""
    sandbox = SandboxX(clock=Clock())
    sandbox.feed_mentions(XPost(post_id=sandbox.new_id(), text="@RecessReachOut hi"))
    assert [T0] == [p.created_at for p in sandbox.mentions(SANDBOX_ACCOUNT.user_id).posts]


def test_until_id_returns_only_older_posts() -> None:
    """until_id (the collector's overlap re-query) excludes that post and newer ones."""
    sandbox = SandboxX(clock=Clock())
    posts = [supporter_post(sandbox, f"@RecessReachOut n{n}") for n in range(4)]
    sandbox.feed_mentions(*posts)
    page = sandbox.mentions(SANDBOX_ACCOUNT.user_id, until_id=posts[2].post_id)
    assert [posts[1].post_id, posts[0].post_id] == [p.post_id for p in page.posts]


def test_a_post_indexed_late_is_invisible_until_then() -> None:
    """feed_mentions(visible_at=...) hides the post from reads before that time."""
    clock = Clock()
    sandbox = SandboxX(clock=clock)
    late = XPost(sandbox.new_id(), "@RecessReachOut late", created_at=T0)
    sandbox.feed_mentions(late, visible_at=T0 + timedelta(minutes=5))
    sandbox.feed_search(late, visible_at=T0 + timedelta(minutes=5))
    before = sandbox.mentions(SANDBOX_ACCOUNT.user_id).posts
    clock.advance(minutes=5)
    after = sandbox.mentions(SANDBOX_ACCOUNT.user_id).posts
    found = sandbox.search_recent("late").posts
    assert ((), (late,), (late,)) == (before, after, found)
