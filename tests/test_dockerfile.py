"""Static checks of the Dockerfile's promises (docs/deploy.md), with no Docker engine.

The Dockerfile is parsed as text: logical lines (backslash continuations joined, comments
dropped), split into build stages at each FROM. hadolint (scripts/hadolint.sh) checks the
general best practices; these tests check what this project promises its deployers.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import PurePosixPath

import pytest

from bot.settings import ENV_ALIASES, ENV_SPECIAL, SECRET_NAMES, Settings, env_name
from tests.conftest import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
DEPLOY_DOC = PROJECT_ROOT / "docs" / "deploy.md"
# X_*, *SECRET*, *TOKEN*, *PASSWORD*: names that hold credentials.
SECRET_NAME = re.compile(r"^X_|SECRET|TOKEN|PASSWORD", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword in capitals, its arguments, its first line."""

    keyword: str
    args: str
    line: int


def parse(text: str) -> list[Instruction]:
    """Split Dockerfile text into instructions (continuations joined, comments dropped)."""
    out: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not parts):
            continue  # comment lines are dropped, even inside a continuation
        if not parts:
            start = number
        continued = stripped.endswith("\\")
        parts.append(stripped[:-1].strip() if continued else stripped)
        if not continued:
            logical = " ".join(p for p in parts if p)
            keyword, _, args = logical.partition(" ")
            out.append(Instruction(keyword.upper(), args.strip(), start))
            parts = []
    return out


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """Group instructions into build stages, each starting with its FROM."""
    out: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            out.append([])
        if out:
            out[-1].append(instruction)
    return out


def assignments(instruction: Instruction) -> list[tuple[str, str | None]]:
    """Return (name, value or None) for what an ENV or ARG instruction sets.

    Handles ``ENV A=1 B="x y"``, the legacy ``ENV NAME value`` and ``ARG NAME[=default]``.
    """
    words = shlex.split(instruction.args)
    if instruction.keyword == "ENV" and words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    out: list[tuple[str, str | None]] = []
    for word in words:
        name, equals, value = word.partition("=")
        out.append((name, value if equals else None))
    return out


def secrets_set(instructions: list[Instruction]) -> list[str]:
    """Return ``line: NAME`` for every ENV or ARG that gives a credential-like name a value."""
    return [
        f"{i.line}: {name}"
        for i in instructions
        if i.keyword in ("ENV", "ARG")
        for name, value in assignments(i)
        if SECRET_NAME.search(name) and value
    ]


def exec_form(args: str) -> list[str]:
    """Parse an exec-form (JSON array) argument list; fail on the shell form."""
    assert args.startswith("["), f"not exec form (a JSON array): {args}"
    value = json.loads(args)
    assert isinstance(value, list)
    assert all(isinstance(v, str) for v in value)
    return [str(v) for v in value]


def copy_sources(instruction: Instruction) -> tuple[list[str], str]:
    """Return the sources and the destination of a COPY (flags such as --chown dropped)."""
    rest = re.sub(r"^(--\S+\s+)*", "", instruction.args)
    words = exec_form(rest) if rest.startswith("[") else shlex.split(rest)
    return words[:-1], words[-1]


def dockerignore_patterns() -> list[str]:
    """Return the .dockerignore patterns, normalised (no leading ./ or /, no trailing /)."""
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [
        line.strip().removeprefix("./").strip("/")
        for line in lines
        if line.strip() and not line.strip().startswith("#")
    ]


def ignored(path: str, patterns: list[str]) -> bool:
    """Tell whether .dockerignore keeps ``path`` (or a folder above it) out of the context."""
    parts = PurePosixPath(path.removeprefix("./").rstrip("/")).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(
        fnmatch(prefix, pattern) or fnmatch(prefix, pattern.removeprefix("**/"))
        for pattern in patterns
        if not pattern.startswith("!")
        for prefix in prefixes
    )


