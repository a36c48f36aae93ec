"""The hostile-input harness (tests/test_fuzz_pages.py): crawl what a signed-in role can reach
from the start page, then send hostile values, one field or parameter at a time, to every
form field, query parameter and numeric path segment found. Nothing here knows a page by
name: a new page joins by being linked from one the role already reaches.

What counts as a failure: any 5xx (or an exception escaping a view), and a refused POST (the
form shown again, or a 4xx) that changed how many rows a table holds."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import Resolver404, resolve
from hypothesis import strategies as st
from PIL import Image

# Every value the issue lists, and their neighbours. Text only: a file field gets FILES too.
HOSTILE = [
    "", " ", "   ", "\t\n", "0", "00", "-0", "-1", "-2147483649", "2147483648", "9223372036854775808",
    "99999999999999999999999999999999", "-99999999999999999999", "1.5", "-0.01", "1e309", "-1e309",
    "1e-400", "NaN", "nan", "inf", "-Infinity", "0x1F", "1_000", "١٢٣", "2026-02-30", "0001-01-01",
    "9999-12-31", "10000-01-01", "2026-13-01", "0000-00-00", "2026-03-02T25:61", "25:61", "24:00",
    "-1:00", "12:00:60", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}",
    "\x00", "a\x00b", "\x1b[31m", "\u202eevil\u202c", "\u200b", "\U0001f488\U0001d54f\U00010348",
    "Zoë Ångström", "x" * 5000, "' OR '1'='1", "'; DROP TABLE clinic_client; --", "1; SELECT pg_sleep(0)",
    "../../../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "%00", "%2e%2e%2f",
    "file:///etc/passwd", "//evil.example/", "https://evil.example/", "javascript:alert(1)",
    '{"a": [1, {"b": null}]}', "[]", "null", "true", "False", "\r\nSet-Cookie: x=1",
    ["1", "2"], ["", "x" * 300],  # the same name sent twice
]

# The values the issue names, sent to every field and parameter on every run; HOSTILE (all of
# them) in the long run; hypothesis adds generated ones.
HOSTILE_CORE = [
    "", "   ", "0", "-1", "99999999999999999999999999999999", "1e309", "NaN", "2026-02-30",
    "0001-01-01", "25:61", "<script>alert(1)</script>", "\x00", "\u202eevil\u202c",
    "\U0001f488\U0001d54f", "x" * 5000, "'; DROP TABLE clinic_client; --", "../../../../etc/passwd",
    '{"a": [1, {"b": null}]}', ["1", "2"],
]

# What a generated value may look like: any text (astral, right-to-left, controls), numbers
# written every way, dates and times out of range, and the fixed list above.
_NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
_DATES = st.builds(
    "{:04d}-{:02d}-{:02d}".format, st.integers(0, 10000), st.integers(0, 13), st.integers(0, 32)
)
_TIMES = st.builds("{:02d}:{:02d}".format, st.integers(0, 99), st.integers(0, 99))
HOSTILE_VALUES = st.one_of(
    st.sampled_from([v for v in HOSTILE if isinstance(v, str)]),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8"), max_size=300),
    _NUMBERS, _DATES, _TIMES,
    st.lists(st.text(max_size=10), min_size=2, max_size=3),
)


# What a generated upload may look like: a name and a declared type from the lists above,
# and for content either raw bytes or a spreadsheet-like text (a header of plausible and
# hostile column names, rows of hostile values) in one of the encodings a clinic's export uses.
_COLUMN_NAMES = st.one_of(
    st.sampled_from(["first_name", "last_name", "email", "phone", "date_of_birth", "price",
                     "quoted_sessions", "treatment_area", "last_session_on", "notes"]),
    st.text(max_size=20),
)
_CELLS = st.one_of(st.sampled_from([v for v in HOSTILE if isinstance(v, str) and len(v) < 100]),
                   st.text(max_size=40), _NUMBERS, _DATES)
_TABLE = st.builds(
    lambda header, rows, sep, encoding: "\r\n".join(
        sep.join(cell.replace("\x00", "") if encoding != "utf-8" else cell for cell in line)
        for line in [header, *rows]).encode(encoding, errors="replace"),
    st.lists(_COLUMN_NAMES, min_size=1, max_size=6),
    st.lists(st.lists(_CELLS, max_size=7), max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
)
HOSTILE_UPLOADS = st.builds(
    lambda name, content, content_type: SimpleUploadedFile(name or "x", content, content_type=content_type),
    st.one_of(st.sampled_from(["clients.csv", "clients.xlsx", "photo.jpg", "../../x.csv", "\u202ecsv.exe"]),
              st.text(st.characters(blacklist_characters="/\x00"), max_size=80)),
    st.one_of(st.binary(max_size=2048), _TABLE),
    st.sampled_from(["text/csv", "image/jpeg", "application/octet-stream", "../../x", ""]),
)


def _png(size) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 100, 90)).save(buffer, format="JPEG")
    return buffer.getvalue()


def hostile_files() -> list[SimpleUploadedFile]:
    """Uploads an attacker (or a confused phone) sends: empty, not an image, cut short, a
    decompression bomb, a name that climbs folders, a name of 5,000 characters."""
    jpeg = _jpeg()
    return [
        SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
        SimpleUploadedFile("notes.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg"),
        SimpleUploadedFile("cut.jpg", jpeg[: len(jpeg) // 2], content_type="image/jpeg"),
        SimpleUploadedFile("bomb.png", _png((20000, 20000)), content_type="image/png"),
        SimpleUploadedFile("../../../etc/passwd.jpg", jpeg, content_type="image/jpeg"),
        SimpleUploadedFile("x" * 5000 + ".jpg", jpeg, content_type="image/jpeg"),
        SimpleUploadedFile("\x00\u202e.jpg", jpeg, content_type="../../x"),
    ]


# --------------------------------------------------------------------------- parsing pages


@dataclass
class Form:
    action: str  # absolute path (with query) the form posts to
    method: str  # "get" or "post"
    fields: dict  # name -> baseline value (str, or list for a multiple select)
    files: list  # names of file inputs
    page: str  # where it was found

    def key(self) -> tuple:
        """Forms that post to the same URL pattern with the same fields are one form."""
        return (route_key(self.action).split("?")[0], self.method,
                tuple(sorted(set(self.fields) | set(self.files))))


@dataclass
class Page:
    url: str
    links: list = field(default_factory=list)
    forms: list = field(default_factory=list)


class PageParser(HTMLParser):
    """Links and forms of one HTML page, with each field's value as the browser would send
    it untouched (checked boxes and radios, selected options, textarea text, named buttons)."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.page = Page(url)
        self._form: Form | None = None
        self._select: str | None = None
        self._options: list = []
        self._selected: list = []
        self._multiple = False
        self._textarea: str | None = None
        self._text: list = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and "href" in a:
            self.page.links.append(urljoin(self.page.url, a["href"]))
        elif tag == "form":
            self._form = Form(urljoin(self.page.url, a.get("action") or self.page.url),
                              (a.get("method") or "get").lower(), {}, [], self.page.url)
            self.page.forms.append(self._form)
        elif self._form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form.files.append(a["name"])
            elif kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and a["name"] not in self._form.fields):
                    self._form.fields[a["name"]] = a.get("value", "on")
            elif kind in ("submit", "image", "reset"):
                self._form.fields.setdefault(a["name"], a.get("value", ""))
            else:
                self._form.fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select, self._options, self._selected = a["name"], [], []
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._options.append(a.get("value", ""))
            if "selected" in a:
                self._selected.append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._selected or self._options[:1]
            self._form.fields[self._select] = chosen if self._multiple else (chosen[0] if chosen else "")
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.setdefault(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


# --------------------------------------------------------------------------- the crawl

# Never followed (GET) or posted to, with the reason. Everything else a role reaches is fuzzed.
SKIPPED = [
    (re.compile(r"/logout/$"), "signs the role out: the rest of the crawl would run anonymous"),
    (re.compile(r"^/admin/.*/delete/$"), "deletes by design (a cascade would empty the world); "
                                         "the admin's delete pages have their own tests"),
]
NOT_PAGES = re.compile(r"^/(static|media)/")  # assets, not pages
MAX_VISITS_PER_ROUTE = 8  # plans at every stage and several days show different forms


def skipped(path: str) -> str | None:
    for pattern, reason in SKIPPED:
        if pattern.search(path):
            return reason
    return None


def local_path(url: str) -> str | None:
    """The path and query of a link on this site, else None (other hosts, mailto:, #)."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def route_key(url: str) -> str:
    """The URL pattern a path resolves to, with the names of its query parameters: pages
    that differ only in ids or parameter values are the same page to the harness."""
    parts = urlsplit(url)
    try:
        route = resolve(parts.path).route
    except Resolver404:
        route = parts.path
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{route}?{'&'.join(names)}"


class ServerError(AssertionError):
    pass


def fetch(client, method: str, path: str, what: str, **kwargs):
    """One request; a 5xx or an exception out of a view fails with what was sent."""
    try:
        response = getattr(client, method)(path, **kwargs)
    except Exception as error:  # the test client re-raises what the view raised
        raise ServerError(f"{method.upper()} {path[:200]} with {what}: {type(error).__name__}: "
                          f"{str(error)[:300]}") from error
    if response.status_code >= 500:
        raise ServerError(f"{method.upper()} {path[:200]} with {what}: HTTP {response.status_code}")
    return response


def crawl(client, start: str = "/", max_pages: int = 400) -> dict[str, Page]:
    """Every HTML page reachable from `start` by links (and GET forms as shown), per route at
    most MAX_VISITS_PER_ROUTE times. Redirects are followed within the site."""
    pages: dict[str, Page] = {}
    visits: Counter = Counter()
    queue = [start]
    while queue and len(pages) < max_pages:
        path = queue.pop(0)
        if path in pages or skipped(path) or NOT_PAGES.match(path):
            continue
        key = route_key(path)
        if visits[key] >= MAX_VISITS_PER_ROUTE:
            continue
        visits[key] += 1
        response = fetch(client, "get", path, "no change (crawl)")
        page = Page(path)
        pages[path] = page
        if response.status_code in (301, 302, 303, 307, 308):
            target = local_path(urljoin(path, response["Location"]))
            if target:
                queue.append(target)
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = PageParser(path)
        parser.feed(response.content.decode(response.charset or "utf-8", "replace"))
        page.links, page.forms = parser.page.links, parser.page.forms
        for form in page.forms:
            if form.method == "get":
                target = local_path(form.action)
                if target:
                    queue.append(f"{urlsplit(target).path}?{urlencode(form.fields, doseq=True)}")
        queue.extend(p for p in map(local_path, page.links) if p)
    return pages


# --------------------------------------------------------------------------- rows


def _tables() -> list[str]:
    # The audit trail records reads (a refused form still shows a client) and sessions
    # record activity: both change on any request by design.
    ignored = {"django_session", "clinic_auditevent"}
    return [t for t in connection.introspection.table_names() if t not in ignored]


def row_counts() -> dict[str, int]:
    tables = _tables()
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*) FROM {connection.ops.quote_name(t)}" for i, t in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {tables[i]: n for i, n in cursor.fetchall()}


def check_constraints() -> None:
    """Foreign keys are checked at commit; the test's transaction never commits, so ask now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --------------------------------------------------------------------------- sending values


def _refused(response) -> bool:
    return response.status_code == 200 or 400 <= response.status_code < 500


def post_value(client, form: Form, name: str, value, *, is_file: bool = False) -> None:
    """POST `form` as found with `name` set to `value`; a refusal must write no row."""
    data = dict(form.fields)
    if is_file:
        value.seek(0)
    data[name] = value
    shown = value.name[:40] if is_file else repr(value)[:120]
    before = row_counts()
    response = fetch(client, "post", form.action, f"{name}={shown}", data=data)
    if _refused(response):
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after.get(t)}
        assert not changed, (f"POST {form.action} with {name}={shown} was refused "
                             f"({response.status_code}) but changed rows: {changed}")


