"""The shell every area shares: sign in, the role start page, the clinic switcher, error
pages, and the admin scoped to a staff member's clinics."""

import pytest
from django.urls import reverse

from clinic.models import Client
from tests.factories import PASSWORD, make_client, make_portal_user, make_staff, sign_in

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_works_for_everyone(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in to Pigment" in response.content
    assert "Content-Security-Policy" in response.headers


def test_staff_sign_in_and_land_on_a_page(client, front_desk):
    response = client.post(
        reverse("login"), {"username": front_desk.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"] == front_desk


def test_a_wrong_password_keeps_the_username_and_says_so(client, front_desk):
    response = client.post(reverse("login"), {"username": front_desk.username, "password": "nope"})
    assert response.status_code == 200
    assert front_desk.username.encode() in response.content
    assert b"correct username and password" in response.content


def test_the_clinic_switcher_is_remembered_and_scoped(client, clinic, other_clinic):
    both = make_staff("front_desk", clinic, clinics=[other_clinic])
    sign_in(client, both)
    response = client.post(reverse("switch_clinic"), {"clinic": other_clinic.pk, "next": "/"})
    assert response.status_code == 302
    both.staff_profile.refresh_from_db()
    assert both.staff_profile.current_clinic == other_clinic


def test_the_switcher_refuses_a_clinic_the_user_does_not_work_at(client, front_desk, other_clinic):
    sign_in(client, front_desk)
    response = client.post(reverse("switch_clinic"), {"clinic": other_clinic.pk})
    assert response.status_code == 404


def test_the_switcher_is_for_staff_only(client, client_):
    sign_in(client, make_portal_user(client_))
    assert client.post(reverse("switch_clinic"), {"clinic": client_.clinic.pk}).status_code == 403
    client.logout()
    assert client.post(reverse("switch_clinic"), {"clinic": client_.clinic.pk}).status_code == 302


def test_unknown_pages_get_the_apps_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We couldn't find that page" in response.content


def test_the_admin_shows_a_manager_only_their_clinics_clients(client, clinic, other_clinic, manager):
    mine = make_client(clinic, last_name="Mine")
    theirs = make_client(other_clinic, last_name="Theirs")
    sign_in(client, manager)
    listing = client.get(reverse("admin:clinic_client_changelist"))
    assert listing.status_code == 200
    assert b"Mine" in listing.content and b"Theirs" not in listing.content
    assert client.get(reverse("admin:clinic_client_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:clinic_client_change", args=[mine.pk])).status_code == 200
    assert Client.objects.count() == 2


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_front_desk_and_practitioners_have_no_admin_at_all(client, clinic, client_, role):
    sign_in(client, make_staff(role, clinic))
    url = reverse("admin:clinic_client_change", args=[client_.pk])
    response = client.post(url, {"first_name": "Changed"})
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:index")).status_code == 302
    client_.refresh_from_db()
    assert client_.first_name != "Changed"


def test_the_admin_is_closed_to_clients_and_anonymous_users(client, client_):
    assert client.get(reverse("admin:index")).status_code == 302
    sign_in(client, make_portal_user(client_))
    assert client.get(reverse("admin:index")).status_code == 302


def test_clinical_records_are_listed_in_the_admin_for_managers_only(
    client, practitioner, front_desk, manager
):
    url = reverse("admin:sessions_app_sessionrecord_changelist")
    sign_in(client, manager)
    assert client.get(url).status_code == 200
    for user in (practitioner, front_desk):  # they read records on the practice pages
        sign_in(client, user)
        assert client.get(url).status_code == 302


def test_pages_name_a_favicon_served_by_the_app(client):
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page


def test_next_never_redirects_to_another_site(client, clinic, other_clinic):
    both = make_staff("front_desk", clinic, clinics=[other_clinic])
    sign_in(client, both)
    response = client.post(reverse("switch_clinic"), {"clinic": clinic.pk, "next": "https://evil.example/"})
    assert response.url == "/"


def test_password_reset_mails_a_link_that_sets_a_new_password(client, client_):
    import re

    from django.core import mail

    user = make_portal_user(client_)
    response = client.post(reverse("password_reset"), {"email": client_.email})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Fresh-pass-2026",
                                                    "new_password2": "Fresh-pass-2026"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Fresh-pass-2026")


def test_error_pages_look_like_the_app(client, client_, rf):
    from django.template.loader import render_to_string

    sign_in(client, make_portal_user(client_))
    forbidden = client.get(reverse("admin:index").replace("admin/", "desk/"))
    assert forbidden.status_code == 403 and b"You don't have access to this page" in forbidden.content
    page = render_to_string("500.html", request=rf.get("/"))
    assert "Something went wrong on our side" in page and "bootstrap.min.css" in page
