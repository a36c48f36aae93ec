"""Clinic-level periodic work (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from clinic.erasure import purge_expired_erasures


@shared_task
def purge_erased_clients() -> int:
    """Daily: remove what is left of erased clients once their clinic's retention is over."""
    return purge_expired_erasures()
