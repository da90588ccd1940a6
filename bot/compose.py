"""Composition: every calendar occurrence turned into the exact text that will be sent.

For each occurrence of each post (:func:`bot.campaign.occurrences`) the targets are
resolved against the legislator directory, a ``for_each: state`` post is expanded into one
post per state (in directory order, ``stagger`` apart), the text template is rendered in
Jinja2's sandbox with strict undefined variables, and the result is checked:

- weighted length (twitter-text v3) at most 280, the intent link's own post too;
- the tagging policy (DESIGN.md): under ``none`` and ``intent`` the post's own text holds no
  @mention; under ``approved`` only targets are tagged, never anyone on the do-not-tag list,
  at most ``tagged_posts_per_day`` tagged posts a local day and each legislator at most once
  in ``tag_interval_days``;
- no two posts with the same text (X refuses duplicate content);
- the directory is current for each targeted occurrence's day (:mod:`bot.directory_dates`);
  an ``approved`` post @-tagging someone whose term has ended carries a ``refusal``.

Pure: no clock, no I/O. Problems carry the calendar's file:line:column.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2 import meta

from bot.campaign import Calendar, Occurrence, PostSpec, occurrences
from bot.campaign_schema import STATE_NAMES
from bot.directory_dates import DateCheck
from bot.errors import CalendarError, Problem
from bot.legislators import Directory, Legislator
from bot.targets import human_list, resolve, title
from bot.templates import (
    EMPTY_MEANS,
    MAX_TEXT_CHARS,
    VARIABLES,
    PostSandbox,
    locate,
    statement_problem,
    text_problem,
)
from bot.twitter_text import MAX_WEIGHTED_LENGTH, extract_mentions, extract_urls, weighted_length

MAX_PLANNED_POSTS = 50_000
INTENT_BASE = "https://x.com/intent/tweet?text="


@dataclass(frozen=True)
class Policy:
    """The tagging limits that come from settings and the do-not-tag list.

    Attributes:
        tagged_posts_per_day: at most this many @-tagging posts per local day.
        tag_interval_days: each legislator @-tagged at most once in this many days.
        do_not_tag: bioguide ids never to be @-tagged (config/do-not-tag.yaml).
        posts_per_day: the worker posts at most this many a local day (a warning here).
    """

    tagged_posts_per_day: int = 5
    tag_interval_days: int = 7
    do_not_tag: frozenset[str] = frozenset()
    posts_per_day: int = 40


@dataclass(frozen=True)
class PlannedPost:
    """One post exactly as it will go out.

    Attributes:
        key: the ledger key, ``"{post id}@{UTC ISO 8601}"`` plus ``"#{state}"`` when expanded.
        local_at: aware, campaign time zone; at_utc: aware UTC; latest_at_utc: at_utc plus
            the post's late_ok (the last moment it may still go out).
        target_group: the state code of a ``for_each: state`` expansion, else "".
        text: the rendered text (NFC), as it will be sent.
        weighted_length: X's weighted length of text (max 280).
        targets: the bioguide ids the post is about, in directory order.
        tagged: the bioguide ids @-tagged in the text (``approved`` only).
        intent_url: the pre-filled "post this" link, or None.
        has_url: the text holds a URL (X charges more for those).
        warnings: notes for staff (targets without an X handle, an out-of-date directory...).
        refusal: why the worker must skip it (it @-tags someone whose term has ended), or
            None; the ledger records it ``skipped`` with this reason.
    """

    key: str
    post_id: str
    local_at: datetime
    at_utc: datetime
    latest_at_utc: datetime
    target_group: str
    text: str
    weighted_length: int
    tagging: str
    targets: tuple[str, ...]
    tagged: tuple[str, ...] = ()
    intent_url: str | None = None
    has_url: bool = False
    warnings: tuple[str, ...] = ()
    refusal: str | None = None


@dataclass(frozen=True)
class Plan:
    """Every planned post of a calendar, with the problems found while composing them.

    Attributes:
        posts: in chronological order (then file order).
        problems: errors that must be fixed before anything is posted, located in the file.
        warnings: located notes that do not stop the calendar.
    """

    posts: tuple[PlannedPost, ...]
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def raise_for_problems(self) -> None:
        """Raise CalendarError carrying every problem, when there is any."""
        if self.problems:
            raise CalendarError(list(self.problems))


def intent_url(text: str) -> str:
    """Return X's "post this" link pre-filled with text (percent-encoded, UTF-8)."""
    return INTENT_BASE + quote(unicodedata.normalize("NFC", text), safe="")