def reachout_variables() -> set[str]:
    """Every REACHOUT_* variable reachout reads (settings, their aliases, REACHOUT_SETTINGS)."""
    return {env_name(name) for name, _ in Settings().items()} | set(ENV_ALIASES) | ENV_SPECIAL


INSTRUCTIONS = parse(DOCKERFILE.read_text(encoding="utf-8"))
STAGES = stages(INSTRUCTIONS)
FINAL = STAGES[-1]
FINAL_ENV = dict(a for i in FINAL if i.keyword == "ENV" for a in assignments(i))


def env(name: str) -> str:
    """Return the value the final stage gives an environment variable (fail when unset)."""
    value = FINAL_ENV.get(name)
    assert value, f"the final stage sets no {name}"
    return value


def only(keyword: str) -> Instruction:
    """Return the final stage's instruction with this keyword (the last one, as Docker uses)."""
    found = [i for i in FINAL if i.keyword == keyword]
    assert found, f"the final stage has no {keyword}"
    return found[-1]


def volumes() -> set[str]:
    """Return the paths the final stage declares as volumes."""
    out: set[str] = set()
    for i in FINAL:
        if i.keyword == "VOLUME":
            out.update(exec_form(i.args) if i.args.startswith("[") else i.args.split())
    return out


def test_the_parser_joins_continuations_and_drops_comments() -> None:
    """The parser sees instructions as Docker does: continued lines joined, comments gone."""
    text = '# c\nFROM a:1 AS b\n\nENV A=1 \\\n    # note\n    B=2\nCMD ["x"]\n'
    assert [
        Instruction("FROM", "a:1 AS b", 2),
        Instruction("ENV", "A=1 B=2", 4),
        Instruction("CMD", '["x"]', 7),
    ] == parse(text)


def test_runs_as_a_non_root_user_before_the_entrypoint() -> None:
    """The final stage switches to a user other than root before its ENTRYPOINT."""
    entrypoint = FINAL.index(only("ENTRYPOINT"))
    users = [i for i in FINAL[:entrypoint] if i.keyword == "USER"]
    assert users, "no USER before ENTRYPOINT: the worker would run as root"
    user = users[-1].args.split(":")[0]
    assert user not in ("root", "0", "")


def test_entrypoint_and_cmd_are_exec_form() -> None:
    """ENTRYPOINT and CMD are JSON arrays, so SIGTERM reaches reachout itself, not a shell."""
    assert ["reachout"] == exec_form(only("ENTRYPOINT").args)
    assert ["run"] == exec_form(only("CMD").args)


def test_stop_signal_is_sigterm() -> None:
    """Docker stops the worker with SIGTERM, on which it drains and exits."""
    assert "SIGTERM" == only("STOPSIGNAL").args


def test_healthcheck_runs_reachout_health() -> None:
    """HEALTHCHECK runs `reachout health` (exec form) with interval, timeout and start period."""
    options, _, command = only("HEALTHCHECK").args.partition("CMD ")
    assert ["reachout", "health"] == exec_form(command.strip())[:2]
    set_options = dict(o.removeprefix("--").split("=", 1) for o in options.split())
    assert {"interval", "timeout", "start-period"} <= set(set_options)


def test_sqlite_database_is_on_the_data_volume() -> None:
    """/data is a VOLUME and REACHOUT_DB points into it, so the ledger survives the container."""
    assert "/data" in volumes()
    assert PurePosixPath("/data") in PurePosixPath(env("REACHOUT_DB")).parents


def test_calendar_is_in_a_mountable_config_directory_with_the_shipped_default() -> None:
    """The calendar sits in a VOLUME directory that the image fills with the shipped config/."""
    folder = str(PurePosixPath(env("REACHOUT_CALENDAR")).parent)
    assert folder in volumes()
    copies = [copy_sources(i) for i in FINAL if i.keyword == "COPY" and "--from" not in i.args]
    assert (["config/"], folder + "/") in copies
    assert (PROJECT_ROOT / "config" / PurePosixPath(env("REACHOUT_CALENDAR")).name).is_file()


