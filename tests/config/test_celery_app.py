"""The Celery worker processes' start-up."""

import gc

from celery.signals import worker_process_init


def test_a_worker_process_collects_then_freezes_what_it_holds_at_start(monkeypatch):
    # Recorded, not done: freezing the test process itself would keep its garbage from the
    # collector until the end of the run.
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))

    worker_process_init.send(sender=None)

    assert calls == ["collect", "freeze"]
