import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("sap_portal")
# Every Celery setting lives in Django settings under the CELERY_ prefix, schedule included.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def freeze_startup_heap(**_kwargs) -> None:
    """Put what a worker process holds when it starts (Django, the apps, their modules) out of
    the cyclic garbage collector's sight.

    Those objects live as long as the process, yet each pass over the oldest generation walks
    them all again; a task that allocates a lot, such as laying out an attestation PDF, triggers
    such passes several times. Frozen, they are skipped (bench/attestation.py measures the
    yearly batch with its pool started the same way). The garbage of the start-up is collected
    first, so that nothing frozen is garbage.
    """
    gc.collect()
    gc.freeze()
