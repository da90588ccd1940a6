"""How the sandbox X reads its timelines: newest first, X's search words, pagination.

Pure helpers of `bot.testing.SandboxX` (no state, no clock): which posts a query matches,
and one page of a timeline after ``since_id``, ``start_time``, ``until_id`` and an opaque
``next_token`` (the id to go below, as X's tokens are opaque to clients).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.errors import XRejected
from bot.x_models import Account, Page, XPost

TOKEN_PREFIX = "sandbox-next-"


def newest_first(posts: list[XPost]) -> list[XPost]:
    """Return the posts newest first (X's ids increase with time)."""
    return sorted(posts, key=lambda p: int(p.post_id), reverse=True)


def matches(query: str, post: XPost) -> bool:
    """X's search as far as the sandbox models it: AND of words, ``-`` negates."""
    text = post.text.lower()
    for term in query.lower().split():
        negate = term.startswith("-") and len(term) > 1
        word = term[1:] if negate else term
        if word == "or" or (":" in word and word != "is:retweet"):
            continue  # OR and other operators: not modelled
        hit = (
            any(kind == "retweeted" for kind, _ in post.referenced) if ":" in word else word in text
        )
        if hit == negate:
            return False
    return True


def page(
    newest_first: list[XPost],
    since_id: str | None,
    start_time: datetime | None,
    token: str | None,
    max_results: int,
    until_id: str | None = None,
) -> Page:
    """One page of ``newest_first`` after the filters; the token holds the id to go below."""
    below = None
    if token is not None:
        if not (token.startswith(TOKEN_PREFIX) and token[len(TOKEN_PREFIX) :].isdigit()):
            raise XRejected(
                400, [f"The `pagination_token` query parameter value [{token}] is not valid"]
            )
        below = int(token[len(TOKEN_PREFIX) :])
    eligible = [
        p
        for p in newest_first
        if (since_id is None or int(p.post_id) > int(since_id))
        and (start_time is None or p.created_at is None or p.created_at >= start_time)
        and (below is None or int(p.post_id) < below)
        and (until_id is None or int(p.post_id) < int(until_id))
    ]
    posts = tuple(eligible[:max_results])
    more = len(eligible) > max_results
    return Page(
        posts=posts,
        users=authors(posts),
        newest_id=posts[0].post_id if posts else None,
        oldest_id=posts[-1].post_id if posts else None,
        next_token=f"{TOKEN_PREFIX}{posts[-1].post_id}" if more else None,
        result_count=len(posts),
    )


def authors(posts: Sequence[XPost]) -> dict[str, Account]:
    """Return the page's ``includes.users``: each author's id → account."""
    return {
        p.author_id: Account(p.author_id, p.author_username, p.author_username)
        for p in posts
        if p.author_id and p.author_username
    }
