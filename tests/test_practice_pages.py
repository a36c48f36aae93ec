"""The practice pages: my day, the session log (save, live suggestion, complete) and plan
progress; with the role checks of every URL and constant query counts."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import Client
from sessions_app import photos, records
from sessions_app.models import (
    AlterationDecision,
    AlterationRequest,
    Density,
    Retention,
    SessionRecord,
    SessionStatus,
    Zone,
)
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_portal_user, make_session, sign_in
from tests.practice_helpers import jpeg_with_gps, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def log_url(session):
    return reverse("practice:session_log", args=[session.pk])


def form_data(**overrides) -> dict:
    data = {"revision": "0", "notes": "", "shade_used": "", "photo_kind": "before"}
    data.update({k: v if hasattr(v, "read") else str(v) for k, v in overrides.items()})
    return data


# --------------------------------------------------------------------------- my day


def test_my_day_lists_todays_and_tomorrows_sessions_with_what_the_practitioner_needs(
    client, practitioner, second_session, first_log, plan
):
    tomorrow = make_session(make_plan(make_client(plan.clinic, first_name="Tia", last_name="Morrow")),
                            number=1, starts_at=chicago(3, 3, 13), practitioner=practitioner)
    make_session(make_plan(make_client(plan.clinic, last_name="Nextweek")), number=1,
                 starts_at=chicago(3, 9, 9), practitioner=practitioner)
    sign_in(client, practitioner)
    response = client.get(reverse("practice:my_day"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Today · Monday 2 March" in page and "Tomorrow · Tuesday 3 March" in page
    assert "Carl Client" in page and "Session 2 of 3" in page and "09:00" in page
    assert "Paperwork done" in page
    assert "Last shade 4" in page
    assert "Tia Morrow" in page and "13:00" in page and "Start shade 4" in page
    assert "Nextweek" not in page
    assert log_url(second_session) in page and log_url(tomorrow) in page


def test_my_day_shows_missing_paperwork_before_a_first_session(client, practitioner, clinic):
    newcomer = make_client(clinic, first_name="Nina", last_name="New", paperwork_completed_at=None)
    make_session(make_plan(newcomer), number=1, starts_at=chicago(3, 2, 14), practitioner=practitioner)
    sign_in(client, practitioner)
    assert "Paperwork missing" in client.get(reverse("practice:my_day")).content.decode()


def test_my_day_shows_only_the_practitioners_own_sessions_unless_asked_for_the_clinic(
    client, practitioner, second_practitioner, clinic
):
    make_session(make_plan(make_client(clinic, last_name="Colleagues")), number=1,
                 starts_at=chicago(3, 2, 13), practitioner=second_practitioner)
    sign_in(client, practitioner)
    assert "Colleagues" not in client.get(reverse("practice:my_day")).content.decode()
    page = client.get(reverse("practice:my_day"), {"who": "clinic"}).content.decode()
    assert "Colleagues" in page and "Quinn Shade" in page


def test_my_day_leaves_out_cancelled_sessions_and_other_clinics(
    client, practitioner, clinic, other_clinic, other_practitioner
):
    make_session(make_plan(make_client(clinic, last_name="Cancelled")), number=1,
                 starts_at=chicago(3, 2, 13), practitioner=practitioner, status=SessionStatus.CANCELLED)
    make_session(make_plan(make_client(other_clinic, last_name="Londoner")), number=1,
                 starts_at=chicago(3, 2, 10), practitioner=other_practitioner)
    sign_in(client, practitioner)
    page = client.get(reverse("practice:my_day"), {"who": "clinic"}).content.decode()
    assert "Cancelled" not in page and "Londoner" not in page
    assert "No sessions today for you" not in page


def test_my_day_has_an_empty_state(client, practitioner):
    sign_in(client, practitioner)
    page = client.get(reverse("practice:my_day")).content.decode()
    assert "No sessions today for you." in page and "No sessions tomorrow for you." in page


def test_a_manager_sees_the_whole_clinic_by_default(client, manager, second_session):
    sign_in(client, manager)
    assert "Carl Client" in client.get(reverse("practice:my_day")).content.decode()


_slots = itertools.count()


def _day_of_sessions(clinic, practitioner, count):
    """`count` second sessions today and tomorrow (5 minutes each, one after the other)."""
    for i in range(count):
        customer = make_client(clinic)
        plan = make_plan(customer, quoted_sessions=3)
        start = dt.timedelta(minutes=10 * next(_slots))
        first = make_session(plan, number=1, starts_at=chicago(2, 10, 9) + start, minutes=5,
                             practitioner=practitioner, status=SessionStatus.COMPLETED)
        records.save_session_log(session=first, by=practitioner, log=records.LogInput(shade_used=3))
        make_session(plan, number=2, starts_at=chicago(3, 2 + i % 2, 9) + start, minutes=5,
                     practitioner=practitioner)


def test_my_day_runs_the_same_queries_for_two_or_twenty_sessions(client, practitioner, clinic):
    sign_in(client, practitioner)
    _day_of_sessions(clinic, practitioner, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("practice:my_day")).status_code == 200
    _day_of_sessions(clinic, practitioner, 18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("practice:my_day"))
    assert response.content.decode().count("Last shade 3") == 20
    # 8 to show the page, 1 to record the read (clinic.audit), 1 for django-otp to check the
    # session's second factor (its device still exists: a reset ends verified sessions).
    assert len(many) == len(few) <= 10


# --------------------------------------------------------------------------- session log


def test_the_log_of_session_2_offers_retention_per_zone_and_a_suggestion(
    client, practitioner, second_session, first_log
):
    sign_in(client, practitioner)
    page = client.get(log_url(second_session)).content.decode()
    assert "Retention since last session" in page
    for zone in Zone.values:
        assert f'name="retention_{zone}"' in page and f'data-zone="{zone}"' in page
    assert "Suggested shade" in page and "Suggestion · you decide" in page
    assert "Last time · session 1" in page and "Foundation laid" in page


def test_the_log_of_session_1_does_not_rate_retention(client, practitioner, plan):
    first = make_session(plan, number=1, starts_at=chicago(3, 2, 13), practitioner=practitioner)
    sign_in(client, practitioner)
    page = client.get(log_url(first)).content.decode()
    assert "Retention is rated from session 2 on" in page
    assert 'name="retention_crown"' not in page
    assert "Suggested shade" not in page


def test_saving_the_log_stores_everything_and_says_so(client, practitioner, second_session, first_log):
    sign_in(client, practitioner)
    response = client.post(log_url(second_session), form_data(
        haircut_done="on", retention_crown=Retention.FADED, retention_left_temple=Retention.FADED,
        retention_mid_scalp=Retention.HELD,
        density_crown=Density.DENSE, gaps_crown="on", blended_crown="on", shade_used=5,
        dilution="1:3", needle="3RL 0.25", notes="Crown took less pigment.",
        alt_kind="lower_hairline", alt_request="A bit lower", alt_decision="agreed", alt_note="2 mm",
        hairline_description="Lowered 2 mm", hairline_signed_off="on",
        photos=upload(jpeg_with_gps()),
    ), follow=True)
    assert response.redirect_chain[-1][0] == log_url(second_session)
    assert "Session 2 log saved." in response.content.decode()
    record = SessionRecord.objects.get(session=second_session)
    assert (record.shade_used, record.suggested_shade, record.haircut_done) == (5, 5, True)
    crown = record.zones.get(zone=Zone.CROWN)
    assert (crown.retention, crown.density, crown.gaps_filled, crown.blended) == (1, 3, True, True)
    assert second_session.alterations.get().decision == AlterationDecision.AGREED
    assert second_session.hairline_designs.get().is_signed_off
    assert second_session.photos.count() == 1
    assert record.history.get().history_user == practitioner


def test_a_bad_photo_saves_nothing_and_keeps_what_was_typed(client, practitioner, second_session, first_log):
    sign_in(client, practitioner)
    response = client.post(log_url(second_session), form_data(
        notes="Typed during the session", retention_crown=Retention.FADED,
        photos=upload(b"%PDF-1.4 not a photo", name="scan.jpg"),
    ))
    assert response.status_code == 200
    page = response.content.decode()
    assert "scan.jpg is not a photo Pigment can read" in page
    assert "Typed during the session" in page
    assert 'value="1" autocomplete="off" checked' in page  # the crown rating is still chosen
    assert not SessionRecord.objects.filter(session=second_session).exists()


def test_a_stale_save_is_refused_and_keeps_what_was_typed(
    client, practitioner, second_practitioner, second_session, first_log
):
    records.save_session_log(session=second_session, by=second_practitioner, expected_revision=0,
                             log=records.LogInput(notes="Quinn was first."))
    sign_in(client, practitioner)
    response = client.post(log_url(second_session), form_data(notes="Pat's late edit"))
    page = response.content.decode()
    assert "Quinn Shade saved this log" in page and "Pat&#x27;s late edit" in page
    assert SessionRecord.objects.get(session=second_session).notes == "Quinn was first."


def test_the_suggestion_follows_the_ratings_live(client, practitioner, second_session, first_log):
    sign_in(client, practitioner)
    response = client.get(
        log_url(second_session),
        {"partial": "suggestion", "retention_crown": "1", "retention_mid_scalp": "1",
         "retention_left_temple": "3"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'data-suggested-shade="5"' in page
    assert "Faded in mid-scalp and crown" in page
    assert "Left temple (held): shade 4" in page


def test_save_and_complete_completes_through_the_booking_service(
    client, practitioner, second_session, first_log
):
    sign_in(client, practitioner)
    ratings = {f"retention_{zone}": 3 for zone, _ in records.treated_zones(second_session)}
    response = client.post(log_url(second_session), form_data(shade_used=5, complete="1", **ratings),
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("practice:plan_progress", args=[second_session.plan_id])
    assert "Session 2 of 3 is completed" in response.content.decode()
    second_session.refresh_from_db()
    assert second_session.status == SessionStatus.COMPLETED


def test_complete_session_shows_the_booking_refusal(client, practitioner, clinic):
    newcomer = make_client(clinic, paperwork_completed_at=None)
    first = make_session(make_plan(newcomer), number=1, starts_at=chicago(3, 2, 13),
                         practitioner=practitioner)
    sign_in(client, practitioner)
    response = client.post(reverse("practice:complete_session", args=[first.pk]), follow=True)
    page = response.content.decode()
    assert "Session 1 was not completed" in page and "medical questionnaire" in page
    first.refresh_from_db()
    assert first.status == SessionStatus.BOOKED


def test_complete_session_is_post_only(client, practitioner, second_session):
    sign_in(client, practitioner)
    assert client.get(reverse("practice:complete_session", args=[second_session.pk])).status_code == 405


def test_a_cancelled_sessions_log_is_read_only(client, practitioner, second_session, front_desk):
    from sessions_app import booking

    booking.cancel_session(session=second_session, by=front_desk, reason="Ill")
    sign_in(client, practitioner)
    page = client.get(log_url(second_session)).content.decode()
    assert "can no longer change" in page and "<fieldset disabled>" in page


def test_earlier_versions_of_the_log_are_listed_with_who_and_when(
    client, practitioner, second_practitioner, second_session, first_log, frozen_now
):
    records.save_session_log(session=second_session, by=practitioner, expected_revision=0,
                             log=records.LogInput(notes="Original note"))
    frozen_now.shift(600)
    records.save_session_log(session=second_session, by=second_practitioner, expected_revision=1,
                             log=records.LogInput(notes="Rewritten note"))
    sign_in(client, practitioner)
    page = client.get(log_url(second_session)).content.decode()
    assert "Versions of this log" in page
    assert "v2</span> · Quinn Shade" in page and "v1</span> · Pat Needle" in page
    assert "changed notes" in page and "Original note" in page


# --------------------------------------------------------------------------- progress


def _logged_sessions(plan, practitioner, count):
    """`count` completed, logged sessions (numbers 1..count), each with zones and a photo."""
    hour = dt.timedelta(hours=next(_slots) % 8)
    for number in range(1, count + 1):
        starts_at = chicago(1, 5, 9) - dt.timedelta(days=180) + dt.timedelta(days=21 * number) + hour
        session = make_session(plan, number=number, starts_at=starts_at, minutes=30,
                               practitioner=practitioner, status=SessionStatus.COMPLETED)
        zones = {z: records.ZoneInput(density=min(number, 4),
                                      retention=Retention.HELD if number > 1 else None) for z in Zone.values}
        records.save_session_log(
            session=session, by=practitioner,
            log=records.LogInput(shade_used=4, notes=f"Note {number}", zones=zones),
            alteration=records.AlterationInput(kind="darker", request=f"Request {number}"),
            new_photos=[(photos.prepare(upload(jpeg_with_gps((80, 60)))), "after", "")],
        )


def test_progress_shows_retention_density_shades_alterations_and_photos(client, practitioner, client_):
    plan = make_plan(client_, quoted_sessions=4)
    _logged_sessions(plan, practitioner, 2)
    sign_in(client, practitioner)
    page = client.get(reverse("practice:plan_progress", args=[plan.pk])).content.decode()
    assert "Retention and density per zone" in page
    assert "Held · Medium" in page  # session 2's crown
    assert "Session 2</span>" in page or "Session 2" in page
    assert "4 - Medium" in page and "Request 2" in page and "To decide" in page
    assert page.count(reverse("practice:photo", args=[1, "thumb"]).rsplit("/", 3)[0]) >= 2
    assert "Note 1" in page and "Note 2" in page


def test_progress_runs_the_same_queries_for_two_or_eight_sessions(client, practitioner, clinic):
    few_plan = make_plan(make_client(clinic), quoted_sessions=8)
    many_plan = make_plan(make_client(clinic), quoted_sessions=8)
    _logged_sessions(few_plan, practitioner, 2)
    _logged_sessions(many_plan, practitioner, 8)
    sign_in(client, practitioner)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("practice:plan_progress", args=[few_plan.pk])).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("practice:plan_progress", args=[many_plan.pk])).status_code == 200
    # 12 to show the page, 1 to record the read (clinic.audit), 1 for django-otp's device check,
    # 2 for R14 (the role at the plan's clinic, and whether the practitioner holds a session)
    assert len(many) == len(few) <= 16


def test_progress_of_a_plan_without_sessions_has_an_empty_state(client, manager, plan):
    sign_in(client, manager)  # R14: no practitioner holds a session of this client yet
    page = client.get(reverse("practice:plan_progress", args=[plan.pk])).content.decode()
    assert "No session of this plan is booked yet." in page


# --------------------------------------------------------------------------- roles


def practice_urls(session, plan):
    return [
        reverse("practice:my_day"),
        log_url(session),
        reverse("practice:plan_progress", args=[plan.pk]),
    ]


def test_practitioners_and_managers_reach_every_practice_page(
    client, practitioner, manager, second_session, plan
):
    for user in (practitioner, manager):
        sign_in(client, user)
        for url in practice_urls(second_session, plan):
            assert client.get(url).status_code == 200, (user, url)


def test_the_front_desk_gets_403_on_every_practice_page(client, front_desk, second_session, plan):
    sign_in(client, front_desk)
    for url in practice_urls(second_session, plan):
        assert client.get(url).status_code == 403, url
    complete = reverse("practice:complete_session", args=[second_session.pk])
    assert client.post(complete).status_code == 403
    assert client.post(log_url(second_session), form_data(notes="x")).status_code == 403
    assert not SessionRecord.objects.exists()


def test_clients_get_403_on_every_practice_page(client, client_, second_session, plan):
    sign_in(client, make_portal_user(client_))
    for url in practice_urls(second_session, plan):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("practice:complete_session", args=[second_session.pk])).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, second_session, plan):
    for url in practice_urls(second_session, plan):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    response = client.post(reverse("practice:complete_session", args=[second_session.pk]))
    assert response.status_code == 302


def test_staff_of_another_clinic_get_404_for_this_clinics_sessions_and_plans(
    client, other_practitioner, second_session, plan
):
    sign_in(client, other_practitioner)
    assert client.get(log_url(second_session)).status_code == 404
    assert client.get(reverse("practice:plan_progress", args=[plan.pk])).status_code == 404
    assert client.post(reverse("practice:complete_session", args=[second_session.pk])).status_code == 404
    assert client.post(log_url(second_session), form_data(notes="x")).status_code == 404
    assert "Carl Client" not in client.get(reverse("practice:my_day"), {"who": "clinic"}).content.decode()
    second_session.refresh_from_db()
    assert second_session.status == SessionStatus.BOOKED


def test_the_front_desk_of_another_clinic_gets_404_for_this_clinics_objects(
    client, outsider, second_session, plan
):
    sign_in(client, outsider)
    assert client.get(log_url(second_session)).status_code == 404
    assert client.get(reverse("practice:plan_progress", args=[plan.pk])).status_code == 404
    assert client.post(reverse("practice:complete_session", args=[second_session.pk])).status_code == 404
    assert client.get(reverse("practice:my_day")).status_code == 403  # no object: the role decides


def test_unknown_ids_are_404(client, practitioner):
    sign_in(client, practitioner)
    assert client.get(reverse("practice:session_log", args=[999999])).status_code == 404
    assert client.get(reverse("practice:plan_progress", args=[999999])).status_code == 404


def test_alteration_ids_of_another_plan_cannot_be_decided_from_this_log(
    client, practitioner, second_session, first_log, clinic
):
    other_plan = make_plan(make_client(clinic))
    elsewhere = make_session(other_plan, number=1, starts_at=chicago(2, 20, 9), practitioner=practitioner,
                             status=SessionStatus.COMPLETED)
    records.save_session_log(session=elsewhere, by=practitioner,
                             alteration=records.AlterationInput(kind="darker"))
    foreign = AlterationRequest.objects.get()
    sign_in(client, practitioner)
    client.post(log_url(second_session), form_data(**{f"decide_{foreign.pk}": "declined"}))
    foreign.refresh_from_db()
    assert foreign.decision == AlterationDecision.PENDING
    assert Client.objects.count() == 2
