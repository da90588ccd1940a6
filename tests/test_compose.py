"""Composition: templates, targets, weighted length, the tagging policy, duplicates, keys.

Every test composes against the real legislator directory (``data/legislators.yaml``, loaded
once per module). Expected values are worked out from the directory or the calendar text, not
copied from compose's output.

Most tests build a calendar with :func:`calendar_bytes` (a 7-line campaign header, then
``posts:`` on line 8) from items made by :func:`post`: the first post's ``id`` is on line 9,
then ``date`` (10), ``time`` (11), ``text`` (12; a quoted value's first character is at
column 12) and any further key from line 13. ``defaults`` go after the posts so they never
move a post's lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest

from bot import legislators_import as importer
from bot.campaign import Calendar, District, Targets, load_calendar
from bot.compose import (
    INTENT_BASE,
    Plan,
    PlannedPost,
    Policy,
    intent_url,
    plan,
)
from bot.directory_dates import REFRESH_COMMAND
from bot.errors import ConfigError, Problem
from bot.legislators import Directory, Legislator
from bot.targets import human_list, read_do_not_tag, resolve
from bot.twitter_text import extract_mentions, weighted_length
from tests.changeover import make_changeover
from tests.conftest import PROJECT_ROOT

NEW_YORK = ZoneInfo("America/New_York")
SHIPPED = PROJECT_ROOT / "config" / "calendar.yaml"
DOCS = PROJECT_ROOT / "docs" / "calendar.md"
AUGUST = (("2027-08-02", "2027-09-06"),)
Pick = Callable[[Legislator], bool]


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The real legislator directory, without staff overrides."""
    return Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")


def calendar_bytes(
    posts: str, *, recess: Sequence[tuple[str, str]] = AUGUST, defaults: str = ""
) -> bytes:
    """Wrap posts (YAML list items) in a campaign header; defaults (YAML) go after them."""
    windows = "".join(f"    - {{from: {first}, until: {last}}}\n" for first, last in recess)
    head = (
        'campaign:\n  name: Test\n  hashtag: "#RecessReachOut"\n'
        "  timezone: America/New_York\n  recess:\n" + windows + "  x_username: RecessReachOut\n"
    )
    tail = f"defaults:\n{defaults}" if defaults else ""
    return (head + "posts:\n" + posts + tail).encode("utf-8")


def calendar_warnings(result: Plan) -> list[str]:
    """The plan's warnings about the calendar itself: those about the directory's date (a
    2027 calendar against the 119th Congress's directory) are tested in test_directory_dates."""
    return [w.message for w in result.warnings if REFRESH_COMMAND not in w.hint]


def post(**fields: str | None) -> str:
    """Return one post item: id a, 2027-08-03 at 09:30, then fields (replacing or adding).

    A value of None leaves the key out; ``from`` goes in as ``**{"from": ...}``.
    """
    merged = {"id": "a", "date": "2027-08-03", "time": '"09:30"', **fields}
    return "  - " + "\n    ".join(f"{k}: {v}" for k, v in merged.items() if v is not None) + "\n"


def compose(
    directory: Directory,
    posts: str,
    policy: Policy | None = None,
    *,
    recess: Sequence[tuple[str, str]] = AUGUST,
    defaults: str = "",
) -> Plan:
    """Load a calendar built from posts, named cal.yaml, and plan it."""
    data = calendar_bytes(posts, recess=recess, defaults=defaults)
    return plan(load_calendar(data, "cal.yaml"), directory, policy)


def only_post(result: Plan) -> PlannedPost:
    """Return the single post of a plan that must have no problem."""
    assert () == result.problems, [str(p) for p in result.problems]
    assert 1 == len(result.posts)
    return result.posts[0]


def problems(result: Plan) -> list[str]:
    """Return a plan's problems as the CLI prints them."""
    return [str(p) for p in result.problems]


def on(committee_id: str) -> Pick:
    """Return a test: does a member hold a seat on this committee (exact id)?"""
    return lambda m: any(s.committee.committee_id == committee_id for s in m.committees)


def ids(members: Sequence[Legislator], pick: Pick) -> tuple[str, ...]:
    """Return the bioguide ids of the members pick accepts, in the order given."""
    return tuple(m.bioguide_id for m in members if pick(m))


def unquoted_intent(planned: PlannedPost) -> str:
    """Return the supporter's post behind a planned post's intent link."""
    assert planned.intent_url is not None
    assert planned.intent_url.startswith(INTENT_BASE)
    return unquote(planned.intent_url.removeprefix(INTENT_BASE))


# --- 1. the shipped calendar and the documented example -------------------------------------

NORTHEAST = ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY")
# Members with no X handle get a call-in post instead of an intent link.
WITHOUT_X = frozenset({"F000479", "M001243", "M001238", "K000384"})
SOUTH = (
    "DE", "MD", "VA", "WV", "NC", "SC", "GA", "FL", "KY", "TN", "AL", "MS", "AR", "LA", "OK", "TX",
)  # fmt: skip
MIDWEST = ("OH", "IN", "IL", "MI", "WI", "MN", "IA", "MO", "ND", "SD", "NE", "KS")
WEST = ("MT", "ID", "WY", "CO", "NM", "AZ", "UT", "NV", "CA", "OR", "WA", "AK", "HI")


def senators_of(states: tuple[str, ...]) -> Pick:
    """Return a test: is a member a senator from one of these states?"""
    return lambda m: m.chamber == "senate" and m.state in states


# post id → (who its targets are, the chamber they sit in, the stagger) for each expansion
EXPANSIONS: dict[str, tuple[Pick, str, timedelta]] = {
    "senators-northeast": (senators_of(NORTHEAST), "senate", timedelta(minutes=15)),
    "senators-south": (senators_of(SOUTH), "senate", timedelta(minutes=15)),
    "senators-midwest": (senators_of(MIDWEST), "senate", timedelta(minutes=15)),
    "senators-west": (senators_of(WEST), "senate", timedelta(minutes=15)),
    "house-foreign-affairs": (
        lambda m: m.chamber == "house" and on("HSFA")(m) and m.bioguide_id not in WITHOUT_X,
        "house",
        timedelta(minutes=12),
    ),
    "senate-foreign-relations": (
        lambda m: on("SSFR")(m) and m.bioguide_id not in WITHOUT_X,
        "senate",
        timedelta(minutes=15),
    ),
    "call-members-without-x": (lambda m: m.bioguide_id in WITHOUT_X, "", timedelta(minutes=15)),
}
# post id → occurrences, counted from the calendar's dates by hand
SINGLE_POSTS = {
    "kickoff": 1,
    "htpa-explainer": 1,
    "postcard-challenge": 4,  # Mondays 2027-08-09, 16, 23, 30
    "district-meetings": 5,  # Thursdays 2027-08-05, 12, 19, 26 and 09-02
    "recipe-for-change": 1,
    "global-goals": 1,
    "last-week": 1,
    "thank-you": 1,
}


