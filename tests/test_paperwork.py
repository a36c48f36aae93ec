"""Paperwork online (R2, R17): the versioned questionnaire and consent, the client's three
steps and their bad input, the signed PDF, the review that holds check-in of session 1, the
clinic tablet, the reminder through the aftercare outbox, the touch-up re-ask, the read audit,
and who may see what."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from aftercare import services as aftercare
from aftercare.models import Reminder, ReminderStatus
from aftercare.tasks import dispatch_due_reminders
from clinic import paperwork
from clinic.audit import AuditEvent, AuditKind
from clinic.models import Client, PortalInvitation
from clinic.paperwork_models import Paperwork, PaperworkStatus, QuestionnaireVersion, Via
from sessions_app import booking
from sessions_app.booking import BookingRefused
from sessions_app.models import SessionStatus
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_portal_user, make_session, sign_in
from tests.paperwork_helpers import (
    ABOUT,
    answers_for,
    complete_online,
    consent_for,
    pdf_text,
    signature_data_url,
    step_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(clinic):
    """Nora: no paperwork yet, a portal login, a two-session plan."""
    nora = make_client(clinic, first_name="Nora", last_name="Quinn", paperwork_completed_at=None)
    make_portal_user(nora)
    make_plan(nora)
    return nora


@pytest.fixture
def nora_http(newcomer):
    http = HttpClient()
    sign_in(http, newcomer.user)
    return http


def signed_in(user) -> HttpClient:
    http = HttpClient()
    sign_in(http, user)
    return http


# --------------------------------------------------------------------------- versions


def test_every_clinic_starts_with_r17s_questionnaire_and_consent(clinic):
    version = paperwork.current_questionnaire(clinic)
    keys = {q.key: q for q in version.questions.all()}
    for key in (
        "blood_thinners",
        "isotretinoin",
        "psoriasis",
        "eczema",
        "active_acne",
        "keloid",
        "alopecia_areata",
        "allergy_pigments",
        "allergy_latex",
        "allergy_lidocaine",
        "pregnant",
        "heart",
        "diabetes",
        "transplant",
        "other",
    ):
        assert key in keys
    assert {k for k, q in keys.items() if q.review_if_yes} >= {"blood_thinners", "keloid", "transplant"}
    assert {q.kind for q in keys.values()} == {"yes_no", "choice", "date", "text"}
    assert paperwork.current_consent(clinic).number == 1


def test_editing_makes_a_new_version_and_signed_forms_keep_theirs(nora_http, newcomer, clinic, manager):
    done = complete_online(nora_http, newcomer)
    http = signed_in(manager)
    response = http.post(
        reverse("frontdesk:paperwork_setup_consent"), {"text": "New consent text.", "statements": "I agree."}
    )
    assert response.status_code == 302
    assert paperwork.current_consent(clinic).number == 2
    done.refresh_from_db()
    assert done.consent.number == 1
    questions = list(paperwork.current_questionnaire(clinic).questions.all())
    data = {"q-TOTAL_FORMS": len(questions) + 1, "q-INITIAL_FORMS": len(questions)}
    for i, q in enumerate(questions):
        for field in ("key", "text", "kind", "choices", "help_text"):
            data[f"q-{i}-{field}"] = getattr(q, field)
        data[f"q-{i}-required"] = "on" if q.required else ""
        data[f"q-{i}-review_if_yes"] = "on" if q.review_if_yes else ""
    data[f"q-{len(questions)}-key"] = "smoker"
    data[f"q-{len(questions)}-text"] = "Do you smoke?"
    data[f"q-{len(questions)}-kind"] = "yes_no"
    data = {k: v for k, v in data.items() if v != ""}
    assert http.post(reverse("frontdesk:paperwork_setup_questions"), data).status_code == 302
    current = paperwork.current_questionnaire(clinic)
    assert current.number == 2 and current.questions.filter(key="smoker").exists()
    assert done.questionnaire.number == 1


# --------------------------------------------------------------------------- the client's steps


def test_the_portal_home_leads_with_the_missing_paperwork(nora_http):
    html = nora_http.get(reverse("portal:home")).content.decode()
    assert html.index("Please complete your paperwork") < html.index("Hello Nora") + 400
    assert reverse("portal:paperwork") in html


def test_three_steps_sign_the_consent_and_make_the_pdf(
    nora_http, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = complete_online(nora_http, newcomer, blood_thinners="yes")
    newcomer.refresh_from_db()
    assert newcomer.paperwork_completed_at == done.signed_at and newcomer.paperwork_completed_by is None
    assert done.status == PaperworkStatus.COMPLETED and done.via == Via.ONLINE
    assert done.needs_review and done.review_reasons == [
        "Do you take blood thinners (e.g. warfarin, daily aspirin, clopidogrel)?"
    ]
    assert bytes(done.signature_png).startswith(b"\x89PNG")
    text = pdf_text(bytes(done.pdf))
    assert "Nora Quinn" in text and "Consent (version 1)" in text
    assert "Do you take blood thinners" in text and "Yes (review)" in text
    assert "Signed by Nora Quinn" in text
    download = nora_http.get(reverse("portal:paperwork_pdf", args=[done.pk]))
    assert download["Content-Type"] == "application/pdf" and download.content == bytes(done.pdf)
    # The confirmation e-mail says it is done and nothing about health.
    (message,) = mail.outbox
    assert message.to == [newcomer.email] and "complete" in message.subject
    body = message.body + message.alternatives[0][0]
    for health in ("blood", "thinner", "review", "keloid", "allerg"):
        assert health not in body.lower()
    assert "Please complete your paperwork" not in nora_http.get(reverse("portal:home")).content.decode()


def test_answers_are_kept_between_steps_and_across_a_sign_out(nora_http, newcomer):
    nora_http.get(reverse("portal:paperwork"))
    draft = paperwork.draft_for(newcomer)
    nora_http.post(step_url(draft, 1), ABOUT)
    nora_http.post(step_url(draft, 2), answers_for(draft, keloid="yes"))
    nora_http.post(reverse("logout"))
    again = signed_in(newcomer.user)
    response = again.get(reverse("portal:paperwork"))
    assert response["Location"] == step_url(draft, 3)
    assert "12 Lake St, Chicago" in again.get(step_url(draft, 1)).content.decode()
    html = again.get(step_url(draft, 2)).content.decode()
    assert re.search(r'name="keloid" value="yes"\s+id="id_keloid_0" required checked', html)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "2099-01-01", "Your date of birth cannot be in the future."),
        ("date_of_birth", "", "Enter your date of birth."),
        ("address", "", "Enter your address."),
    ],
)
def test_step_1_refuses_bad_input_and_keeps_what_was_typed(nora_http, newcomer, field, value, message):
    nora_http.get(reverse("portal:paperwork"))
    draft = paperwork.draft_for(newcomer)
    response = nora_http.post(step_url(draft, 1), {**ABOUT, field: value})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert "Kim, 312 555 0101" in html
    draft.refresh_from_db()
    assert draft.about == {} and draft.step_done == 0


def test_a_missing_required_answer_is_named_and_nothing_is_saved(nora_http, newcomer):
    nora_http.get(reverse("portal:paperwork"))
    draft = paperwork.draft_for(newcomer)
    nora_http.post(step_url(draft, 1), ABOUT)
    data = answers_for(draft)
    del data["heart"]
    response = nora_http.post(step_url(draft, 2), data)
    assert "Please answer this question." in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers == {} and draft.step_done == 1


@pytest.mark.parametrize(
    "override, message",
    [
        ({"signature": ""}, "Sign with your finger or mouse in the box."),
        ({"signature": signature_data_url(blank=True)}, "The signature is empty"),
        ({"signature": "data:image/png;base64,bm90IGFuIGltYWdl"}, "The signature could not be read"),
        ({"typed_name": "Someone Else"}, "Type your full name as the clinic has it (Nora Quinn)"),
        ({"statements": ["0"]}, "Tick each statement to agree to it."),
    ],
)
def test_the_consent_step_refuses_bad_input_and_saves_nothing(nora_http, newcomer, override, message):
    nora_http.get(reverse("portal:paperwork"))
    draft = paperwork.draft_for(newcomer)
    nora_http.post(step_url(draft, 1), ABOUT)
    nora_http.post(step_url(draft, 2), answers_for(draft))
    response = nora_http.post(step_url(draft, 3), consent_for(draft, "Nora Quinn", **override))
    assert response.status_code == 200 and message in response.content.decode()
    draft.refresh_from_db()
    newcomer.refresh_from_db()
    assert draft.status == PaperworkStatus.DRAFT and not draft.pdf and newcomer.paperwork_completed_at is None


def test_making_a_pdf_leaves_pillows_truncated_image_check_on(nora_http, newcomer):
    from PIL import ImageFile

    done = complete_online(nora_http, newcomer)
    paperwork.render_pdf(done)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # photo uploads still refuse truncated files


def test_a_signature_that_unpacks_to_a_huge_image_is_refused_before_it_is_decoded():
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")  # tiny file, 400 megapixels
    with pytest.raises(paperwork.PaperworkRefused) as error:
        paperwork.signature_image("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
    assert "could not be read" in error.value.message_dict["signature"][0]


def test_a_questionnaire_changed_while_filling_in_asks_again_only_what_changed(
    nora_http, newcomer, clinic, manager
):
    nora_http.get(reverse("portal:paperwork"))
    draft = paperwork.draft_for(newcomer)
    nora_http.post(step_url(draft, 1), ABOUT)
    shown = answers_for(draft, keloid="yes")  # the form as shown on version 1
    questions = [
        {
            f: getattr(q, f)
            for f in ("key", "text", "kind", "choices", "help_text", "required", "review_if_yes")
        }
        for q in draft.questionnaire.questions.all()
    ]
    next(q for q in questions if q["key"] == "heart")["text"] = (
        "Do you have a heart condition, a pacemaker or high blood pressure?"
    )
    paperwork.new_questionnaire_version(clinic=clinic, by=manager, questions=questions)
    response = nora_http.post(step_url(draft, 2), shown, follow=True)
    html = response.content.decode()
    assert "updated its questionnaire" in html and "New</span>" in html
    draft.refresh_from_db()
    assert draft.questionnaire.number == 2 and draft.step_done == 1
    assert draft.answers["keloid"] == "yes" and "heart" not in draft.answers


def test_a_consent_changed_while_signing_is_read_again(nora_http, newcomer, clinic, manager):
    nora_http.get(reverse("portal:paperwork"))
    draft = paperwork.draft_for(newcomer)
    nora_http.post(step_url(draft, 1), ABOUT)
    nora_http.post(step_url(draft, 2), answers_for(draft))
    shown = consent_for(draft, "Nora Quinn")
    paperwork.new_consent_version(clinic=clinic, by=manager, text="Version two.", statements="I agree.")
    response = nora_http.post(step_url(draft, 3), shown, follow=True)
    assert "updated its consent text" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == PaperworkStatus.DRAFT and draft.consent.number == 2


def test_another_clients_form_is_a_404(nora_http, newcomer, clinic):
    other = make_client(clinic, first_name="Ola", last_name="Other", paperwork_completed_at=None)
    make_portal_user(other)
    their = paperwork.draft_for(other)
    for n in (1, 2, 3):
        assert nora_http.post(step_url(their, n), ABOUT).status_code == 404
        assert nora_http.get(step_url(their, n)).status_code == 404
    assert nora_http.get(reverse("portal:paperwork_done", args=[their.pk])).status_code == 404
    assert nora_http.get(reverse("portal:paperwork_pdf", args=[their.pk])).status_code == 404
    their.refresh_from_db()
    assert their.about == {}


# --------------------------------------------------------------------------- review and check-in


def test_a_review_answer_blocks_check_in_until_a_practitioner_clears_it(
    nora_http,
    newcomer,
    front_desk,
    practitioner,
    frozen_now,
):
    complete_online(nora_http, newcomer, transplant="yes")
    plan = newcomer.plans.get()
    first = make_session(plan, number=1, starts_at=chicago(3, 2, 9), practitioner=practitioner)
    with pytest.raises(BookingRefused) as error:
        booking.check_in_session(session=first, by=front_desk)
    assert error.value.code == "paperwork_review"
    assert "practitioner or manager of Chicago" in error.value.message
    done = paperwork.last_completed(newcomer)
    with pytest.raises(paperwork.PaperworkRefused):
        paperwork.clear_review(paperwork=done, by=front_desk, note="ok")
    http = signed_in(practitioner)
    url = reverse("practice:paperwork_clear", args=[newcomer.pk, done.pk])
    assert "Write a note" in http.post(url, {"note": " "}, follow=True).content.decode()
    assert http.post(url, {"note": "Transplant 14 months ago per surgeon's letter."}).status_code == 302
    booking.check_in_session(session=first, by=front_desk)
    first.refresh_from_db()
    assert first.status == SessionStatus.CHECKED_IN


def test_front_desk_sees_the_status_and_never_an_answer(nora_http, newcomer, desk, frozen_now):
    complete_online(nora_http, newcomer, keloid="yes", other="Takes warfarin sometimes")
    html = desk.get(reverse("frontdesk:client_detail", args=[newcomer.pk])).content.decode()
    assert "Paperwork done online" in html and "needs review" in html
    for answer in ("keloid", "warfarin", "raised scars"):
        assert answer not in html.lower()
    assert desk.get(reverse("practice:paperwork", args=[newcomer.pk])).status_code == 403
    done = paperwork.last_completed(newcomer)
    assert desk.get(reverse("practice:paperwork_pdf", args=[newcomer.pk, done.pk])).status_code == 403


def test_done_online_shows_as_such_at_the_front_desk(nora_http, newcomer, desk):
    with time_machine.travel(dt.datetime(2026, 3, 3, 15, tzinfo=dt.UTC), tick=False):
        complete_online(nora_http, newcomer)
    html = desk.get(reverse("frontdesk:client_detail", args=[newcomer.pk])).content.decode()
    assert "Paperwork done online, 3 March" in html and "needs review" not in html


# --------------------------------------------------------------------------- tablet


def test_the_tablet_shows_only_that_clients_form_and_locks_when_done(desk, newcomer, front_desk):
    response = desk.post(reverse("frontdesk:paperwork_tablet", args=[newcomer.pk]))
    assert response["Location"] == reverse("portal:tablet_step", args=[1])
    # The front desk is signed out: the tablet reaches no staff page.
    assert desk.get(reverse("frontdesk:home")).status_code == 302
    assert desk.get(reverse("portal:home")).status_code == 302
    assert "Nora" in desk.get(reverse("portal:tablet_step", args=[1])).content.decode()
    draft = Paperwork.objects.get(client=newcomer)
    assert draft.via == Via.TABLET
    desk.post(reverse("portal:tablet_step", args=[1]), ABOUT)
    desk.post(reverse("portal:tablet_step", args=[2]), answers_for(draft))
    response = desk.post(reverse("portal:tablet_step", args=[3]), consent_for(draft, "nora  quinn"))
    assert response["Location"] == reverse("portal:tablet_done")
    locked = desk.get(reverse("portal:tablet_step", args=[1]), follow=True).content.decode()
    assert "hand the tablet back" in locked and "Nora" not in locked
    newcomer.refresh_from_db()
    assert newcomer.paperwork_done
    assert paperwork.status_of(newcomer).label.startswith("Paperwork done on the clinic's tablet")


def test_a_tablet_without_a_started_form_is_locked(client):
    response = client.get(reverse("portal:tablet_step", args=[1]), follow=True)
    assert "This tablet is locked" in response.content.decode()


# --------------------------------------------------------------------------- reminder


def test_the_reminder_goes_3_days_before_session_1_with_the_invitation_link(
    clinic,
    practitioner,
    front_desk,
    eager,
    django_capture_on_commit_callbacks,
    frozen_now,
):
    ivy = make_client(clinic, first_name="Ivy", last_name="Lee", paperwork_completed_at=None)
    plan = make_plan(ivy)
    first = booking.book_session(
        plan=plan, starts_at=chicago(3, 12, 9), practitioner=practitioner, by=front_desk
    )
    row = Reminder.objects.get(session=first, kind="paperwork_reminder")
    assert row.due_at == chicago(3, 9, 10)
    with (
        time_machine.travel(chicago(3, 9, 10, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dispatch_due_reminders()
    row.refresh_from_db()
    assert row.status == ReminderStatus.SENT
    message = next(m for m in mail.outbox if "paperwork" in m.subject.lower())
    invitation = PortalInvitation.objects.get(client=ivy)
    assert invitation.created_by is None and "/portal/invitation/" in message.body
    # Exactly once: another dispatch sends nothing more.
    with (
        time_machine.travel(chicago(3, 9, 10, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dispatch_due_reminders()
    assert sum("paperwork" in m.subject.lower() for m in mail.outbox) == 1


def test_no_reminder_when_the_paperwork_is_done_in_time(
    clinic,
    practitioner,
    front_desk,
    eager,
    django_capture_on_commit_callbacks,
    frozen_now,
):
    ivy = make_client(clinic, first_name="Ivy", last_name="Lee", paperwork_completed_at=None)
    make_portal_user(ivy)
    plan = make_plan(ivy)
    first = booking.book_session(
        plan=plan, starts_at=chicago(3, 12, 9), practitioner=practitioner, by=front_desk
    )
    complete_online(signed_in(ivy.user), ivy)
    with (
        time_machine.travel(chicago(3, 9, 10, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dispatch_due_reminders()
    row = Reminder.objects.get(session=first, kind="paperwork_reminder")
    assert row.status == ReminderStatus.CANCELLED and row.note == "The paperwork is done."
    done_client = make_client(clinic)
    session = booking.book_session(
        plan=make_plan(done_client), starts_at=chicago(3, 13, 9), practitioner=practitioner, by=front_desk
    )
    assert not Reminder.objects.filter(session=session, kind="paperwork_reminder").exists()
    aftercare.session_rescheduled(session=session)
    assert not Reminder.objects.filter(session=session, kind="paperwork_reminder").exists()


# --------------------------------------------------------------------------- touch-up


def test_a_plan_made_more_than_12_months_after_the_paperwork_asks_again(
    clinic, practitioner, front_desk, frozen_now
):
    old = make_client(
        clinic,
        first_name="Otto",
        last_name="Old",
        paperwork_completed_at=timezone.now() - dt.timedelta(days=400),
    )
    make_portal_user(old)
    touch_up = make_plan(old)
    first = make_session(touch_up, number=1, starts_at=chicago(3, 2, 9), practitioner=practitioner)
    with pytest.raises(BookingRefused) as error:
        booking.check_in_session(session=first, by=front_desk)
    assert error.value.code == "paperwork_missing" and "too long ago" in error.value.message
    assert paperwork.needs_paperwork(old)
    assert (
        "Please complete your paperwork" in signed_in(old.user).get(reverse("portal:home")).content.decode()
    )
    clinic.paperwork_repeat_months = 24
    clinic.save()
    old.refresh_from_db()
    assert not paperwork.needs_paperwork(Client.objects.get(pk=old.pk))


# --------------------------------------------------------------------------- audit and roles


@pytest.fixture
def noras_practitioner(newcomer, practitioner):
    """R14: the practitioner holds Nora's session 1, so her answers are theirs to read."""
    make_session(newcomer.plans.get(), number=1, starts_at=chicago(3, 20, 10), practitioner=practitioner)
    return practitioner


