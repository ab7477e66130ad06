import os

from celery import Celery
from celery.signals import worker_process_init

from config.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("sap_portal")
# Every Celery setting lives in Django settings under the CELERY_ prefix, schedule included.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Each worker process freezes what it holds at start (config/heap.py).
worker_process_init.connect(freeze_startup_heap, weak=False)
