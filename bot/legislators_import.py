"""Build ``data/legislators.yaml`` from unitedstates/congress-legislators (CC0 1.0).

Of upstream's four YAML files we take, from ``legislators-current.yaml``, the bioguide id, name
and current (last) term; from ``legislators-social-media.yaml`` the official accounts; from
``committees-current.yaml`` and ``committee-membership-current.yaml`` who sits on what. The
files are untrusted: each field used is type-checked, and a problem is a DataError naming the
file and line. The output is deterministic: the inputs' sha256 identifies it, and its
``built_at`` is the upstream commit's time (the clock's only when the commit is unknown, and
kept while the inputs stay the same). It replaces the old file atomically. Side effects: reads
a folder or downloads (:func:`fetch`), writes the output and a small HTTP cache beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from bot import __version__
from bot.errors import DataError
from bot.legislators import BIOGUIDE, FORMAT, HOUSE_SEATS, TERRITORIES, X_HANDLE
from bot.legislators_changes import changes

LEGISLATORS, SOCIAL, COMMITTEES, MEMBERSHIP = UPSTREAM_FILES = (
    "legislators-current.yaml",
    "legislators-social-media.yaml",
    "committees-current.yaml",
    "committee-membership-current.yaml",
)
REPOSITORY = "https://github.com/unitedstates/congress-legislators"
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/unitedstates/congress-legislators/main"
MAX_UPSTREAM_BYTES = 16 * 1024 * 1024
# Fewer than these means a cut or broken file: seats filled, and the share of members with
# a social media entry (519 of 537 in 2026) or of committees with a membership list (all).
MIN_SENATORS, MIN_REPRESENTATIVES, MIN_COVERAGE = 90, 400, 0.75
RETRIES = 3  # on connection failures and these answers (GET is idempotent):
_RETRY_ON = (500, 502, 503, 504)
RETRY_BACKOFF_SECONDS = 0.5  # urllib3 backoff factor; tests pass 0
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_BAD_HINT = "check the upstream files (a partial download?) and run the update again"
_VALIDATORS = (("etag", "ETag"), ("last_modified", "Last-Modified"))
_CONDITIONS = {"etag": "If-None-Match", "last_modified": "If-Modified-Since"}
_OFFLINE_HINT = "check the network connection, or build from a local copy with --from DIR"


@dataclass(frozen=True)
class Upstream:
    """The four upstream files' bytes, and the commit they came from when known."""

    files: Mapping[str, bytes]
    commit: str | None = None
    commit_date: str | None = None
    validators: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # HTTP, per file

    def sha256(self) -> dict[str, str]:
        """Return file name → sha256 hex digest of its bytes."""
        return {name: hashlib.sha256(self.files[name]).hexdigest() for name in UPSTREAM_FILES}

    def inputs_sha256(self) -> str:
        """Return one digest over the four files (as ``sha256sum`` would list them)."""
        listing = "".join(f"{digest}  {name}\n" for name, digest in self.sha256().items())
        return hashlib.sha256(listing.encode()).hexdigest()


def read_dir(folder: Path) -> Upstream:
    """Read the four upstream files, and the commit from a snapshot's README.md if any.

    Raises:
        DataError: a file is missing, unreadable or too large.
    """
    files: dict[str, bytes] = {}
    for name in UPSTREAM_FILES:
        try:
            files[name] = _sized(name, (folder / name).read_bytes())
        except OSError as exc:
            hint = f"the folder must hold {', '.join(UPSTREAM_FILES)}"
            raise DataError(f"{folder / name}: cannot read: {exc.strerror}", hint) from None
    readme = folder / "README.md"
    text = readme.read_text("utf-8", "replace") if readme.is_file() else ""
    commit = re.search(r"\|\s*Commit\s*\|\s*`([0-9a-f]{40})`", text)
    when = re.search(r"\|\s*Commit date\s*\|\s*(\d{4}-\d\d-\d\d[^|(]*?)\s*[|(]", text)
    return Upstream(files, commit and commit.group(1), when and when.group(1))