def test_a_practitioner_without_a_session_of_hers_breaks_the_glass_first(completed, newcomer, clinic):
    from tests.factories import make_staff

    other = make_staff("practitioner", clinic, first_name="Una", last_name="Related")
    make_session(newcomer.plans.get(), number=1, starts_at=chicago(3, 20, 10), practitioner=other)
    stranger = signed_in(make_staff("practitioner", clinic, first_name="Sam", last_name="Stranger"))
    response = stranger.get(reverse("practice:paperwork", args=[newcomer.pk]))
    assert response.status_code == 302 and "break-glass" in response.url
    assert not AuditEvent.objects.filter(client=newcomer, what="Questionnaire answers").exists()


def test_reads_of_the_answers_and_the_pdf_are_audited(nora_http, newcomer, noras_practitioner):
    practitioner = noras_practitioner
    done = complete_online(nora_http, newcomer)
    nora_http.get(reverse("portal:paperwork_pdf", args=[done.pk]))
    http = signed_in(practitioner)
    http.get(reverse("practice:paperwork", args=[newcomer.pk]))
    http.get(reverse("practice:paperwork_pdf", args=[newcomer.pk, done.pk]))
    events = list(AuditEvent.objects.filter(client=newcomer).values_list("kind", "what", "actor"))
    assert (AuditKind.EXPORT, "Paperwork PDF (own copy)", newcomer.user.pk) in events
    assert (AuditKind.READ, "Questionnaire answers", practitioner.pk) in events
    assert (AuditKind.EXPORT, "Paperwork PDF", practitioner.pk) in events


