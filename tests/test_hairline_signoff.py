"""R11: the client signs off a hairline version in the portal (reads it, agrees; the time and
the address are recorded), or on paper in the clinic with the staff witness; each version
shows how it was signed off."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.audit import AuditEvent, AuditKind
from sessions_app import records
from sessions_app.models import HairlineDesign, SignOffWay
from sessions_app.records import LogRefused
from tests.clock import CHICAGO
from tests.factories import make_client, make_plan, make_portal_user, sign_in

pytestmark = pytest.mark.django_db


def refused(code: str):
    return pytest.raises(LogRefused, check=lambda e: e.code == code)


def new_version(session, by, text: str, *, signed_off: bool = False) -> HairlineDesign:
    records.save_session_log(session=session, by=by,
                             hairline=records.HairlineInput(text, signed_off=signed_off))
    return session.plan.hairline_designs.order_by("-version").first()


@pytest.fixture
def carl(client_):
    """Carl, the plan's client, with his portal login."""
    make_portal_user(client_)
    return client_


@pytest.fixture
def design(carl, second_session, practitioner):
    """Version 1 of Carl's hairline, drawn at session 2 and not signed yet."""
    return new_version(second_session, practitioner, "Soft, 8 cm above the brow, rounded temples")


def url(design) -> str:
    return reverse("portal:hairline_sign_off", args=[design.pk])


# --------------------------------------------------------------------------- the service


def test_the_client_signs_off_in_the_portal_with_time_and_address(design, carl):
    records.client_sign_off_hairline(design, carl.user, "203.0.113.7")
    design.refresh_from_db()
    assert design.signed_off_in == SignOffWay.PORTAL and design.signed_in_portal
    assert design.signed_off_at == timezone.now()  # the frozen clock
    assert design.signed_off_from == "203.0.113.7" and design.signed_off_witness is None
    assert design.history.first().history_user == carl.user  # who, on the history


def test_an_address_is_recorded_only_when_known(design, carl):
    records.client_sign_off_hairline(design, carl.user, None)
    design.refresh_from_db()
    assert design.signed_in_portal and design.signed_off_from is None


def test_only_the_plans_own_client_signs_off(design, carl, clinic, practitioner, front_desk, manager):
    someone = make_client(clinic, first_name="Kim", email="kim@example.com")
    make_portal_user(someone)
    for user in (someone.user, practitioner, front_desk, manager, None):
        with refused("not_permitted"):
            records.client_sign_off_hairline(design, user, "203.0.113.7")
    design.refresh_from_db()
    assert not design.is_signed_off


def test_only_the_latest_version_can_be_signed_off_by_the_client(design, carl, second_session, practitioner):
    latest = new_version(second_session, practitioner, "Lowered 2 mm in the middle")
    with refused("hairline_replaced"):
        records.client_sign_off_hairline(design, carl.user, "203.0.113.7")
    design.refresh_from_db()
    assert not design.is_signed_off
    records.client_sign_off_hairline(latest, carl.user, "203.0.113.7")
    assert HairlineDesign.objects.get(pk=latest.pk).signed_in_portal


def test_signing_off_twice_changes_nothing(design, carl, frozen_now):
    records.client_sign_off_hairline(design, carl.user, "203.0.113.7")
    frozen_now.shift(dt.timedelta(hours=2))
    records.client_sign_off_hairline(design, carl.user, "198.51.100.9")
    design.refresh_from_db()
    assert design.signed_off_at == timezone.now() - dt.timedelta(hours=2)
    assert design.signed_off_from == "203.0.113.7"
    assert design.history.count() == 2  # created, signed: no third version


def test_a_version_signed_on_paper_stays_signed_on_paper(design, carl, second_session, practitioner):
    records.save_session_log(session=second_session, by=practitioner, sign_off_version=1)
    records.client_sign_off_hairline(design, carl.user, "203.0.113.7")
    design.refresh_from_db()
    assert design.signed_on_paper and design.signed_off_witness == practitioner
    assert design.signed_off_from is None


def test_a_cancelled_plan_has_nothing_to_sign(design, carl):
    design.plan.status = "cancelled"
    design.plan.save(update_fields=["status"])
    with refused("invalid_state"):
        records.client_sign_off_hairline(design, carl.user, "203.0.113.7")


def test_the_staff_tick_records_paper_with_the_witness(carl, second_session, practitioner):
    signed = new_version(second_session, practitioner, "Straight, 7 cm", signed_off=True)
    assert signed.signed_off_in == SignOffWay.PAPER and signed.signed_off_witness == practitioner
    later = new_version(second_session, practitioner, "Straight, 7.5 cm")
    records.save_session_log(session=second_session, by=practitioner, sign_off_version=later.version)
    later.refresh_from_db()
    assert (later.signed_off_in, later.signed_off_witness, later.signed_off_from) == (
        SignOffWay.PAPER, practitioner, None)


def test_the_staff_tick_after_the_client_signed_changes_nothing(design, carl, second_session, practitioner):
    records.client_sign_off_hairline(design, carl.user, "203.0.113.7")
    records.save_session_log(session=second_session, by=practitioner, sign_off_version=1)
    design.refresh_from_db()
    assert design.signed_in_portal and design.signed_off_witness is None