@pytest.fixture(scope="module")
def shipped(directory: Directory) -> tuple[Calendar, Plan]:
    """config/calendar.yaml, loaded and planned with the default policy."""
    calendar = load_calendar(SHIPPED.read_bytes(), "config/calendar.yaml")
    return calendar, plan(calendar, directory)


def by_post_id(posts: Sequence[PlannedPost]) -> dict[str, list[PlannedPost]]:
    """Group planned posts by post id, keeping their order."""
    groups: dict[str, list[PlannedPost]] = defaultdict(list)
    for planned in posts:
        groups[planned.post_id].append(planned)
    return groups


def test_shipped_calendar_composes_without_problems(shipped: tuple[Calendar, Plan]) -> None:
    """The calendar we ship loads without warnings and composes without problems."""
    calendar, result = shipped
    assert () == calendar.warnings
    assert [] == problems(result)


def test_shipped_calendar_plans_each_post_the_expected_number_of_times(
    shipped: tuple[Calendar, Plan], directory: Directory
) -> None:
    """One post per state with targets for an expansion; one per day for the others."""
    expected = dict(SINGLE_POSTS)
    for post_id, (pick, _, _) in EXPANSIONS.items():
        expected[post_id] = len({m.state for m in directory.members if pick(m)})
    actual = {k: len(v) for k, v in by_post_id(shipped[1].posts).items()}
    assert expected == actual


def test_shipped_senator_posts_cover_each_listed_state_with_both_senators(
    shipped: tuple[Calendar, Plan], directory: Directory
) -> None:
    """Each regional post goes to every listed state, in directory order, naming 2 senators."""
    regions = {"northeast": NORTHEAST, "south": SOUTH, "midwest": MIDWEST, "west": WEST}
    every_state = [s for states in regions.values() for s in states] + ["PA"]  # PA: call-in post
    assert (50, 50) == (len(every_state), len(set(every_state)))
    for region, states in regions.items():
        posts = by_post_id(shipped[1].posts)[f"senators-{region}"]
        groups = [p.target_group for p in posts]
        assert [s for s in directory.states if s in states] == groups, region
        assert [2] * len(states) == [len(p.targets) for p in posts], region


@pytest.mark.parametrize("post_id", sorted(EXPANSIONS))
def test_shipped_expansions_target_real_members_of_their_state_and_chamber(
    shipped: tuple[Calendar, Plan], directory: Directory, post_id: str
) -> None:
    """An expansion's post for a state targets exactly its selected members from that state."""
    pick, chamber, _ = EXPANSIONS[post_id]
    for planned in by_post_id(shipped[1].posts)[post_id]:
        members = [directory.get(b) for b in planned.targets]
        assert all(m is not None and chamber in ("", m.chamber) for m in members), planned.key
        expected = ids(directory.by_state(planned.target_group), pick)
        assert expected == planned.targets


@pytest.mark.parametrize("post_id", sorted(EXPANSIONS))
def test_shipped_expansions_are_staggered_from_ten_oclock(
    shipped: tuple[Calendar, Plan], post_id: str
) -> None:
    """The posts of one expansion start at 10:00 local and go out exactly stagger apart."""
    stagger = EXPANSIONS[post_id][2]
    posts = by_post_id(shipped[1].posts)[post_id]
    assert (10, 0) == (posts[0].local_at.hour, posts[0].local_at.minute)
    gaps = {b.at_utc - a.at_utc for a, b in pairwise(posts)}
    assert {stagger} == gaps


def test_shipped_posts_fit_in_280_weighted_characters(shipped: tuple[Calendar, Plan]) -> None:
    """Every post and every supporter's post behind an intent link is at most 280 weighted."""
    posts = shipped[1].posts
    assert [] == [p.key for p in posts if weighted_length(p.text) > 280]
    assert all(p.weighted_length == weighted_length(p.text) for p in posts)
    intents = [p for p in posts if p.intent_url]
    assert intents
    assert [] == [p.key for p in intents if weighted_length(unquoted_intent(p)) > 280]


def test_shipped_posts_never_mention_anyone_themselves(shipped: tuple[Calendar, Plan]) -> None:
    """Tagging is intent or none: our own posts hold no @mention and tag nobody."""
    posts = shipped[1].posts
    assert [] == [(p.key, extract_mentions(p.text)) for p in posts if extract_mentions(p.text)]
    assert [] == [p.key for p in posts if p.tagged]


def test_shipped_intent_links_tag_exactly_the_targets_with_an_x_handle(
    shipped: tuple[Calendar, Plan], directory: Directory
) -> None:
    """The supporter's post names each target that has an X handle, and nobody else."""
    for planned in (p for p in shipped[1].posts if p.intent_url):
        members = [directory.get(b) for b in planned.targets]
        expected = [m.x.lower() for m in members if m is not None and m.x]
        assert expected == [h.lower() for h in extract_mentions(unquoted_intent(planned))]


def test_shipped_texts_and_keys_are_unique(shipped: tuple[Calendar, Plan]) -> None:
    """X refuses duplicate text and the ledger keys on the key: both are unique."""
    posts = shipped[1].posts
    assert len(posts) == len({p.text for p in posts})
    assert len(posts) == len({p.key for p in posts})