@pytest.fixture
def completed(nora_http, newcomer):
    return complete_online(nora_http, newcomer, keloid="yes")


def _staff_urls(newcomer, done):
    return {
        "answers": reverse("practice:paperwork", args=[newcomer.pk]),
        "pdf": reverse("practice:paperwork_pdf", args=[newcomer.pk, done.pk]),
    }


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 302),
        ("client", 403),
        ("front_desk", 403),
        ("practitioner", 200),
        ("manager", 200),
        ("outsider", 404),
        ("superuser", 403),
    ],
)
def test_roles_on_the_answers_and_the_staff_pdf(
    who, expected, completed, newcomer, front_desk, noras_practitioner, manager, outsider, superuser, clinic
):
    practitioner = noras_practitioner
    users = {
        "front_desk": front_desk,
        "practitioner": practitioner,
        "manager": manager,
        "outsider": outsider,
        "superuser": superuser,
        "client": newcomer.user,
    }
    http = HttpClient() if who == "anonymous" else signed_in(users[who])
    for name, url in _staff_urls(newcomer, completed).items():
        response = http.get(url)
        assert response.status_code == expected, (name, who)
        if expected == 200 and name == "answers":
            assert "keloid" in response.content.decode().lower()
    clear = reverse("practice:paperwork_clear", args=[newcomer.pk, completed.pk])
    assert http.post(clear, {"note": "checked"}).status_code in ({200: 302}.get(expected, expected),)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 302),
        ("client", 403),
        ("front_desk", 403),
        ("practitioner", 403),
        ("manager", 200),
        ("outsider", 403),
        ("superuser", 403),
    ],
)
def test_roles_on_the_setup_pages(
    who, expected, newcomer, front_desk, practitioner, manager, outsider, superuser
):
    users = {
        "front_desk": front_desk,
        "practitioner": practitioner,
        "manager": manager,
        "outsider": outsider,
        "superuser": superuser,
        "client": newcomer.user,
    }
    http = HttpClient() if who == "anonymous" else signed_in(users[who])
    for name in ("paperwork_setup", "paperwork_setup_questions", "paperwork_setup_consent"):
        assert http.get(reverse(f"frontdesk:{name}")).status_code == expected, name


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 302),
        ("client", 403),
        ("practitioner", 403),
        ("outsider", 404),
        ("superuser", 403),
    ],
)
def test_roles_on_starting_the_tablet(who, expected, newcomer, practitioner, outsider, superuser):
    users = {
        "practitioner": practitioner,
        "outsider": outsider,
        "superuser": superuser,
        "client": newcomer.user,
    }
    http = HttpClient() if who == "anonymous" else signed_in(users[who])
    response = http.post(reverse("frontdesk:paperwork_tablet", args=[newcomer.pk]))
    assert response.status_code == expected
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert not Paperwork.objects.filter(client=newcomer).exists()