def _sized(name: str, data: bytes) -> bytes:  # a guard against a wrong URL or folder
    if len(data) > MAX_UPSTREAM_BYTES:
        raise DataError(f"{name}: {len(data):,} bytes, over the {MAX_UPSTREAM_BYTES:,} limit")
    return data


class _Bad(Exception):
    """A problem in an upstream file: args are (file, path of list indexes and keys, message)."""


def _need(
    value: Any, kind: type | tuple[type, ...], file: str, path: tuple[int | str, ...], what: str
) -> Any:
    """Return value when it has the expected type (bool is not an int here), else raise."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Bad(file, path, f"{what} is missing or not valid (found {value!r:.40})")
    return value


def _line(data: bytes, path: tuple[int | str, ...]) -> int:
    """Return the 1-based line of the node at a path (0 when the file cannot be composed)."""
    try:
        node: Node | None = yaml.compose(data, Loader=_Loader)
    except yaml.YAMLError:
        return 0
    for step in path:
        if isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        elif isinstance(node, MappingNode):
            node = next((v for k, v in node.value if k.value == step), node)
    return node.start_mark.line + 1 if node is not None else 0


def build(upstream: Upstream, *, now: datetime | None = None) -> tuple[dict[str, Any], list[str]]:
    """Build the directory document from the upstream files.

    Args:
        upstream: the four files.
        now: the time of the update (aware): the ``built_at`` stamp when the upstream
            commit's date is unknown (None: no stamp then).

    Returns:
        (document, warnings): what :func:`render` writes, and notes for staff (social
        entries for people not in office).

    Raises:
        DataError: a file is not YAML (truncated?), a member has no terms or bioguide id, a
            field has the wrong type, the files disagree or seats are impossible (file:line).
    """
    try:
        return _build(upstream, built_at(upstream, now))
    except _Bad as bad:
        file, path, message = bad.args
        line = _line(upstream.files[file], path)
        raise DataError(f"{file}{f':{line}' * bool(line)}: {message}", _BAD_HINT) from None


def _parse(upstream: Upstream, name: str) -> Any:
    try:
        return yaml.load(upstream.files[name], Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or exc
        message = f"{where}: not valid YAML ({problem}); the file may be truncated or damaged"
        raise DataError(message, _BAD_HINT) from None


def built_at(upstream: Upstream, now: datetime | None) -> str | None:
    """Return when the data was built, ISO 8601 UTC: the commit's time, else now, else None."""
    moment = now
    for parse in (lambda t: datetime.strptime(t, "%Y-%m-%d %H:%M:%S %z"), datetime.fromisoformat):
        try:
            moment = parse(upstream.commit_date or "")
            break
        except ValueError:
            continue
    if moment is None:
        return None
    return (
        moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _build(upstream: Upstream, built: str | None) -> tuple[dict[str, Any], list[str]]:
    people = _need(_parse(upstream, LEGISLATORS), list, LEGISLATORS, (), "the member list")
    members: dict[str, dict[str, Any]] = {}
    order: dict[str, tuple[Any, ...]] = {}
    for i, person in enumerate(people):
        entry, order_key = _person(person, i)
        if entry["bioguide_id"] in members:
            raise _Bad(LEGISLATORS, (i,), f"bioguide id {entry['bioguide_id']} appears twice")
        members[entry["bioguide_id"]] = entry
        order[entry["bioguide_id"]] = order_key
    _check_seats(members.values())
    warnings = _social(_parse(upstream, SOCIAL), members)
    committees = _committees(_parse(upstream, COMMITTEES))
    _membership(_parse(upstream, MEMBERSHIP), committees, members)
    ordered = [members[b] for b in sorted(members, key=order.__getitem__)]
    directory = {
        "format": FORMAT,
        "source": REPOSITORY,
        "commit": upstream.commit,
        "commit_date": upstream.commit_date,
        "built_at": built,
        "license": "CC0-1.0 (public domain)",
        "generated_by": "reachout legislators update",
        "inputs_sha256": upstream.inputs_sha256(),
        "inputs": upstream.sha256(),
    }
    states = list(dict.fromkeys(m["state"] for m in ordered))
    document = {"directory": directory, "states": states, "committees": committees}
    return document | {"members": ordered}, warnings


def _person(person: Any, i: int) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """Return a member's entry and sort key from a ``legislators-current.yaml`` item."""
    f = LEGISLATORS
    person = _need(person, dict, f, (i,), f"member #{i + 1}")
    names = person.get("name") if isinstance(person.get("name"), dict) else {}
    ids = person.get("id") if isinstance(person.get("id"), dict) else {}
    bioguide = ids.get("bioguide")
    if not isinstance(bioguide, str) or not BIOGUIDE.fullmatch(bioguide):
        who = names.get("official_full") or names.get("last") or "?"
        raise _Bad(f, (i,), f"member #{i + 1} ({who}) has no valid id.bioguide")
    terms = person.get("terms")
    if not isinstance(terms, list) or not terms:
        raise _Bad(f, (i,), f"member {bioguide} has no terms")
    at = (i, "terms", len(terms) - 1)
    term = _need(terms[-1], dict, f, at, f"member {bioguide}'s current term")

    def get(key: str, kind: type | tuple[type, ...], required: bool = False) -> Any:
        if term.get(key) is None and not required:
            return None
        return _need(term.get(key), kind, f, (*at, key), f"member {bioguide}'s term {key!r}")

    first = _need(names.get("first"), str, f, (i, "name"), f"member {bioguide}'s first name")
    last = _need(names.get("last"), str, f, (i, "name"), f"member {bioguide}'s last name")
    name = _need(names.get("official_full") or f"{first} {last}", str, f, (i, "name"), "name")
    kind, state = get("type", str, True), get("state", str, True)
    if kind not in ("sen", "rep") or (state not in HOUSE_SEATS and state not in TERRITORIES):
        raise _Bad(f, at, f"member {bioguide}'s term has type {kind!r} and state {state!r}")
    district = get("district", int, True) if kind == "rep" else None
    start, end = (_day(get(k, (str, date), True), f, (*at, k), bioguide) for k in ("start", "end"))
    chamber, delegate = ("senate" if kind == "sen" else "house"), state in TERRITORIES
    entry = {"bioguide_id": bioguide, "name": name, "chamber": chamber, "state": state}
    entry |= {"district": district, "delegate": delegate, "party": get("party", str, True)}
    entry |= {"term_end": end, "term_start": start, "x": None, "x_id": None}
    for key, (ours, type_) in _OPTIONAL.items():
        entry |= {ours: get(key, type_)} if term.get(key) is not None else {}
    return entry, (state, kind != "sen", district or 0, last.casefold(), first.casefold())


def _day(value: str | date, f: str, at: tuple[int | str, ...], bioguide: str) -> str:
    """Return a term's start or end as YYYY-MM-DD, or raise naming the member."""
    text = value if isinstance(value, str) else value.isoformat()
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise _Bad(f, at, f"member {bioguide}'s term {at[-1]} {text!r} is not a date")


# Optional fields of the current term: upstream key → (our key, type).
_OPTIONAL = {"caucus": ("caucus", str), "class": ("senate_class", int)} | {
    key: (key, str) for key in ("state_rank", "phone", "contact_form", "url")
}


def _check_seats(members: Any) -> None:
    """Refuse impossible seats (a cut or corrupt file) before anything is written."""
    senators: dict[str, int] = {}
    seats: dict[tuple[str, int], str] = {}
    for m in members:
        state, district, who = m["state"], m["district"], m["bioguide_id"]
        if m["chamber"] == "senate":
            senators[state] = senators.get(state, 0) + 1
            if senators[state] > 2 or state in TERRITORIES:
                raise _Bad(LEGISLATORS, (), f"{who}: {state} cannot have another senator")
        elif (state, district) in seats or district > HOUSE_SEATS.get(state, 0):
            raise _Bad(LEGISLATORS, (), f"{who}: seat {state}-{district} is taken or not a seat")
        else:
            seats[state, district] = who
    if sum(senators.values()) < MIN_SENATORS or len(seats) < MIN_REPRESENTATIVES:
        counts = f"{sum(senators.values())} senators and {len(seats)} House members"
        raise _Bad(LEGISLATORS, (), f"only {counts}: the file looks truncated")


def _social(data: Any, members: dict[str, dict[str, Any]]) -> list[str]:
    """Merge ``legislators-social-media.yaml`` into the entries; return warnings."""
    f, warnings, seen = SOCIAL, [], set()
    for i, item in enumerate(_need(data, list, f, (), "the social media list")):
        item = _need(item, dict, f, (i,), f"social entry #{i + 1}")
        ids = _need(item.get("id"), dict, f, (i,), f"social entry #{i + 1}'s id")
        bioguide = _need(ids.get("bioguide"), str, f, (i, "id"), f"entry #{i + 1}'s bioguide")
        social = _need(item.get("social", {}), dict, f, (i,), f"{bioguide}'s accounts")
        if bioguide not in members or bioguide in seen:
            why = "appears twice" if bioguide in seen else "is not a current member"
            warnings.append(f"{f}: the entry for {bioguide} is ignored: it {why}")
            continue
        seen.add(bioguide)
        entry, accounts = members[bioguide], {}
        for key, value in sorted(social.items()):
            at, what = (i, "social", key), f"{bioguide}'s {key}"
            value = str(_need(value, (str, int), f, at, what))
            if key == "twitter" and not X_HANDLE.fullmatch(value):
                raise _Bad(f, at, f"{what} {value!r} is not an X handle")
            if key == "twitter_id" and not value.isdigit():
                raise _Bad(f, at, f"{what} {value!r} is not a numeric X id")
            name = {"twitter": "x", "twitter_id": "x_id"}.get(key, key)
            if name in ("x", "x_id", "mastodon", "bluesky"):
                entry[name] = _Quoted(value) if name == "x_id" else value
            else:
                accounts[key] = value
        entry.update({"accounts": accounts} if accounts else {})
    _check_coverage(f, len(seen), len(members))
    return warnings


def _committees(data: Any) -> dict[str, dict[str, str]]:
    """Return committee id → {name, chamber[, parent]} from ``committees-current.yaml``."""
    f, out = COMMITTEES, {}
    for i, c in enumerate(_need(data, list, f, (), "the committee list")):
        c = _need(c, dict, f, (i,), f"committee #{i + 1}")
        cid = _need(c.get("thomas_id"), str, f, (i,), f"committee #{i + 1}'s thomas_id")
        chamber = c.get("type")
        if chamber not in ("house", "senate", "joint"):
            raise _Bad(f, (i,), f"committee {cid}'s type {chamber!r} is not house/senate/joint")
        name = _need(c.get("name"), str, f, (i,), f"committee {cid}'s name")
        out[cid] = {"name": name, "chamber": chamber}
        for j, sub in enumerate(_need(c.get("subcommittees", []), list, f, (i,), cid)):
            at = (i, "subcommittees", j)
            sub = _need(sub, dict, f, at, f"a subcommittee of {cid}")
            suffix = _need(sub.get("thomas_id"), (str, int), f, at, f"a {cid} subcommittee id")
            sid = cid + (suffix if isinstance(suffix, str) else f"{suffix:02d}")
            name = _need(sub.get("name"), str, f, at, f"subcommittee {sid}'s name")
            out[sid] = {"name": name, "chamber": chamber, "parent": cid}
    return {cid: _Flow(out[cid]) for cid in sorted(out)}


def _membership(data: Any, committees: Mapping[str, Any], members: dict[str, Any]) -> None:
    """Add each member's seats from ``committee-membership-current.yaml``."""
    f, seats = MEMBERSHIP, dict[str, dict[str, str]]()
    for cid, roster in _need(data, dict, f, (), "the committee membership mapping").items():
        if cid not in committees:
            raise _Bad(f, (cid,), f"committee {cid!r} is not in {COMMITTEES}")
        for j, seat in enumerate(_need(roster, list, f, (cid,), f"committee {cid}'s members")):
            seat = _need(seat, dict, f, (cid, j), f"a seat on {cid}")
            b = _need(seat.get("bioguide"), str, f, (cid, j), f"a {cid} member's bioguide")
            if b not in members:
                raise _Bad(f, (cid, j), f"{b} sits on {cid} but is not in {LEGISLATORS}")
            if seat.get("party") not in ("majority", "minority"):
                raise _Bad(f, (cid, j), f"{b}'s side on {cid} is not majority or minority")
            rank = _need(seat.get("rank"), (int, type(None)), f, (cid, j), f"{b}'s rank on {cid}")
            title = _need(seat.get("title") or "", str, f, (cid, j), f"{b}'s title on {cid}")
            row = f"{cid} {seat['party']} {'-' if rank is None else rank} {' '.join(title.split())}"
            seats.setdefault(b, {}).setdefault(cid, row.rstrip())  # "HSFA14 majority 3 Chair"
    for b, by_id in seats.items():
        members[b]["committees"] = [by_id[cid] for cid in sorted(by_id)]
    if data:  # {}: every committee emptied, as at the start of a new Congress
        _check_coverage(f, len(data), len(committees))


def _check_coverage(file: str, found: int, expected: int) -> None:
    """Refuse a file covering too few members or committees: it was most likely cut short."""
    if found < MIN_COVERAGE * expected:
        raise _Bad(file, (), f"only {found} of {expected} entries: the file looks truncated")


class _Flow(dict[str, Any]):
    """A mapping written on one line: ``{id: HSFA, side: majority, rank: 3}``."""


class _Quoted(str):
    """A string always written in quotes, so numeric X ids stay strings in any YAML reader."""


class _Writer(_Dumper):  # type: ignore[misc,valid-type]
    """The dumper for the generated file (libyaml when available)."""


_Writer.add_representer(
    _Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)
_Writer.add_representer(
    _Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style="'")
)