@pytest.mark.parametrize("fields", [
    {"signed_off_in": "portal", "signed_off_witness": "staff"},  # the portal has no witness
    {"signed_off_in": "paper"},  # paper needs its witness
    {"signed_off_in": "paper", "signed_off_witness": "staff", "signed_off_from": "203.0.113.7"},
    {"signed_off_in": ""},  # signed, but not said how
    {"signed_off_in": "portal", "signed_off_at": None},  # said how, but not when
])
def test_the_database_refuses_a_sign_off_that_does_not_add_up(design, practitioner, fields):
    values = {"signed_off_at": timezone.now(), **fields}
    if values.get("signed_off_witness") == "staff":
        values["signed_off_witness"] = practitioner
    with pytest.raises(IntegrityError), transaction.atomic():
        HairlineDesign.objects.filter(pk=design.pk).update(**values)


def test_validation_explains_the_sign_off_rule_before_the_database(design, practitioner):
    design.signed_off_at, design.signed_off_in, design.signed_off_witness = (
        timezone.now(), SignOffWay.PORTAL, practitioner)
    with pytest.raises(ValidationError, match="either in the portal by the client"):
        design.full_clean()


# --------------------------------------------------------------------------- the portal


def test_the_plan_page_offers_read_and_agree_for_the_latest_unsigned_version(client, design, carl):
    sign_in(client, carl.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Soft, 8 cm above the brow, rounded temples" in page
    assert "Not signed off yet" in page and url(design) in page


def test_the_client_reads_agrees_and_sees_it_signed_off_in_the_portal(client, design, carl):
    sign_in(client, carl.user)
    response = client.get(url(design))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Soft, 8 cm above the brow, rounded temples" in page
    assert "I have read this hairline design and I agree to it" in page
    response = client.post(url(design), {"agree": "on"}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and response.url == reverse("portal:home")
    design.refresh_from_db()
    assert design.signed_in_portal and design.signed_off_from == "203.0.113.7"
    page = client.get(response.url).content.decode()
    assert "Thank you - you have signed off version 1" in page
    assert timezone.now().astimezone(CHICAGO).hour == 8
    assert "Signed off in the portal on March 2, 2026, 8:00\u202fAM" in page  # Chicago's time, en_US
    assert url(design) not in page


def test_agreeing_needs_the_box_ticked(client, design, carl):
    sign_in(client, carl.user)
    response = client.post(url(design), {})
    assert response.status_code == 200
    assert "Tick the box to agree to this hairline design." in response.content.decode()
    design.refresh_from_db()
    assert not design.is_signed_off


def test_an_older_version_is_not_signed_and_the_client_is_told_why(client, design, carl, second_session,
                                                                    practitioner):
    new_version(second_session, practitioner, "Lowered 2 mm")
    sign_in(client, carl.user)
    for response in (client.get(url(design)), client.post(url(design), {"agree": "on"})):
        assert response.status_code == 302
    design.refresh_from_db()
    assert not design.is_signed_off
    page = client.get(reverse("portal:home")).content.decode()
    assert "Version 1 of your hairline design has been replaced by version 2" in page
    assert "Not signed off; replaced by a later version." in page


def test_a_signed_version_is_not_offered_again(client, design, carl):
    records.client_sign_off_hairline(design, carl.user, None)
    sign_in(client, carl.user)
    response = client.get(url(design))
    assert response.status_code == 302
    assert "already signed off" in client.get(response.url).content.decode()


def test_each_version_shows_how_it_was_signed_off(client, carl, second_session, practitioner):
    new_version(second_session, practitioner, "First line", signed_off=True)
    latest = new_version(second_session, practitioner, "Second line")
    records.client_sign_off_hairline(latest, carl.user, "203.0.113.7")
    sign_in(client, carl.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Signed off in the portal on March 2, 2026, 8:00\u202fAM" in page
    assert "Signed on paper in the clinic on March 2, 2026, witnessed by Pat" in page


def test_another_clients_design_is_a_404(client, design, clinic, other_clinic):
    kim = make_client(clinic, first_name="Kim", email="kim@example.com")
    make_plan(kim)
    make_portal_user(kim)
    sign_in(client, kim.user)
    assert client.get(url(design)).status_code == 404
    assert client.post(url(design), {"agree": "on"}).status_code == 404
    assert client.get(reverse("portal:hairline_sign_off", args=[10**12])).status_code == 404
    design.refresh_from_db()
    assert not design.is_signed_off


def test_a_design_of_a_cancelled_plan_is_a_404(client, design, carl):
    design.plan.status = "cancelled"
    design.plan.save(update_fields=["status"])
    sign_in(client, carl.user)
    assert client.get(url(design)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, design):
    for response in (client.get(url(design)), client.post(url(design), {"agree": "on"})):
        assert response.status_code == 302 and "login" in response.url
    design.refresh_from_db()
    assert not design.is_signed_off


def test_staff_cannot_sign_off_in_the_portal(client, design, front_desk, practitioner, manager, outsider,
                                             superuser):
    for user in (front_desk, practitioner, manager, outsider, superuser):
        sign_in(client, user)
        assert client.get(url(design)).status_code == 403
        assert client.post(url(design), {"agree": "on"}).status_code == 403
        client.logout()
    design.refresh_from_db()
    assert not design.is_signed_off


def test_reading_the_version_is_recorded(client, design, carl):
    sign_in(client, carl.user)
    client.get(url(design))
    event = AuditEvent.objects.filter(kind=AuditKind.READ, client=carl).latest("pk")
    assert event.actor == carl.user and "hairline design v1" in event.what


def test_a_spanish_client_reads_and_agrees_in_spanish(client, clinic, second_session, practitioner):
    lucia = second_session.plan.client
    lucia.language = "es"
    lucia.save(update_fields=["language"])
    make_portal_user(lucia)
    design = new_version(second_session, practitioner, "Suave, 8 cm")
    sign_in(client, lucia.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Mi diseño de línea del cabello" in page and "Leer y aceptar" in page
    page = client.get(url(design)).content.decode()
    assert "He leído este diseño de línea del cabello y estoy de acuerdo" in page
    client.post(url(design), {"agree": "on"})
    page = client.get(reverse("portal:home")).content.decode()
    assert "Firmado en el portal el 2 de marzo de 2026, 8:00\u202fa.m." in page


def test_portal_pages_with_hairline_versions_keep_a_constant_number_of_queries(
    client, carl, second_session, practitioner, django_assert_max_num_queries
):
    new_version(second_session, practitioner, "v1", signed_off=True)
    latest = new_version(second_session, practitioner, "v2")
    sign_in(client, carl.user)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("portal:home"))
    with django_assert_max_num_queries(40) as few_form:
        client.get(url(latest))
    for n in range(3, 23):
        latest = new_version(second_session, practitioner, f"v{n}", signed_off=n % 2 == 0)
    latest = new_version(second_session, practitioner, "v23")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("portal:home")).content.decode()
    assert "v23" in page and "witnessed by Pat" in page
    with django_assert_max_num_queries(len(few_form.captured_queries)):
        assert client.get(url(latest)).status_code == 200


# --------------------------------------------------------------------------- staff and the download


def test_the_practitioner_sees_how_each_version_was_signed_off(
    client, carl, second_session, practitioner, plan
):
    new_version(second_session, practitioner, "First line", signed_off=True)
    latest = new_version(second_session, practitioner, "Second line")
    records.client_sign_off_hairline(latest, carl.user, "203.0.113.7")
    sign_in(client, practitioner)
    page = client.get(reverse("practice:plan_progress", args=[plan.pk])).content.decode()
    assert "Signed off by the client in the portal 2 Mar 2026, 08:00" in page
    assert "Signed on paper in the clinic 2 Mar 2026" in page and "(witness Pat Needle)" in page
    page = client.get(reverse("practice:session_log", args=[second_session.pk])).content.decode()
    assert "Signed off by the client in the portal" in page


def test_the_download_says_how_each_version_was_signed(client, carl, second_session, practitioner):
    new_version(second_session, practitioner, "First line", signed_off=True)
    latest = new_version(second_session, practitioner, "Second line")
    records.client_sign_off_hairline(latest, carl.user, "203.0.113.7")
    sign_in(client, carl.user)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("portal:download_data")).content))
    signed = json.loads(archive.read("data.json"))["hairline_versions_signed"]
    assert [(h["version"], h["signed_off_in"], h["signed_off_from"], h["witness"]) for h in signed] == [
        (1, "paper", None, "Pat Needle"), (2, "portal", "203.0.113.7", None)]


