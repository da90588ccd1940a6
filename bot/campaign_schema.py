"""The calendar's fields: one table that drives the loader's keys and the JSON Schema.

Every key a calendar may hold is a :class:`Field` below: its kind, whether it is required or
takes a list, its default and a description for staff. :func:`read_section` reads a YAML
mapping against such a table (unknown, duplicate and missing keys; each value converted from
its *raw text*, so ``14:30`` stays a time and ``010`` stays ``"010"``); :func:`object_schema`
turns the same table into JSON Schema (draft-07) for editors (``config/calendar.schema.json``).
The calendar model and the cross-field rules live in :mod:`bot.campaign`.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import Problem
from bot.yamlsource import Reader, is_plain, position

_USPS = "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH"
_USPS += " NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI"
STATE_CODES = frozenset(_USPS.split())  # the 50 states, DC and the 5 territories with a delegate
_STATES = (
    "AL=Alabama AK=Alaska AZ=Arizona AR=Arkansas CA=California CO=Colorado CT=Connecticut "
    "DE=Delaware FL=Florida GA=Georgia HI=Hawaii ID=Idaho IL=Illinois IN=Indiana IA=Iowa "
    "KS=Kansas KY=Kentucky LA=Louisiana ME=Maine MD=Maryland MA=Massachusetts MI=Michigan "
    "MN=Minnesota MS=Mississippi MO=Missouri MT=Montana NE=Nebraska NV=Nevada "
    "NH=New_Hampshire NJ=New_Jersey NM=New_Mexico NY=New_York NC=North_Carolina "
    "ND=North_Dakota OH=Ohio OK=Oklahoma OR=Oregon PA=Pennsylvania RI=Rhode_Island "
    "SC=South_Carolina SD=South_Dakota TN=Tennessee TX=Texas UT=Utah VT=Vermont VA=Virginia "
    "WA=Washington WV=West_Virginia WI=Wisconsin WY=Wyoming DC=District_of_Columbia "
    "AS=American_Samoa GU=Guam MP=Northern_Mariana_Islands PR=Puerto_Rico "
    "VI=U.S._Virgin_Islands"
)
STATE_NAMES = {c: n.replace("_", " ") for c, n in (p.split("=") for p in _STATES.split())}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TAGGING_LEVELS = ("none", "intent", "approved")
PARTIES = ("Democrat", "Republican", "Independent")
EVERY = ("day", *WEEKDAYS)
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_LATE_OK = timedelta(hours=24)

_TIME = re.compile(r"([01]?\d|2[0-3]):[0-5]\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{1,4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d")
_DURATION = re.compile(r"(?=\d)(\d{1,2}h)?(\d{1,4}m)?")
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}")
_DISTRICT = re.compile(r"([A-Z]{2})-(AL|\d{1,2})")
_CUT = re.compile(r"\s*#")  # what follows an unquoted value cut by a comment


@dataclass(frozen=True)
class District:
    """A House seat: USPS state code and number (0 for at-large, written AK-AL or AK-0)."""

    state: str
    number: int

    def __str__(self) -> str:
        return f"{self.state}-{self.number or 'AL'}"


class Invalid(ValueError):
    """A value that cannot be read; carries the message and the hint for the problem."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def parse_duration(text: str) -> timedelta:
    """Parse hours and/or minutes written ``15m``, ``2h``, ``1h30m`` or ``0m``.

    Args:
        text: the duration as written (no spaces, no seconds).

    Returns:
        The duration.

    Raises:
        ValueError: the text is not of that form.
    """
    if not _DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration like 15m, 2h or 1h30m")
    hours, _, minutes = text.rpartition("h")
    return timedelta(hours=int(hours or 0), minutes=int(minutes.rstrip("m") or 0))


def local_to_utc(naive: datetime, zone: zoneinfo.ZoneInfo) -> tuple[datetime, str]:
    """Convert a naive local time to aware UTC, saying whether a DST change skips or repeats it.

    Returns:
        (at_utc, "") normally; at a DST change (the fold=0 reading, "missing" or "twice").
    """
    local = naive.replace(tzinfo=zone)
    at_utc = local.astimezone(UTC)
    if local.utcoffset() == naive.replace(tzinfo=zone, fold=1).utcoffset():
        return at_utc, ""
    return at_utc, "missing" if at_utc.astimezone(zone).replace(tzinfo=None) != naive else "twice"


# --- converters: raw text → value, or Invalid ---------------------------------------------