class _Composer:
    def __init__(self, calendar: Calendar, directory: Directory, policy: Policy) -> None:
        self.calendar = calendar
        self.directory = directory
        self.policy = policy
        self.env = PostSandbox()
        self.templates: dict[tuple[str, str], jinja2.Template | None] = {}
        self.used: dict[tuple[str, str], set[str]] = {}
        self.resolved: dict[str, tuple[Legislator, ...]] = {}
        self.per_day: dict[date, int] = defaultdict(int)
        self.problems: dict[tuple[int, int, str], Problem] = {}
        self.warnings: dict[tuple[int, int, str], Problem] = {}
        self.dates = DateCheck(directory)
        self.state_order = {
            s: i for i, s in enumerate(dict.fromkeys(m.state for m in directory.members))
        }

    def problem(
        self, at: tuple[int, int], message: str, hint: str = "", *, warn: bool = False
    ) -> None:
        found = Problem(self.calendar.file, at[0], at[1], message, hint)
        (self.warnings if warn else self.problems)[(at[0], at[1], message)] = found

    def template(self, post: PostSpec, which: str) -> jinja2.Template | None:
        """Compile a post's text or intent_text once; a syntax error is one problem."""
        if (post.id, which) not in self.templates:
            source, at = (
                (post.text, (post.text_line, post.text_column))
                if which == "text"
                else (post.intent_text or "", post.intent_text_at)
            )
            try:
                parsed = self.env.parse(source)
                refused = statement_problem(parsed)
                if refused:
                    raise jinja2.TemplateSyntaxError(refused[1], refused[0])
                self.used[post.id, which] = meta.find_undeclared_variables(parsed)
                self.templates[post.id, which] = self.env.from_string(parsed)
            except jinja2.TemplateSyntaxError as exc:
                self.templates[post.id, which] = None
                self.problem(
                    (at[0] + (exc.lineno or 1) - 1, at[1]),
                    f"post '{post.id}': the {which} template is broken: {exc.message}",
                    "write {{ variable }} and {% if ... %}…{% endif %}; see docs/calendar.md",
                )
        return self.templates[post.id, which]

    def render(self, post: PostSpec, which: str, variables: dict[str, Any]) -> str | None:
        compiled = self.template(post, which)
        if compiled is None:
            return None
        at = (post.text_line, post.text_column) if which == "text" else post.intent_text_at
        blocked = False
        for var in sorted(self.used.get((post.id, which), ())):
            value = variables.get(var)
            if isinstance(value, str) and not value:
                where = self.find_variable(post, which, var, at)
                group = f" for {variables['state']}" if variables.get("state") else ""
                message = f"post '{post.id}'{group}: {{{{ {var} }}}} is empty: {EMPTY_MEANS[var]}"
                warn = var == "handles" and which == "intent_text"
                blocked = blocked or not warn
                self.problem(where, message, "narrow the targets or remove the variable", warn=warn)
        if blocked:
            return None
        try:
            text = unicodedata.normalize("NFC", compiled.render(variables).strip())
            unsendable = text_problem(text)
            if unsendable is None:
                return text
            self.problem(at, f"post '{post.id}': {unsendable}", "check the template's output")
        except jinja2.UndefinedError as exc:
            name = re.search(r"'(\w+)' is undefined", str(exc))
            var = name.group(1) if name else "?"
            line, column = self.find_variable(post, which, var, at)
            if var == "handles":
                hint = (
                    "@handles may appear only with tagging: approved; use intent_text and "
                    "{{ intent_url }} so supporters tag their members themselves"
                )
            elif var == "intent_url":
                hint = (
                    "{{ intent_url }} belongs in text, not in intent_text"
                    if which == "intent_text"
                    else "add an intent_text: the supporter's post the link pre-fills"
                )
            else:
                hint = f"known variables: {', '.join(VARIABLES)}"
            self.problem(
                (line, column), f"post '{post.id}': unknown variable {{{{ {var} }}}}", hint
            )
        except Exception as exc:  # sandbox refusals, bad filters, 1 / 0: the template's fault
            self.problem(at, f"post '{post.id}': the {which} template failed: {exc}")
        return None

    def dated(
        self, planned: PlannedPost, post: PostSpec, members: tuple[Legislator, ...]
    ) -> PlannedPost:
        """Check the directory is current for a targeted occurrence's day; note and refuse."""
        if post.targets is None:
            return planned
        refusal, notes = self.dates.check(planned, members, post.targets.committees)
        return replace(planned, warnings=planned.warnings + notes, refusal=refusal)

    def check_day(self, planned: PlannedPost) -> None:
        """Warn about a post outside the recess or over the daily cap (in its local day)."""
        day, spec = planned.local_at.date(), self.calendar.post(planned.post_id)
        at = (spec.line, spec.column) if spec else (0, 0)
        self.per_day[day] += 1
        if not self.calendar.campaign.in_recess(day):
            self.problem(
                at,
                f"post '{planned.post_id}' goes out on {day}, outside the recess",
                "check the date, time and stagger",
                warn=True,
            )
        if self.per_day[day] == self.policy.posts_per_day + 1:
            self.problem(
                at,
                f"{day} plans more than {self.policy.posts_per_day} posts, the "
                "daily cap (settings caps.posts_per_day): the rest would be skipped",
                "spread the posts over more days",
                warn=True,
            )

    def find_variable(
        self, post: PostSpec, which: str, name: str, at: tuple[int, int]
    ) -> tuple[int, int]:
        """Locate ``{{ name`` in the calendar file, within the lines of the post's template."""
        first, last = post.spans.get(which, (at[0], at[0]))
        return locate(self.calendar.lines, first, last, name) or at

    def groups(self, occurrence: Occurrence) -> list[tuple[str, tuple[Legislator, ...]]]:
        post = occurrence.post
        if post.id not in self.resolved:  # the same targets for every occurrence of a post
            self.resolved[post.id] = resolve(post.targets, self.directory)
        members = self.resolved[post.id]
        at = (post.targets.line, post.targets.column) if post.targets else (post.line, post.column)
        if post.targets and not members:
            self.problem(
                at,
                f"post '{post.id}': its targets match no current legislator",
                "check the states, committees and chamber (reachout legislators list)",
            )
        if post.for_each != "state":
            return [("", members)]
        by_state: dict[str, list[Legislator]] = defaultdict(list)
        for member in members:
            by_state[member.state].append(member)
        order = sorted(by_state, key=lambda s: self.state_order.get(s, 99))
        if not post.targets:
            self.problem(
                (post.line, post.column),
                f"post '{post.id}': for_each: state needs targets",
                "add targets, e.g. targets: {chamber: senate}",
            )
        return [(state, tuple(by_state[state])) for state in order]

    def compose(
        self, occurrence: Occurrence, index: int, group: str, members: tuple[Legislator, ...]
    ) -> PlannedPost | None:
        post = occurrence.post
        shift = post.stagger * index
        local_at = (occurrence.at_utc + shift).astimezone(occurrence.local_at.tzinfo)
        with_x = [m for m in members if m.x]
        notes = [f"no X handle: {title(m)} ({m.bioguide_id})" for m in members if not m.x]
        taggable = [m for m in with_x if m.bioguide_id not in self.policy.do_not_tag]
        notes += [
            f"on the do-not-tag list: {title(m)}"
            for m in with_x
            if m not in taggable and post.tagging != "none"
        ]
        variables = self.variables(occurrence, local_at, group, members)
        handles = " ".join(f"@{m.x}" for m in taggable)
        url = None
        if post.intent_text is not None:
            intent = self.render(post, "intent_text", {**variables, "handles": handles})
            if intent is None:
                return None
            self.check_length(post, intent, local_at, "the intent link's post")
            url = intent_url(intent)
        variables["intent_url"] = (
            url if url is not None else jinja2.StrictUndefined(name="intent_url")
        )
        if post.tagging == "approved":
            variables["handles"] = handles
        text = self.render(post, "text", variables)
        if text is None:
            return None
        length = self.check_length(post, text, local_at, "the post")
        tagged = self.check_mentions(post, text, local_at, taggable)
        key = f"{post.id}@{(occurrence.at_utc + shift).isoformat()}"
        return PlannedPost(
            key=key + (f"#{group}" if group else ""),
            post_id=post.id,
            local_at=local_at,
            at_utc=occurrence.at_utc + shift,
            latest_at_utc=occurrence.latest_at_utc + shift,
            target_group=group,
            text=text,
            weighted_length=length,
            tagging=post.tagging,
            targets=tuple(m.bioguide_id for m in members),
            tagged=tagged,
            intent_url=url,
            has_url=bool(extract_urls(text)),
            warnings=tuple(notes),
        )

    def variables(
        self,
        occurrence: Occurrence,
        local_at: datetime,
        group: str,
        members: tuple[Legislator, ...],
    ) -> dict[str, Any]:
        post = occurrence.post
        states = list(dict.fromkeys(m.state for m in members))
        state = group or (states[0] if len(states) == 1 else "")
        districts = {m.district for m in members if m.chamber == "house"}
        chambers = {m.chamber for m in members}
        committee = ""
        if post.targets and post.targets.committees:
            found = self.directory.committee_ids(post.targets.committees[0])
            committee = self.directory.committees[found[0]].name if found else ""
        return {
            "hashtag": self.calendar.campaign.hashtag,
            "names": human_list([title(m) for m in members]),
            "state": state,
            "state_name": STATE_NAMES.get(state, ""),
            "district": str(districts.pop()) if len(districts) == 1 else "",
            "chamber": {"senate": "Senate", "house": "House"}.get(chambers.pop(), "")
            if len(chambers) == 1
            else "Congress",
            "committee": committee,
            "count": len(members),
            "phones": human_list([m.phone for m in members if m.phone]),
            "date": f"{local_at:%A}, {local_at:%B} {local_at.day}",
            "week": self.recess_week(local_at.date()),
        }

    def recess_week(self, day: date) -> int:
        """1-based week of the recess window holding day (0 outside every window)."""
        for window in self.calendar.campaign.recess:
            if window.first_day <= day <= window.last_day:
                return (day - window.first_day).days // 7 + 1
        return 0

    def check_length(self, post: PostSpec, text: str, local_at: datetime, what: str) -> int:
        length = len(text) if len(text) > MAX_TEXT_CHARS else weighted_length(text)
        at = (post.text_line, post.text_column) if what == "the post" else post.intent_text_at
        if length > MAX_WEIGHTED_LENGTH:
            self.problem(
                at,
                f"post '{post.id}' on {local_at:%Y-%m-%d %H:%M}: {what} is {length} "
                f"weighted characters, over X's {MAX_WEIGHTED_LENGTH}",
                f"shorten it by {length - MAX_WEIGHTED_LENGTH} (a link counts 23, an emoji 2)",
            )
        return length

    def check_mentions(
        self, post: PostSpec, text: str, local_at: datetime, taggable: list[Legislator]
    ) -> tuple[str, ...]:
        written = extract_mentions(text)
        mentioned = [h.lower() for h in written]
        at = (post.text_line, post.text_column)
        if mentioned and post.tagging != "approved":
            shown = ", ".join("@" + h for h in written)
            self.problem(
                at,
                f"post '{post.id}': the text @mentions {shown} but tagging is {post.tagging}",
                "X forbids unsolicited automated @mentions: name them without @, or use "
                "intent_text so supporters tag them",
            )
            return ()
        by_handle = {m.x.lower(): m for m in taggable if m.x}
        strangers = [h for h in written if h.lower() not in by_handle]
        if strangers:
            self.problem(
                at,
                f"post '{post.id}' on {local_at:%Y-%m-%d}: tags "
                f"{', '.join('@' + h for h in strangers)}, who is not a target or is on "
                "the do-not-tag list",
                "tag only the post's targets, via {{ handles }}",
            )
        return tuple(dict.fromkeys(by_handle[h].bioguide_id for h in mentioned if h in by_handle))


