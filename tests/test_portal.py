"""Client portal: invitation, sign-in by e-mail, my plan, aftercare now, next session (.ics),
the third-session request, preferences - and isolation between clients."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clinic.models import PortalInvitation, SlotRequest, SlotRequestStatus
from sessions_app import booking
from sessions_app.models import SessionStatus
from tests.clock import CHICAGO, chicago
from tests.factories import (
    PASSWORD,
    make_client,
    make_plan,
    make_portal_user,
    make_session,
    make_staff,
    sign_in,
    write_full_log,
)

pytestmark = pytest.mark.django_db

# Wednesday 11 March 2026, 10:00 in Chicago: the day after session 2.
NOW = dt.datetime(2026, 3, 11, 10, 0, tzinfo=CHICAGO)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def between_2_and_3(clinic, practitioner, clock):
    """Sam: session 1 on 17 Feb, session 2 yesterday 14:00-17:00, session 3 quoted."""
    sam = make_client(clinic, first_name="Sam", last_name="Rivera", email="Sam.Rivera@example.com")
    plan = make_plan(sam, quoted_sessions=3, status="active")
    make_session(plan, number=1, starts_at=chicago(2, 17), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=chicago(3, 10, 14), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_portal_user(sam)
    return plan


def sign_in_client_of(client, plan):
    sign_in(client, plan.client.user)


# --------------------------------------------------------------------------- invitation


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the invitation e-mail is sent once the row is committed)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_an_invitation_sets_a_password_once_and_signs_the_client_in(client, clinic, front_desk, on_commit):
    jo = make_client(clinic, first_name="Jo", email="jo@example.com")
    sign_in(client, front_desk)
    with on_commit():
        response = client.post(reverse("portal:invite", args=[jo.pk]), {"next": "/"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jo@example.com"]
    link = re.search(r"https?://[^/]+(/portal/invitation/[^/\s]+/)", mail.outbox[0].body).group(1)
    assert PortalInvitation.objects.get().token_hash not in link  # only a hash is stored

    client.logout()
    assert client.get(link).status_code == 200
    weak = client.post(link, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and b"too short" in weak.content
    done = client.post(link, {"password1": "a-Long-pass-2026", "password2": "a-Long-pass-2026"})
    assert done.status_code == 302 and done.url == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    jo.refresh_from_db()
    assert jo.user.username == "jo@example.com"

    client.logout()
    reused = client.get(link)
    assert reused.status_code == 410 and b"no longer works" in reused.content
    again = {"password1": "x-Other-pass-1", "password2": "x-Other-pass-1"}
    assert client.post(link, again).status_code == 410


def test_invitations_expire_and_a_new_one_replaces_the_old(client, clinic, front_desk, on_commit):
    jo = make_client(clinic, email="jo@example.com")
    sign_in(client, front_desk)
    for _ in range(2):
        with on_commit():
            client.post(reverse("portal:invite", args=[jo.pk]))
    first, second = (re.search(r"(/portal/invitation/[^/\s]+/)", m.body).group(1) for m in mail.outbox)
    client.logout()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    with time_machine.travel(dt.timedelta(days=8)):
        assert client.get(second).status_code == 410


def test_only_the_clients_clinic_front_desk_or_manager_can_invite(client, client_, practitioner, outsider):
    url = reverse("portal:invite", args=[client_.pk])
    sign_in(client, practitioner)
    assert client.post(url).status_code == 403
    sign_in(client, outsider)
    assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302 and not mail.outbox
    assert not PortalInvitation.objects.exists()


def test_a_client_signs_in_with_their_email_address(client, between_2_and_3):
    user = between_2_and_3.client.user
    user.set_password(PASSWORD)
    user.email = "Sam.Rivera@example.com"
    user.save()
    response = client.post(reverse("login"), {"username": "sam.rivera@EXAMPLE.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response.url, follow=True).request["PATH_INFO"] == reverse("portal:home")


# --------------------------------------------------------------------------- my plan


def test_the_aftercare_window_comes_first_while_it_is_open(client, between_2_and_3):
    sign_in_client_of(client, between_2_and_3)
    page = client.get(reverse("portal:home")).content.decode()
    assert "day 2 of 4" in page
    assert "until <strong>Saturday 14 March, 5 pm</strong>; no swimming or heavy sweating" in page
    assert page.index("aftercare-now") < page.index("My plan")
    assert "2 of 3 sessions" in page


def test_after_the_window_closes_the_client_sees_all_clear(client, between_2_and_3, clock):
    clock.move_to(chicago(3, 14, 18))
    sign_in_client_of(client, between_2_and_3)
    page = client.get(reverse("portal:home")).content.decode()
    assert "aftercare-now" not in page and "All clear" in page


def test_the_third_session_window_and_deposit_are_shown(client, between_2_and_3):
    sign_in_client_of(client, between_2_and_3)
    page = client.get(reverse("portal:home")).content.decode()
    assert "between 31 March and 7 April" in page
    assert "A booking deposit of <strong>$100.00</strong> is required" in page


def test_the_client_requests_a_third_session_slot_inside_the_window(client, between_2_and_3):
    sign_in_client_of(client, between_2_and_3)
    url = reverse("portal:third_session", args=[between_2_and_3.pk])
    page = client.get(url)
    choices = re.findall(r'name="slot" value="([^"]+)"', page.content.decode())
    assert choices and all("2026-03-31" <= c[:10] <= "2026-04-07" for c in choices)

    assert client.post(url, {"slot": "2026-03-20T10:00"}).status_code == 200  # not offered
    assert not SlotRequest.objects.exists()

    response = client.post(url, {"slot": choices[0]})
    assert response.status_code == 302
    request = SlotRequest.objects.get()
    assert request.status == SlotRequestStatus.OPEN
    assert f"{request.starts_at.astimezone(CHICAGO):%Y-%m-%dT%H:%M}" == choices[0]
    client.post(url, {"slot": choices[1]})
    assert SlotRequest.objects.filter(status=SlotRequestStatus.OPEN).count() == 1


def test_the_next_session_has_a_calendar_file(client, clinic, practitioner, front_desk, frozen_now):
    kim = make_client(clinic, first_name="Kim")
    plan = make_plan(kim)
    session = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                   by=front_desk)
    make_portal_user(kim)
    sign_in(client, kim.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Tuesday 3 March" in page and "10:00" in page, page[page.find("<main"):][:3000]
    ics = client.get(reverse("portal:session_ics", args=[session.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "DTSTART;TZID=America/Chicago:20260303T100000" in body
    assert "SUMMARY:SMP session 1 of 2" in body


def test_the_bill_shows_price_payments_deposits_and_balance(client, between_2_and_3, front_desk):
    booking.record_payment(plan=between_2_and_3, amount=Decimal("1000.00"), by=front_desk)
    booking.record_deposit(plan=between_2_and_3, amount=Decimal("100.00"), by=front_desk)
    sign_in_client_of(client, between_2_and_3)
    page = client.get(reverse("portal:home")).content.decode()
    # R6: a paid deposit is money received at once: 2400 - 1000 - 100.
    assert 'data-testid="balance">$1,300.00' in page
    assert 'data-testid="deposits-paid">$100.00' in page


def test_preferences_change_consent_and_keep_bad_input(client, between_2_and_3):
    sign_in_client_of(client, between_2_and_3)
    url = reverse("portal:preferences")
    bad = client.post(url, {"email": "not-an-email", "phone": "", "email_consent": "on",
                            "sms_consent": "on"})
    assert bad.status_code == 200 and b"not-an-email" in bad.content
    assert b"Add a mobile number" in bad.content
    ok = client.post(url, {"email": "sam@example.com", "phone": "+1 312 555 0199",
                           "email_consent": "on"})
    assert ok.status_code == 302
    sam = between_2_and_3.client
    sam.refresh_from_db()
    assert (sam.email, sam.email_consent, sam.sms_consent) == ("sam@example.com", True, False)
    assert sam.history.first().history_user == sam.user


# --------------------------------------------------------------------------- isolation


def portal_links(client) -> set[str]:
    """Every /portal/ URL reachable from the signed-in client's pages."""
    seen, todo = set(), [reverse("portal:home")]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            for link in re.findall(r'(?:href|action)="(/portal/[^"#]*)"', response.content.decode()):
                todo.append(link.replace("&amp;", "&"))
    return seen