def docs_example() -> bytes:
    """Return the example calendar of docs/calendar.md (the block after its marker)."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: calendar -->\s*```\w*\n(.*?)```", text, re.S)
    assert match
    return match.group(1).encode("utf-8")


def test_docs_example_calendar_composes_without_problems(directory: Directory) -> None:
    """The example staff copy from docs/calendar.md composes, not only loads."""
    result = plan(load_calendar(docs_example(), "docs/calendar.md"), directory)
    assert [] == problems(result)
    assert result.posts


# --- 2. targets ----------------------------------------------------------------------------


def everyone(m: Legislator) -> bool:
    """Every member."""
    return True


def nobody(m: Legislator) -> bool:
    """No member."""
    return False


@pytest.mark.parametrize(
    ("targets", "pick"),
    [
        (None, nobody),
        (Targets(states=("FL",)), lambda m: m.state == "FL"),
        (Targets(districts=(District("FL", 20),)), nobody),  # vacant seat
        (Targets(districts=(District("FL", 2), District("FL", 20))), lambda m: m.seat == "FL-2"),
        (Targets(chamber="both"), everyone),
        (Targets(party=("Independent",)), lambda m: m.party == "Independent"),
        (Targets(committees=("HSFA",)), on("HSFA")),
        (Targets(committees=("HSFA14",)), on("HSFA14")),
        (Targets(committees=("HSFA", "SSFR")), lambda m: on("HSFA")(m) or on("SSFR")(m)),
        (Targets(committees=("HSFA",), chamber="senate"), nobody),
        (Targets(states=("FL",), chamber="senate"), lambda m: m.seat == "FL-Sen"),
        (
            Targets(states=("TX",), chamber="house", party=("Democrat",)),
            lambda m: m.state == "TX" and m.chamber == "house" and m.party == "Democrat",
        ),
        (
            Targets(states=("NY",), districts=(District("FL", 2),), chamber="house"),
            lambda m: m.chamber == "house" and (m.state == "NY" or m.seat == "FL-2"),
        ),
        (
            Targets(bioguide_ids=("S001217", "M001153")),  # directory order, not this one
            lambda m: m.bioguide_id in ("S001217", "M001153"),
        ),
        (
            Targets(states=("AK",), chamber="senate", bioguide_ids=("S001217",)),
            lambda m: m.seat == "AK-Sen" or m.bioguide_id == "S001217",
        ),
        (
            Targets(states=("AK",), exclude=("M001153",)),
            lambda m: m.state == "AK" and m.bioguide_id != "M001153",
        ),
        (Targets(bioguide_ids=("S001217",), exclude=("S001217",)), nobody),
    ],
    ids=[
        "no-targets", "state", "vacant-district", "district-and-vacancy", "both-chambers",
        "party", "committee", "subcommittee", "committees", "house-committee-in-senate",
        "state-and-chamber", "state-chamber-party", "states-or-districts",
        "bioguide-ids-in-directory-order", "filters-plus-ids", "exclude", "exclude-wins",
    ],
)  # fmt: skip
def test_resolve_selects_in_directory_order(
    directory: Directory, targets: Targets | None, pick: Pick
) -> None:
    """(states ∪ districts) ∩ chamber ∩ party ∩ committees, plus bioguide_ids, minus exclude."""
    expected = ids(directory.members, pick)
    assert expected == tuple(m.bioguide_id for m in resolve(targets, directory))


@pytest.mark.parametrize(
    ("targets", "count", "chamber"),
    [
        (Targets(committees=("HSFA",)), 50, "house"),  # 50 "- HSFA " seats in the data file
        (Targets(chamber="senate"), 100, "senate"),
        (Targets(districts=(District("AK", 0),)), 1, "house"),
    ],
    ids=["house-foreign-affairs", "senate", "alaska-at-large"],
)
def test_resolve_counts_known_from_the_data(
    directory: Directory, targets: Targets, count: int, chamber: str
) -> None:
    """Sizes checked against data/legislators.yaml by hand (HSFA is a House committee)."""
    members = resolve(targets, directory)
    assert (count, {chamber}) == (len(members), {m.chamber for m in members})


def test_targets_matching_nobody_is_a_problem(directory: Directory) -> None:
    """A vacant seat as the only target is reported at the targets, not silently skipped."""
    result = compose(directory, post(text='"Hi {{ hashtag }}"', targets="{districts: [FL-20]}"))
    assert [(13, 14)] == [(p.line, p.column) for p in result.problems]
    assert "match no current legislator" in problems(result)[0]


# --- 3. rendering --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "template", "expected"),
    [
        ("{states: [FL], chamber: senate}", "{{ names }}", "Sen. Ashley Moody and Sen. Rick Scott"),
        ("{districts: [FL-2]}", "{{ names }}", "Rep. Neal P. Dunn"),
        ("{states: [DC]}", "{{ names }}", "Del. Eleanor Holmes Norton"),
        ("{states: [PR]}", "{{ names }}", "Res. Comm. Pablo José Hernández"),
        ("{states: [AK]}", "{{ names }}",
         "Sen. Lisa Murkowski, Sen. Dan Sullivan and Rep. Nicholas J. Begich III"),
        ("{states: [FL], chamber: senate}", "{{ state }} {{ state_name }}", "FL Florida"),
        ("{states: [NH]}", "{{ state_name }}", "New Hampshire"),
        ("{districts: [FL-2]}", "district {{ district }}", "district 2"),
        ("{states: [FL], chamber: senate}", "{{ chamber }}", "Senate"),
        ("{districts: [FL-2]}", "{{ chamber }}", "House"),
        ("{states: [AK]}", "{{ chamber }}", "Congress"),
        ("{committees: [HSFA]}", "{{ committee }}", "House Committee on Foreign Affairs"),
        ("{committees: [SSFR, HSFA]}", "{{ committee }}", "Senate Committee on Foreign Relations"),
        ("{states: [AK]}", "{{ count }} members", "3 members"),
        ("{states: [AK]}", "{{ date }} {{ hashtag }}", "Tuesday, August 3 #RecessReachOut"),
    ],
    ids=[
        "senators", "representative", "delegate", "resident-commissioner", "three-names",
        "state", "state-name", "district", "senate", "house", "both-chambers", "committee",
        "first-committee", "count", "date",
    ],
)  # fmt: skip
def test_variables_render(directory: Directory, targets: str, template: str, expected: str) -> None:
    """Each template variable renders from the targets and the post's local time (NFC)."""
    planned = only_post(compose(directory, post(text=f'"{template}"', targets=targets)))
    assert unicodedata.normalize("NFC", expected) == planned.text


def test_for_each_state_renders_each_state_in_directory_order(directory: Directory) -> None:
    """One post per state, states in directory order, each with its own state variables."""
    text = '"{{ state }}={{ state_name }}"'
    result = compose(directory, post(for_each="state", targets="{states: [VI, NH, DC]}", text=text))
    expected = ["DC=District of Columbia", "NH=New Hampshire", "VI=U.S. Virgin Islands"]
    assert [] == problems(result)
    assert expected == [p.text for p in result.posts]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-08-02", "Monday, August 2 week 1"),
        ("2027-08-08", "Sunday, August 8 week 1"),
        ("2027-08-09", "Monday, August 9 week 2"),
        ("2027-09-06", "Monday, September 6 week 6"),
        ("2027-10-11", "Monday, October 11 week 1"),  # the second window starts over
        ("2027-09-20", "Monday, September 20 week 0"),  # outside every window
    ],
)
def test_date_and_recess_week(directory: Directory, day: str, expected: str) -> None:
    """{{ date }} is the local day; {{ week }} counts 7-day weeks from its window's first day."""
    windows = (*AUGUST, ("2027-10-11", "2027-10-22"))
    result = compose(directory, post(date=day, text='"{{ date }} week {{ week }}"'), recess=windows)
    assert expected == only_post(result).text


