"""The audit trail (R18) is append-only: the model refuses changes and deletes, and on
PostgreSQL so does the table itself, whoever connects."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from clinic.audit import AuditEvent, AuditKind, client_ip, record_event, record_read


@pytest.fixture
def request_from(front_desk):
    def build(addr="203.0.113.7", **meta):
        request = RequestFactory().get("/practice/sessions/1/log/", REMOTE_ADDR=addr, **meta)
        request.user = front_desk
        return request

    return build


def test_a_read_leaves_one_row_with_who_what_and_where(request_from, front_desk, client_):
    record_read(request_from(), client=client_, what="session log of session 2")

    event = AuditEvent.objects.get()
    assert (event.kind, event.actor, event.actor_role) == (AuditKind.READ, front_desk, "front_desk")
    assert (event.client, event.clinic) == (client_, client_.clinic)
    assert (event.what, event.ip, event.path) == (
        "session log of session 2", "203.0.113.7", "/practice/sessions/1/log/",
    )


def test_the_application_cannot_change_or_delete_a_row(request_from, client_):
    event = record_read(request_from(), client=client_, what="progress")
    event.what = "nothing to see"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get().what == "progress"


def test_the_database_refuses_update_and_delete(request_from, client_):
    if connection.vendor != "postgresql":
        pytest.fail("the append-only trigger is a PostgreSQL feature: run on PostgreSQL")
    record_event(kind=AuditKind.SIGN_IN, request=request_from())
    for statement in ("UPDATE clinic_auditevent SET what = 'x'", "DELETE FROM clinic_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


def test_the_forwarded_header_counts_only_when_a_proxy_is_configured(request_from, settings):
    spoofed = request_from("10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9, 192.0.2.1")
    settings.TRUSTED_PROXY_IP_HEADER = ""
    assert client_ip(spoofed) == "10.0.0.2"
    settings.TRUSTED_PROXY_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_ip(spoofed) == "192.0.2.1"
    assert client_ip(request_from("not-an-address")) is None
