"""Sandbox traffic (bot.sandbox): supporters, replies, legislators, metrics and faults.

Real parts: the real legislator directory (data/legislators.yaml with its overrides), the
real SandboxX read through its XClient methods, the recorded X API payloads in
tests/fixtures/x-api/. Clocks are driven by hand.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.errors import XError, XRateLimited, XRejected, XUnavailable
from bot.legislators import Directory
from bot.sandbox import FAULT_ENDPOINTS, INJECTED_FAULTS, Traffic, TrafficStats, page_json
from bot.settings import Simulation
from bot.testing import FIRST_POST_ID, SANDBOX_ACCOUNT, Fault, SandboxX
from bot.twitter_text import weighted_length
from bot.x_models import CREATE_POST, ME, MENTIONS, SEARCH_RECENT, XPost, page_from_json
from tests.conftest import FIXTURES, PROJECT_ROOT

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2027, 8, 2, 4, tzinfo=UTC)  # midnight in New York
QUIET = Simulation(fault_percent=0)


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The real directory, as the worker loads it."""
    data = PROJECT_ROOT / "data"
    return Directory.load(data / "legislators.yaml", data / "legislators-overrides.yaml")


class Clock:
    """A hand-driven clock for the sandbox."""

    def __init__(self, now: datetime = MONDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class World:
    """A sandbox X, its clock and the traffic feeding it."""

    def __init__(self, directory: Directory, simulation: Simulation = QUIET) -> None:
        self.clock = Clock()
        self.stats = TrafficStats()
        self.x = SandboxX(clock=self.clock)
        self.traffic = Traffic(
            self.x,
            directory,
            simulation=simulation,
            hashtag="#RecessReachOut",
            account=SANDBOX_ACCOUNT,
            timezone=NEW_YORK,
        )

    def run(
        self, days: float, *, post_hours: tuple[int, ...] = (), step_hours: float = 1
    ) -> TrafficStats:
        """Advance hour by hour; at each local hour in ``post_hours`` the account posts.

        Returns:
            What the traffic fed in these days (also added to ``stats``).
        """
        stats = TrafficStats()
        end = self.clock.now + timedelta(days=days)
        while self.clock.now < end:
            start = self.clock.now
            self.clock.now = min(start + timedelta(hours=step_hours), end)
            stats += self.traffic.advance(start, self.clock.now)
            local = self.clock.now.astimezone(NEW_YORK)
            if local.hour in post_hours and local.minute == 0:
                self.x.create_post(
                    f"Prompt of {local:%A %d %B %H:%M}: ask them home. #RecessReachOut"
                )
        self.stats += stats
        return stats

    def mentions(self) -> list[XPost]:
        """Every reachable mention, read through the API, newest first."""
        return read_all(
            lambda token: self.x.mentions(SANDBOX_ACCOUNT.user_id, pagination_token=token)
        )

    def searchable(self) -> list[XPost]:
        """Every post the campaign search finds, read through the API, newest first."""
        query = "#RecessReachOut -is:retweet"
        return read_all(lambda token: self.x.search_recent(query, pagination_token=token))

    def fed(self) -> list[XPost]:
        """Every post the traffic fed (mentions and search), oldest first, once each."""
        found = {p.post_id: p for p in (*self.mentions(), *self.searchable())}
        return sorted(found.values(), key=lambda p: int(p.post_id))


def read_all(read: Callable[[str | None], Any]) -> list[XPost]:
    """Follow next_token to the last page."""
    posts: list[XPost] = []
    token = None
    while True:
        page = read(token)
        posts += page.posts
        if page.next_token is None:
            return posts
        token = page.next_token


def classify(world: World, posts: list[XPost]) -> dict[str, list[XPost]]:
    """Group posts: reply (to us), quote (of us), hashtag (other supporters' posts), legislator.

    Supporters are the traffic's pool; any other author is a legislator's account.
    """
    groups: dict[str, list[XPost]] = {"reply": [], "quote": [], "legislator": [], "hashtag": []}
    for post in posts:
        if post.author_id not in world.traffic.supporters:
            groups["legislator"].append(post)
        elif post.in_reply_to_user_id == SANDBOX_ACCOUNT.user_id:
            groups["reply"].append(post)
        elif post.referenced and "quoted" == post.referenced[0][0]:
            groups["quote"].append(post)
        else:
            groups["hashtag"].append(post)
    return groups


@pytest.fixture(scope="module")
def week(directory: Directory) -> World:
    """A week of default traffic (no faults) with our posts at 10:00 and 18:00 New York."""
    world = World(directory)
    world.run(7, post_hours=(10, 18))
    return world


# --- determinism -----------------------------------------------------------------------------


def snapshot(world: World) -> list[tuple[Any, ...]]:
    """Everything a post says, for comparing runs."""
    return [
        (p.post_id, p.text, p.author_id, p.created_at, p.referenced, p.mentions, p.lang)
        for p in world.fed()
    ]


def test_the_same_seed_gives_identical_traffic_and_another_seed_differs(
    directory: Directory,
) -> None:
    """Same seed and calls: the same posts, ids, texts, authors and times; seed 7: others."""
    runs = []
    for seed in (2027, 2027, 7):
        world = World(directory, replace(QUIET, seed=seed))
        world.run(2, post_hours=(9, 15))
        runs.append(snapshot(world))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert 400 < len(runs[0])


def test_splitting_a_period_changes_nothing(directory: Directory) -> None:
    """advance(a, c) feeds what advance(a, b) then advance(b, c) feed, even mid-hour."""
    whole, split = World(directory), World(directory)
    end = MONDAY + timedelta(days=1)
    whole.clock.now = split.clock.now = end
    whole.traffic.advance(MONDAY, end)
    middle = MONDAY + timedelta(hours=13, minutes=17, seconds=30)
    split.traffic.advance(MONDAY, middle)
    split.traffic.advance(middle, end)
    assert snapshot(whole) == snapshot(split)


def test_advance_refuses_naive_or_backward_periods(directory: Directory) -> None:
    """A naive datetime or an end before the start is a ValueError, nothing fed."""
    world = World(directory)
    with pytest.raises(ValueError, match="aware"):
        world.traffic.advance(MONDAY.replace(tzinfo=None), MONDAY)
    with pytest.raises(ValueError, match="before it starts"):
        world.traffic.advance(MONDAY, MONDAY - timedelta(hours=1))
    assert [] == world.fed()


# --- what supporters post --------------------------------------------------------------------


def test_supporters_tag_only_their_own_states_legislators(
    week: World, directory: Directory
) -> None:
    """Every tagged handle is a real member of the author's state, with the directory's id."""
    checked = 0
    for post in week.fed():
        supporter = week.traffic.supporters.get(post.author_id or "")
        if supporter is None:
            continue
        tagged = [(name, uid) for name, uid in post.mentions if name != SANDBOX_ACCOUNT.username]
        members = [directory.by_x_handle(name) for name, _ in tagged]
        assert [supporter.state] * len(members) == [m.state if m else None for m in members]
        assert [m.x_id for m in members if m and m.x_id] == [
            uid for (_, uid), m in zip(tagged, members, strict=True) if m and m.x_id
        ]
        checked += len(members)
    assert 1000 < checked


def test_a_supporter_tags_their_senators_and_their_own_house_member(
    week: World, directory: Directory
) -> None:
    """The pool's members to tag: the state's senators and the House member of their district."""
    for supporter in week.traffic.supporters.values():
        members = [directory.get(b) for b in supporter.tags]
        assert all(m is not None and m.x for m in members)
        house = {m.district for m in members if m and m.chamber == "house"}
        assert house <= {supporter.district}, supporter


def test_hashtag_posts_carry_the_hashtag_in_text_and_entities(week: World) -> None:
    """Search finds them: the text has #RecessReachOut and entities.hashtags says so."""
    groups = classify(week, week.searchable())
    for post in groups["hashtag"] + groups["quote"]:
        assert "#RecessReachOut" in post.text
        assert "RecessReachOut" in post.hashtags
        assert 1 <= len([m for m in post.mentions if m[0] != SANDBOX_ACCOUNT.username])


def test_texts_fit_x_and_no_author_repeats_a_text(week: World) -> None:
    """Each text is at most 280 weighted; X would refuse a repeat, so no author repeats one."""
    posts = week.fed()
    assert [] == [p.text for p in posts if weighted_length(p.text) > 280]
    assert len(posts) == len({(p.author_id, p.text) for p in posts})


def test_some_supporters_post_several_times_in_several_languages(week: World) -> None:
    """Fewer authors than posts; mostly English, some Spanish; some emoji."""
    posts = classify(week, week.fed())["hashtag"]
    languages = Counter(p.lang for p in posts)
    assert len({p.author_id for p in posts}) < 0.8 * len(posts)
    assert {"en", "es"} == set(languages)
    assert languages["es"] < languages["en"] / 5
    assert any(not p.text.isascii() for p in posts)


# --- volumes and rhythm ----------------------------------------------------------------------


def test_a_weeks_volumes_are_near_the_settings(week: World) -> None:
    """Hashtag posts near 7 x 300, replies near 6 per post of ours, legislators near 2 a day.

    Bounds are several standard deviations wide (Poisson), so no seed-level luck matters.
    """
    stats = week.stats
    ours = len(week.x.posts)
    assert 14 == ours
    assert 7 * 300 * 0.9 < stats.hashtag_posts < 7 * 300 * 1.1
    assert ours * 6 * 0.5 < stats.replies < ours * 6 * 1.5
    assert 4 <= stats.legislator_replies <= 30
    assert 0 < stats.quotes < stats.hashtag_posts * 0.15


def test_more_supporters_post_in_the_local_evening_than_at_3_am(week: World) -> None:
    """Local 19:00-22:00 holds far more hashtag posts than 02:00-05:00 (New York time)."""
    hours = Counter(
        p.created_at.astimezone(NEW_YORK).hour
        for p in classify(week, week.fed())["hashtag"]
        if p.created_at
    )
    evening = sum(hours[h] for h in (19, 20, 21))
    night = sum(hours[h] for h in (2, 3, 4))
    assert evening > 8 * night
    assert hours[20] > 10 * max(hours[3], 1)


def test_legislators_reply_in_office_hours_from_their_real_accounts(
    week: World, directory: Directory
) -> None:
    """Authors are directory members: numeric id as the directory has it, handle as upstream."""
    replies = classify(week, week.fed())["legislator"]
    assert replies
    for post in replies:
        member = directory.by_x_handle(post.author_username or "")
        assert member is not None and member.x == post.author_username
        if member.x_id:
            assert member == directory.by_x_id(post.author_id or "")
        assert 7 <= (post.created_at or MONDAY).astimezone(NEW_YORK).hour <= 20
        assert post.in_reply_to_user_id in {SANDBOX_ACCOUNT.user_id, *week.traffic.supporters}
        assert "replied_to" == post.referenced[0][0]


def test_a_legislator_answers_a_supporter_who_tagged_them(
    week: World, directory: Directory
) -> None:
    """A reply to a supporter goes to a post that tagged that very legislator."""
    posts = {p.post_id: p for p in week.fed()}
    to_supporters = [
        p
        for p in classify(week, list(posts.values()))["legislator"]
        if p.in_reply_to_user_id != SANDBOX_ACCOUNT.user_id
    ]
    for reply in to_supporters:
        parent = posts[reply.referenced[0][1]]
        assert reply.author_username in [name for name, _ in parent.mentions]
        assert (parent.conversation_id, parent.author_id) == (
            reply.conversation_id,
            reply.in_reply_to_user_id,
        )


# --- replies, quotes and metrics of our posts ------------------------------------------------


def test_replies_answer_our_posts_after_they_went_out(week: World) -> None:
    """A reply names our post, its conversation and our account, and comes after it."""
    ours = {p.post_id: p for p in week.x.posts}
    replies = classify(week, week.mentions())["reply"]
    assert replies
    for reply in replies:
        kind_, parent_id = reply.referenced[0]
        parent = ours[parent_id]
        assert ("replied_to", parent.post_id) == (kind_, reply.conversation_id)
        assert (SANDBOX_ACCOUNT.username, SANDBOX_ACCOUNT.user_id) == reply.mentions[0]
        assert reply.text.startswith(f"@{SANDBOX_ACCOUNT.username} ")
        assert (reply.created_at or MONDAY) > (parent.created_at or MONDAY)
        assert int(reply.post_id) > int(parent.post_id)


def test_quotes_quote_our_recent_posts(week: World) -> None:
    """A quote references one of our posts, made before it."""
    ours = {p.post_id: p for p in week.x.posts}
    quotes = classify(week, week.searchable())["quote"]
    assert quotes
    for quote in quotes:
        assert "quoted" == quote.referenced[0][0]
        assert (ours[quote.referenced[0][1]].created_at or MONDAY) < (quote.created_at or MONDAY)


def test_mentions_and_search_get_what_they_should(week: World) -> None:
    """Mentions: every post naming our account; search: every post with the hashtag."""
    fed = week.fed()
    mentions = {p.post_id for p in week.mentions()}
    searchable = {p.post_id for p in week.searchable()}
    us = SANDBOX_ACCOUNT.user_id
    assert {p.post_id for p in fed if us in [uid for _, uid in p.mentions]} == mentions
    assert {p.post_id for p in fed if "RecessReachOut" in p.hashtags} == searchable


def test_our_posts_metrics_grow_and_count_the_replies_fed(directory: Directory) -> None:
    """Impressions and likes only grow; reply_count and quote_count match what was fed."""
    world = World(directory)
    world.run(0.5, post_hours=(9,))
    seen = []
    for _ in range(6):
        world.run(0.25)
        seen.append(dict(world.x.posts_by_id([world.x.posts[0].post_id]).posts[0].public_metrics))
    impressions = [m["impression_count"] for m in seen]
    assert impressions == sorted(impressions) and impressions[0] < impressions[-1]
    ours = world.x.posts[0].post_id
    answers = Counter(ref for p in world.fed() for ref in p.referenced if ref[1] == ours)
    assert (answers["replied_to", ours], answers["quoted", ours]) == (
        seen[-1]["reply_count"],
        seen[-1]["quote_count"],
    )


# --- payload shapes --------------------------------------------------------------------------


def recorded_posts() -> list[dict[str, Any]]:
    """The hand-written expanded search page (the only recording with fields)."""
    body = json.loads((FIXTURES / "x-api" / "search_recent_expanded.handwritten.json").read_text())
    return list(body["response"]["json_body"]["data"])


def test_a_reply_has_exactly_the_fields_of_the_recorded_reply(week: World) -> None:
    """Written back as X sends it, a reply has the recorded reply's keys, entities and metrics."""
    recorded = recorded_posts()[0]
    reply = classify(week, week.searchable())["reply"][0]
    written = page_json([reply])["data"][0]
    assert sorted(recorded) == sorted(written)
    assert sorted(recorded["entities"]) == sorted(written["entities"])
    assert sorted(recorded["entities"]["mentions"][0]) == sorted(written["entities"]["mentions"][0])
    assert sorted(recorded["entities"]["hashtags"][0]) == sorted(written["entities"]["hashtags"][0])
    assert sorted(recorded["public_metrics"]) == sorted(written["public_metrics"])
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z"
    assert [True, True] == [
        bool(re.fullmatch(pattern, p["created_at"])) for p in (recorded, written)
    ]


def test_a_hashtag_post_has_the_recorded_original_posts_fields_plus_mentions(week: World) -> None:
    """An original post: the recorded original's keys; its entities add the tagged mentions."""
    recorded = recorded_posts()[1]
    post = next(p for p in classify(week, week.searchable())["hashtag"] if p.lang == "en")
    written = page_json([post])["data"][0]
    assert sorted(recorded) == sorted(written)
    assert ["hashtags", "mentions"] == sorted(written["entities"])
    assert written["id"] == written["conversation_id"]


def test_pages_round_trip_through_the_parser_of_x_answers(week: World) -> None:
    """page_from_json reads every traffic post back unchanged, entity offsets right."""
    posts = week.fed()[:300]
    body = page_json(posts)
    assert posts == list(page_from_json(json.loads(json.dumps(body))).posts)
    for item in body["data"]:
        entities = item.get("entities", {})
        for mention in entities.get("mentions", []):
            assert "@" + mention["username"] == item["text"][mention["start"] : mention["end"]]
        for hashtag in entities.get("hashtags", []):
            assert "#" + hashtag["tag"] == item["text"][hashtag["start"] : hashtag["end"]]


def test_the_sandbox_serves_pages_as_the_parser_reads_xs_json(week: World) -> None:
    """A mentions page from the sandbox equals page_from_json of that page as X writes it."""
    page = week.x.mentions(SANDBOX_ACCOUNT.user_id)
    parsed = page_from_json(json.loads(json.dumps(page_json(list(page.posts)))))
    assert 100 == len(page.posts)
    assert (page.posts, dict(page.users)) == (parsed.posts, dict(parsed.users))


# --- X's limits ------------------------------------------------------------------------------


def test_more_than_800_mentions_between_polls_hit_the_cap(directory: Directory) -> None:
    """1,500 replies to one post feed over 800 mentions; the timeline yields the newest 800."""
    world = World(directory, replace(QUIET, hashtag_posts_per_day=0, replies_per_post=1500))
    world.x.create_post("One prompt that draws a crowd #RecessReachOut")
    stats = world.run(2, step_hours=48)
    every_id = [str(n) for n in range(FIRST_POST_ID, int(world.x.new_id()))]
    every_post = [
        p
        for i in range(0, len(every_id), 100)
        for p in world.x.posts_by_id(every_id[i : i + 100]).posts
    ]
    fed = [p for p in every_post if SANDBOX_ACCOUNT.user_id in [uid for _, uid in p.mentions]]
    reached = world.mentions()
    assert 1200 < stats.mentions == len(fed)
    assert sorted(fed, key=lambda p: -int(p.post_id))[:800] == reached


def test_duplicates_and_rate_limits_stay_enforced_with_traffic(directory: Directory) -> None:
    """The traffic changes none of X's limits: duplicate text 403, the 301st search a 429."""
    world = World(directory)
    world.run(0.5)
    world.x.create_post("One unique prompt #RecessReachOut")
    with pytest.raises(XRejected) as refused:
        world.x.create_post("One unique prompt #RecessReachOut")
    assert refused.value.duplicate
    calls = Counter(world.x.calls)[SEARCH_RECENT]
    for _ in range(300 - calls):
        world.x.search_recent("#RecessReachOut", max_results=10)
    with pytest.raises(XRateLimited):
        world.x.search_recent("#RecessReachOut", max_results=10)


# --- faults ----------------------------------------------------------------------------------


def test_faults_come_at_the_configured_rate_in_every_kind(directory: Directory) -> None:
    """3% of 20,000 calls fail (within 5 sigma), a quarter of each kind; me() never."""
    world = World(directory, Simulation(fault_percent=3))
    faults = [world.traffic.fault_for(CREATE_POST) for _ in range(20_000)]
    kinds = Counter(f.kind for f in faults if f)
    assert 480 < sum(kinds.values()) < 720
    assert set(INJECTED_FAULTS) == set(kinds)
    assert all(60 < n < 240 for n in kinds.values())
    assert Counter(kinds) == world.traffic.faults
    assert [None] * 1000 == [world.traffic.fault_for(ME) for _ in range(1000)]


def test_faults_are_the_same_for_the_same_seed_and_differ_for_another(
    directory: Directory,
) -> None:
    """The n-th call to an endpoint fails or not by the seed alone."""

    def pattern(seed: int) -> list[Fault | None]:
        traffic = World(directory, Simulation(fault_percent=10, seed=seed)).traffic
        return [traffic.fault_for(endpoint) for endpoint in FAULT_ENDPOINTS for _ in range(200)]

    assert pattern(1) == pattern(1)
    assert pattern(1) != pattern(2)


@pytest.mark.parametrize("percent", [0.0, 100.0])
def test_no_faults_at_0_and_only_faults_at_100_percent(
    directory: Directory, percent: float
) -> None:
    """At 0% nothing fails; at 100% every post fails and only a dropped answer left one on X."""
    world = World(directory, Simulation(fault_percent=percent))
    outcomes: Counter[str] = Counter()
    for n in range(40):
        world.clock.now += timedelta(minutes=1)
        try:
            world.x.create_post(f"Prompt number {n} #RecessReachOut")
            outcomes["posted"] += 1
        except XUnavailable as exc:
            outcomes["reached" if exc.may_have_reached_x else "not reached"] += 1
        except XRateLimited as exc:
            assert exc.reset_at is not None
            assert timedelta(minutes=1) <= exc.reset_at - world.clock.now <= timedelta(minutes=15)
            outcomes["429"] += 1
    if percent == 0:
        assert Counter(posted=40) == outcomes
        assert not world.traffic.faults
    else:
        assert 0 == outcomes["posted"]
        assert world.traffic.faults["unavailable_after"] == len(world.x.posts)
        assert {"reached", "not reached", "429"} == set(outcomes)


def test_a_scripted_fault_comes_before_the_injected_ones(directory: Directory) -> None:
    """script() still decides the next call; the injected source is asked only otherwise."""
    world = World(directory, Simulation(fault_percent=0))
    world.x.script(Fault("auth", MENTIONS))
    with pytest.raises(XError, match="401"):
        world.x.mentions(SANDBOX_ACCOUNT.user_id)
    world.x.mentions(SANDBOX_ACCOUNT.user_id)
    world.x.inject_faults(lambda endpoint: Fault("server_error", endpoint))
    with pytest.raises(XUnavailable, match="503"):
        world.x.mentions(SANDBOX_ACCOUNT.user_id)
    world.x.inject_faults(None)
    assert () == world.x.mentions(SANDBOX_ACCOUNT.user_id).posts