def test_date_follows_a_stagger_past_midnight(directory: Directory) -> None:
    """A staggered post that slips past midnight shows the new day."""
    result = compose(
        directory,
        post(for_each="state", time='"23:55"', stagger="10m",
             targets="{states: [AK, AL], chamber: senate}", text='"{{ state }}: {{ date }}"'),
    )  # fmt: skip
    assert ["AK: Tuesday, August 3", "AL: Wednesday, August 4"] == [p.text for p in result.posts]


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ('"Hello {{ nope }} there"', (12, 18)),
        ('"Hello {{- nope }} there"', (12, 18)),
        ("|\n      Hello there\n      and {{ nope }} there", (14, 11)),
        (">-\n      Hello {{ nope }}\n      and more", (13, 13)),
        (">-\n      Hello there\n      and {{ nope }} there", (14, 11)),
    ],
    ids=["quoted", "whitespace-control", "literal-block-line-2", "folded-line-1", "folded-line-2"],
)
def test_unknown_variable_is_located_at_its_braces(
    directory: Directory, text: str, at: tuple[int, int]
) -> None:
    """An unknown variable is one problem at the line:column of its ``{{`` in the file."""
    result = compose(directory, post(text=text))
    assert [at] == [(p.line, p.column) for p in result.problems], problems(result)
    assert "unknown variable {{ nope }}" in result.problems[0].message
    assert "known variables: hashtag, names" in result.problems[0].hint
    assert () == result.posts


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ('"Hello {% if %} there"', (12, 12)),
        ("|\n      Hello there\n      and {{ nope there", (14, 7)),
    ],
    ids=["quoted", "literal-block-line-2"],
)
def test_template_syntax_error_is_located_on_its_line(
    directory: Directory, text: str, at: tuple[int, int]
) -> None:
    """Jinja2 names only the line of a syntax error: the problem is at that line's text."""
    result = compose(directory, post(text=text))
    assert [at] == [(p.line, p.column) for p in result.problems], problems(result)
    assert "the text template is broken" in result.problems[0].message


@pytest.mark.parametrize("tagging", ["none", "intent"])
def test_handles_in_text_need_approved_tagging(directory: Directory, tagging: str) -> None:
    """{{ handles }} in our own text is refused unless tagging is approved; the hint says so."""
    text = '"Thanks {{ handles }}"'
    result = compose(directory, post(tagging=tagging, targets="{states: [AK]}", text=text))
    assert [(14, 19)] == [(p.line, p.column) for p in result.problems]
    assert "tagging: approved" in result.problems[0].hint


def test_intent_url_without_intent_text_is_a_problem(directory: Directory) -> None:
    """{{ intent_url }} needs an intent_text to pre-fill; the hint says to add one."""
    result = compose(directory, post(text='"Send yours: {{ intent_url }}"'))
    assert [(12, 24)] == [(p.line, p.column) for p in result.problems]
    assert "intent_text" in result.problems[0].hint


@pytest.mark.parametrize(
    ("template", "phrase"),
    [
        ("{{ ''.__class__.__mro__ }}", "unsafe"),
        ("{{ hashtag.__class__.__base__.__subclasses__() }}", "unsafe"),
        ("{{ cycler.__init__.__globals__.os }}", "unsafe"),
        ("{{ hashtag | list }}", "No filter named 'list'"),
        ("{{ count / 0 }}", "division by zero"),
        ("{{ count + hashtag }}", "unsupported operand"),
    ],
    ids=["mro", "subclasses", "os", "huge-range", "zero-division", "type-error"],
)
def test_template_code_that_fails_is_a_problem_not_a_crash(
    directory: Directory, template: str, phrase: str
) -> None:
    """The sandbox refuses internals, and any error while rendering is a located problem."""
    result = compose(directory, post(text=f'"{template}"'))
    assert [(12, 12)] == [(p.line, p.column) for p in result.problems]
    assert re.search("the text template (failed|is broken)", result.problems[0].message)
    assert phrase in result.problems[0].message
    assert () == result.posts


@pytest.mark.parametrize(
    ("template", "phrase"),
    [
        ("{{ 'a' * 10**9 }}", "repetition makes more than 4096"),
        ("{{ 'a' * 1000000000 }}", "repetition makes more than 4096"),
        ("{{ [1, 2] * 100000 }}", "repetition makes more than 4096"),
        ("{{ 10 ** (10 ** 9) }}", "powers above 64"),
        ("{{ '%0500000000d' % 1 }}", "'%' formatting is not allowed"),
        ("{{ '{:>999999999}'.format(1) }}", "str.format is not allowed"),
        ("{% for i in [1, 2] %}{{ i }}{% endfor %}", "'for' blocks are not allowed"),
        ("{% set x = 1 %}{{ x }}", "'assign' blocks are not allowed"),
        ("{% macro m() %}x{% endmacro %}", "'macro' blocks are not allowed"),
        ("{{ range(10) }}", "unknown variable {{ range }}"),
        ("{{ lipsum() }}", "unknown variable {{ lipsum }}"),
        ("{{ [1, 2] | random }}", "No filter named 'random'"),
        ("{{ self }}", "gave TemplateReference, not text"),
        ("{{ hashtag.__class__ }}", "unsafe"),
    ],
    ids=[
        "str-pow",
        "str-repeat",
        "list-repeat",
        "int-pow",
        "percent-width",
        "format-width",
        "for",
        "set",
        "macro",
        "range",
        "lipsum",
        "random",
        "self",
        "dunder",
    ],
)
def test_templates_cannot_exhaust_resources_or_vary(
    directory: Directory, template: str, phrase: str
) -> None:
    """Post templates are bounded and deterministic: what preview shows is what goes out."""
    result = compose(directory, post(text=f'"{template}"'))
    assert 1 == len(result.problems), problems(result)
    assert phrase in str(result.problems[0])
    assert () == result.posts


@pytest.mark.parametrize(
    ("template", "phrase"),
    [
        ("\"{{ '' }}\"", "the post is empty"),
        ('"{% if false %}x{% endif %}"', "the post is empty"),
        ('"Hi \\x07 there"', "invisible character U+0007"),
        ('"Hi \\u202e there"', "invisible character U+202E"),
        ('"Hi \\ufffe there"', "invisible character U+FFFE"),
        ("\"{{ 'x\\x00' }} there\"", "invisible character U+0000"),
    ],
    ids=["empty-string", "empty-if", "bell", "rtl-override", "non-character", "nul-from-jinja"],
)
def test_unsendable_text_is_a_problem(directory: Directory, template: str, phrase: str) -> None:
    """An empty post or one holding hidden characters is refused, not sent."""
    result = compose(directory, post(text=template))
    assert [phrase] == [phrase for p in result.problems if phrase in p.message], problems(result)
    assert () == result.posts


