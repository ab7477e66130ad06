"""Gunicorn's settings (config/gunicorn.py): what a web worker does once the portal is loaded."""

import gc
import runpy
from pathlib import Path

from django.conf import settings


def test_a_web_worker_collects_then_freezes_what_it_holds_once_the_portal_is_loaded(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    # Read as gunicorn reads it: a file of settings, by its path.
    hooks = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "gunicorn.py"))

    hooks["post_worker_init"](worker=None)

    assert calls == ["collect", "freeze"]
