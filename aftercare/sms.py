"""Text messages: a small backend interface, chosen by settings.SMS_BACKEND.

- ConsoleBackend (development default): prints each message.
- FileBackend: appends one JSON line per message to settings.SMS_FILE_PATH (development and
  tests: a durable log of every hand-over, readable from another process).
- TwilioBackend: Twilio's REST API over the standard library. The HTTP call goes through an
  injectable `transport`, so tests replace only the outside world.

A backend's `send` returns the provider's message id, or raises TransientSendError (worth
retrying: network, 5xx, rate limit) or PermanentSendError (the provider refused the message).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from aftercare.errors import PermanentSendError, TransientSendError


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str
    reference: str = ""  # our id of the message (the outbox row), for the provider's logs


class BaseBackend:
    def send(self, message: TextMessage) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: TextMessage) -> str:
        provider_id = f"console-{uuid.uuid4().hex[:12]}"
        self.stream.write(f"SMS to {message.to} [{message.reference}]: {message.body}\n")
        self.stream.flush()
        return provider_id


class FileBackend(BaseBackend):
    """One JSON line per message. One os.write of one line with O_APPEND: lines from several
    worker processes never interleave, and a line written survives the writer being killed."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: TextMessage) -> str:
        provider_id = f"file-{uuid.uuid4().hex[:12]}"
        line = json.dumps({"id": provider_id, "to": message.to, "reference": message.reference,
                           "body": message.body}) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return provider_id

    def read(self) -> list[dict]:
        """The messages written so far (for tests and the demo)."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]


# transport(url, data, headers, timeout) -> (HTTP status, response body)
Transport = Callable[[str, bytes, dict, float], tuple[int, bytes]]


def urllib_transport(url: str, data: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https URL
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TransientSendError(f"Twilio unreachable: {error}") from error


class TwilioBackend(BaseBackend):
    """Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json."""

    api = "https://api.twilio.com/2010-04-01"

    def __init__(self, account_sid: str | None = None, auth_token: str | None = None,
                 from_number: str | None = None, *, transport: Transport | None = None,
                 timeout: float = 10.0):
        self.account_sid = account_sid or settings.TWILIO_ACCOUNT_SID
        self.auth_token = auth_token or settings.TWILIO_AUTH_TOKEN
        self.from_number = from_number or settings.TWILIO_FROM_NUMBER
        if not (self.account_sid and self.auth_token and self.from_number):
            raise ImproperlyConfigured(
                "TwilioBackend needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER."
            )
        self.transport = transport or urllib_transport
        self.timeout = timeout

    def send(self, message: TextMessage) -> str:
        url = f"{self.api}/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json"
        data = urllib.parse.urlencode(
            {"To": message.to, "From": self.from_number, "Body": message.body}
        ).encode()
        token = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        headers = {
            "Authorization": f"Basic {token}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        status, body = self.transport(url, data, headers, self.timeout)
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        if status in (200, 201) and payload.get("sid"):
            return payload["sid"]
        detail = payload.get("message") or body[:200].decode(errors="replace")
        if status == 429 or status >= 500:
            raise TransientSendError(f"Twilio answered {status}: {detail}")
        raise PermanentSendError(f"Twilio refused the message ({status}): {detail}")


def get_backend() -> BaseBackend:
    """The backend named by settings.SMS_BACKEND (a dotted path)."""
    return import_string(settings.SMS_BACKEND)()
