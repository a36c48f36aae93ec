"""The session-record service (sessions_app.records): one transaction per save, every
earlier version kept with who and when (R16), retention from session 2 (R9), hairline
versions with sign-off and alterations with their decision (R11)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from clinic.models import Shade
from sessions_app import booking, photos, records
from sessions_app.models import (
    AlterationDecision,
    AlterationKind,
    AlterationRequest,
    Density,
    HairlineDesign,
    Retention,
    SessionPhoto,
    SessionRecord,
    SessionStatus,
    Zone,
    ZoneAssessment,
)
from sessions_app.records import LogInput, LogRefused, ZoneInput
from tests.clock import chicago
from tests.factories import make_session, sign_in
from tests.practice_helpers import jpeg_with_gps, stored_files, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def refused(code: str):
    return pytest.raises(LogRefused, check=lambda e: e.code == code)


def rated(**ratings) -> dict:
    return {zone: ZoneInput(retention=value) for zone, value in ratings.items()}


def test_saving_a_log_writes_the_record_and_its_zones_with_the_practitioner_on_the_history(
    second_session, first_log, practitioner
):
    record = records.save_session_log(
        session=second_session, by=practitioner, expected_revision=0,
        log=LogInput(haircut_done=True, notes="Crown faded a little.", shade_used=5,
                     zones=rated(crown=Retention.FADED, mid_scalp=Retention.HELD)),
    )
    assert record.session == second_session and record.revision == 1
    assert record.created_by == practitioner and record.updated_by == practitioner
    assert {z.zone: z.retention for z in record.zones.all()} == {
        Zone.CROWN: Retention.FADED, Zone.MID_SCALP: Retention.HELD,
    }
    assert record.history.get().history_user == practitioner
    assert all(z.history.get().history_user == practitioner for z in record.zones.all())


def test_an_edit_keeps_the_earlier_version_with_who_and_when(
    second_session, first_log, practitioner, second_practitioner, frozen_now
):
    records.save_session_log(session=second_session, by=practitioner, expected_revision=0,
                             log=LogInput(notes="First thoughts."))
    frozen_now.shift(3600)
    record = records.save_session_log(session=second_session, by=second_practitioner, expected_revision=1,
                                      log=LogInput(notes="Corrected by a colleague."))
    assert record.notes == "Corrected by a colleague." and record.revision == 2
    versions = list(record.history.order_by("history_date"))
    assert [v.notes for v in versions] == ["First thoughts.", "Corrected by a colleague."]
    assert [v.history_user for v in versions] == [practitioner, second_practitioner]
    assert versions[1].history_date - versions[0].history_date == dt.timedelta(hours=1)


def test_a_stale_form_is_refused_instead_of_overwriting_a_colleagues_save(
    second_session, first_log, practitioner, second_practitioner
):
    records.save_session_log(session=second_session, by=practitioner, expected_revision=0,
                             log=LogInput(notes="Pat's notes."))
    with refused("stale") as error:
        records.save_session_log(session=second_session, by=second_practitioner, expected_revision=0,
                                 log=LogInput(notes="Quinn's notes."))
    assert "Pat Needle saved this log" in error.value.message
    assert SessionRecord.objects.get(session=second_session).notes == "Pat's notes."


def test_saving_the_same_values_again_makes_no_new_version(second_session, first_log, practitioner):
    log = LogInput(notes="Same.", zones=rated(crown=Retention.HELD))
    records.save_session_log(session=second_session, by=practitioner, expected_revision=0, log=log)
    record = records.save_session_log(session=second_session, by=practitioner, expected_revision=1, log=log)
    assert record.revision == 1
    assert record.history.count() == 1


def test_a_zone_only_change_is_a_new_version_of_the_log(second_session, first_log, practitioner):
    records.save_session_log(session=second_session, by=practitioner, expected_revision=0,
                             log=LogInput(zones=rated(crown=Retention.HELD)))
    record = records.save_session_log(session=second_session, by=practitioner, expected_revision=1,
                                      log=LogInput(zones=rated(crown=Retention.FADED)))
    assert record.revision == 2
    crown = ZoneAssessment.objects.get(zone=Zone.CROWN, record=record)
    assert [h.retention for h in crown.history.order_by("history_date")] == [Retention.HELD, Retention.FADED]


def test_the_suggestion_is_stored_from_the_ratings_and_last_sessions_shade(
    second_session, first_log, practitioner
):
    record = records.save_session_log(
        session=second_session, by=practitioner, expected_revision=0,
        log=LogInput(shade_used=4, zones=rated(crown=Retention.FADED, mid_scalp=Retention.FADED,
                                                frontal_hairline=Retention.HELD)),
    )
    assert record.suggested_shade == Shade.S5
    assert record.shade_used == Shade.S4  # the practitioner decides


def test_without_an_earlier_shade_the_plans_starting_shade_is_the_base(
    second_session, practitioner, plan
):
    plan.starting_shade = Shade.S2
    plan.save()
    second_session.plan.refresh_from_db()
    suggestion = records.suggestion_for(second_session, {Zone.CROWN: Retention.FADED}, None)
    assert (suggestion.previous, suggestion.shade) == (2, 3)


def test_a_zone_shade_from_last_time_is_the_base_for_that_zone(second_session, first_session, practitioner):
    records.save_session_log(session=first_session, by=practitioner, log=LogInput(
        shade_used=4, zones={Zone.CROWN: ZoneInput(density=Density.LIGHT, shade_used=5)}))
    previous = records.previous_record(second_session)
    suggestion = records.suggestion_for(
        second_session, {Zone.CROWN: Retention.FADED, Zone.MID_SCALP: Retention.HELD,
                         Zone.FRONTAL_HAIRLINE: Retention.HELD}, previous)
    assert suggestion.shade == 4
    assert suggestion.zone_shades == {Zone.CROWN: 6}


def test_retention_is_not_rated_at_the_first_session(plan, practitioner):
    first = make_session(plan, number=1, starts_at=chicago(3, 2, 9), practitioner=practitioner)
    with refused("retention_at_first_session"):
        records.save_session_log(session=first, by=practitioner, expected_revision=0,
                                 log=LogInput(zones=rated(crown=Retention.HELD)))
    assert not SessionRecord.objects.exists()


def test_front_desk_cannot_write_clinical_records(second_session, front_desk):
    with refused("not_permitted"):
        records.save_session_log(session=second_session, by=front_desk, log=LogInput(notes="x"))
    assert not SessionRecord.objects.exists()


def test_staff_of_another_clinic_cannot_write_the_record(second_session, other_practitioner):
    with refused("not_permitted"):
        records.save_session_log(session=second_session, by=other_practitioner, log=LogInput(notes="x"))


def test_a_manager_may_correct_a_record(second_session, manager):
    record = records.save_session_log(session=second_session, by=manager, log=LogInput(notes="Checked."))
    assert record.history.get().history_user == manager


def test_a_cancelled_sessions_log_can_no_longer_change(plan, second_session, front_desk, practitioner):
    booking.cancel_session(session=second_session, by=front_desk, reason="Ill")
    with refused("invalid_state"):
        records.save_session_log(session=second_session, by=practitioner, log=LogInput(notes="x"))


def test_a_completed_session_can_still_be_corrected(second_session, first_log, practitioner):
    held = {zone: ZoneInput(retention=3) for zone, _ in records.treated_zones(second_session)}
    records.save_session_log(session=second_session, by=practitioner, expected_revision=0,
                             log=LogInput(notes="Done.", shade_used=4, zones=held))
    booking.complete_session(session=second_session, by=practitioner)
    record = records.save_session_log(session=second_session, by=practitioner, expected_revision=1,
                                      log=LogInput(notes="Done; crown needs attention at session 3."))
    assert record.revision == 2


def test_each_hairline_change_is_a_new_version_and_sign_off_is_recorded(
    second_session, first_session, practitioner
):
    records.save_session_log(session=first_session, by=practitioner,
                             hairline=records.HairlineInput("Soft, 8 cm above the brow", signed_off=True))
    records.save_session_log(session=second_session, by=practitioner,
                             hairline=records.HairlineInput("Lowered by 3 mm in the middle"))
    v1, v2 = HairlineDesign.objects.order_by("version")
    assert (v1.version, v1.is_signed_off, v1.signed_off_witness) == (1, True, practitioner)
    assert (v2.version, v2.is_signed_off, v2.session) == (2, False, second_session)
    assert v1.description == "Soft, 8 cm above the brow"  # the earlier version is untouched

    records.save_session_log(session=second_session, by=practitioner, sign_off_version=2)
    v2.refresh_from_db()
    assert v2.is_signed_off and v2.history.first().history_user == practitioner


def test_only_the_latest_hairline_version_can_be_signed_off(second_session, practitioner):
    records.save_session_log(session=second_session, by=practitioner,
                             hairline=records.HairlineInput("Version one"))
    records.save_session_log(session=second_session, by=practitioner,
                             hairline=records.HairlineInput("Version two"))
    with refused("hairline_replaced"):
        records.save_session_log(session=second_session, by=practitioner, sign_off_version=1)


def test_a_hairline_sign_off_needs_a_witness_in_the_database(second_session, practitioner):
    design = HairlineDesign.objects.create(
        plan=second_session.plan, version=1, session=second_session, description="x", created_by=practitioner
    )
    design.signed_off_at = second_session.starts_at
    with pytest.raises(IntegrityError), transaction.atomic():
        design.save()


def test_an_alteration_is_recorded_at_the_session_with_its_decision(second_session, practitioner):
    records.save_session_log(session=second_session, by=practitioner, alteration=records.AlterationInput(
        kind=AlterationKind.LOWER_HAIRLINE, request="A little lower", decision=AlterationDecision.AGREED,
        decision_note="Lowered 3 mm in the middle"))
    alteration = AlterationRequest.objects.get()
    assert alteration.session == second_session
    assert (alteration.decision, alteration.decided_by) == (AlterationDecision.AGREED, practitioner)
    assert alteration.decided_at is not None


def test_a_pending_alteration_is_decided_later_with_who_and_when(
    plan, second_session, first_session, practitioner, second_practitioner
):
    records.save_session_log(session=first_session, by=practitioner, alteration=records.AlterationInput(
        kind=AlterationKind.DARKER, request="A few shades darker"))
    pending = AlterationRequest.objects.get()
    assert pending.decision == AlterationDecision.PENDING and pending.decided_at is None
    records.save_session_log(session=second_session, by=second_practitioner,
                             decisions={pending.pk: (AlterationDecision.PARTLY, "One shade darker")})
    pending.refresh_from_db()
    assert (pending.decision, pending.decided_by) == (AlterationDecision.PARTLY, second_practitioner)
    assert pending.history.count() == 2
    with refused("already_decided"):
        records.save_session_log(session=second_session, by=practitioner,
                                 decisions={pending.pk: (AlterationDecision.DECLINED, "")})


def test_nothing_is_saved_when_one_part_of_the_log_is_refused(second_session, first_log, practitioner):
    prepared = photos.prepare(upload(jpeg_with_gps()))
    with refused("invalid_hairline"):
        records.save_session_log(
            session=second_session, by=practitioner, expected_revision=0,
            log=LogInput(notes="Will not stay."), sign_off_version=9,
            new_photos=[(prepared, "before", "")],
        )
    assert not SessionRecord.objects.filter(session=second_session).exists()
    assert not SessionPhoto.objects.exists()
    assert stored_files(photos.media_root()) == []


def test_completing_goes_through_the_booking_service_and_keeps_the_log(
    second_session, first_log, practitioner
):
    held = {zone: ZoneInput(retention=3) for zone, _ in records.treated_zones(second_session)}
    records.save_session_log(session=second_session, by=practitioner, expected_revision=0,
                             log=LogInput(shade_used=5, zones=held))
    booking.complete_session(session=second_session, by=practitioner)
    second_session.refresh_from_db()
    assert second_session.status == SessionStatus.COMPLETED
    assert second_session.record.shade_used == 5


def test_a_record_written_directly_still_keeps_every_version_and_shows_on_the_log(
    client, second_session, practitioner
):
    record = SessionRecord.objects.create(session=second_session, notes="Written in the shell")
    record.notes = "Edited in the shell"
    record.save()
    assert [h.notes for h in record.history.order_by("history_id")] == [
        "Written in the shell", "Edited in the shell",
    ]
    sign_in(client, practitioner)
    page = client.get(f"/practice/sessions/{second_session.pk}/").content.decode()
    assert "Edited in the shell" in page
