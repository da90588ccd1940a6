"""Classification of collected posts, as the weekly report needs it (pure, no I/O).

A post read from X (mentions, the campaign search or an imported archive) is classified by
what it shows, never by guessing about its author (X forbids inferring political views):

- **a legislator's response**: its author is in the legislator directory, by numeric X id
  first (handles change, ids do not), then by @handle, case-insensitive;
- **the legislators it tags**: its ``entities.mentions`` (the text's @mentions when X sent no
  entities), each by id when X sent one, else by handle, as bioguide ids;
- **a reply to or quote of one of our posts**: its ``referenced_tweets`` name a post id in our
  ledger (``ledger.x_post_id``); a reply to anyone else's post is not recorded as a reply;
- **the campaign hashtag** (case-insensitive, as X matches hashtags) and whether it tags our
  account.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.legislators import Directory
from bot.twitter_text import extract_hashtags, extract_mentions
from bot.x_models import XPost

_POST_ID = re.compile(r"0|[1-9][0-9]{0,18}")  # canonical decimal, as X writes ids
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_COUNT = 2**63 - 1  # SQLite's INTEGER
_UNPRINTABLE = dict.fromkeys(
    [*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
     *range(0x2066, 0x206A), 0x2028, 0x2029],
    " ",
)  # fmt: skip


def printable(text: str) -> str:
    """Return X's text (an error, a detail) safe for a terminal or a log line.

    Control characters (ESC, CR, LF, tab...), bidirectional controls (U+202E...) and line
    separators become spaces, so stored text can neither move the cursor, recolour the
    terminal, reverse what follows nor fake a log line.
    """
    return text.translate(_UNPRINTABLE)


def unstorable(post: XPost) -> str | None:
    """Return why a post read from X cannot be stored and reported (it is skipped), or None.

    `bot.x_models.post_from_json` already refuses or cleans what X sends; this guards what
    the collector and the importer store whatever made the post (a fake, the sandbox): the
    post id must be canonical decimal (one row per post), ``created_at`` known (a post
    without it is in no report), no text may hold lone surrogates (not UTF-8), every
    public metric must fit SQLite's INTEGER (0 to 2**63-1).
    """
    if not _POST_ID.fullmatch(post.post_id):
        return f"post id {post.post_id[:30]!r} is not an X id (decimal digits, e.g. '1900000000')"
    if post.created_at is None:
        return 'no "created_at": a post without its time would be in no report'
    texts = (post.text, post.author_username or "", post.lang or "", *post.hashtags)
    if any(_SURROGATE.search(text) for text in texts):
        return "its text holds lone UTF-16 surrogates (not UTF-8)"
    for name, count in post.public_metrics.items():
        if type(count) is not int or not 0 <= count <= _MAX_COUNT:
            return f"{name} {count!r} is not a count from 0 to 2**63-1"
    return None


@dataclass(frozen=True)
class Classified:
    """A post and what it is for the report (the ``collected_posts`` row and its tags).

    Attributes:
        post: the post as read from X.
        has_hashtag: it carries the campaign hashtag.
        mentions_account: it @-tags our account.
        legislator_bioguide_id: its author is this legislator (a response), else None.
        tagged_bioguide_ids: the legislators it @-tags, sorted, without repeats.
        replies_to_post_id: the id of our post it replies to, else None.
        quotes_post_id: the id of our post it quotes, else None.
    """

    post: XPost
    has_hashtag: bool = False
    mentions_account: bool = False
    legislator_bioguide_id: str | None = None
    tagged_bioguide_ids: tuple[str, ...] = ()
    replies_to_post_id: str | None = None
    quotes_post_id: str | None = None


@dataclass(frozen=True)
class Classifier:
    """Classifies posts against the directory, our account and our ledger posts.

    Attributes:
        directory: the legislator directory (``data/legislators.yaml`` plus overrides).
        hashtag: the campaign hashtag, with or without ``#`` (e.g. ``#RecessReachOut``).
        account_username: our account's @handle (without ``@``), or None when unknown.
        account_id: our account's numeric id, or None when unknown (an import offline).
        our_post_ids: the X ids of the posts we sent (ledger ``x_post_id``).
    """

    directory: Directory
    hashtag: str
    account_username: str | None = None
    account_id: str | None = None
    our_post_ids: Collection[str] = frozenset()
    _by_id: dict[str, str] = field(init=False, repr=False, compare=False)
    _by_handle: dict[str, tuple[str, str | None]] = field(init=False, repr=False, compare=False)
    _tag: str = field(init=False, repr=False, compare=False)
    _account: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the directory once: x_id → bioguide id, lowercased handle → (bioguide, x_id)."""
        members = self.directory.members
        by_id = {m.x_id: m.bioguide_id for m in reversed(members) if m.x_id}
        by_handle = {m.x.lower(): (m.bioguide_id, m.x_id) for m in reversed(members) if m.x}
        object.__setattr__(self, "_by_id", by_id)  # reversed: the first member wins, as in
        object.__setattr__(self, "_by_handle", by_handle)  # Directory.by_x_id / by_x_handle
        object.__setattr__(self, "_tag", self.hashtag.removeprefix("#").casefold())
        object.__setattr__(self, "_account", (self.account_username or "").casefold() or None)

    def classify(self, post: XPost) -> Classified:
        """Return what ``post`` is for the report (see the module docstring)."""
        tag, account, account_id = self._tag, self._account, self.account_id
        hashtags = post.hashtags or tuple(extract_hashtags(post.text))
        mentions = post.mentions or tuple((name, None) for name in extract_mentions(post.text))
        ours, tagged = False, set()
        for name, user_id in mentions:
            ours = ours or (user_id is not None and user_id == account_id)
            ours = ours or name.casefold() == account
            if bioguide_id := self.legislator(user_id, name):
                tagged.add(bioguide_id)
        replies_to = quotes = None
        for kind, post_id in post.referenced:
            if post_id in self.our_post_ids:
                if kind == "replied_to":
                    replies_to = post_id
                elif kind == "quoted":
                    quotes = post_id
        return Classified(
            post=post,
            has_hashtag=any(h.casefold() == tag for h in hashtags),
            mentions_account=ours,
            legislator_bioguide_id=self.legislator(post.author_id, post.author_username),
            tagged_bioguide_ids=tuple(sorted(tagged)),
            replies_to_post_id=replies_to,
            quotes_post_id=quotes,
        )

    def legislator(self, user_id: str | None, username: str | None) -> str | None:
        """Return the bioguide id of the account: by numeric id first, then by handle.

        An id X sent that belongs to no legislator is not overruled by the handle, unless
        the directory has no id for the handle's legislator (ids missing upstream).
        """
        if user_id and (bioguide_id := self._by_id.get(user_id)):
            return bioguide_id
        if username:
            found = self._by_handle.get(username.strip().removeprefix("@").lower())
            if found is not None and (not user_id or found[1] is None):
                return found[0]
        return None