def _time(raw: str, field: Field) -> time:
    if not _TIME.fullmatch(raw):
        raise Invalid(f"{field.key} {raw!r} is not HH:MM", "use HH:MM, e.g. 09:05 or 14:30")
    hours, minutes = raw.split(":")
    return time(int(hours), int(minutes))


def _date(raw: str, field: Field) -> date:
    if _DATETIME.match(raw):
        hint = 'use date + time: the date as YYYY-MM-DD, and on its own line time: "09:30"'
        raise Invalid(f"{field.key} {raw!r} holds a time as well as a date", hint)
    if not _DATE.fullmatch(raw):
        raise Invalid(f"{field.key} {raw!r} is not YYYY-MM-DD", "write it as 2027-08-03")
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        hint = "check the month and the day"
        raise Invalid(f"{field.key} {raw!r} is not a real date ({exc})", hint) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(f"{field.key} {raw!r} is not between {FIRST_YEAR} and {LAST_YEAR}", "")
    return day


def _duration(raw: str, field: Field) -> timedelta:
    try:
        duration = parse_duration(raw)
    except ValueError:
        hint = "write hours and/or minutes, e.g. 15m, 2h or 1h30m (0m for none)"
        raise Invalid(f"{field.key} {raw!r} is not a duration", hint) from None
    if duration > MAX_LATE_OK:
        raise Invalid(f"{field.key} {raw!r} is over 24h", "a day late is a different post")
    return duration


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory", "posixrules"}


def _timezone(raw: str, field: Field) -> zoneinfo.ZoneInfo:
    if _ZONE.fullmatch(raw) and raw in _zone_names():
        return zoneinfo.ZoneInfo(raw)
    raise Invalid(
        f"{field.key} {raw!r} is not a known time zone",
        _suggest(raw.replace(" ", "_"), sorted(_zone_names()), "e.g. America/New_York"),
    )


def _suggest(raw: str, choices: list[str] | tuple[str, ...], otherwise: str) -> str:
    by_case = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(raw, choices, n=1, cutoff=0.6)
    match = by_case.get(raw.lower()) or (close[0] if close else None)
    return f"did you mean '{match}'?" if match else otherwise


def _choice(raw: str, field: Field) -> str:
    if raw not in field.choices:
        choices = ", ".join(field.choices)
        raise Invalid(
            f"{field.key} must be one of {choices}, not {raw!r}",
            _suggest(raw, field.choices, f"write one of: {choices}"),
        )
    return raw


def _state(raw: str, field: Field) -> str:
    if raw not in STATE_CODES:
        hint = _suggest(raw, sorted(STATE_CODES), "use the two-letter USPS code, e.g. FL or PR")
        raise Invalid(f"{raw!r} is not a US state or territory code", hint)
    return raw


def _district(raw: str, field: Field) -> District:
    match = _DISTRICT.fullmatch(raw)
    number = int(match[2]) if match and match[2] != "AL" else 0
    if not match or number > 53 or match[1] not in STATE_CODES:
        hint = "write STATE-NUMBER in capitals, e.g. FL-20, or AK-AL for an at-large seat"
        raise Invalid(f"{raw!r} is not a congressional district", hint)
    return District(match[1], number)


def _matching(pattern: str, message: str, hint: str) -> Callable[[str, Field], str]:
    regex = re.compile(pattern)

    def convert(raw: str, field: Field) -> str:
        if not regex.fullmatch(raw):
            raise Invalid(message.format(key=field.key, value=repr(raw)), hint)
        return raw

    return convert


@dataclass(frozen=True)
class Kind:
    """How a kind of value is read (convert raw text, or a Reader method) and its schema."""

    schema: Mapping[str, Any]
    convert: Callable[[str, Field], object] | None = None
    native: Callable[[Reader, Node, str], object] | None = None


def _pattern_kind(regex: str, message: str, hint: str, **schema: Any) -> Kind:
    schema = {"type": "string", "pattern": f"^{regex}$", **schema}
    return Kind(schema, _matching(regex, message, hint))