def plan(
    calendar: Calendar,
    directory: Directory,
    policy: Policy | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Plan:
    """Compose every enabled occurrence of a calendar between start and end.

    Args:
        calendar: a loaded calendar.
        directory: the legislator directory (with overrides applied).
        policy: tagging limits (default: the settings' defaults, nobody on do-not-tag).
        start: first instant, aware (inclusive); None for the calendar's start.
        end: last instant, aware (exclusive); None for the calendar's end.

    Returns:
        The plan: posts in time order, problems and warnings located in the calendar file.
    """
    policy = policy or Policy()
    composer = _Composer(calendar, directory, policy)
    posts: list[PlannedPost] = []
    for occurrence in occurrences(calendar, start, end, include_disabled=True):
        if len(posts) >= MAX_PLANNED_POSTS:
            spec = occurrence.post
            composer.problem(
                (spec.line, spec.column),
                f"the calendar expands to more than {MAX_PLANNED_POSTS:,} posts",
                "split it, or use fewer for_each",
            )
            break
        for index, (group, members) in enumerate(composer.groups(occurrence)):
            planned = composer.compose(occurrence, index, group, members)
            if planned is not None and occurrence.post.enabled:  # disabled: checked only
                posts.append(composer.dated(planned, occurrence.post, members))
                composer.check_day(planned)
    posts.sort(key=lambda p: p.at_utc)
    _check_duplicates(composer, calendar, posts)
    _check_tagging_limits(composer, calendar, posts, policy)
    for post_id, message, hint in composer.dates.warnings():  # "": the whole calendar
        found = calendar.post(post_id) if post_id else None
        at = (found.targets.line, found.targets.column) if found and found.targets else (0, 0)
        composer.problem(at, message, hint, warn=True)
    return Plan(
        tuple(posts),
        tuple(sorted(composer.problems.values(), key=_order)),
        tuple(sorted(composer.warnings.values(), key=_order)),
    )


def _days(span: timedelta) -> str:
    return f"{span.days} day{'s' * (span.days != 1)}"


def _order(problem: Problem) -> tuple[int, int]:
    return problem.line, problem.column


def _check_duplicates(
    composer: _Composer, calendar: Calendar, posts: Iterable[PlannedPost]
) -> None:
    first: dict[str, PlannedPost] = {}
    for planned in posts:
        earlier = first.setdefault(planned.text, planned)
        if earlier is not planned:
            spec = calendar.post(planned.post_id)
            at = (spec.text_line, spec.text_column) if spec else (0, 0)
            composer.problem(
                at,
                f"post '{planned.post_id}' on {planned.local_at:%Y-%m-%d %H:%M} "
                f"has the same text as '{earlier.post_id}' on "
                f"{earlier.local_at:%Y-%m-%d %H:%M}",
                "X refuses duplicate posts: vary the text, e.g. with {{ date }} or {{ week }}",
            )


def _check_tagging_limits(
    composer: _Composer, calendar: Calendar, posts: list[PlannedPost], policy: Policy
) -> None:
    per_day: dict[date, int] = defaultdict(int)
    last_tagged: dict[str, PlannedPost] = {}
    cap = policy.tagged_posts_per_day  # the calendar's caps may only lower the settings'
    cap = min(cap, calendar.defaults.caps.tagged_posts_per_day or cap)
    interval = timedelta(days=policy.tag_interval_days)
    for planned in (p for p in posts if p.tagged):
        spec = calendar.post(planned.post_id)
        at = (spec.text_line, spec.text_column) if spec else (0, 0)
        day = planned.local_at.date()
        per_day[day] += 1
        if per_day[day] > cap:
            composer.problem(
                at,
                f"post '{planned.post_id}': more than {cap} @-tagging posts on {day}",
                "spread tagged posts over more days (caps)",
            )
        for bioguide in planned.tagged:
            earlier = last_tagged.get(bioguide)
            if earlier and planned.at_utc - earlier.at_utc < interval:
                composer.problem(
                    at,
                    f"post '{planned.post_id}' on {day} tags {bioguide} again "
                    f"{_days(planned.at_utc - earlier.at_utc)} after "
                    f"'{earlier.post_id}'",
                    f"each legislator at most once in "
                    f"{policy.tag_interval_days} days (settings: tag_interval_days)",
                )
            last_tagged[bioguide] = planned
