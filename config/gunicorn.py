"""Gunicorn's settings for the portal: `gunicorn -c config/gunicorn.py config.wsgi:application`
(Dockerfile, docker-compose.yml, bench/pages.py). Workers and timeout stay on the command line,
where each deployment sizes them."""

from config.heap import freeze_startup_heap


def post_worker_init(worker) -> None:
    """Once a worker has loaded the portal, freeze what it holds (config/heap.py)."""
    freeze_startup_heap()