@pytest.mark.parametrize(
    ("items", "expected"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_human_list(items: list[str], expected: str) -> None:
    """Names are joined for prose with commas and a final "and" (no serial comma)."""
    assert expected == human_list(items)


# --- 4. the tagging policy -----------------------------------------------------------------

APPROVED = {"tagging": "approved", "approved_by": "Jordan Lee"}


def handles_of(directory: Directory, state: str, chamber: str = "senate") -> list[Legislator]:
    """Return a state's members of one chamber that have an X handle."""
    return [m for m in directory.by_state(state) if m.chamber == chamber and m.x]


@pytest.mark.parametrize("tagging", ["none", "intent"])
def test_mention_in_text_without_approval_is_a_problem(directory: Directory, tagging: str) -> None:
    """Under none and intent our own post may @mention nobody, not even a literal @handle."""
    result = compose(directory, post(tagging=tagging, text='"Thanks @SenRickScott for voting"'))
    assert [(13, 12)] == [(p.line, p.column) for p in result.problems]
    assert f"@SenRickScott but tagging is {tagging}" in result.problems[0].message


def test_approved_post_tags_its_targets(directory: Directory) -> None:
    """Under approved, {{ handles }} tags each target with a handle; tagged holds their ids."""
    alaska = handles_of(directory, "AK")
    assert 2 == len(alaska)
    targets = "{states: [AK], chamber: senate}"
    planned = only_post(
        compose(directory, post(**APPROVED, targets=targets, text='"{{ handles }} thanks"'))
    )
    assert " ".join(f"@{m.x}" for m in alaska) + " thanks" == planned.text
    assert tuple(m.bioguide_id for m in alaska) == planned.tagged
    assert ("approved", planned.targets) == (planned.tagging, planned.tagged)


def test_approved_post_mentioning_a_non_target_is_a_problem(directory: Directory) -> None:
    """An approved post may tag only its targets."""
    scott = directory.get("S001217")
    assert scott is not None and scott.x
    text = f'"{{{{ handles }}}} and @{scott.x}"'
    result = compose(
        directory, post(**APPROVED, targets="{states: [AK], chamber: senate}", text=text)
    )
    assert [(15, 12)] == [(p.line, p.column) for p in result.problems]
    assert f"tags @{scott.x}, who is not a target" in result.problems[0].message


def test_do_not_tag_member_is_left_out_and_reported(directory: Directory) -> None:
    """A do-not-tag target is dropped from {{ handles }} and tagged, with a note on the post."""
    first, second = handles_of(directory, "AK")
    policy = Policy(do_not_tag=frozenset({second.bioguide_id}))
    targets = "{states: [AK], chamber: senate}"
    planned = only_post(
        compose(directory, post(**APPROVED, targets=targets, text='"{{ handles }} thanks"'), policy)
    )
    assert (f"@{first.x} thanks", (first.bioguide_id,)) == (planned.text, planned.tagged)
    assert (first.bioguide_id, second.bioguide_id) == planned.targets
    assert f"on the do-not-tag list: Sen. {second.name}" in planned.warnings


def test_do_not_tag_member_mentioned_by_hand_is_a_problem(directory: Directory) -> None:
    """Writing a do-not-tag target's @handle into the text does not get round the list."""
    second = handles_of(directory, "AK")[1]
    policy = Policy(do_not_tag=frozenset({second.bioguide_id}))
    targets = "{states: [AK], chamber: senate}"
    result = compose(
        directory, post(**APPROVED, targets=targets, text=f'"Thanks @{second.x}"'), policy
    )
    assert 1 == len(result.problems)
    assert "is not a target or is on the do-not-tag list" in result.problems[0].message


def tagged_posts(
    states: Sequence[str], day: str = "2027-08-03", hour: int = 9, prefix: str = "t"
) -> str:
    """Return approved posts (ids t0, t1...) tagging each state's senators, an hour apart."""
    return "".join(
        post(id=f"{prefix}{i}", date=day, time=f'"{hour + i:02d}:00"', **APPROVED,
             targets=f"{{states: [{state}], chamber: senate}}", text=f'"{{{{ handles }}}} {i}"')
        for i, state in enumerate(states)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("settings_cap", "calendar_cap", "posts", "over"),
    [
        (2, None, 2, False),
        (2, None, 3, True),
        (5, 1, 2, True),  # the calendar may lower the cap
        (1, 5, 2, True),  # but not raise the settings' cap
        (5, 2, 2, False),
    ],
    ids=["at-cap", "over-cap", "calendar-lowers", "calendar-cannot-raise", "calendar-at-cap"],
)
def test_tagged_posts_per_day_cap(
    directory: Directory, settings_cap: int, calendar_cap: int | None, posts: int, over: bool
) -> None:
    """More @-tagging posts on a local day than the lower of both caps is a problem."""
    defaults = f"  caps:\n    tagged_posts_per_day: {calendar_cap}\n" if calendar_cap else ""
    policy = Policy(tagged_posts_per_day=settings_cap)
    result = compose(directory, tagged_posts(["AK", "AL", "AR"][:posts]), policy, defaults=defaults)
    cap = min(settings_cap, calendar_cap or settings_cap)
    expected = [f"post 't{cap}': more than {cap} @-tagging posts on 2027-08-03"] if over else []
    assert expected == [p.message for p in result.problems]


def test_tagged_cap_counts_local_days(directory: Directory) -> None:
    """23:00 and 00:00 New York time are two local days although both are 2027-08-04 UTC."""
    posts = tagged_posts(["AK"], hour=23) + tagged_posts(["AL"], "2027-08-04", 0, prefix="u")
    assert [] == problems(compose(directory, posts, Policy(tagged_posts_per_day=1)))


@pytest.mark.parametrize(
    ("interval_days", "second_day", "problem"),
    [
        (7, "2027-08-09", "tags M001153 again 6 days after 'first'"),
        (7, "2027-08-10", None),  # exactly 7 days later
        (7, "2027-08-11", None),
        (14, "2027-08-10", "tags M001153 again 7 days after 'first'"),
        (1, "2027-08-04", None),
    ],
)
def test_each_legislator_is_tagged_at_most_once_per_interval(
    directory: Directory, interval_days: int, second_day: str, problem: str | None
) -> None:
    """Tagging the same legislator again sooner than tag_interval_days is a problem."""
    assert "M001153" == handles_of(directory, "AK")[0].bioguide_id
    first = post(
        id="first", **APPROVED, targets="{bioguide_ids: [M001153]}", text='"{{ handles }} 1"'
    )
    again = post(id="again", date=second_day, **APPROVED, targets="{bioguide_ids: [M001153]}",
                 text='"{{ handles }} 2"')  # fmt: skip
    result = compose(directory, first + again, Policy(tag_interval_days=interval_days))
    expected = [f"post 'again' on {second_day} {problem}"] if problem else []
    assert expected == [p.message for p in result.problems]


DNT_ENTRY = "do_not_tag:\n  - who: {who}\n    reason: asked us not to\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (DNT_ENTRY.format(who="S001217"), {"S001217"}),
        (DNT_ENTRY.format(who='"@SenRickScott"'), {"S001217"}),
        (DNT_ENTRY.format(who='"@sENrICKsCOTT"'), {"S001217"}),
        ("do_not_tag: []\n", set()),
    ],
    ids=["bioguide-id", "handle", "handle-any-case", "empty-list"],
)
def test_read_do_not_tag(directory: Directory, data: str, expected: set[str]) -> None:
    """Entries name a legislator by bioguide id or quoted @handle; the result is bioguide ids."""
    assert frozenset(expected) == read_do_not_tag(data.encode(), "do-not-tag.yaml", directory)


