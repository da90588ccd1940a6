"""The simulation loop: real triggers, the real poster and store, the sandbox X, virtual time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from bot.duties import Duty
from bot.posting import Poster
from bot.simulate import Simulation, VirtualClock
from bot.store import Store
from bot.testing import Fault, SandboxX
from bot.x_models import CREATE_POST
from tests.test_scheduler import NO_CAPS, T0, planned


def test_posts_run_at_their_times_and_duties_on_their_triggers(tmp_path: Path) -> None:
    """Each post goes out at its planned instant (virtual), duties fire every interval."""
    clock = VirtualClock(T0)
    x = SandboxX(clock=clock)
    posts = [planned(f"p{n}", T0 + timedelta(hours=5 * n)) for n in range(4)]
    ticks: list[datetime] = []
    every = IntervalTrigger(hours=6, start_date=T0, timezone=UTC)
    with Store.open(tmp_path / "sim.db") as store:
        poster = Poster(store, x, NO_CAPS)
        sim = Simulation(
            store, poster, posts, clock=clock, duties=[Duty("tick", every, ticks.append)]
        )
        run = sim.run(T0, T0 + timedelta(days=1))
        assert ["posted"] * 4 == [store.get(p.key).state for p in posts]  # type: ignore[union-attr]
    assert [p.at_utc for p in posts] == [p.created_at for p in x.posts]
    assert [T0 + timedelta(hours=6 * n) for n in range(5)] == ticks
    assert {"post": 4, "duty": 5} == run.job_runs
    assert T0 + timedelta(days=1) == clock.now


def test_a_dropped_connection_is_resolved_not_posted_twice(tmp_path: Path) -> None:
    """A post that reached X although the connection dropped is found, never sent again."""
    clock = VirtualClock(T0)
    x = SandboxX(clock=clock)
    x.script(Fault("unavailable_after"), Fault("unavailable_before"))
    posts = [planned("a", T0), planned("b", T0 + timedelta(minutes=5))]
    with Store.open(tmp_path / "sim.db") as store:
        sim = Simulation(store, Poster(store, x, NO_CAPS, settle_seconds=30), posts, clock=clock)
        run = sim.run(T0, T0 + timedelta(hours=1))
        assert [] == store.pending_unknown()
        assert ["posted", "posted"] == [store.get(p.key).state for p in posts]  # type: ignore[union-attr]
    assert sorted(p.text for p in posts) == sorted(p.text for p in x.posts)
    assert 3 == x.calls.count(CREATE_POST)  # a: once (it reached X); b: failed, then sent
    assert run.job_runs.get("resolve", 0) >= 1


def test_a_post_already_late_at_the_start_is_recorded_missed(tmp_path: Path) -> None:
    """Starting after an occurrence's late_ok window records it missed, as the worker does."""
    clock = VirtualClock(T0)
    x = SandboxX(clock=clock)
    late = planned("late", T0 - timedelta(hours=2), late_ok_minutes=30)
    with Store.open(tmp_path / "sim.db") as store:
        Simulation(store, Poster(store, x, NO_CAPS), [late], clock=clock).run(T0, T0)
        assert "missed" == getattr(store.get(late.key), "state", None)
    assert () == x.posts