def test_a_client_reaches_only_their_own_records(client, clinic, practitioner, between_2_and_3, front_desk):
    bea = make_client(clinic, first_name="Beatrix", last_name="Other")
    plan_b = make_plan(bea, quoted_sessions=3, status="active")
    make_session(plan_b, number=1, starts_at=chicago(2, 16), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan_b, number=2, starts_at=chicago(3, 9), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan_b, number=3, starts_at=chicago(4, 1), practitioner=practitioner)
    make_plan(bea, quoted_sessions=2, treatment_area="scar")  # a second plan: ?plan= links
    sign_in(client, make_portal_user(bea))
    urls_b = portal_links(client)
    assert any(re.search(r"/\d+/", u) or "plan=" in u for u in urls_b), urls_b

    sign_in(client, between_2_and_3.client.user)  # client A
    for url in urls_b:
        response = client.get(url)
        if re.search(r"/\d+/", url) or "plan=" in url:
            assert response.status_code == 404, url
        else:
            assert response.status_code in (200, 302), url
            assert b"Beatrix" not in response.content, url

    client.logout()
    for url in urls_b:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_staff_cannot_use_the_portal_and_clients_cannot_use_staff_pages(client, front_desk, between_2_and_3):
    sign_in(client, front_desk)
    assert client.get(reverse("portal:home")).status_code == 403
    sign_in(client, between_2_and_3.client.user)
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.post(reverse("switch_clinic"), {"clinic": 1}).status_code == 403


