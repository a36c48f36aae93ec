"""The baseline task of the aftercare benchmark (bench/aftercare_bench.py): does nothing."""

from celery import shared_task


@shared_task(ignore_result=True)
def noop() -> None:
    return None