def render(document: Mapping[str, Any]) -> str:
    """Return the generated file's text: a header comment, then the document as YAML."""
    meta = document["directory"]
    when = f", {meta['commit_date']}" if meta["commit_date"] else ""
    header = [
        "# The reachout legislator directory: every current member of Congress.",
        "# GENERATED by `reachout legislators update --from DIR` (or --url BASE): do not edit.",
        "# Put corrections in data/legislators-overrides.yaml, merged when the file is loaded.",
        f"# Source: {REPOSITORY} (commit {meta['commit'] or 'unknown'}{when}).",
        "# The upstream data is public domain (CC0 1.0); see data/README.md.",
        "# A committee seat reads '<committee id> <majority|minority> <rank or -> [title]'.",
        f"# Inputs sha256: {meta['inputs_sha256']}",
    ]
    body = yaml.dump(dict(document), Dumper=_Writer, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + str(body)


def read_existing(old_text: bytes | None) -> dict[str, Any] | None:
    """Return the existing file's document (of any format): None when there is no file,
    ``{}`` when it cannot be read as a directory."""
    if old_text is None:
        return None
    try:
        doc = yaml.load(old_text, Loader=_Loader)
        ok = isinstance(doc["directory"]["format"], int) and isinstance(doc["members"], list)
        return dict(doc) if ok else {}
    except (yaml.YAMLError, KeyError, TypeError):
        return {}


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file through a temporary file in the same folder and ``Path.replace``.

    Raises:
        DataError: the file cannot be written (the existing one is left as it was).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        tmp.write_bytes(data)
        tmp.chmod(mode)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"{path}: cannot write: {exc.strerror}", "check the folder") from None