def test_someone_who_is_both_staff_and_client_can_use_both(client, clinic, between_2_and_3):
    colleague = make_staff("front_desk", clinic)
    sam = between_2_and_3.client
    sam.user = colleague
    sam.save()
    sign_in(client, colleague)
    assert client.get(reverse("portal:home")).status_code == 200


def test_portal_pages_keep_a_constant_number_of_queries(
    client, clinic, practitioner, between_2_and_3, front_desk, django_assert_max_num_queries
):
    sign_in_client_of(client, between_2_and_3)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("portal:home"))
    for _ in range(6):  # more plans, deposits and payments
        other = make_plan(between_2_and_3.client, quoted_sessions=2, treatment_area="scar")
        booking.record_payment(plan=other, amount=Decimal("10.00"), by=front_desk)
        booking.record_payment(plan=between_2_and_3, amount=Decimal("10.00"), by=front_desk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("portal:home"))


def test_the_third_session_page_offers_spaced_times_with_bounded_queries(
    client, clinic, practitioner, between_2_and_3, front_desk, django_assert_max_num_queries
):
    sign_in_client_of(client, between_2_and_3)
    url = reverse("portal:third_session", args=[between_2_and_3.pk])
    with django_assert_max_num_queries(200) as few:
        page = client.get(url).content.decode()
    times = re.findall(r'name="slot" value="(\d{4}-\d\d-\d\d)T(\d\d:\d\d)"', page)
    assert [t for d, t in times[:2]] == ["09:00", "13:00"]  # a morning and an afternoon
    # Other clients fill some of the days: the page does not need more queries.
    for day in (31, 1, 2):
        other = make_plan(make_client(clinic), quoted_sessions=2)
        month = 3 if day == 31 else 4
        make_session(other, number=1, starts_at=dt.datetime(2026, month, day, 9, tzinfo=CHICAGO),
                     practitioner=practitioner)
    with django_assert_max_num_queries(len(few.captured_queries) + 10):
        client.get(url)


