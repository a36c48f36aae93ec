"""Helpers of the paperwork tests (R17): a drawn signature, the steps' form data, a PDF's text."""

from __future__ import annotations

import base64
import io

from django.urls import reverse
from PIL import Image, ImageDraw
from pypdf import PdfReader

from clinic import paperwork
from clinic.paperwork_models import Paperwork


def signature_data_url(*, blank: bool = False) -> str:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(10, 90), (80, 20), (150, 95), (280, 30)], fill=(16, 32, 58, 255), width=3
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


ABOUT = {
    "date_of_birth": "1985-06-15",
    "address": "12 Lake St, Chicago",
    "emergency_contact": "Kim, 312 555 0101",
}


def answers_for(draft: Paperwork, **overrides) -> dict:
    """Step 2's form data: every yes/no "no", the first option of each choice, overrides win."""
    data = {"version": draft.questionnaire_id}
    for q in draft.questionnaire.questions.all():
        if q.kind == "yes_no":
            data[q.key] = "no"
        elif q.kind == "choice":
            data[q.key] = q.options[0]
    data.update(overrides)
    return data


def consent_for(draft: Paperwork, name: str, **overrides) -> dict:
    statements = draft.consent.statement_list
    data = {
        "typed_name": name,
        "signature": signature_data_url(),
        "consent_version": draft.consent_id,
        "statements": [str(i) for i in range(len(statements))],
    }
    data.update(overrides)
    return data


def step_url(draft: Paperwork, n: int) -> str:
    return reverse("portal:paperwork_step", args=[draft.pk, n])


def complete_online(http, client, **answers) -> Paperwork:
    """Walk a signed-in client through the three steps; returns the completed paperwork."""
    http.get(reverse("portal:paperwork"))
    draft = paperwork.draft_for(client)
    assert http.post(step_url(draft, 1), ABOUT).status_code == 302
    assert http.post(step_url(draft, 2), answers_for(draft, **answers)).status_code == 302
    response = http.post(step_url(draft, 3), consent_for(draft, client.full_name))
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    return draft


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
