"""``reachout import``: an X API v2 archive into the collection tables, classified as polls are.

bot.x_archive reads the file's lines; this writes every readable post in one transaction
(all of it, or nothing), classified exactly as `bot.collector.Collector` classifies what it
polls (`classifier_for`), and marked ``via_import``. Nothing is billed: no request to X. An
archive never makes a stored post older: a post already collected keeps its text and tags,
and each metric its larger count (`bot.store_collected.import_posts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from bot import store_collected as sc
from bot.classify import Classified, Classifier, unstorable
from bot.errors import DataError, Problem
from bot.legislators import Directory
from bot.store import Store
from bot.x_archive import Entry

IMPORT_BATCH = 500


@dataclass(frozen=True)
class ImportResult:
    """What ``reachout import`` did: posts read and stored, lines and posts skipped (why)."""

    posts: int
    new: int
    updated: int
    problems: tuple[Problem, ...]


def classifier_for(
    store: Store,
    directory: Directory,
    hashtag: str,
    account_username: str | None,
    account_id: str | None = None,
) -> Classifier:
    """Return a classifier knowing our ledger's post ids (read from the store now).

    Args:
        store: the store (ledger ``x_post_id``).
        directory: the legislator directory.
        hashtag: the campaign hashtag (``#RecessReachOut``).
        account_username: our account's handle (the calendar's ``campaign.x_username``).
        account_id: our account's numeric id, when known (None or empty: by handle only).
    """
    return Classifier(
        directory,
        hashtag,
        account_username=account_username,
        account_id=account_id or None,
        our_post_ids=sc.our_post_ids(store),
    )


def import_archive(
    store: Store, classifier: Classifier, entries: Iterable[Entry], *, file: str, now: datetime
) -> ImportResult:
    """Store the posts of an archive (bot.x_archive), classified as polled posts are.

    Every readable post is written in one transaction: all of it, or nothing (a StoreError
    rolls it all back). Unreadable lines and posts are returned with why, not written (a
    post `bot.classify.unstorable` refuses too).

    Args:
        store: the store.
        classifier: from `classifier_for`.
        entries: `bot.x_archive.parse_archive` of the file.
        file: the file name, for the error.
        now: when (aware): ``first_seen_at`` / ``updated_at`` of the rows.

    Raises:
        DataError: the file holds no post that could be read (nothing was written).
        StoreError: the store failed (nothing was written).
    """
    problems: list[Problem] = []
    count = 0

    def batches() -> Iterator[list[Classified]]:
        nonlocal count
        batch: list[Classified] = []
        for entry in entries:
            problems.extend(entry.problems)
            for post in entry.posts:
                if (why := unstorable(post)) is not None:
                    message = f"post (id {post.post_id[:30]!r}) skipped: {why}"
                    problems.append(Problem(file, entry.line, 0, message))
                    continue
                batch.append(classifier.classify(post))
                if len(batch) >= IMPORT_BATCH:
                    count += len(batch)
                    yield batch
                    batch = []
        count += len(batch)
        yield batch

    saved = sc.import_posts(store, batches(), now=now)
    if count == 0:
        hint = "import X API v2 JSON: response pages or one post a line (twarc2)"
        if not problems:
            raise DataError(f"{file}: no post to import (the file is empty or its pages are)", hint)
        first = replace(problems[0], hint="")
        if len(problems) == 1:
            raise DataError(f"{file}: no post could be read: {first}", problems[0].hint or hint)
        bad = f"{len(problems)} problems; first: {first}"
        raise DataError(f"{file}: no post could be read ({bad})", problems[0].hint or hint)
    return ImportResult(count, saved.new, saved.updated, tuple(problems))
