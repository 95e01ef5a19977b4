from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from shared.db import create_db_engine, init_db
from shared.errors import Conflict, NotFound
from shared.jobstore import ItemState, JobState, JobStore


@pytest.fixture
def store(database_url: str) -> JobStore:
    return JobStore(init_db(create_db_engine(database_url)))


def test_create_get_list(store: JobStore) -> None:
    job = store.create("labeling", {"task": "severity"}, created_by="ops", items=[{"i": 0}, {"i": 1}])
    assert job.state == JobState.QUEUED
    assert store.get(job.id).spec == {"task": "severity"}
    other = store.create("training", {}, created_by="ops")
    assert [j.id for j in store.list(kind="labeling")] == [job.id]
    assert {j.id for j in store.list()} == {job.id, other.id}
    assert store.item_counts(job.id) == {"pending": 2, "claimed": 0, "done": 0, "failed": 0}
    assert store.count_by_state("labeling") == {"queued": 1, "running": 0, "paused": 0, "succeeded": 0,
                                                "failed": 0, "cancelled": 0}
    with pytest.raises(NotFound):
        store.get("missing")
    with pytest.raises(NotFound):
        store.get(job.id, kind="training")


def test_transitions_are_checked(store: JobStore) -> None:
    job = store.create("labeling", {}, created_by="ops")
    store.transition(job.id, JobState.RUNNING)
    store.transition(job.id, JobState.PAUSED, reason="budget reached")
    assert store.get(job.id).reason == "budget reached"
    store.transition(job.id, JobState.RUNNING)
    done = store.transition(job.id, JobState.SUCCEEDED, result={"dataset": "datasets/x"})
    assert done.result == {"dataset": "datasets/x"}
    assert done.started_at is not None and done.finished_at is not None and done.started_at <= done.finished_at
    assert done.started_at == store.get(job.id).started_at  # kept from the first run, not reset
    with pytest.raises(Conflict):
        store.transition(job.id, JobState.CANCELLED)
    with pytest.raises(NotFound):
        store.transition("missing", JobState.RUNNING)
    types = [e.type for e in store.events(job.id)]
    assert types == ["created", "state.running", "state.paused", "state.running", "state.succeeded"]


def test_only_one_of_concurrent_transitions_wins(store: JobStore) -> None:
    job = store.create("labeling", {}, created_by="ops")
    store.transition(job.id, JobState.RUNNING)
    outcomes: list[str] = []

    def finish(to: JobState) -> None:
        try:
            store.transition(job.id, to)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=finish, args=(s,)) for s in (JobState.SUCCEEDED, JobState.CANCELLED) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1


def test_items_are_claimed_once_and_leases_expire(store: JobStore) -> None:
    job = store.create("labeling", {}, created_by="ops", items=[{"i": i} for i in range(10)])
    first = store.claim_items(job.id, "w1", 4, timedelta(minutes=5))
    second = store.claim_items(job.id, "w2", 10, timedelta(minutes=5))
    assert [i.idx for i in first] == [0, 1, 2, 3]
    assert [i.idx for i in second] == [4, 5, 6, 7, 8, 9]
    assert store.claim_items(job.id, "w3", 10, timedelta(minutes=5)) == []
    assert store.complete_item(job.id, 0, "w1", result={"label": "ALTA"})
    assert not store.complete_item(job.id, 4, "w1", result={})  # w1 does not hold item 4
    assert store.complete_item(job.id, 1, "w1", error="schema violation")
    store.release_item(job.id, 2, "w1")
    # w1 "dies": its lease on item 3 expires and another worker takes it
    expired = store.claim_items(job.id, "w3", 10, timedelta(seconds=-1))
    assert [i.idx for i in expired] == [2]
    stolen = store.claim_items(job.id, "w4", 10, timedelta(minutes=5))
    assert [i.idx for i in stolen] == [2]  # lease of w3 already expired
    counts = store.item_counts(job.id)
    assert counts["done"] == 1 and counts["failed"] == 1 and counts["claimed"] == 8
    done = store.items(job.id, state=ItemState.DONE)
    assert done[0].result == {"label": "ALTA"} and done[0].attempts == 1


def test_concurrent_workers_never_share_an_item(store: JobStore) -> None:
    job = store.create("labeling", {}, created_by="ops", items=[{"i": i} for i in range(60)])
    claimed: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        mine = claimed.setdefault(name, [])
        while batch := store.claim_items(job.id, name, 3, timedelta(minutes=5)):
            for item in batch:
                assert store.complete_item(job.id, item.idx, name, result={"by": name})
                mine.append(item.idx)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = sorted(i for ids in claimed.values() for i in ids)
    assert everything == list(range(60))
    assert store.item_counts(job.id)["done"] == 60


def test_progress_and_events(store: JobStore) -> None:
    job = store.create("training", {}, created_by="ops")
    store.update_progress(job.id, step=10, loss=1.5)
    store.update_progress(job.id, step=20)
    assert store.get(job.id).progress == {"step": 20, "loss": 1.5}
    store.add_event(job.id, "metrics", {"loss": 1.2})
    events = store.events(job.id)
    assert events[-1].data == {"loss": 1.2}
    assert store.events(job.id, after_id=events[-1].id) == []


def test_usage_release_and_reset(store: JobStore) -> None:
    job = store.create("labeling", {}, created_by="ops", items=[{"i": i} for i in range(4)])
    items = store.claim_items(job.id, "w1", 4, timedelta(minutes=5))
    assert store.update_item_payloads(job.id, "w1", {0: {"i": 0, "anonymized": True}}) == 1
    assert store.complete_item(job.id, 0, "w1", result={"ok": 1}, usage_in=100, usage_out=20)
    assert store.complete_item(job.id, 1, "w1", error="teacher kept failing", usage_in=50)
    assert store.usage_totals(job.id) == (150, 20)
    assert store.items(job.id, state=ItemState.DONE)[0].payload == {"i": 0, "anonymized": True}
    assert store.release_worker_claims("w1") == 2  # items 2 and 3, e.g. after a crash
    assert store.item_counts(job.id)["pending"] == 2
    assert store.reset_failed_items(job.id) == 1
    assert store.item_counts(job.id) == {"pending": 3, "claimed": 0, "done": 1, "failed": 0}
    assert len(items) == 4


def test_complete_items_in_one_transaction(store: JobStore) -> None:
    from shared.jobstore import ItemOutcome

    job = store.create("labeling", {}, created_by="ops", items=[{"i": i} for i in range(3)])
    store.claim_items(job.id, "w1", 2, timedelta(minutes=5))
    kept = store.complete_items(job.id, "w1", [ItemOutcome(0, {"ok": 1}, usage_in=5),
                                               ItemOutcome(1, {"id": None}, "bad answer"),
                                               ItemOutcome(2, {"ok": 2})])  # item 2 was never claimed
    assert kept == {0, 1}
    assert store.item_counts(job.id) == {"pending": 1, "claimed": 0, "done": 1, "failed": 1}
    assert [e.data for e in store.events(job.id) if e.type == "item.failed"] == [{"index": 1, "reason": "bad answer"}]


def test_a_sqlite_job_store_is_readable_by_its_owner_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import stat

    from shared.db import create_db_engine, init_db

    path = tmp_path / "store" / "llm4gov.sqlite3"
    engine = create_db_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