def test_the_admin_shows_the_sign_off_read_only(client, design, carl, manager):
    records.client_sign_off_hairline(design, carl.user, "203.0.113.7")
    sign_in(client, manager)
    response = client.get(reverse("admin:sessions_app_hairlinedesign_change", args=[design.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "In the portal by the client" in page and "203.0.113.7" in page
    assert 'name="signed_off_in"' not in page  # shown, never an input



@pytest.mark.django_db(transaction=True)
def test_versions_signed_before_the_portal_become_signed_on_paper(second_session, practitioner):
    """The data migration: every sign-off before 0012 was the staff tick with a witness."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("sessions_app", "0011_merge_20261204_1648")]
    after = [("sessions_app", "0012_hairline_portal_signoff")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("sessions_app", "HairlineDesign")
    signed = old.objects.create(plan_id=second_session.plan_id, version=1, session_id=second_session.pk,
                                description="On paper", created_by_id=practitioner.pk,
                                signed_off_at=timezone.now(), signed_off_witness_id=practitioner.pk)
    unsigned = old.objects.create(plan_id=second_session.plan_id, version=2, session_id=second_session.pk,
                                  description="Not yet", created_by_id=practitioner.pk)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    assert HairlineDesign.objects.get(pk=signed.pk).signed_off_in == SignOffWay.PAPER
    assert HairlineDesign.objects.get(pk=unsigned.pk).signed_off_in == ""