@dataclass(frozen=True)
class UpdateResult:
    """What :func:`update` did: ``written`` is False when the file already held the result."""

    written: bool
    members: int
    changes: list[str]
    warnings: list[str]


def update(upstream: Upstream, output: Path, *, now: datetime | None = None) -> UpdateResult:
    """Build the directory from upstream files and replace ``output`` when it differs.

    Args:
        upstream: the four files.
        output: the directory file.
        now: the time of the update (aware), stamped as ``built_at`` when the upstream
            commit's date is unknown and the inputs differ from the existing file's.

    Raises:
        DataError: bad upstream data or an unwritable output; ``output`` is left untouched.
    """
    document, warnings = build(upstream, now=now)
    old = output.read_bytes() if output.is_file() else None
    existing = read_existing(old)
    before, meta = (existing or {}).get("directory") or {}, document["directory"]
    same = before.get("inputs_sha256") == meta["inputs_sha256"] and before.get("built_at")
    if same and upstream.commit_date is None:  # the same data: built then, not now
        meta["built_at"] = before["built_at"]
    data = render(document).encode("utf-8")
    count = len(document["members"])
    if old == data:
        return UpdateResult(False, count, [], warnings)
    write_atomic(output, data)
    return UpdateResult(True, count, changes(existing, document), warnings)


