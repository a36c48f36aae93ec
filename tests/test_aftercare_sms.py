"""SMS backends: console and file for development, Twilio's REST API for production. Only the
outside world is faked: the HTTP transport given to the Twilio backend."""

import io
import json
import urllib.parse

import pytest
from django.core.exceptions import ImproperlyConfigured

from aftercare import sms


class FakeTwilio:
    """Stands in for api.twilio.com: records each request, answers what it was told."""

    def __init__(self, status=201, body=None, error=None):
        self.status, self.body, self.error = status, body, error
        self.requests = []

    def __call__(self, url, data, headers, timeout):
        self.requests.append({"url": url, "data": urllib.parse.parse_qs(data.decode()),
                              "headers": headers, "timeout": timeout})
        if self.error:
            raise self.error
        body = self.body if self.body is not None else {"sid": "SM123", "status": "queued"}
        return self.status, json.dumps(body).encode()


def twilio(transport) -> sms.TwilioBackend:
    return sms.TwilioBackend("AC42", "secret", "+15550001111", transport=transport)


MESSAGE = sms.TextMessage(to="+13125550123", body="Don't wash your scalp until Saturday", reference="7")


def test_twilio_posts_the_message_with_basic_auth_and_returns_its_sid():
    fake = FakeTwilio()
    assert twilio(fake).send(MESSAGE) == "SM123"
    [request] = fake.requests
    assert request["url"] == "https://api.twilio.com/2010-04-01/Accounts/AC42/Messages.json"
    assert request["data"] == {"To": ["+13125550123"], "From": ["+15550001111"],
                               "Body": ["Don't wash your scalp until Saturday"]}
    assert request["headers"]["Authorization"] == "Basic QUM0MjpzZWNyZXQ="  # AC42:secret
    assert request["timeout"] == 10.0


@pytest.mark.parametrize("status", [429, 500, 503])
def test_twilio_busy_or_down_is_worth_retrying(status):
    with pytest.raises(sms.TransientSendError, match=str(status)):
        twilio(FakeTwilio(status=status, body={"message": "busy"})).send(MESSAGE)


def test_twilio_refusing_the_number_is_final():
    fake = FakeTwilio(status=400, body={"code": 21211, "message": "The 'To' number is not valid."})
    with pytest.raises(sms.PermanentSendError, match="not valid"):
        twilio(fake).send(MESSAGE)


def test_twilio_unreachable_is_worth_retrying():
    with pytest.raises(sms.TransientSendError):
        twilio(FakeTwilio(error=sms.TransientSendError("timed out"))).send(MESSAGE)


def test_twilio_without_credentials_refuses_to_start(settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.TWILIO_FROM_NUMBER = ""
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        sms.TwilioBackend()


def test_the_file_backend_appends_one_line_per_message(tmp_path):
    backend = sms.FileBackend(tmp_path / "out" / "sms.jsonl")
    first, second = backend.send(MESSAGE), backend.send(MESSAGE)
    assert first != second
    assert [line["id"] for line in backend.read()] == [first, second]
    assert backend.read()[0]["to"] == "+13125550123"


def test_the_console_backend_prints_the_message():
    stream = io.StringIO()
    sms.ConsoleBackend(stream).send(MESSAGE)
    assert stream.getvalue() == "SMS to +13125550123 [7]: Don't wash your scalp until Saturday\n"


def test_the_backend_is_chosen_by_the_setting(settings, tmp_path):
    settings.SMS_BACKEND = "aftercare.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    backend = sms.get_backend()
    assert isinstance(backend, sms.FileBackend)
    assert str(backend.path) == settings.SMS_FILE_PATH