@pytest.mark.parametrize(
    ("data", "at", "phrase"),
    [
        (DNT_ENTRY.format(who='"@NoSuchMember"'), (2, 10), "'@NoSuchMember' is not a current"),
        (DNT_ENTRY.replace("reason", "reasn").format(who="S001217"), (3, 5),
         "did you mean 'reason'?"),
        ("do_not_tagg: []\n", (1, 1), "did you mean 'do_not_tag'?"),
    ],
    ids=["unknown-handle", "misspelt-key", "misspelt-top-key"],
)  # fmt: skip
def test_read_do_not_tag_errors_are_located(
    directory: Directory, data: str, at: tuple[int, int], phrase: str
) -> None:
    """A wrong entry is a ConfigError at its line:column, with a did-you-mean for keys."""
    with pytest.raises(ConfigError) as caught:
        read_do_not_tag(data.encode(), "do-not-tag.yaml", directory)
    found = [p for p in caught.value.problems if phrase in str(p)]
    assert [at] == [(p.line, p.column) for p in found], [str(p) for p in caught.value.problems]


# --- 5. weighted length and intent links ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "weighted", "over"),
    [
        ("a" * 280, 280, False),
        ("a" * 281, 281, True),
        ("🎉" * 140, 280, False),  # 140 code points, each emoji counts 2
        ("🎉" * 141, 282, True),
        ("👩‍👩‍👧‍👦" * 70, 140, False),  # 490 code points, one emoji sequence each
        ("Read https://example.org/" + "a" * 300, 28, False),  # 5 + a URL's 23
    ],
    ids=["latin-280", "latin-281", "emoji-280", "emoji-282", "zwj-sequences", "url"],
)
def test_length_is_weighted(directory: Directory, text: str, weighted: int, over: bool) -> None:
    """The limit applies to X's weighted length, not len(): emoji count 2, a URL 23."""
    result = compose(directory, post(text=f'"{text}"'))
    lengths = [p.weighted_length for p in result.posts]
    assert ([weighted], over) == (lengths, bool(result.problems)), problems(result)


def test_over_long_post_names_the_post_time_and_length(directory: Directory) -> None:
    """The problem says which post, when (local time) and how long, at the text."""
    result = compose(directory, post(id="long", text=f'"{"x" * 300}"'))
    assert [(12, 12)] == [(p.line, p.column) for p in result.problems]
    message = result.problems[0].message
    assert "post 'long' on 2027-08-03 09:30: the post is 300 weighted characters" in message
    assert "shorten it by 20" in result.problems[0].hint


def test_over_long_intent_post_is_located_at_intent_text(directory: Directory) -> None:
    """The supporter's post is held to 280 too, and the problem points at intent_text."""
    result = compose(
        directory,
        post(targets="{states: [AK], chamber: senate}", text='"Send yours: {{ intent_url }}"',
             intent_text=f'"{{{{ handles }}}} {"y" * 280}"'),
    )  # fmt: skip
    assert [(14, 19)] == [(p.line, p.column) for p in result.problems], problems(result)
    assert "the intent link's post is" in result.problems[0].message


def test_intent_link_counts_as_one_url(directory: Directory) -> None:
    """A post holding an intent link counts 23 for it and is marked has_url."""
    prefix = "Send yours: "
    planned = only_post(
        compose(directory, post(targets="{states: [AK]}", text=f'"{prefix}{{{{ intent_url }}}}"',
                                intent_text='"{{ handles }} please co-sponsor S. 1249"'))
    )  # fmt: skip
    assert (len(prefix) + 23, True) == (planned.weighted_length, planned.has_url)
    assert f"{prefix}{planned.intent_url}" == planned.text
    assert [] == extract_mentions(planned.text)


@pytest.mark.parametrize(
    "text",
    [
        "Café résumé",
        "Cafe\u0301",  # decomposed é: sent in NFC
        "Thank you 🇺🇸🎉 👩‍👩‍👧‍👦",
        "#RecessReachOut & friends? 1+1=2 100% of us",
        "line one\nline two\r\nthree\ttabbed",
        "@SenRickScott @LisaMurkowski / ; = , ' \" < >",
    ],
    ids=["accents", "decomposed", "emoji", "reserved", "newlines", "mentions"],
)
def test_intent_url_round_trips(text: str) -> None:
    """The link's query value decodes back to the NFC text and holds no raw reserved char."""
    url = intent_url(text)
    assert url.startswith("https://x.com/intent/tweet?text=")
    value = url.removeprefix(INTENT_BASE)
    assert unicodedata.normalize("NFC", text) == unquote(value)
    assert re.fullmatch(r"[A-Za-z0-9_.~%-]*", value), value


# --- 6. duplicates -------------------------------------------------------------------------


def test_identical_texts_are_a_problem_naming_both(directory: Directory) -> None:
    """Two posts that render the same text are reported at the later one, naming both."""
    posts = post(id="first", text='"Call today {{ hashtag }}"')
    posts += post(id="second", date="2027-08-04", time='"10:15"', text='"Call today {{ hashtag }}"')
    result = compose(directory, posts)
    assert [(16, 12)] == [(p.line, p.column) for p in result.problems]
    expected = "post 'second' on 2027-08-04 10:15 has the same text as 'first' on 2027-08-03 09:30"
    assert expected == result.problems[0].message
    assert 2 == len(result.posts)


@pytest.mark.parametrize(
    ("text", "duplicates"),
    [('"Call today {{ hashtag }}"', 4), ('"Call today, {{ date }} {{ hashtag }}"', 0)],
    ids=["same-text", "varied-by-date"],
)
def test_repeating_post_must_vary_its_text(
    directory: Directory, text: str, duplicates: int
) -> None:
    """A post every Tuesday for five weeks repeats its text unless it uses {{ date }}."""
    repeating = post(
        date=None, every="tuesday", **{"from": "2027-08-03", "until": "2027-08-31"}, text=text
    )
    result = compose(directory, repeating)
    assert (5, duplicates) == (len(result.posts), len(result.problems)), problems(result)


def test_expansion_without_state_variables_repeats_itself(directory: Directory) -> None:
    """for_each: state with a text that ignores the state produces duplicates."""
    text = '"Your senators are home {{ hashtag }}"'
    result = compose(
        directory,
        post(for_each="state", targets="{states: [AK, AL, AR], chamber: senate}", text=text),
    )
    assert 2 == len(result.problems)
    assert all("has the same text as 'a'" in p.message for p in result.problems)


# --- 7. daylight saving time ---------------------------------------------------------------

AUTUMN = (("2027-10-25", "2027-11-19"),)
SPRING = (("2027-03-01", "2027-03-26"),)