def get_value(client, path: str, name: str, value) -> None:
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    values = value if isinstance(value, list) else [value]
    query += [(name, v) for v in values]
    fetch(client, "get", f"{parts.path}?{urlencode(query)}", f"?{name}={repr(value)[:120]}")


NUMERIC_SEGMENT = re.compile(r"/(\d+)(?=/)")
HOSTILE_IDS = ["0", "2147483648", "99999999999999999999999"]


def get_ids(client, path: str) -> int:
    """The page with each id in its path replaced by one that does not fit (404, not 500)."""
    sent = 0
    for match in NUMERIC_SEGMENT.finditer(urlsplit(path).path):
        for value in HOSTILE_IDS:
            fetch(client, "get", path[: match.start(1)] + value + path[match.end(1):], f"id {value}")
            sent += 1
    return sent


# --------------------------------------------------------------------------- the world


def build_fuzz_world(clinic, other_clinic, front_desk, practitioner, manager, second_practitioner):
    """Demo-like rows under `frozen_now` (Monday 2 March 2026, 08:00 in Chicago): the admin
    security world (a logged session with a photo, alteration and hairline, deposit, payment,
    reminder, a portal client), plus a session today, one checked in, a plan waiting for its
    third session with a deposit asked for, a newcomer without paperwork, a completed plan,
    and London's own client. Returns the portal client's user."""
    from decimal import Decimal

    from clinic.models import TreatmentPlan
    from sessions_app import booking
    from sessions_app.models import SessionStatus
    from tests.clock import chicago
    from tests.factories import make_client, make_plan, make_session
    from tests.money_helpers import plan_after_session_2
    from tests.security_helpers import build_world

    world = build_world(clinic, other_clinic, front_desk, practitioner, manager)
    today = make_plan(make_client(clinic, first_name="Tia", last_name="Today"), quoted_sessions=2,
                      status="active")
    make_session(today, number=1, starts_at=chicago(2, 16, 13), practitioner=second_practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(today, number=2, starts_at=chicago(3, 2, 9), practitioner=second_practitioner)
    here = make_plan(make_client(clinic, first_name="Ike", last_name="Inchair"), status="active")
    make_session(here, number=1, starts_at=chicago(3, 2, 13), practitioner=practitioner,
                 status=SessionStatus.CHECKED_IN, checked_in_at=chicago(3, 2, 7, 55))
    waiting = plan_after_session_2(clinic, practitioner, first_name="Wes", last_name="Waiting")
    booking.request_deposit(plan=waiting, by=front_desk)
    make_plan(make_client(clinic, first_name="Nia", last_name="Newcomer", paperwork_completed_at=None))
    done = make_plan(make_client(clinic, first_name="Dot", last_name="Done"), status="active")
    make_session(done, number=1, starts_at=chicago(1, 5, 9), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(done, number=2, starts_at=chicago(1, 19, 9), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    TreatmentPlan.objects.filter(pk=done.pk).update(status="completed", completed_at=chicago(1, 19, 12))
    booking.record_payment(plan=done, amount=Decimal("2400.00"), by=front_desk)
    return world.client.user