KINDS: dict[str, Kind] = {
    "text": Kind({"type": "string", "minLength": 1}),
    "choice": Kind({"type": "string"}, _choice),
    "time": Kind({"type": "string", "pattern": f"^{_TIME.pattern}$"}, _time),
    "date": Kind({"type": "string", "pattern": f"^{_DATE.pattern}$"}, _date),
    "duration": Kind({"type": "string", "pattern": f"^{_DURATION.pattern}$"}, _duration),
    "timezone": Kind({"type": "string", "pattern": f"^{_ZONE.pattern}$"}, _timezone),
    "state": Kind({"type": "string", "enum": sorted(STATE_CODES)}, _state),
    "district": Kind({"type": "string", "pattern": f"^{_DISTRICT.pattern}$"}, _district),
    "slug": _pattern_kind(
        r"[a-z0-9][a-z0-9_-]{0,63}",
        "{key} {value} must be a-z, 0-9, '-' and '_' (64 at most), starting with a-z or 0-9",
        "e.g. id: kickoff or id: week-1-call",
        type=["string", "integer"],  # the editor sees YAML types: an unquoted 010 is a number
    ),
    "username": _pattern_kind(
        r"[A-Za-z0-9_]{1,15}", "{key} {value} is not an X username", "write it without @"
    ),
    "hashtag": _pattern_kind(
        r"#\w*[^\W\d]\w*",
        "{key} {value} is not a hashtag",
        'quote it: "#RecessReachOut"',
        pattern=r"^#[^\s#]+$",  # Python's \w is Unicode, JSON Schema's is ASCII
    ),
    "committee": _pattern_kind(
        r"[HSJ][A-Z]{3}(\d{2})?",
        "{value} is not a committee id",
        "e.g. HSFA (House Foreign Affairs), SSFR, or HSFA14 for a subcommittee",
    ),
    "bioguide": _pattern_kind(
        r"[A-Z]\d{6}", "{value} is not a bioguide id", "a capital and 6 digits, e.g. S000033"
    ),
    "integer": Kind(
        {"type": "integer", "minimum": 1}, None, lambda r, n, w: r.integer(n, w, minimum=1)
    ),
    "boolean": Kind({"type": "boolean"}, None, Reader.boolean),
    "section": Kind({"type": "object"}),
}


