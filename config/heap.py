"""What a long-lived server process (a Celery worker, a gunicorn worker) does with the objects
it holds once started."""

import gc


def freeze_startup_heap(*_args, **_kwargs) -> None:
    """Put what the process holds once started (Django, the apps, their modules, URL patterns)
    out of the cyclic garbage collector's sight.

    Those objects live as long as the process, yet each pass over the oldest generation walks
    them all again; a request or a task that allocates a lot (an admin list, an attestation
    PDF) triggers such passes, and the request that meets one is the slow one. Frozen, they are
    skipped. The start-up's own garbage is collected first, so that nothing frozen is garbage.
    Measured by bench/attestation.py (its pool starts the same way) and bench/pages.py (which
    serves the portal with config/gunicorn.py).
    """
    gc.collect()
    gc.freeze()