def cache_path(output: Path) -> Path:
    """Return the HTTP cache file (ETag/Last-Modified per file) kept beside the output."""
    return output.parent / f".{output.stem}-http-cache.json"


def fetch(
    base_url: str, output: Path, *, timeouts: tuple[float, float], backoff: float | None = None
) -> Upstream | None:
    """Download the four files with requests, using conditional GETs against the cache.

    Args:
        base_url: URL of the folder holding the files, e.g. :data:`DEFAULT_BASE_URL`.
        output: the generated file; its cache (:func:`cache_path`) is used only while the
            file is exactly as :func:`save_cache` saw it.
        timeouts: (connect, read) seconds.
        backoff: urllib3 backoff factor for the :data:`RETRIES` retries (5xx, network).

    Returns:
        The files with their ETag/Last-Modified, or None when all answered 304 Not Modified.

    Raises:
        DataError: offline, timed out, an HTTP error (after retries), or a file too large.
    """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    base = base_url.rstrip("/")
    try:
        cache = json.loads(cache_path(output).read_text("utf-8"))
        usable = cache["output_sha256"] == _sha256(output) and cache["url"] == base
        known: dict[str, dict[str, str]] = cache["files"] if usable else {}
    except (OSError, ValueError, KeyError, TypeError):
        known = {}
    backoff = RETRY_BACKOFF_SECONDS if backoff is None else backoff
    retry = Retry(
        RETRIES, backoff_factor=backoff, status_forcelist=_RETRY_ON, raise_on_status=False
    )
    session = requests.Session()
    for prefix in ("https://", "http://"):
        session.mount(prefix, HTTPAdapter(max_retries=retry))

    def get(name: str, validators: Mapping[str, str]) -> tuple[bytes | None, dict[str, str]]:
        url = f"{base}/{name}"
        headers = {"User-Agent": f"reachout/{__version__} (legislator directory update)"}
        headers |= {_CONDITIONS[k]: v for k, v in validators.items() if k in _CONDITIONS}
        try:
            response = session.get(url, headers=headers, timeout=timeouts)
        except requests.Timeout:
            raise DataError(f"{url}: no answer in {timeouts} s", _OFFLINE_HINT) from None
        except requests.RequestException as exc:
            reason = str(exc.args[0] if exc.args else exc)[:200]
            raise DataError(f"cannot download {url}: {reason}", _OFFLINE_HINT) from None
        if response.status_code == 304 and validators:
            return None, dict(validators)
        if response.status_code != 200:
            tries = f" (after {RETRIES} retries)" if response.status_code >= 500 else ""
            status = f"{response.status_code} {response.reason}{tries}"
            raise DataError(f"{url}: the server answered {status}", "check --url, or retry later")
        found = {k: response.headers.get(h) for k, h in _VALIDATORS}
        return _sized(name, response.content), {k: v for k, v in found.items() if v}

    with session:
        got = {name: get(name, known.get(name, {})) for name in UPSTREAM_FILES}
        if all(body is None for body, _ in got.values()):
            return None
        for name in [name for name, (body, _) in got.items() if body is None]:
            got[name] = get(name, {})  # another file changed: this one's bytes are needed too
    commit = re.search(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])", base)
    files = {name: body or b"" for name, (body, _) in got.items()}
    validators = {name: v for name, (_, v) in got.items()}
    return Upstream(files, commit and commit.group(), validators=validators)


def save_cache(output: Path, base_url: str, upstream: Upstream) -> None:
    """Record the validators a downloaded upstream came with, for the next conditional GET."""
    cache = {"url": base_url.rstrip("/"), "output_sha256": _sha256(output)}
    data = json.dumps(cache | {"files": upstream.validators}, indent=2, sort_keys=True)
    write_atomic(cache_path(output), data.encode() + b"\n")


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