@pytest.mark.parametrize("who", ["anonymous", "front_desk", "manager", "superuser"])
def test_the_portals_paperwork_pages_are_for_the_client_only(
    who, completed, newcomer, front_desk, manager, superuser
):
    users = {"front_desk": front_desk, "manager": manager, "superuser": superuser}
    http = HttpClient() if who == "anonymous" else signed_in(users[who])
    for url in (
        reverse("portal:paperwork"),
        step_url(completed, 1),
        reverse("portal:paperwork_done", args=[completed.pk]),
        reverse("portal:paperwork_pdf", args=[completed.pk]),
    ):
        assert http.get(url).status_code == (302 if who == "anonymous" else 403), url


def test_query_counts_stay_constant(
    nora_http, newcomer, completed, noras_practitioner, clinic, manager, django_assert_max_num_queries
):
    practitioner = noras_practitioner
    http = signed_in(practitioner)
    url = reverse("practice:paperwork", args=[newcomer.pk])
    with django_assert_max_num_queries(25):
        assert http.get(url).status_code == 200
    other = make_client(clinic, first_name="Ola", last_name="Other", paperwork_completed_at=None)
    make_portal_user(other)
    make_session(make_plan(other), number=1, starts_at=chicago(3, 21, 10), practitioner=practitioner)
    draft = paperwork.draft_for(other)
    other_http = signed_in(other.user)
    other_http.post(step_url(draft, 1), ABOUT)
    with django_assert_max_num_queries(20):
        assert other_http.get(step_url(draft, 2)).status_code == 200
    # Twice as many questions: the same number of queries.
    questions = [
        {
            f: getattr(q, f)
            for f in ("key", "text", "kind", "choices", "help_text", "required", "review_if_yes")
        }
        for q in draft.questionnaire.questions.all()
    ]
    more = questions + [{**q, "key": q["key"] + "_2"} for q in questions]
    paperwork.new_questionnaire_version(clinic=clinic, by=manager, questions=more)
    complete_online(other_http, other)
    with django_assert_max_num_queries(25):
        assert http.get(reverse("practice:paperwork", args=[other.pk])).status_code == 200
    assert QuestionnaireVersion.objects.filter(clinic=clinic).count() == 2


def test_only_a_manager_changes_the_versions(clinic, practitioner):
    with pytest.raises(paperwork.PaperworkRefused):
        paperwork.new_consent_version(clinic=clinic, by=practitioner, text="x", statements="y")
    assert paperwork.current_consent(clinic).number == 1


def test_the_demo_has_paperwork_to_complete_online_and_one_waiting_for_review():
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    jordan = Client.objects.get(first_name="Jordan", last_name="Lee", clinic__slug="chicago")
    assert jordan.user.username == "client.paperwork" and paperwork.needs_paperwork(jordan)
    riley = Client.objects.get(first_name="Riley", last_name="Stone")
    assert paperwork.status_of(riley).code == "review"
    assert "blood thinners" in pdf_text(bytes(paperwork.last_completed(riley).pdf))
