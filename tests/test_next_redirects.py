"""`next`: only a path on this site (one leading `/`) is followed; anything else - the values
that broke the portal invitation (`0`, `NaN`, `25:61`), other hosts, schemes, control
characters - falls back to the page's default, on every view that takes it."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from clinic.redirects import next_url
from tests.factories import make_client, sign_in

pytestmark = pytest.mark.django_db

HOSTILE_NEXT = [
    "0", "NaN", "25:61", "-1", "1e309", "2026-02-30", "", "   ", "frontdesk:home", "signed_in",
    "//evil.example/", "///evil.example/", "/\\evil.example/", "\\\\evil.example", "https://evil.example/",
    "http:/evil.example", "javascript:alert(1)", "data:text/html,x", "/\x00", "\x00/desk/",
    "/desk/\r\nSet-Cookie: x=1", " /desk/", "\u202e/desk/", "desk/", "../admin/",
    "<script>alert(1)</script>", "{\"a\": 1}", "'; DROP TABLE clinic_client; --", "/" + "x" * 5000,
]
SAFE_NEXT = ["/", "/desk/", "/desk/calendar/?date=2026-03-02&view=week", "/portal/\U0001f488/", "/x" * 1000]


@pytest.mark.parametrize("value", HOSTILE_NEXT)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anything_but_a_path_on_this_site_falls_back_to_the_default(value, method):
    request = getattr(RequestFactory(), method)("/anywhere/", {"next": value})
    assert next_url(request, "/default/") == "/default/"


@pytest.mark.parametrize("value", SAFE_NEXT)
def test_a_path_on_this_site_is_followed(value):
    assert next_url(RequestFactory().post("/anywhere/", {"next": value}), "/default/") == value
    assert next_url(RequestFactory().get("/anywhere/", {"next": value}), "/default/") == value


@pytest.mark.parametrize("value", ["0", "NaN", "25:61", "//evil.example/", "https://evil.example/", "/\x00"])
def test_the_portal_invitation_goes_back_to_the_client_whatever_next_says(client, clinic, front_desk, value):
    jo = make_client(clinic, first_name="Jo", email="jo@example.com")
    sign_in(client, front_desk)
    response = client.post(reverse("portal:invite", args=[jo.pk]), {"next": value})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:client_detail", args=[jo.pk])


@pytest.mark.parametrize("value", ["0", "NaN", "25:61", "//evil.example/", "javascript:alert(1)"])
def test_the_clinic_switcher_sign_in_and_sign_out_fall_back_too(client, clinic, front_desk, value):
    sign_in(client, front_desk)
    switched = client.post(reverse("switch_clinic"), {"clinic": clinic.pk, "next": value})
    assert switched.status_code == 302 and switched["Location"] == "/"
    assert client.get(reverse("accounts:verify"), {"next": value})["Location"] == reverse("signed_in")

    client.post(reverse("logout"), {"next": value})
    signed_out = client.get(reverse("login"))
    assert signed_out.status_code == 200
    assert f'value="{value}"' not in signed_out.content.decode()
    response = client.post(f"{reverse('login')}?next={value}",
                           {"username": front_desk.username, "password": "pigment-test-pw"})
    assert response.status_code == 302
    assert response["Location"] in (reverse("signed_in"), "/") or response["Location"].startswith(
        reverse("accounts:verify"))
    assert "evil" not in response["Location"] and value not in ("", response["Location"])


def test_a_path_on_this_site_is_kept_through_sign_in(client, front_desk):
    response = client.post(f"{reverse('login')}?next=/desk/",
                           {"username": front_desk.username, "password": "pigment-test-pw"})
    assert response.status_code == 302 and response["Location"] == "/desk/"