def test_the_front_desk_invites_from_the_client_page(client, front_desk, client_, on_commit):
    sign_in(client, front_desk)
    page = client.get(reverse("frontdesk:client_detail", args=[client_.pk])).content.decode()
    assert f'action="{reverse("portal:invite", args=[client_.pk])}"' in page
    with on_commit():
        response = client.post(reverse("portal:invite", args=[client_.pk]),
                               {"next": reverse("frontdesk:client_detail", args=[client_.pk])}, follow=True)
    assert "Invitation sent to" in response.content.decode() and len(mail.outbox) == 1


@pytest.mark.usefixtures("eager")
def test_the_client_reads_the_messages_sent_to_them(
    client, clinic, practitioner, front_desk, django_assert_max_num_queries, on_commit
):
    from aftercare.models import Reminder, ReminderStatus
    from aftercare.tasks import dispatch_due_reminders

    with time_machine.travel(chicago(3, 10, 13), tick=False) as clock:
        kim = make_client(clinic, first_name="Kim")
        plan = make_plan(kim, quoted_sessions=2)
        make_session(plan, number=1, starts_at=chicago(2, 20), practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
        second = booking.book_session(plan=plan, starts_at=chicago(3, 10, 14), practitioner=practitioner,
                                      by=front_desk)
        clock.move_to(chicago(3, 10, 17))
        write_full_log(second, practitioner)
        booking.complete_session(session=second, by=practitioner)
        clock.move_to(chicago(3, 12, 12))
        with on_commit():
            dispatch_due_reminders()
    sent = Reminder.objects.filter(client=kim, status=ReminderStatus.SENT)
    assert sent.exists()
    sign_in(client, make_portal_user(kim))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("portal:messages")).content.decode()
    assert "Read the message" in page and "Kim" in page
    assert page.count("<article") == sent.count()


def test_a_portal_request_reaches_the_worklist_and_the_booking_settles_it(
    client, between_2_and_3, front_desk
):
    sign_in_client_of(client, between_2_and_3)
    url = reverse("portal:third_session", args=[between_2_and_3.pk])
    choice = re.findall(r'name="slot" value="([^"]+)"', client.get(url).content.decode())[0]
    client.post(url, {"slot": choice})
    request = SlotRequest.objects.get()

    booking.record_deposit(plan=between_2_and_3, amount=Decimal("100.00"), by=front_desk)
    sign_in(client, front_desk)
    page = client.get(reverse("money:worklist_third_session")).content.decode()
    assert "Asked online for" in page
    book_link = f'{reverse("frontdesk:book_session", args=[between_2_and_3.pk])}?starts_at={choice}'
    assert book_link in page

    booking.book_session(plan=between_2_and_3, starts_at=request.starts_at,
                         practitioner=request.practitioner, by=front_desk)
    request.refresh_from_db()
    assert request.status == SlotRequestStatus.BOOKED and request.handled_by == front_desk


@pytest.mark.usefixtures("eager")
def test_with_eager_celery_a_direct_dispatch_sends_inside_the_callers_transaction(
    clinic, practitioner, front_desk
):
    """The acceptance style: complete, move the clock, call the beat task by hand."""
    from aftercare.tasks import dispatch_due_reminders

    with time_machine.travel(chicago(3, 10, 13), tick=False) as clock:
        plan = make_plan(make_client(clinic, email="lee@example.com"), quoted_sessions=2)
        make_session(plan, number=1, starts_at=chicago(2, 20), practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
        second = booking.book_session(plan=plan, starts_at=chicago(3, 10, 14),
                                      practitioner=practitioner, by=front_desk)
        clock.move_to(chicago(3, 10, 17))
        write_full_log(second, practitioner)
        booking.complete_session(session=second, by=practitioner)
        clock.move_to(chicago(3, 10, 18))
        dispatch_due_reminders()
    assert [m.to for m in mail.outbox] and all(m.to == ["lee@example.com"] for m in mail.outbox)