@pytest.mark.parametrize(
    ("first", "last", "recess", "expected"),
    [
        ("2027-10-31", "2027-11-14", AUTUMN,
         ["2027-10-31T13:00:00+00:00", "2027-11-07T14:00:00+00:00", "2027-11-14T14:00:00+00:00"]),
        ("2027-03-07", "2027-03-21", SPRING,
         ["2027-03-07T14:00:00+00:00", "2027-03-14T13:00:00+00:00", "2027-03-21T13:00:00+00:00"]),
    ],
    ids=["fall-back-2027-11-07", "spring-forward-2027-03-14"],
)  # fmt: skip
def test_weekly_post_keeps_its_local_time_across_dst(
    directory: Directory,
    first: str,
    last: str,
    recess: tuple[tuple[str, str], ...],
    expected: list[str],
) -> None:
    """Sundays at 09:00 New York time: 09:00 EDT is 13:00 UTC, 09:00 EST 14:00 UTC."""
    weekly = post(date=None, every="sunday", **{"from": first, "until": last}, time='"09:00"',
                  text='"{{ date }} {{ hashtag }}"')  # fmt: skip
    result = compose(directory, weekly, recess=recess)
    assert [] == problems(result)
    assert expected == [p.at_utc.isoformat() for p in result.posts]
    assert {(9, 0)} == {(p.local_at.hour, p.local_at.minute) for p in result.posts}


@pytest.mark.parametrize(
    ("day", "start", "stagger", "recess", "local"),
    [
        # Fall back: 01:00-01:59 happens twice; 30 real minutes apart, the clock repeats.
        ("2027-11-07", "00:50", "30m", AUTUMN,
         ["00:50-04:00", "01:20-04:00", "01:50-04:00", "01:20-05:00", "01:50-05:00"]),
        # Spring forward: 02:00-02:59 never happens; 15 real minutes after 01:45 is 03:00.
        ("2027-03-14", "01:30", "15m", SPRING,
         ["01:30-05:00", "01:45-05:00", "03:00-04:00", "03:15-04:00", "03:30-04:00"]),
    ],
    ids=["fall-back", "spring-forward"],
)  # fmt: skip
def test_stagger_across_a_dst_change_is_real_elapsed_time(
    directory: Directory,
    day: str,
    start: str,
    stagger: str,
    recess: tuple[tuple[str, str], ...],
    local: list[str],
) -> None:
    """A stagger is added in UTC: posts stay exactly stagger apart, the local clock may jump.

    In the repeated hour two posts show the same local clock time (their offsets and keys
    differ); across the skipped hour the local time leaps by an hour.
    """
    result = compose(
        directory,
        post(for_each="state", date=day, time=f'"{start}"', stagger=stagger,
             targets="{states: [AK, AL, AR, AZ, CA], chamber: senate}", text='"{{ state }}"'),
        recess=recess,
    )  # fmt: skip
    posts = result.posts
    assert [] == problems(result)
    assert local == [f"{p.local_at:%H:%M}{offset(p.local_at)}" for p in posts]
    gap = {b.at_utc - a.at_utc for a, b in pairwise(posts)}
    assert {timedelta(minutes=int(stagger[:-1]))} == gap
    assert len(posts) == len({p.key for p in posts})
    assert {NEW_YORK} == {p.local_at.tzinfo for p in posts}


