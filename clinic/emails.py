"""One way to send an e-mail: a subject, a text and an HTML template rendered with the same
context (STYLE.md #12). Templates live at `<prefix>_subject.txt`, `<prefix>.txt`,
`<prefix>.html`."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_email(prefix: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    return subject, render_to_string(f"{prefix}.txt", context), render_to_string(f"{prefix}.html", context)


def send_templated_email(prefix: str, context: dict, to: list[str]) -> str:
    """Render and send; returns the Message-ID so callers can record the hand-over."""
    subject, text, html = render_email(prefix, context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()
    return message.extra_headers.get("Message-ID", "")
