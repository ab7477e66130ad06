"""The Celery worker processes' start-up."""

import gc

from celery.signals import worker_process_init


def test_a_worker_process_freezes_what_it_holds_at_start():
    gc.unfreeze()
    try:
        worker_process_init.send(sender=None)

        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
