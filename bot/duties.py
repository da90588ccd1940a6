"""Duties: the worker's periodic jobs besides posting, each an APScheduler trigger and a function.

A `Duty` pairs a real APScheduler trigger (interval polls, the Monday report, daily checks)
with the function it runs, called with the current time. The worker (bot.scheduler) adds each
as a job that runs only while it holds the lease; ``reachout simulate`` asks the same triggers
when each fires next (``trigger.get_next_fire_time(previous, now)``) and calls the same
functions with the virtual time. So the two share every decision about *when*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger


@dataclass(frozen=True)
class Duty:
    """A periodic job the leading worker runs.

    Attributes:
        name: the job id, e.g. ``collect-mentions`` (unique; never a ledger key).
        trigger: when it fires (an APScheduler 3 trigger; times are aware).
        run: the job: called with the current time (aware UTC); its return value is logged
            at debug level only. It handles X's errors itself; an exception is logged and
            the duty runs again at its next fire time.
        at_start: also run once as soon as this worker takes the lease (catch-up).
        misfire_grace_seconds: how late a fire may still run (APScheduler
            ``misfire_grace_time``); a later one is skipped (coalesced into the next).
    """

    name: str
    trigger: BaseTrigger
    run: Callable[[datetime], object]
    at_start: bool = False
    misfire_grace_seconds: int = 60