def read_value(reader: Reader, node: Node, field: Field) -> object | None:
    """Read one value of a field, or record a problem at its node and return None.

    Unquoted text followed by a comment is refused (``text: Join #Tag`` keeps only "Join");
    after other values (a time, a date, an id) a comment is fine.
    """
    kind = KINDS[field.kind]
    if kind.native is not None:
        return kind.native(reader, node, field.key)
    if isinstance(node, MappingNode | SequenceNode) and node.flow_style:
        what = "mapping" if isinstance(node, MappingNode) else "list"
        hint = 'put the whole text in quotes, e.g. "[URGENT] Call today"'
        reader.problem(node, f"{field.key} starts with a bracket, so YAML reads a {what}", hint)
        return None
    if not isinstance(node, ScalarNode) or (kind.convert is not None and node.value):
        raw = reader.scalar(node, field.key)
    elif is_plain(node) and (cut := _CUT.match(reader.source.line_text(node.end_mark.line + 1),
                                               node.end_mark.column)):  # fmt: skip
        hint = 'put the whole text in quotes, e.g. "Join #RecessReachOut today"'
        message = f"{field.key} was cut at '#': YAML reads ' #' as the start of a comment"
        reader.problems.append(Problem(reader.source.file, node.end_mark.line + 1, cut.end(),
                                       message, hint))  # fmt: skip
        return None
    else:
        raw = reader.text(node, field.key)
    if raw is None or kind.convert is None:
        block = isinstance(node, ScalarNode) and node.style in ("|", ">")
        return raw.rstrip("\n") if raw is not None and block else raw
    try:
        return kind.convert(raw, field)
    except Invalid as exc:
        reader.problem(node, str(exc), exc.hint)
        return None


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One key of the calendar.

    Attributes:
        key: as written in YAML.
        kind: a key of KINDS ("section": a mapping of ``fields``, read by bot.campaign).
        doc: what it means, for staff (the JSON Schema description).
        req: the key must be present.
        many: a list (a single value counts as a one-item list).
        choices: the allowed values of a "choice".
        default: the default (documentation and JSON Schema only).
        attr: the model attribute it fills, when not the key.
        rules: extra JSON Schema keywords of a section (cross-field rules).
    """

    key: str
    kind: str
    doc: str
    req: bool = False
    many: bool = False
    choices: tuple[str, ...] = ()
    default: str | bool | None = None
    fields: tuple[Field, ...] = ()
    attr: str = ""
    rules: Mapping[str, Any] | None = None


_D = "YYYY-MM-DD, inclusive"
_TAGGING = "none: no @handles; intent: a 'post this' link; approved: @-tags (needs approved_by)."
RECESS_FIELDS = (
    Field("from", "date", f"First day of the recess, {_D}.", attr="first_day"),
    Field("until", "date", f"Last day of the recess, {_D}.", attr="last_day"),
    Field("official", "choice", "Congress's own window instead of from/until: house, senate "
          "or both (reachout congress-calendar show).", choices=("house", "senate", "both")),
    Field("includes", "date", "With official: a day inside the official window, YYYY-MM-DD."),
)  # fmt: skip
_RECESS_RULES = {"oneOf": [{"required": ["from", "until"]}, {"required": ["official", "includes"]}]}
CAMPAIGN_FIELDS = (
    Field("name", "text", "The campaign's name, for previews and reports.", req=True),
    Field("hashtag", "hashtag", 'The hashtag with its #, quoted: "#RecessReachOut".', req=True),
    Field("timezone", "timezone", "IANA zone of every date and time: America/New_York.", req=True),
    Field("recess", "section", "District work periods.", req=True, many=True, fields=RECESS_FIELDS,
          rules=_RECESS_RULES),
    Field("x_username", "username", "The X account that posts, without @.", req=True),
    Field("search_query", "text", 'X search for the report; default "<hashtag> -is:retweet".'),
)  # fmt: skip
CAPS_FIELDS = (
    Field("posts_per_day", "integer", "Warn when a local day plans more posts than this."),
    Field("tagged_posts_per_day", "integer", "At most this many @-tagging posts a day."),
)
DEFAULTS_FIELDS = (
    Field("late_ok", "duration", "How late a post may go out: 15m, 2h, 1h30m, 0m.", default="30m"),
    Field("tagging", "choice", _TAGGING, choices=TAGGING_LEVELS, default="none"),
    Field("caps", "section", "Per-campaign caps.", fields=CAPS_FIELDS),
)
TARGETS_FIELDS = (
    Field("states", "state", "USPS codes: the 50 states, DC, AS, GU, MP, PR, VI.", many=True),
    Field("districts", "district", "House seats: FL-20; AK-AL or AK-0 at-large.", many=True),
    Field("chamber", "choice", "Which chamber.", choices=("senate", "house", "both")),
    Field("party", "choice", "Party or parties.", many=True, choices=PARTIES),
    Field("committees", "committee", "Members of any: HSFA, SSFR, HSFA14.", many=True),
    Field("bioguide_ids", "bioguide", "These legislators too (bioguide ids).", many=True),
    Field("exclude", "bioguide", "Never these legislators (bioguide ids).", many=True),
)
_RULES: dict[str, Any] = {
    "oneOf": [{"required": ["date"]}, {"required": ["every", "from", "until"]}],
    "dependencies": {"from": ["every"], "until": ["every"], "except": ["every"]},
    "if": {"properties": {"tagging": {"const": "approved"}}, "required": ["tagging"]},
    "then": {"required": ["approved_by"]},
}
POST_FIELDS = (
    Field("id", "slug", "Unique name: a-z, 0-9, - and _ (the ledger keys on it).", req=True),
    Field("date", "date", "Day of a one-off post, YYYY-MM-DD."),
    Field("every", "choice", "day, a weekday, or a list of weekdays.", many=True, choices=EVERY),
    Field("from", "date", f"First day of a repeating post, {_D}.", attr="first_day"),
    Field("until", "date", f"Last day of a repeating post, {_D}.", attr="last_day"),
    Field("except", "date", "Days a repeating post skips.", many=True, attr="except_dates"),
    Field("time", "time", 'Local 24-hour HH:MM, quoted: "09:30".', req=True, attr="local_time"),
    Field("text", "text", "The post, a Jinja2 template: {{ hashtag }} ...", req=True),
    Field("intent_text", "text", "The supporter's own post behind {{ intent_url }} (a template)."),
    Field("for_each", "choice", "One post per state (directory order).", choices=("state",)),
    Field(
        "stagger", "duration", "for_each: time between the posts of one expansion.", default="5m"
    ),
    Field("targets", "section", "Which legislators the post is about.", fields=TARGETS_FIELDS),
    Field("tagging", "choice", "Overrides defaults.tagging.", choices=TAGGING_LEVELS),
    Field("approved_by", "text", "Who approved @-tagging (needed with tagging: approved)."),
    Field("late_ok", "duration", "Overrides defaults.late_ok."),
    Field("enabled", "boolean", "false: kept in the file, not posted.", default=True),
    Field("about_recess", "boolean", "Speaks of the recess (checked against Congress's schedule)"
          "; default: its text says recess, home, work period or in district."),
)  # fmt: skip
CALENDAR_FIELDS = (
    Field("campaign", "section", "Who, where and when.", req=True, fields=CAMPAIGN_FIELDS),
    Field("defaults", "section", "What every post inherits.", fields=DEFAULTS_FIELDS),
    Field("posts", "section", "The posts.", req=True, many=True, fields=POST_FIELDS, rules=_RULES),
)
# Words staff use for a key → the key (for "did you mean" where spelling is no help).
_SYNONYMS = (
    "on=date day=date when=date at=time hour=time message=text tweet=text body=text "
    "repeat=every repeats=every start=from end=until to=until skip=except disabled=enabled "
    "tz=timezone handle=x_username username=x_username"
)
SYNONYMS = {word: key for word, _, key in (pair.partition("=") for pair in _SYNONYMS.split())}
# A list key → what one of its items is, for "add at least one ...".
_ONES = "every=day except=date states=state districts=district party=party committees=committee "
_ONES += "bioguide_ids=bioguide_id exclude=bioguide_id"
ONE = {key: one.replace("_", " ") for key, _, one in (p.partition("=") for p in _ONES.split())}


def read_section(
    reader: Reader, node: Node | None, fields: tuple[Field, ...], what: str
) -> tuple[dict[str, Any], dict[str, Node], dict[str, tuple[int, int]]]:
    """Read a mapping against a field table, recording every problem in the reader.

    Args:
        reader: collects the problems.
        node: the node that should be a mapping.
        fields: the allowed keys.
        what: how messages name the mapping ("campaign", "post 'kickoff'").

    Returns:
        (valid values by attribute name, lists as tuples; value node by key, sections
        included but not read; 1-based (line, column) by key and by ``key[index]``).
    """
    known = [f.key for f in fields]
    for key, _ in node.value if isinstance(node, MappingNode) else ():
        name = key.value if isinstance(key, ScalarNode) else ""
        if name not in known and SYNONYMS.get(name) in known:
            reader.problem(
                key, f"'{name}' is not a field of {what}", f"did you mean '{SYNONYMS[name]}'?"
            )
            known.append(name)  # reported here; the reader must not report it again
    entries = reader.mapping(node, what, known, [f.key for f in fields if f.req])
    values: dict[str, Any] = {}
    nodes: dict[str, Node] = {}
    positions: dict[str, tuple[int, int]] = {}
    for field in fields:
        if field.key not in entries:
            continue
        nodes[field.key] = value_node = entries[field.key][1]
        positions[field.key] = position(value_node)
        if field.kind == "section":
            continue
        no_items = isinstance(value_node, ScalarNode | SequenceNode) and not value_node.value
        if field.many and no_items:  # [], or nothing after the key
            empty = "an empty list" if isinstance(value_node, SequenceNode) else "empty"
            hint = f"remove the line or add at least one {ONE.get(field.key, 'item')}"
            reader.problem(value_node, f"'{field.key}' is {empty}", hint)
            continue
        items = reader.sequence(value_node, field.key) if field.many else [value_node]
        parsed = [read_value(reader, item, field) for item in items]
        if field.many:
            positions.update({f"{field.key}[{i}]": position(n) for i, n in enumerate(items)})
        if items and None not in parsed:
            values[field.attr or field.key] = tuple(parsed) if field.many else parsed[0]
    return values, nodes, positions


def field_schema(field: Field) -> dict[str, Any]:
    """Return the JSON Schema of one field (its description, type, pattern or enum)."""
    schema = (
        object_schema(field.fields) if field.kind == "section" else dict(KINDS[field.kind].schema)
    )
    schema.update(field.rules or ({"enum": list(field.choices)} if field.choices else {}))
    if field.many:
        array = {"type": "array", "minItems": 1, "items": schema}
        schema = array if field.kind == "section" else {"anyOf": [schema, array]}
    default = {} if field.default is None else {"default": field.default}
    return {"description": field.doc, **schema, **default}


def object_schema(fields: tuple[Field, ...]) -> dict[str, Any]:
    """Return the JSON Schema of a mapping of these fields (no other key allowed)."""
    required = [f.key for f in fields if f.req]
    return {
        "type": "object",
        "additionalProperties": False,
        **({"required": required} if required else {}),
        "properties": {f.key: field_schema(f) for f in fields},
    }


def json_schema() -> dict[str, Any]:
    """Return the calendar's JSON Schema (draft-07), built from the field table."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "reachout campaign calendar",
        "description": "The calendar staff edit (docs/calendar.md). Quote times and text: "
        '"09:30". The loader checks more than this schema.',
        **object_schema(CALENDAR_FIELDS),
    }


