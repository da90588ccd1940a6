"""The sandbox's crowd: simulated supporters, and what they and legislators' offices say.

`bot.sandbox` draws from these: a seeded pool of supporters placed in states by population,
each tagging only their own state's members (handles from ``data/legislators.yaml``), and
the texts of their posts and replies, and of legislators' answers. Templates are
`str.format` strings with ``{tags}`` (the tagged ``@handles``), ``{tag}`` (the campaign
hashtag), ``{state}`` (USPS code) and ``{us}`` (the campaign account's handle). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass

from bot.legislators import HOUSE_SEATS, TERRITORIES, Directory, Legislator

HASHTAG_TEXTS = (
    "{tags} Please co-sponsor the Human Trafficking Prioritization Act (H.R. 2283 / S. 1249)"
    " while you're home this recess. {tag}",
    "Called the district office of {tags} today about S. 1249. Ending human trafficking"
    " should be a priority! 📞 {tag}",
    "{tags} I mailed my postcard for the 100 Postcard Challenge ✉️ Will you meet with"
    " constituents this August? {tag}",
    "Met with staff for {tags} in district this morning and asked them to back the Child"
    " Protection Compact Act. {tag} 🙌",
    "{tags} as your constituent I'm asking you to make J/TIP a full bureau: co-sponsor"
    " H.R. 2283. {tag}",
    "Hey {tags}, survivors can't wait. Support the Human Trafficking Prioritization Act! {tag} 💪",
    "{tag} {tags} Welcome home! Please prioritize anti-trafficking policy this district work"
    " period.",
)
HASHTAG_TEXTS_ES = (
    "{tags} Por favor, apoyen la ley H.R. 2283 contra la trata de personas durante este"
    " receso. {tag}",
    "Hoy llamé a la oficina de {tags} sobre la S. 1249. ¡Acabar con la trata es urgente! {tag} 📞",
)
QUOTE_TEXTS = (
    "This ⬇️ {tags} please co-sponsor S. 1249. {tag}",
    "Done! Sent mine to {tags} {tag} ✅",
    "{tags} your constituents are asking: back H.R. 2283. {tag}",
)
REPLY_TEXTS = (
    "Done ✅ just asked {tags} to co-sponsor S. 1249.",
    "Called {tags} this morning, the staffer was kind and took notes.",
    "Sent! 📨 {tags}",
    "Will do. Is there a list of town halls in our state?",
    "Shared with my church group 🙏",
)
REPLY_TEXTS_ES = ("Hecho ✅ ya le escribí a {tags}.",)
TO_SUPPORTER_TEXTS = (
    "Thank you for reaching out. Our office is reviewing H.R. 2283 and we'd welcome a meeting"
    " in district. {tag}",
    "Thanks for your advocacy! Ending human trafficking is a priority for our office. {tag}",
    "Appreciate you contacting us. Please call our district office to set up a meeting. {tag}",
)
TO_US_TEXTS = (
    "Thank you for bringing constituents' voices to our office this recess.",
    "Glad to support efforts to end human trafficking. Our district office is open this week.",
    "Our office met with advocates from {state} today. Thank you for organizing. {tag}",
)
STANDALONE_TEXT = "Great to hear from constituents in {state} this recess. Thank you @{us}. {tag}"
AGAIN_SUFFIXES = (" 🙏", " Thank you!", " #EndTrafficking", " (again!)")
_FIRST = (
    "maria", "james", "aisha", "jose", "emily", "dmitri", "ngoc", "sam", "priya", "luis",
    "grace", "omar", "hannah", "kwame", "sofia", "ben", "mei", "carlos", "ruth", "tyler",
)  # fmt: skip
_LAST = (
    "garcia", "smith", "nguyen", "okafor", "cohen", "patel", "rivera", "jones", "kim",
    "walsh", "lopez", "brown", "haddad", "silva", "meyer", "johnson", "diaz", "clark",
)  # fmt: skip


@dataclass(frozen=True)
class Supporter:
    """A simulated supporter: an X account and where they vote.

    Attributes:
        user_id: numeric X user id (string).
        username: @handle without "@".
        state: USPS code; they tag only this state's members.
        district: House district (0 at-large or a territory).
        tags: bioguide ids of the members they tag (their senators and House member with
            an X handle), in directory order.
    """

    user_id: str
    username: str
    state: str
    district: int
    tags: tuple[str, ...]


def supporter_pool(
    directory: Directory, *, size: int, seed: int, taken: Mapping[str, str]
) -> list[Supporter]:
    """Make ``size`` supporters, placed in states by population (House seats + 2 senators).

    Each lives in a state with at least one member on X and tags the senators and House
    member of their district who have an X handle (any of the state's, if none has).

    Args:
        directory: the legislator directory.
        size: how many supporters.
        seed: the random seed; the same seed and directory give the same pool.
        taken: handle (lowercase) → user id of accounts that exist already (legislators,
            the campaign account): no supporter gets one of these handles or ids.

    Returns:
        The pool, in the order drawn.
    """
    rng = random.Random(f"{seed}:supporters")
    states = [s for s in directory.states if any(m.x for m in directory.by_state(s))]
    weights = [1 if s in TERRITORIES else HOUSE_SEATS.get(s, 1) + 2 for s in states]
    ids, names = set(taken.values()), set(taken)
    pool: list[Supporter] = []
    while len(pool) < size:
        state = rng.choices(states, weights)[0]
        district = rng.randint(1, HOUSE_SEATS[state]) if HOUSE_SEATS.get(state, 1) > 1 else 0
        members = [
            m
            for m in directory.by_state(state)
            if m.x and (m.chamber == "senate" or m.district == district)
        ]
        members = members or [m for m in directory.by_state(state) if m.x]
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        username = rng.choice(
            (f"{first}{last[:5]}{rng.randrange(10, 99)}", f"{first}_{state.lower()}", first + last)
        )[:12]
        if username.lower() in names:
            username = f"{username}{len(pool)}"[:15]
        user_id = str(rng.choice((rng.randrange(10**7, 10**10), rng.randrange(10**18, 2 * 10**18))))
        if user_id in ids or username.lower() in names:
            continue
        ids.add(user_id)
        names.add(username.lower())
        tags = tuple(m.bioguide_id for m in members)
        pool.append(Supporter(user_id, username, state, district, tags))
    return pool


def legislator_x_id(member: Legislator) -> str:
    """Return the member's numeric X id; when the directory lacks it, a stable invented one.

    X always sends an author's numeric id; for the members whose id the directory does not
    hold (about one in six), the sandbox makes one from the handle, in a range no real id or
    supporter uses (3e18 to 4e18), so collection must recognise them by handle.
    """
    if member.x_id:
        return member.x_id
    digest = hashlib.blake2b(f"x-id:{(member.x or '').lower()}".encode(), digest_size=8).digest()
    return str(3 * 10**18 + int.from_bytes(digest) % 10**18)