def offset(at: datetime) -> str:
    """Return an aware datetime's UTC offset as -HH:MM."""
    minutes = int((at.utcoffset() or timedelta()).total_seconds() // 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# --- 8. ledger keys ------------------------------------------------------------------------


def test_key_is_post_id_at_utc_iso(directory: Directory) -> None:
    """A post's key is its id, '@' and its UTC time in ISO 8601; late_ok sets latest_at_utc."""
    planned = only_post(compose(directory, post(id="kickoff", late_ok="1h30m", text='"Go"')))
    at_utc = datetime(2027, 8, 3, 13, 30, tzinfo=UTC)
    assert "kickoff@2027-08-03T13:30:00+00:00" == planned.key
    late = timedelta(minutes=90, seconds=59)  # late_ok, to the end of that minute
    assert (at_utc, at_utc + late) == (planned.at_utc, planned.latest_at_utc)


def test_expansion_keys_use_the_staggered_time_and_the_state(directory: Directory) -> None:
    """Each state's key carries its own shifted UTC time and '#STATE'."""
    result = compose(
        directory,
        post(id="fan", for_each="state", stagger="10m",
             targets="{states: [AK, AL, AR], chamber: senate}", text='"{{ state }}"'),
    )  # fmt: skip
    expected = [
        "fan@2027-08-03T13:30:00+00:00#AK",
        "fan@2027-08-03T13:40:00+00:00#AL",
        "fan@2027-08-03T13:50:00+00:00#AR",
    ]
    assert expected == [p.key for p in result.posts]
    assert [p.at_utc + timedelta(minutes=30, seconds=59) for p in result.posts] == [
        p.latest_at_utc for p in result.posts
    ]


def test_keys_are_stable_across_plans_and_unrelated_edits(directory: Directory) -> None:
    """Planning twice, or adding another post, leaves every existing key as it was."""
    fan = post(id="fan", for_each="state", targets="{states: [AK, AL], chamber: senate}",
               text='"{{ state }} {{ date }}"')  # fmt: skip
    data = calendar_bytes(fan)
    before = [p.key for p in plan(load_calendar(data, "cal.yaml"), directory).posts]
    again = [p.key for p in plan(load_calendar(data, "cal.yaml"), directory).posts]
    extra = post(id="earlier", date="2027-08-02", text='"First {{ hashtag }}"')
    after = [p.key for p in compose(directory, extra + fan).posts if p.post_id == "fan"]
    assert before == again == after
    assert 2 == len(before)


def test_a_stagger_past_the_recess_is_a_warning(directory: Directory) -> None:
    """An expansion staggered beyond the recess's last day is flagged, not silently planned."""
    result = compose(
        directory,
        post(
            **{
                "date": "2027-09-06",
                "for_each": "state",
                "stagger": "24h",
                "targets": "{chamber: senate, states: [AK, AL]}",
                "text": '"{{ state_name }} {{ date }}"',
            }
        ),
    )
    assert [] == problems(result)
    assert ["post 'a' goes out on 2027-09-07, outside the recess"] == calendar_warnings(result)


def test_more_posts_in_a_day_than_the_cap_is_a_warning(directory: Directory) -> None:
    """A day planning more than settings caps.posts_per_day is named once in a warning."""
    result = compose(
        directory,
        post(
            **{
                "for_each": "state",
                "stagger": "1m",
                "targets": "{chamber: senate}",
                "text": '"{{ state_name }} {{ hashtag }}"',
            }
        ),
        Policy(posts_per_day=10),
    )
    assert 50 == len(result.posts)
    assert [
        "2027-08-03 plans more than 10 posts, the daily cap (settings caps.posts_per_day): "
        "the rest would be skipped"
    ] == calendar_warnings(result)


def test_approved_post_whose_targets_have_no_taggable_handle_is_an_error(
    directory: Directory,
) -> None:
    """With tagging approved, an empty {{ handles }} in the post itself is an error."""
    result = compose(
        directory,
        post(
            tagging="approved",
            approved_by="Jordan Lee",
            targets="{bioguide_ids: [S001217]}",
            text='"{{ handles }} thank you. {{ hashtag }}"',
        ),
        Policy(do_not_tag=frozenset({"S001217"})),
    )
    assert [
        "post 'a' for FL: {{ handles }} is empty: no target has an X handle that may be "
        "tagged (none, or on the do-not-tag list)"
    ] == [p.message for p in result.problems]
    assert () == result.posts


def test_expansions_are_capped(directory: Directory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A calendar that expands past the planned-post cap stops with one problem."""
    monkeypatch.setattr("bot.compose.MAX_PLANNED_POSTS", 100)
    result = compose(
        directory,
        post(
            **{
                "date": None,
                "every": "day",
                "from": "2027-08-02",
                "until": "2027-08-20",
                "for_each": "state",
                "targets": "{chamber: senate}",
                "text": '"{{ state_name }} {{ date }}"',
            }
        ),
    )
    assert ["the calendar expands to more than 100 posts"] == [p.message for p in result.problems]
    assert 100 <= len(result.posts) < 100 + 50


# --- 7. the directory's date ---------------------------------------------------------------

FLORIDA_HOUSE = "{states: [FL], chamber: house}"


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    """The directory a week into the 120th Congress (see tests/changeover.py)."""
    folder = make_changeover(tmp_path_factory.mktemp("upstream") / "congress-legislators")
    document, _ = importer.build(importer.read_dir(folder))
    return Directory.from_yaml(importer.render(document), "changeover.yaml")


def directory_warnings(result: Plan) -> list[Problem]:
    """The plan's warnings about the directory's date (they name the refresh command)."""
    return [w for w in result.warnings if REFRESH_COMMAND in w.hint]


def test_an_august_2027_calendar_warns_that_the_directory_is_out_of_date(
    directory: Directory,
) -> None:
    """Against the shipped directory (119th Congress) an August 2027 post gets the headline,
    for the whole file, and its own warning at its targets; both name the refresh command."""
    result = compose(directory, post(targets=FLORIDA_HOUSE, text='"{{ count }} members"'))
    warnings = directory_warnings(result)
    house = [m for m in directory.by_state("FL") if m.chamber == "house"]
    assert [(0, 0), (12, 14)] == [(w.line, w.column) for w in warnings]
    assert warnings[0].message.startswith(
        "the legislator directory holds the 119th Congress (data of 2026-06-15), but 1 "
        "targeted occurrence on 2027-08-03 falls in the 120th, which began 2027-01-03: "
    )
    assert warnings[1].message.startswith(
        f"post 'a': the terms of all {len(house)} targets end by 2027-08-03: "
    )
    assert all(REFRESH_COMMAND in w.hint for w in warnings)
    note = only_post(result).warnings[-1]
    assert note.startswith("directory out of date for 2027-08-03: it holds the 119th Congress")


def test_a_calendar_inside_the_current_congress_has_no_directory_warning(
    directory: Directory,
) -> None:
    """The same post in August 2026, inside the 119th Congress: no warning, no note."""
    result = compose(
        directory,
        post(date="2026-08-04", targets=FLORIDA_HOUSE, text='"{{ count }} members"'),
        recess=(("2026-08-03", "2026-09-07"),),
    )
    assert ([], ()) == (
        [str(w) for w in result.warnings],
        tuple(n for n in only_post(result).warnings if REFRESH_COMMAND in n),
    )


def test_a_daily_post_is_warned_about_once_not_per_occurrence(directory: Directory) -> None:
    """Thirty daily occurrences: one headline counting them and one warning for the post."""
    result = compose(
        directory,
        post(
            **{"date": None, "every": "day", "from": "2027-08-02", "until": "2027-08-31"},
            targets=FLORIDA_HOUSE,
            text='"{{ count }} members {{ date }}"',
        ),
    )
    warnings = directory_warnings(result)
    assert (30, 2) == (len(result.posts), len(warnings))
    assert "30 targeted occurrences from 2027-08-02 to 2027-08-31 fall in" in warnings[0].message
    assert "end by its dates from 2027-08-02" in warnings[1].message


def test_an_approved_tag_of_someone_out_of_office_is_refused(directory: Directory) -> None:
    """Sen. Sullivan's term ends 2027-01-03: an approved post tagging him in August 2027 is
    refused (the poster skips it), noted in the preview and counted in the post's warning."""
    sullivan = directory.get("S001198")
    assert sullivan is not None and sullivan.term_end.isoformat() == "2027-01-03"
    targets = "{states: [AK], chamber: senate}"
    result = compose(directory, post(**APPROVED, targets=targets, text='"{{ handles }} thanks"'))
    planned = only_post(result)
    assert sullivan.bioguide_id in planned.tagged
    assert planned.refusal == (
        "it @-tags Sen. Dan Sullivan (2027-01-03), out of office by 2027-08-03: the legislator "
        f"directory is out of date ({REFRESH_COMMAND})"
    )
    assert f"skipped: {planned.refusal}" in planned.warnings
    assert "; 1 occurrence @-tags one of them and will be skipped" in (
        directory_warnings(result)[1].message
    )


def test_the_same_approved_tag_inside_his_term_is_not_refused(directory: Directory) -> None:
    """In August 2026 Sen. Sullivan is in office: the post is not refused."""
    result = compose(
        directory,
        post(
            **APPROVED,
            date="2026-08-04",
            targets="{states: [AK], chamber: senate}",
            text='"{{ handles }} thanks"',
        ),
        recess=(("2026-08-03", "2026-09-07"),),
    )
    assert None is only_post(result).refusal


def test_after_the_refresh_the_approved_tag_goes_out(changed: Directory) -> None:
    """The refreshed directory holds his new term: not refused, no directory warning."""
    targets = "{states: [AK], chamber: senate}"
    result = compose(changed, post(**APPROVED, targets=targets, text='"{{ handles }} thanks"'))
    assert (None, []) == (only_post(result).refusal, directory_warnings(result))


def test_after_a_changeover_emptied_committees_and_missing_handles_are_warned(
    changed: Directory,
) -> None:
    """A week into the 120th Congress: a House committee has no members (an error: nobody
    to target, and a warning saying why) and Florida's newcomer has no X handle yet."""
    result = compose(
        changed,
        post(id="hfa", targets="{committees: [HSFA]}", text='"{{ count }} members"')
        + post(
            id="fl",
            time='"11:00"',
            tagging="intent",
            targets="{districts: [FL-1, FL-2, FL-6]}",
            text='"{{ count }} members: {{ intent_url }}"',
            intent_text='"{{ handles }} hello"',
        ),
    )
    assert ["post 'hfa': its targets match no current legislator"] == [
        p.message for p in result.problems
    ]
    messages = [w.message for w in directory_warnings(result)]
    assert [
        "post 'hfa': committee HSFA has no members in the directory (emptied when a "
        "Congress begins, refilled over 1-4 months)"
    ] == [m for m in messages if m.startswith("post 'hfa'")]
    assert [
        "post 'fl': 2 of its targets began the term less than 120 days before the directory "
        "was built and have no X handle in it: Rep. Pat Newcomer1 and Rep. Randy Fine"
    ] == [m for m in messages if m.startswith("post 'fl'")]