# The rules between keys, checked by bot.campaign: "message — hint", with str.format fields.
RULES = {
    "empty": "the calendar is empty — restore it: an empty file never means 'delete all posts'",
    "too_many": "{key} has {count:,} entries, over the {limit:,} limit — split the calendar",
    "no_items": "{key} has no entries — add one (to pause a post, set enabled: false)",
    "until_before_from": "until {last} is before from {first} — both days are inclusive",
    "same_id": "id '{id}' is used twice (first on line {line}) — give each post its own id",
    "no_approval": "{what} has tagging: approved but no approved_by — say who approved it, "
    "or use tagging: intent",
    "unused_approval": "approved_by does nothing without tagging: approved — remove it",
    "folded": "this text is on several lines: YAML joins them with spaces — to keep the line "
    "breaks, write text: | and the text indented below it",
    "unused_except": "{what} does not go out on {day} anyway — check the date",
    "date_and_every": "{what} has both date (once) and every (repeating) — keep one",
    "only_repeating": "{key} is only for repeating posts — remove it, or use every: for date:",
    "needs_range": "a repeating post needs '{key}' — add from: and until: (days inclusive)",
    "too_long": "{what} repeats for more than {days} days — plan one recess at a time",
    "no_schedule": "{what} has no date and no every — add date: 2027-08-03, or every: "
    "monday with from: and until:",
    "no_targets": "targets is empty — remove it, or say who, e.g. targets: {{chamber: senate}}",
    "senate_seats": "districts are House seats: chamber: senate selects no one — remove one",
    "outside_recess": "{what} is outside every recess window{days} — check the dates "
    "(it will still go out)",
    "never": "{what} never goes out: no {span} outside except — check every, from, until, except",
    "too_many_occurrences": "the calendar plans over {limit:,} posts — check every/from/until",
    "missing": "{when} does not exist in {zone}: clocks jump forward — pick another time, {fix}",
    "twice": "{when} happens twice in {zone} (clocks fall back): at {utc} UTC — pick another "
    "time, {fix}",
    "overlap": "recess window {index} overlaps window {other} — check the dates, or merge them",
    "recess_form": "{what} needs from: and until:, or official: and includes: — e.g. "
    "{{from: 2027-08-02, until: 2027-09-06}} or {{official: house, includes: 2027-08-04}}",
    "recess_both": "{what} has both from/until and official/includes — keep one pair",
    "no_official": "{what} names the official {chamber} window, but {file} is missing — run: "
    "reachout congress-calendar update",
    "official_uncovered": "the official {chamber} schedule ({file}) does not cover {year} yet — "
    "write from: and until: for now; run reachout congress-calendar update once it is out",
    "not_official": "{day} is in no official {chamber} recess ({file}) — pick a day inside one: "
    "reachout congress-calendar show",
    "long_query": "search_query is {length:,} characters, over X's limit of {limit} — shorten it",
    "dropped": "post {index} could not be read — check its keys and values (this is a bug: "
    "please report it)",
    "over_cap": "{days} day(s) plan more than {cap} post(s) (first {first}) — the extra posts "
    "would be skipped; spread them out",
}


def peek(node: Node | None, key: str) -> Node | None:
    """Return the value node of a key in a mapping node, reporting nothing."""
    for key_node, value in node.value if isinstance(node, MappingNode) else ():
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value  # type: ignore[no-any-return]
    return None


def is_folded(node: Node) -> bool:
    """Return True for a text written over several lines that YAML joins with spaces."""
    folds = isinstance(node, ScalarNode) and node.style not in ("|", ">")
    return folds and node.end_mark.line > node.start_mark.line


def text_start(node: Node, reader: Reader) -> tuple[int, int]:
    """Return the 1-based (line, column) of a text value's first character."""
    line, column = position(node)
    style = node.style if isinstance(node, ScalarNode) else None
    if style in ("'", '"'):
        return line, column + 1
    for number in range(line + 1, node.end_mark.line + 2) if style in ("|", ">") else ():
        content = reader.source.line_text(number)
        if content.strip():
            return number, len(content) - len(content.lstrip(" ")) + 1
    return line, column