def test_every_reachout_variable_set_is_a_real_setting() -> None:
    """Each REACHOUT_* the image sets is one reachout reads (an unknown one stops it starting)."""
    set_here = {name for name in FINAL_ENV if name.startswith("REACHOUT_")}
    assert set() == set_here - reachout_variables()


def test_python_output_is_unbuffered_and_writes_no_bytecode() -> None:
    """Log lines reach `docker logs` at once; the read-only code gets no stray .pyc files."""
    assert "1" == FINAL_ENV.get("PYTHONUNBUFFERED")
    assert "1" == FINAL_ENV.get("PYTHONDONTWRITEBYTECODE")


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("ENV X_BEARER_TOKEN=abc", True),
        ("ENV X_CONSUMER_KEY abc", True),
        ("ENV A=1 REACHOUT_SMTP_PASSWORD=hunter2", True),
        ("ARG GITHUB_TOKEN=ghp_abc", True),
        ("ARG client_secret=s", True),
        ("ARG X_ACCESS_TOKEN", False),
        ("ENV X_ACCESS_TOKEN=", False),
        ("ENV REACHOUT_DB=/data/reachout.db", False),
        ("ARG SOURCE_URL=https://example.org/reachout", False),
    ],
)
def test_the_credential_check_catches_credentials(line: str, flagged: bool) -> None:
    """The credential check flags X_*, *SECRET*, *TOKEN*, *PASSWORD* names given a value."""
    assert flagged == bool(secrets_set(parse(line)))


def test_no_credentials_are_baked_in() -> None:
    """No ENV or ARG in any stage gives a credential-like name a value (they leak into layers)."""
    assert [] == secrets_set(INSTRUCTIONS)


def test_base_images_are_pinned_to_one_python_minor_version() -> None:
    """Every FROM names a tag pinned to a Python minor version (never latest), the same in all.

    The runtime stage copies the build stage's virtualenv, so both need the same Python.
    """
    names: set[str] = set()
    bases: set[str] = set()
    for stage in STAGES:
        words = [w for w in stage[0].args.split() if not w.startswith("--platform")]
        image = words[0]
        if image not in names:
            reference = image.split("@")[0]
            tag = reference.rpartition(":")[2] if ":" in reference.split("/")[-1] else ""
            assert re.match(r"\d+\.\d+(-|$)", tag), f"line {stage[0].line}: {image} is not pinned"
            bases.add(image)
        if len(words) == 3 and words[1].upper() == "AS":
            names.add(words[2])
    assert 1 == len(bases), f"stages use different bases: {sorted(bases)}"


def test_every_copied_path_exists_and_reaches_the_build_context() -> None:
    """Each COPY source (not from another stage) is in the repository and not .dockerignored."""
    patterns = dockerignore_patterns()
    copies = [i for i in INSTRUCTIONS if i.keyword == "COPY" and "--from" not in i.args]
    assert copies
    for instruction in copies:
        sources, _ = copy_sources(instruction)
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), f"line {instruction.line}: no {source}"
            assert not ignored(source, patterns), f"line {instruction.line}: {source} ignored"


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    """.dockerignore excludes the virtualenv, git, local databases and credential files."""
    patterns = dockerignore_patterns()
    for path in (".venv", ".git", "var/reachout.db", "reachout.db", ".env", "reports"):
        assert ignored(path, patterns), f"{path} would be sent to the Docker build"


def test_deploy_doc_lists_every_variable() -> None:
    """docs/deploy.md documents every REACHOUT_* variable and every secret reachout reads."""
    doc = DEPLOY_DOC.read_text(encoding="utf-8")
    missing = sorted(v for v in reachout_variables() | set(SECRET_NAMES) if f"`{v}`" not in doc)
    assert [] == missing
