#!/usr/bin/env python3
"""An Airtable-compatible Web API server for etl-host's tests and benchmark.

    python3 airtable_server.py --port 0 [--fixture FILE] [--rate-limit 5] [--penalty 30] [--verbose]

It binds 127.0.0.1, prints exactly one line ``LISTENING <port>`` on stdout and serves
until it is killed, its stdin (when that is a pipe) reaches end of file, or its parent
process exits. Python 3.8+ standard library only. See README.md next to this file for
the fixture format and the control API (``/_test/...``).

Faithful to Airtable's public Web API reference:
- ``GET /v0/{baseId}/{tableIdOrName}`` and ``POST /v0/{baseId}/{tableIdOrName}/listRecords``
  (same parameters as a JSON body): pageSize (default and maximum 100), opaque offsets
  ``itr…/rec…`` that are absent on the last page, view, fields[], filterByFormula,
  maxRecords, sort, returnFieldsByFieldId, recordMetadata[]=commentCount. Records come in
  creation order (or the view's order) as ``{"id", "createdTime", "fields"}``; ids are
  "rec" + 14 characters; createdTime has milliseconds; empty cells and unchecked
  checkboxes are omitted; whole numbers arrive as ``5``, not ``5.0``.
- ``GET /v0/meta/bases/{baseId}/tables``: tables with id, name, primaryFieldId, fields
  (id, name, type, options) and views; it needs the token scope ``schema.bases:read``.
- Bearer tokens with scopes and per-base access, and Airtable's error bodies:
  401 AUTHENTICATION_REQUIRED; 403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND (no access to
  the base, a missing scope, an unknown base on the meta API); 404 ``{"error": "NOT_FOUND"}``
  (unknown route or base); 422 INVALID_PAGE_SIZE_ARGUMENT, LIST_RECORDS_ITERATOR_NOT_AVAILABLE
  (an offset the server does not know, or no longer keeps), INVALID_FILTER_BY_FORMULA,
  UNKNOWN_FIELD_NAME; 429 with "Rate limit exceeded. Please try again later".
- Rate limits: 5 requests per second per base and 50 per token (sliding one-second
  windows). Going over answers 429 and starts a 30-second penalty during which every
  request to that base (or with that token) also gets 429.
- URLs longer than 16,000 characters are refused; POST .../listRecords is the way around.

Simplified, or chosen where the public reference is silent:
- Read-only: no record writes, comments, webhooks or single-record GET. Data changes go
  through the control API, which keeps a per-record last-modified time.
- Record times, the Date header and the 429 penalty follow a wall clock that tests can
  set and move (``/_test/clock``); it follows real time until they do.
- filterByFormula is a subset: literals, {Field} references, = != < > <= >=, &, and
  AND OR NOT IF TRUE FALSE BLANK RECORD_ID CREATED_TIME LAST_MODIFIED_TIME IS_AFTER
  IS_BEFORE IS_SAME DATETIME_PARSE. Anything else is 422 INVALID_FILTER_BY_FORMULA.
- An iterator is a snapshot of the matching record ids taken by the first page: records
  added during an iteration are not returned, deleted ones are skipped. Iterators do not
  expire unless settings.iteratorTtlSeconds is set, a fault expires one, or the control
  API expires them all.
- Formula, rollup, lookup and count values are stored as the fixture gives them, not
  computed; createdTime and lastModifiedTime fields (and autoNumber when absent) are.
- cellFormat=string is refused (422); timeZone and userLocale are ignored.
- Unknown table: 404 TABLE_NOT_FOUND "Could not find table X in application appY" (the
  answer Airtable gave to API keys). Today's API answers personal access tokens with 403
  INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND: set settings.unknownTableStatus to 403 for that.
- 429 body: ``{"errors": [{"error": "RATE_LIMIT_REACHED", "message": ...}]}`` as observed
  in the field; the documentation gives only the status and the message, and other
  reports show ``{"error": {"type": "RATE_LIMIT_REACHED", ...}}``
  (settings.rateLimitBody = "error"). No Retry-After header, like Airtable.
- The bodies of 500/503, of INVALID_OFFSET_VALUE (a malformed offset), VIEW_NAME_NOT_FOUND,
  the 414 for long URLs and the 400 for a body that is not JSON are plausible, not documented.
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import signal
import socket
import stat
import string
import struct
import sys
import threading
import time
import traceback
from collections import OrderedDict, deque
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_TOKEN = "patTestServer0000.full-access-test-token"
ALL_SCOPES = ["data.records:read", "schema.bases:read"]

DEFAULT_SETTINGS = {
    "rateLimitPerSecond": 5,         # per base; 0 or null switches the limit off
    "tokenRateLimitPerSecond": 50,   # per token, across bases; 0 or null: off
    "penaltySeconds": 30.0,          # after a 429, everything to that base gets 429
    "iteratorTtlSeconds": None,      # an offset unused this long expires; null: never
    "unknownTableStatus": 404,       # 404 TABLE_NOT_FOUND, or 403 like today's PAT answers
    "rateLimitBody": "errors",       # "errors" (array form) or "error" (object form)
    "maxUrlLength": 16000,
}

MAX_PAGE_SIZE = 100
MAX_ITERATORS = 1000
ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase

FORBIDDEN_MESSAGE = (
    "Invalid permissions, or the requested model was not found. Check that both your user "
    "and your token have the required permissions, and that the model names and/or ids "
    "are correct."
)
RATE_LIMIT_MESSAGE = "Rate limit exceeded. Please try again later"
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
UNAVAILABLE_HTML = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
)


# ---------------------------------------------------------------------------
# Errors, ids, times, values
# ---------------------------------------------------------------------------

class ApiError(Exception):
    """An HTTP error answer: status, body and content type."""

    def __init__(self, status, body, content_type="application/json; charset=utf-8"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type


def api_error(status, error_type, message=None):
    inner = {"type": error_type}
    if message is not None:
        inner["message"] = message
    return ApiError(status, {"error": inner})


def not_found():
    return ApiError(404, {"error": "NOT_FOUND"})


def forbidden():
    return api_error(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", FORBIDDEN_MESSAGE)


def authentication_required():
    return api_error(401, "AUTHENTICATION_REQUIRED", "Authentication required")


def iterator_not_available():
    return api_error(422, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE")


def invalid_request(message="Invalid request: parameter validation failed. Check your request data."):
    return api_error(422, "INVALID_REQUEST_UNKNOWN", message)


class ControlError(Exception):
    """A mistake in a control API call or a fixture (answered 400)."""


def stable_id(prefix, *parts):
    """prefix + 14 base-62 characters derived from parts: the same names give the same ids."""
    number = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest(), "big")
    chars = []
    for _ in range(14):
        number, digit = divmod(number, 62)
        chars.append(ALPHABET[digit])
    return prefix + "".join(chars)


def random_id(prefix, rng=random):
    return prefix + "".join(rng.choice(ALPHABET) for _ in range(14))


TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_time(text):
    """An aware UTC datetime from an ISO 8601 date or date-time (no zone = UTC), or None."""
    if not isinstance(text, str):
        return None
    match = TIME_RE.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")), tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


def format_time(moment):
    """Airtable's form: 2024-01-05T09:30:00.000Z."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


class WallClock:
    """The server's wall clock: the time records are created and modified at, and the
    HTTP Date header (whole seconds; clients take their incremental cursor from it).

    It follows the real clock until a test sets it (``POST /_test/clock``); from then on
    it stands still at the time set and moves only when told, so "changed after the
    cursor" is decided by the test, never by how fast it ran. The 429 penalty follows it
    too (a test ends a penalty by moving the clock, not by waiting); the rate windows,
    iterator lifetimes and the log's ``time`` keep the real monotonic clock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.fixed = None  # a datetime while set; None: the real clock

    def now(self):
        with self.lock:
            if self.fixed is not None:
                return self.fixed
        return datetime.now(timezone.utc)

    def seconds(self):
        """The clock's time as seconds since the epoch (what penalties are measured in)."""
        return self.now().timestamp()

    def control(self, body):
        """``{"now": "<ISO time>"}`` sets it, ``{"advance": seconds}`` moves it forward
        (a clock that still follows the real one stops at real now + seconds),
        ``{"now": null}`` gives it back to the real clock. Answers the clock's state."""
        if not isinstance(body, dict) or not body or set(body) - {"now", "advance"} or len(body) != 1:
            raise ControlError('the clock takes one of {"now": "<ISO time>" or null} or {"advance": <seconds>}')
        with self.lock:
            if "now" in body:
                if body["now"] is None:
                    self.fixed = None
                else:
                    moment = parse_time(body["now"]) if isinstance(body["now"], str) else None
                    if moment is None:
                        raise ControlError("clock: now %r is not an ISO 8601 time" % (body["now"],))
                    self.fixed = moment
            else:
                seconds = body["advance"]
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0 \
                        or math.isinf(seconds):
                    raise ControlError("clock: advance %r is not a number of seconds >= 0" % (seconds,))
                start = self.fixed if self.fixed is not None else datetime.now(timezone.utc)
                self.fixed = start + timedelta(seconds=seconds)
        return self.describe()

    def describe(self):
        now = self.now()
        with self.lock:
            stopped = self.fixed is not None
        return {"now": format_time(now), "stopped": stopped}

    def release(self):
        with self.lock:
            self.fixed = None


CLOCK = WallClock()


def utc_now():
    now = CLOCK.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def normalize_value(value):
    """Whole floats become ints (Airtable sends 5, not 5.0), recursively."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, list):
        return [normalize_value(item) for item in value]
    if isinstance(value, dict):
        return {key: normalize_value(item) for key, item in value.items()}
    return value


def is_empty_cell(field, value):
    """Airtable omits these cells from records."""
    if value is None or value is False and field.type == "checkbox":
        return True
    return isinstance(value, (str, list, dict)) and len(value) == 0


# ---------------------------------------------------------------------------
# Bases, tables, fields, records
# ---------------------------------------------------------------------------

# Options Airtable always reports for these types, used when a fixture gives none.
DEFAULT_OPTIONS = {
    "number": {"precision": 0},
    "currency": {"precision": 2, "symbol": "$"},
    "percent": {"precision": 0},
    "rating": {"icon": "star", "max": 5, "color": "yellowBright"},
    "duration": {"durationFormat": "h:mm"},
    "checkbox": {"icon": "check", "color": "greenBright"},
    "date": {"dateFormat": {"name": "iso", "format": "YYYY-MM-DD"}},
    "dateTime": {
        "timeZone": "utc",
        "dateFormat": {"name": "iso", "format": "YYYY-MM-DD"},
        "timeFormat": {"name": "24hour", "format": "HH:mm"},
    },
    "createdTime": {"result": {"type": "dateTime", "options": {
        "timeZone": "utc", "dateFormat": {"name": "iso", "format": "YYYY-MM-DD"},
        "timeFormat": {"name": "24hour", "format": "HH:mm"}}}},
    "lastModifiedTime": {"isValid": True, "referencedFieldIds": [], "result": {"type": "dateTime", "options": {
        "timeZone": "utc", "dateFormat": {"name": "iso", "format": "YYYY-MM-DD"},
        "timeFormat": {"name": "24hour", "format": "HH:mm"}}}},
    "singleSelect": {"choices": []},
    "multipleSelects": {"choices": []},
    "formula": {"formula": "", "isValid": True, "referencedFieldIds": [], "result": {"type": "singleLineText"}},
}


class Field:
    def __init__(self, field_id, name, field_type, options=None, description=None):
        self.id = field_id
        self.name = name
        self.type = field_type
        self.options = options
        self.description = description

    def meta(self):
        out = {"type": self.type, "id": self.id, "name": self.name}
        if self.description:
            out["description"] = self.description
        if self.options is not None:
            out["options"] = self.options
        return out


class Record:
    __slots__ = ("id", "created", "seq", "modified", "cells")

    def __init__(self, record_id, created, seq):
        self.id = record_id
        self.created = created
        self.seq = seq
        self.modified = created
        self.cells = {}  # field id -> value (never an empty cell)


class Table:
    def __init__(self, base_id, spec):
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ControlError("a table needs a name")
        self.name = name
        self.id = spec.get("id") or stable_id("tbl", base_id, name)
        self.description = spec.get("description")
        self.fields = []
        self.fields_by_id = {}
        self.fields_by_name = {}
        for field_spec in spec.get("fields") or []:
            self.add_field(base_id, field_spec)
        if not self.fields:
            raise ControlError("table %r needs at least one field" % name)
        self.primary_field_id = spec.get("primaryFieldId") or self.fields[0].id
        if self.primary_field_id not in self.fields_by_id:
            raise ControlError("table %r: primaryFieldId %r is not a field" % (name, self.primary_field_id))
        self.views = []
        for view in spec.get("views") or [{"name": "Grid view", "type": "grid"}]:
            view = dict(view)
            view.setdefault("type", "grid")
            view.setdefault("id", stable_id("viw", base_id, name, view.get("name", "")))
            self.views.append(view)
        self.records = OrderedDict()  # id -> Record
        self.next_seq = 0
        self.last_created = None

    def add_field(self, base_id, spec):
        name, field_type = spec.get("name"), spec.get("type")
        if not isinstance(name, str) or not name or not isinstance(field_type, str):
            raise ControlError("a field needs a name and a type: %r" % (spec,))
        if name in self.fields_by_name:
            raise ControlError("table %r has two fields named %r" % (self.name, name))
        options = spec.get("options", DEFAULT_OPTIONS.get(field_type))
        field = Field(spec.get("id") or stable_id("fld", base_id, self.name, name), name, field_type,
                      options, spec.get("description"))
        self.fields.append(field)
        self.fields_by_id[field.id] = field
        self.fields_by_name[field.name] = field

    def field(self, key):
        return self.fields_by_id.get(key) or self.fields_by_name.get(key)

    def view(self, key):
        for view in self.views:
            if view["id"] == key or view.get("name") == key:
                return view
        return None

    def meta(self):
        out = {"id": self.id, "name": self.name, "primaryFieldId": self.primary_field_id}
        if self.description:
            out["description"] = self.description
        out["fields"] = [field.meta() for field in self.fields]
        out["views"] = [{"id": v["id"], "name": v["name"], "type": v["type"]} for v in self.views]
        return out

    def ordered(self):
        return sorted(self.records.values(), key=lambda r: (r.created, r.seq))

    def set_cells(self, record, fields, replace=False):
        """Stores fields (by name or id) into record; None or an empty value clears a cell."""
        if not isinstance(fields, dict):
            raise ControlError("record fields must be an object")
        if replace:
            record.cells = {}
        for key, value in fields.items():
            field = self.field(key)
            if field is None:
                raise ControlError("table %r has no field %r" % (self.name, key))
            value = normalize_value(value)
            if is_empty_cell(field, value):
                record.cells.pop(field.id, None)
            else:
                record.cells[field.id] = value

    def add_record(self, spec, default_created):
        record_id = spec.get("id") or random_id("rec")
        if record_id in self.records:
            raise ControlError("table %r already has a record %s" % (self.name, record_id))
        created = parse_time(spec["createdTime"]) if spec.get("createdTime") else default_created
        if created is None:
            raise ControlError("bad createdTime %r" % spec.get("createdTime"))
        record = Record(record_id, created, self.next_seq)
        self.next_seq += 1
        self.set_cells(record, spec.get("fields") or {})
        for field in self.fields:
            if field.type == "autoNumber" and field.id not in record.cells:
                record.cells[field.id] = record.seq + 1
        if spec.get("lastModifiedTime"):
            record.modified = parse_time(spec["lastModifiedTime"]) or created
        self.records[record_id] = record
        self.last_created = created if self.last_created is None else max(self.last_created, created)
        return record

    def cell(self, record, field):
        if field.type == "createdTime":
            return format_time(record.created)
        if field.type == "lastModifiedTime":
            return format_time(record.modified)
        return record.cells.get(field.id)

    def record_json(self, record, by_field_id=False, only=None, comment_count=False):
        fields = {}
        for field in self.fields:
            if only is not None and field.id not in only:
                continue
            value = self.cell(record, field)
            if value is None or is_empty_cell(field, value):
                continue
            fields[field.id if by_field_id else field.name] = value
        out = {"id": record.id, "createdTime": format_time(record.created), "fields": fields}
        if comment_count:
            out["commentCount"] = 0
        return out


class Base:
    def __init__(self, spec):
        name = spec.get("name") or spec.get("id")
        if not name:
            raise ControlError("a base needs an id or a name")
        self.id = spec.get("id") or stable_id("app", name)
        self.name = name
        self.tables = []
        for table_spec in spec.get("tables") or []:
            if "generate" in table_spec:
                table = generate_table(self.id, table_spec["generate"])
            else:
                table = Table(self.id, table_spec)
                start = parse_time("2024-01-01T00:00:00.000Z")
                for index, record_spec in enumerate(table_spec.get("records") or []):
                    spec_copy = dict(record_spec)
                    spec_copy.setdefault("id", stable_id("rec", self.id, table.name, str(index)))
                    table.add_record(spec_copy, start + timedelta(seconds=index))
            if self.table(table.name) or self.table(table.id):
                raise ControlError("base %s has two tables named %r" % (self.id, table.name))
            self.tables.append(table)

    def table(self, key):
        for table in self.tables:
            if table.id == key or table.name == key:
                return table
        return None


class Token:
    def __init__(self, spec):
        if isinstance(spec, str):
            spec = {"token": spec}
        self.token = spec.get("token")
        if not self.token:
            raise ControlError("a token needs a 'token' string")
        self.scopes = set(spec.get("scopes", ALL_SCOPES))
        bases = spec.get("bases", "*")
        self.bases = None if bases == "*" else set(bases)
        self.expired = bool(spec.get("expired", False))

    def can_see(self, base_id):
        return self.bases is None or base_id in self.bases


# The generator: a deterministic table for big tests. Values are functions of the
# record number i (1-based) so tests can predict them; /_test/records returns them too.
GENERATED_FIELDS = [
    {"name": "Name", "type": "singleLineText"},                                        # "Record 00001"
    {"name": "Amount", "type": "currency", "options": {"precision": 2, "symbol": "$"}},  # i * 1.25
    {"name": "Quantity", "type": "number", "options": {"precision": 0}},               # i % 50 (0 kept)
    {"name": "Done", "type": "checkbox"},                                              # i % 3 == 0, else omitted
    {"name": "Notes", "type": "multilineText"},                                        # omitted when i % 4 == 0
    {"name": "Status", "type": "singleSelect", "options": {"choices": [
        {"id": "selTodo", "name": "Todo", "color": "blueLight2"},
        {"id": "selDoing", "name": "Doing", "color": "yellowLight2"},
        {"id": "selDone", "name": "Done", "color": "greenLight2"}]}},                  # by i % 3
    {"name": "Due", "type": "date"},                                                   # 2024-01-01 + i % 366 days
]


def generated_value(name, i):
    if name == "Name":
        return "Record %05d" % i
    if name == "Amount":
        return round(i * 1.25, 2)
    if name == "Quantity":
        return i % 50
    if name == "Done":
        return i % 3 == 0
    if name == "Notes":
        return "" if i % 4 == 0 else "Note %d\nsecond line" % i
    if name == "Status":
        return ["Todo", "Doing", "Done"][i % 3]
    if name == "Due":
        return (date(2024, 1, 1) + timedelta(days=i % 366)).isoformat()
    raise ControlError("the generator has no field %r" % name)


def generate_table(base_id, spec):
    """{"table": "Big", "records": 20000, "seed": 1, "fields": [...names], "startTime": ISO, "id": ...}"""
    name = spec.get("table") or spec.get("name")
    count = spec.get("records", 0)
    if not isinstance(count, int) or count < 0:
        raise ControlError("generate.records must be a count")
    wanted = spec.get("fields")
    fields = [f for f in GENERATED_FIELDS if wanted is None or f["name"] in wanted]
    if not fields or fields[0]["name"] != "Name":
        fields = [GENERATED_FIELDS[0]] + [f for f in fields if f["name"] != "Name"]
    table = Table(base_id, {"name": name, "id": spec.get("id"), "fields": fields})
    rng = random.Random("%s:%s:%s" % (spec.get("seed", 0), base_id, name))
    start = parse_time(spec.get("startTime", "2024-01-01T00:00:00.000Z"))
    for i in range(1, count + 1):
        record_id = random_id("rec", rng)
        while record_id in table.records:
            record_id = random_id("rec", rng)
        table.add_record({"id": record_id, "fields": {f["name"]: generated_value(f["name"], i) for f in fields}},
                         start + timedelta(seconds=i))
    return table


# ---------------------------------------------------------------------------
# filterByFormula (a subset of Airtable's formula language)
# ---------------------------------------------------------------------------

class FormulaError(Exception):
    pass


TOKEN_RE = re.compile(r"""\s*(?:
    (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<field>\{[^}]*\})
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|=|<|>|&|\(|\)|,)
)""", re.VERBOSE)

INVALID_FORMULA = "Invalid formula. Please check your formula text."


def tokenize(text):
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise FormulaError(INVALID_FORMULA)
        position = match.end()
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
    return tokens


def unescape(literal):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal[1:-1])


def to_time(value):
    if isinstance(value, datetime):
        return value
    return parse_time(value) if isinstance(value, str) else None


def to_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, list):
        return ", ".join(to_text(item) for item in value)
    if isinstance(value, dict):
        return value.get("name") or value.get("text") or json.dumps(value)
    return str(value)


def truthy(value):
    if value is None or value is False or value == "" or value == []:
        return False
    if isinstance(value, (int, float)) and (value == 0 or (isinstance(value, float) and math.isnan(value))):
        return False
    return True


def compare(op, left, right):
    if isinstance(left, datetime) or isinstance(right, datetime):
        left, right = to_time(left), to_time(right)
        if left is None or right is None:
            return False
    else:
        if isinstance(left, bool):
            left = int(left)
        if isinstance(right, bool):
            right = int(right)
        numeric = (int, float)
        if isinstance(left, numeric) != isinstance(right, numeric):
            try:
                left, right = float(left if left is not None else 0), float(right if right is not None else 0)
            except (TypeError, ValueError):
                left, right = to_text(left), to_text(right)
        elif not isinstance(left, numeric):
            left, right = to_text(left), to_text(right)
    return {"=": left == right, "!=": left != right, "<": left < right, ">": left > right,
            "<=": left <= right, ">=": left >= right}[op]


def fn_if(args):
    condition, then = args[0], args[1]
    return then if truthy(condition) else (args[2] if len(args) > 2 else None)


def fn_is_same(args):
    left, right = to_time(args[0]), to_time(args[1])
    return left is not None and left == right


# name -> (minimum arguments, maximum arguments or None, implementation(arguments, record))
FUNCTIONS = {
    "TRUE": (0, 0, lambda a, r: True),
    "FALSE": (0, 0, lambda a, r: False),
    "BLANK": (0, 0, lambda a, r: None),
    "NOT": (1, 1, lambda a, r: not truthy(a[0])),
    "AND": (1, None, lambda a, r: all(truthy(x) for x in a)),
    "OR": (1, None, lambda a, r: any(truthy(x) for x in a)),
    "IF": (2, 3, lambda a, r: fn_if(a)),
    "RECORD_ID": (0, 0, lambda a, r: r.id),
    "CREATED_TIME": (0, 0, lambda a, r: r.created),
    "LAST_MODIFIED_TIME": (0, None, lambda a, r: r.modified),
    "IS_AFTER": (2, 2, lambda a, r: to_time(a[0]) is not None and to_time(a[1]) is not None
                 and to_time(a[0]) > to_time(a[1])),
    "IS_BEFORE": (2, 2, lambda a, r: to_time(a[0]) is not None and to_time(a[1]) is not None
                  and to_time(a[0]) < to_time(a[1])),
    "IS_SAME": (2, 3, lambda a, r: fn_is_same(a)),
    "DATETIME_PARSE": (1, 3, lambda a, r: to_time(a[0])),
}


class FormulaParser:
    """Compiles a formula into a function(record) -> value."""

    def __init__(self, text, table):
        self.tokens = tokenize(text)
        self.position = 0
        self.table = table

    def compile(self):
        if not self.tokens:
            return lambda record: True
        node = self.comparison()
        if self.position != len(self.tokens):
            raise FormulaError(INVALID_FORMULA)
        return node

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self, expected=None):
        token = self.peek()
        if token[0] is None or (expected is not None and token[1] != expected):
            raise FormulaError(INVALID_FORMULA)
        self.position += 1
        return token

    def comparison(self):
        left = self.concatenation()
        kind, text = self.peek()
        if kind == "op" and text in ("=", "!=", "<", ">", "<=", ">="):
            self.take()
            right = self.concatenation()
            return lambda record, l=left, r=right, op=text: compare(op, l(record), r(record))
        return left

    def concatenation(self):
        node = self.primary()
        while self.peek() == ("op", "&"):
            self.take()
            right = self.primary()
            node = (lambda l, r: lambda record: to_text(l(record)) + to_text(r(record)))(node, right)
        return node

    def primary(self):
        kind, text = self.take()
        if kind == "number":
            value = float(text) if "." in text else int(text)
            return lambda record: value
        if kind == "string":
            value = unescape(text)
            return lambda record: value
        if kind == "field":
            return self.field_reference(text[1:-1])
        if (kind, text) == ("op", "("):
            node = self.comparison()
            self.take(")")
            return node
        if kind == "name":
            return self.call(text.upper())
        raise FormulaError(INVALID_FORMULA)

    def field_reference(self, name):
        field = self.table.field(name)
        if field is None:
            raise FormulaError("Unknown field names: %s" % name.lower())
        table = self.table

        def value(record):
            cell = table.cell(record, field)
            if field.type == "checkbox":
                return bool(cell)
            if field.type in ("date", "dateTime", "createdTime", "lastModifiedTime"):
                return to_time(cell) if cell is not None else None
            return cell
        return value

    def call(self, name):
        if name not in FUNCTIONS:
            raise FormulaError(INVALID_FORMULA)
        self.take("(")
        args = []
        if self.peek() != ("op", ")"):
            args.append(self.comparison())
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.comparison())
        self.take(")")
        low, high, implementation = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            raise FormulaError(INVALID_FORMULA)
        return lambda record: implementation([arg(record) for arg in args], record)


def compile_formula(text, table):
    try:
        return FormulaParser(text, table).compile()
    except FormulaError as error:
        raise api_error(422, "INVALID_FILTER_BY_FORMULA",
                        "The formula for filtering records is invalid: %s" % error)


# ---------------------------------------------------------------------------
# Rate limits, iterators, faults
# ---------------------------------------------------------------------------

class Limiter:
    """A sliding one-second window (real monotonic seconds) plus the penalty that follows
    going over it (``penalty_until``: seconds of the server's clock, ``CLOCK.seconds()``)."""

    def __init__(self):
        self.times = deque()
        self.penalty_until = 0.0

    def in_penalty(self, now):
        return now < self.penalty_until

    def admit(self, now, limit):
        while self.times and self.times[0] <= now - 1.0:
            self.times.popleft()
        if limit and len(self.times) >= limit:
            return False
        self.times.append(now)
        return True


class Iterator:
    def __init__(self, base_id, table_id, ids, now):
        self.id = random_id("itr")
        self.base_id = base_id
        self.table_id = table_id
        self.ids = ids
        self.issued = {}  # record id -> index, for every offset handed out
        self.last_used = now


FAULT_KINDS = ("500", "502", "503", "429", "status", "drop", "truncate", "expired_iterator", "slow")


class Fault:
    """Applies to matching API requests: skips nth - 1 of them, then hits count of them; or, with
    ``every`` = N, hits every Nth matching request (the Nth, 2Nth, ...), count times (default: no end)."""

    def __init__(self, fault_id, spec):
        self.id = fault_id
        self.spec = dict(spec)
        self.kind = str(spec.get("kind"))
        if self.kind not in FAULT_KINDS:
            raise ControlError("fault kind must be one of %s" % ", ".join(FAULT_KINDS))
        self.base = spec.get("base")
        self.table = spec.get("table")
        self.endpoint = spec.get("endpoint")   # "list" or "meta"
        self.page = spec.get("page")           # "first" (no offset) or "later" (with offset)
        self.every = int(spec.get("every") or 0)
        if self.every < 0 or self.every and "nth" in spec:
            raise ControlError("fault every must be at least 1, and is not combined with nth")
        self.skip = int(spec.get("nth", 1)) - 1
        self.remaining = int(spec.get("count", 1)) if "count" in spec or not self.every else math.inf
        self.seen = 0   # matching requests, for every
        self.hits = 0
        if self.skip < 0 or self.remaining < 1:
            raise ControlError("fault nth and count must be at least 1")
        if self.kind == "expired_iterator":
            self.page = "later"

    def matches(self, request):
        if self.remaining <= 0:
            return False
        if self.base is not None and self.base != request.base.id:
            return False
        if self.table is not None and (request.table is None or self.table not in (request.table.id, request.table.name)):
            return False
        if self.endpoint is not None and self.endpoint != request.endpoint:
            return False
        has_offset = bool(request.params.get("offset")) if request.params else False
        if self.page == "first" and has_offset or self.page == "later" and not has_offset:
            return False
        return True

    def describe(self):
        out = dict(self.spec)
        out.update({"id": self.id, "remaining": None if self.remaining == math.inf else self.remaining,
                    "hits": self.hits})
        return out


class ApiRequest:
    """A request to the Airtable API, once routed and authorized."""

    def __init__(self, endpoint, base, table=None, params=None, token=None):
        self.endpoint = endpoint  # "list" or "meta"
        self.base = base
        self.table = table
        self.params = params or {}
        self.token = token


# ---------------------------------------------------------------------------
# Parameters of list records
# ---------------------------------------------------------------------------

def params_from_query(query):
    params, sorts = {}, {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        if re.fullmatch(r"fields\[\d*\]", key):
            params.setdefault("fields", []).extend(values)
        elif re.fullmatch(r"recordMetadata\[\d*\]", key):
            params.setdefault("recordMetadata", []).extend(values)
        elif re.fullmatch(r"sort\[(\d+)\]\[(field|direction)\]", key):
            match = re.fullmatch(r"sort\[(\d+)\]\[(field|direction)\]", key)
            sorts.setdefault(int(match.group(1)), {})[match.group(2)] = values[-1]
        else:
            params[key] = values[-1]
    if sorts:
        params["sort"] = [sorts[index] for index in sorted(sorts)]
    if "returnFieldsByFieldId" in params:
        params["returnFieldsByFieldId"] = params["returnFieldsByFieldId"].lower() in ("true", "1")
    for key in ("pageSize", "maxRecords"):
        if key in params:
            try:
                params[key] = int(params[key])
            except ValueError:
                del params[key]  # Airtable ignores a value that is not a number
    return params


def params_from_body(body):
    if not body:
        return {}
    try:
        params = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise api_error(400, "INVALID_REQUEST_BODY", "Could not parse the request body as JSON")
    if not isinstance(params, dict):
        raise invalid_request()
    for key, kind in (("pageSize", int), ("maxRecords", int), ("fields", list), ("sort", list),
                      ("offset", str), ("view", str), ("filterByFormula", str), ("recordMetadata", list)):
        if key in params and params[key] is not None and not isinstance(params[key], kind):
            raise invalid_request()
    return params


# ---------------------------------------------------------------------------
# The state: data, tokens, settings, limiters, iterators, faults, log
# ---------------------------------------------------------------------------

class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.bases = []
        self.tokens = {DEFAULT_TOKEN: Token({"token": DEFAULT_TOKEN})}
        self.settings = dict(DEFAULT_SETTINGS)
        self.initial_settings = dict(DEFAULT_SETTINGS)  # what /_test/reset restores
        self.log = []
        self.faults = []
        self.next_fault_id = 1
        self.reset_traffic()

    def reset_traffic(self):
        self.base_limiters = {}
        self.token_limiters = {}
        self.iterators = OrderedDict()

    # -- data -------------------------------------------------------------

    def load(self, fixture):
        if not isinstance(fixture, dict):
            raise ControlError("a fixture is a JSON object")
        if "bases" in fixture:
            bases = [Base(spec) for spec in fixture["bases"]]
            ids = [base.id for base in bases]
            if len(set(ids)) != len(ids):
                raise ControlError("two bases have the same id")
            self.bases = bases
            self.iterators = OrderedDict()
        if "tokens" in fixture:
            self.tokens = {}
            for spec in fixture["tokens"]:
                token = Token(spec)
                self.tokens[token.token] = token
        if "settings" in fixture:
            self.update_settings(fixture["settings"])

    def update_settings(self, changes):
        if not isinstance(changes, dict):
            raise ControlError("settings are a JSON object")
        for key, value in changes.items():
            if key not in DEFAULT_SETTINGS:
                raise ControlError("unknown setting %r (known: %s)" % (key, ", ".join(DEFAULT_SETTINGS)))
            self.settings[key] = value

    def base(self, base_id):
        for base in self.bases:
            if base.id == base_id:
                return base
        return None

    def control_table(self, body):
        base = self.base(body.get("base"))
        if base is None:
            raise ControlError("no base %r" % body.get("base"))
        table = base.table(body.get("table"))
        if table is None:
            raise ControlError("base %s has no table %r" % (base.id, body.get("table")))
        return table

    def add_records(self, body):
        table = self.control_table(body)
        added = []
        for spec in body.get("records") or []:
            now = utc_now()
            if table.last_created is not None and now <= table.last_created:
                now = table.last_created + timedelta(milliseconds=1)
            added.append(table.add_record(spec, now))
        return [table.record_json(record) for record in added]

    def update_records(self, body):
        table = self.control_table(body)
        updated = []
        for spec in body.get("records") or []:
            record = table.records.get(spec.get("id"))
            if record is None:
                raise ControlError("table %r has no record %r" % (table.name, spec.get("id")))
            table.set_cells(record, spec.get("fields") or {}, replace=bool(body.get("replace")))
            if spec.get("lastModifiedTime"):
                record.modified = parse_time(spec["lastModifiedTime"]) or record.modified
            else:
                now = utc_now()
                record.modified = max(now, record.modified + timedelta(milliseconds=1))
            updated.append(record)
        return [table.record_json(record) for record in updated]

    def delete_records(self, body):
        table = self.control_table(body)
        deleted = []
        for record_id in body.get("ids") or []:
            if table.records.pop(record_id, None) is not None:
                deleted.append(record_id)
        return deleted

    def all_records(self, base_id, table_key):
        table = self.control_table({"base": base_id, "table": table_key})
        out = []
        for record in table.ordered():
            item = table.record_json(record)
            item["lastModifiedTime"] = format_time(record.modified)
            out.append(item)
        return out

    # -- the API ------------------------------------------------------------

    def authorize(self, headers, base, scope):
        header = headers.get("Authorization") or ""
        match = re.match(r"^Bearer\s+(\S+)\s*$", header)
        token = self.tokens.get(match.group(1)) if match else None
        if token is None or token.expired:
            raise authentication_required()
        if base is not None and (not token.can_see(base.id) or scope not in token.scopes):
            raise forbidden()
        return token

    def admit(self, method, path, query, headers, body, now, entry):
        """Routes, authorizes and rate-limits a request; returns an ApiRequest or raises ApiError."""
        if len(path) + len(query) + 1 > (self.settings.get("maxUrlLength") or 10 ** 9):
            raise api_error(414, "URL_TOO_LONG",
                            "The URL is longer than 16000 characters: use POST .../listRecords")
        segments = [unquote(part) for part in path.split("/")[1:]]
        if len(segments) == 5 and segments[:3] == ["v0", "meta", "bases"] and segments[4] == "tables":
            if method != "GET":
                raise not_found()
            entry["base"] = segments[3]
            base = self.base(segments[3])
            self.authorize(headers, None, None)
            if base is None:
                raise forbidden()
            token = self.authorize(headers, base, "schema.bases:read")
            request = ApiRequest("meta", base, token=token)
            entry["endpoint"] = "meta"
        elif len(segments) in (3, 4) and segments[0] == "v0" and segments[1] != "meta":
            list_post = len(segments) == 4 and segments[3] == "listRecords" and method == "POST"
            if not (len(segments) == 3 and method == "GET" or list_post):
                raise not_found()
            entry["base"] = segments[1]
            entry["tableName"] = segments[2]
            base = self.base(segments[1])
            self.authorize(headers, None, None)
            if base is None:
                raise not_found()
            token = self.authorize(headers, base, "data.records:read")
            params = params_from_body(body) if list_post else params_from_query(query)
            entry["params"] = params
            request = ApiRequest("list", base, params=params, token=token)
            entry["endpoint"] = "list"
        else:
            raise not_found()

        self.rate_limit(request, now, entry)

        if request.endpoint == "list":
            request.table = request.base.table(segments[2])
            if request.table is None:
                if self.settings.get("unknownTableStatus") == 403:
                    raise forbidden()
                raise api_error(404, "TABLE_NOT_FOUND", "Could not find table %s in application %s"
                                % (segments[2], request.base.id))
            entry["table"] = request.table.id
        return request

    def rate_limit(self, request, now, entry):
        base_limiter = self.base_limiters.setdefault(request.base.id, Limiter())
        token_limiter = self.token_limiters.setdefault(request.token.token, Limiter())
        wall = CLOCK.seconds()
        if base_limiter.in_penalty(wall) or token_limiter.in_penalty(wall):
            entry["penalty"] = True
            raise self.rate_limit_error()
        over = not base_limiter.admit(now, self.settings.get("rateLimitPerSecond"))
        if not over and not token_limiter.admit(now, self.settings.get("tokenRateLimitPerSecond")):
            over = True
            base_limiter.times.pop()
            token_limiter.penalty_until = wall + float(self.settings.get("penaltySeconds") or 0)
        elif over:
            base_limiter.penalty_until = wall + float(self.settings.get("penaltySeconds") or 0)
        if over:
            entry["rateLimited"] = True
            raise self.rate_limit_error()

    def rate_limit_error(self):
        if self.settings.get("rateLimitBody") == "error":
            return api_error(429, "RATE_LIMIT_REACHED", RATE_LIMIT_MESSAGE)
        return ApiError(429, {"errors": [{"error": "RATE_LIMIT_REACHED", "message": RATE_LIMIT_MESSAGE}]})

    def take_fault(self, request):
        for fault in self.faults:
            if not fault.matches(request):
                continue
            if fault.every:
                fault.seen += 1
                if fault.seen % fault.every != 0:
                    continue
            elif fault.skip > 0:
                fault.skip -= 1
                continue
            fault.remaining -= 1
            fault.hits += 1
            return fault
        return None

    def respond(self, request, now):
        if request.endpoint == "meta":
            return {"tables": [table.meta() for table in request.base.tables]}
        return self.list_records(request, now)

    def list_records(self, request, now):
        table, params = request.table, request.params
        page_size = params.get("pageSize")
        if page_size is None or page_size == 0:
            page_size = MAX_PAGE_SIZE
        if not isinstance(page_size, int) or page_size < 0 or page_size > MAX_PAGE_SIZE:
            raise api_error(422, "INVALID_PAGE_SIZE_ARGUMENT", "Page size argument should be between 0 and 100")
        if params.get("cellFormat", "json") != "json":
            raise invalid_request("This test server only supports cellFormat=json")
        only = None
        if params.get("fields"):
            only = set()
            for key in params["fields"]:
                field = table.field(key)
                if field is None:
                    raise api_error(422, "UNKNOWN_FIELD_NAME", 'Unknown field name: "%s"' % key)
                only.add(field.id)

        offset = params.get("offset")
        if offset:
            iterator, index = self.resume(offset, request, now)
        else:
            iterator, index = Iterator(request.base.id, table.id, self.select(table, params), now), 0
            self.iterators[iterator.id] = iterator
            while len(self.iterators) > MAX_ITERATORS:
                self.iterators.popitem(last=False)
        iterator.last_used = now
        self.iterators.move_to_end(iterator.id)

        page = []
        while index < len(iterator.ids) and len(page) < page_size:
            record = table.records.get(iterator.ids[index])
            index += 1
            if record is not None:
                page.append(record)
        while index < len(iterator.ids) and iterator.ids[index] not in table.records:
            index += 1
        comment_count = "commentCount" in (params.get("recordMetadata") or [])
        by_id = bool(params.get("returnFieldsByFieldId"))
        body = {"records": [table.record_json(r, by_id, only, comment_count) for r in page]}
        if index < len(iterator.ids):
            next_id = iterator.ids[index]
            iterator.issued[next_id] = index
            body["offset"] = "%s/%s" % (iterator.id, next_id)
        return body

    def resume(self, offset, request, now):
        match = re.fullmatch(r"(itr[0-9A-Za-z]{14})/(rec[0-9A-Za-z]{14})", offset)
        if not match:
            raise api_error(422, "INVALID_OFFSET_VALUE", 'The value of offset "%s" is invalid' % offset)
        iterator = self.iterators.get(match.group(1))
        if iterator is None or iterator.table_id != request.table.id or iterator.base_id != request.base.id:
            raise iterator_not_available()
        ttl = self.settings.get("iteratorTtlSeconds")
        if ttl is not None and now - iterator.last_used > float(ttl):
            del self.iterators[iterator.id]
            raise iterator_not_available()
        index = iterator.issued.get(match.group(2))
        if index is None:
            raise iterator_not_available()
        return iterator, index

    def select(self, table, params):
        """The ids of the records a new iteration returns, in order."""
        records = table.ordered()
        if params.get("view"):
            view = table.view(params["view"])
            if view is None:
                raise api_error(422, "VIEW_NAME_NOT_FOUND", 'Could not find view "%s" in table %s'
                                % (params["view"], table.name))
            if view.get("recordIds") is not None:
                records = [table.records[i] for i in view["recordIds"] if i in table.records]
            if view.get("filterByFormula"):
                keep = compile_formula(view["filterByFormula"], table)
                records = [r for r in records if truthy(keep(r))]
        if params.get("filterByFormula"):
            keep = compile_formula(params["filterByFormula"], table)
            records = [r for r in records if truthy(keep(r))]
        for sort in reversed(params.get("sort") or []):
            field = table.field(sort.get("field", "")) if isinstance(sort, dict) else None
            if field is None:
                raise api_error(422, "UNKNOWN_FIELD_NAME", 'Unknown field name: "%s"'
                                % (sort.get("field") if isinstance(sort, dict) else sort))
            records.sort(key=lambda r, f=field: sort_key(table.cell(r, f)),
                         reverse=sort.get("direction") == "desc")
        max_records = params.get("maxRecords")
        if isinstance(max_records, int) and max_records > 0:
            records = records[:max_records]
        return [record.id for record in records]

    def expire_iterators(self):
        count = len(self.iterators)
        self.iterators = OrderedDict()
        return count

    def status(self, now):
        bases = {}
        for base in self.bases:
            limiter = self.base_limiters.get(base.id)
            bases[base.id] = {
                "name": base.name,
                "penaltyRemaining": max(0.0, limiter.penalty_until - CLOCK.seconds()) if limiter else 0.0,
                "tables": {table.name: {"id": table.id, "records": len(table.records)} for table in base.tables},
            }
        return {"bases": bases, "iterators": len(self.iterators), "requests": len(self.log),
                "time": now, "settings": self.settings}


def sort_key(value):
    if value is None:
        return (0, 0, "")
    if isinstance(value, bool):
        return (1, 0, int(value))
    if isinstance(value, (int, float)):
        return (1, 0, value)
    return (1, 1, to_text(value))


STATE = State()


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    verbose = False

    def version_string(self):
        return "AirtableTestServer/1.0"

    def date_time_string(self, timestamp=None):
        """The Date header, from the server's clock (settable by tests)."""
        if timestamp is None:
            timestamp = CLOCK.now().timestamp()
        return BaseHTTPRequestHandler.date_time_string(self, timestamp)

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format, *args):
        if Handler.verbose:
            sys.stderr.write("airtable_server: %s\n" % (format % args))

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self):
        parts = urlsplit(self.path)
        body = self.read_body()
        if parts.path.startswith("/_test/") or parts.path == "/_test":
            return self.control(parts.path, parts.query, body)
        try:
            self.api(parts.path, parts.query, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            # A bug in this server must not look like an injected dropped connection.
            traceback.print_exc()
            self.close_connection = True
            self.send(500, {"error": {"type": "TEST_SERVER_BUG", "message": traceback.format_exc()}})

    def send(self, status, body, content_type="application/json; charset=utf-8", headers=None):
        data = body if isinstance(body, bytes) else (
            body.encode("utf-8") if isinstance(body, str)
            else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    # -- the Airtable API ----------------------------------------------------

    def api(self, path, query, body):
        now = time.monotonic()
        entry = {"time": now, "method": self.command, "path": path, "query": query, "endpoint": None, "base": None,
                 "table": None, "tableName": None, "params": None, "status": None, "penalty": False,
                 "rateLimited": False, "fault": None, "records": None}
        request = fault = failure = None
        with STATE.lock:
            entry["seq"] = len(STATE.log)
            STATE.log.append(entry)
            try:
                request = STATE.admit(self.command, path, query, self.headers, body, now, entry)
                fault = STATE.take_fault(request)
            except ApiError as error:
                failure = error
        if failure is not None:
            return self.finish_api(entry, failure.status, failure.body, failure.content_type)
        if fault is not None:
            entry["fault"] = fault.kind
            if self.apply_fault(fault, request, entry, now):
                return
        with STATE.lock:
            try:
                result = STATE.respond(request, now)
            except ApiError as error:
                failure = error
        if failure is not None:
            return self.finish_api(entry, failure.status, failure.body, failure.content_type)
        if request.endpoint == "list":
            entry["records"] = len(result["records"])
        if fault is not None and fault.kind == "truncate":
            return self.send_truncated(entry, result, fault.spec.get("mode", "length"))
        self.finish_api(entry, 200, result)

    def finish_api(self, entry, status, body, content_type="application/json; charset=utf-8"):
        entry["status"] = status
        self.send(status, body, content_type)
        return True

    def apply_fault(self, fault, request, entry, now):
        """Answers the request with the fault, or returns None to answer it normally."""
        spec = fault.spec
        if fault.kind == "slow":
            time.sleep(float(spec.get("delay", 1.0)))
            return None
        if fault.kind == "truncate":
            return None
        if fault.kind == "drop":
            entry["status"] = 0
            self.close_connection = True
            if spec.get("mode") == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return True
        if fault.kind == "500":
            return self.finish_api(entry, 500, {"error": {"type": "SERVER_ERROR", "message": "Server error"}})
        if fault.kind == "502":
            return self.finish_api(entry, 502, BAD_GATEWAY_HTML, "text/html")
        if fault.kind == "503":
            if spec.get("html"):
                return self.finish_api(entry, 503, UNAVAILABLE_HTML, "text/html")
            return self.finish_api(entry, 503, {"error": {
                "type": "SERVICE_UNAVAILABLE", "message": "The service is temporarily unavailable. Please retry shortly."}})
        if fault.kind == "429":
            with STATE.lock:
                limiter = STATE.base_limiters.setdefault(request.base.id, Limiter())
                limiter.penalty_until = CLOCK.seconds() + float(STATE.settings.get("penaltySeconds") or 0)
                error = STATE.rate_limit_error()
            entry["rateLimited"] = True
            return self.finish_api(entry, 429, error.body)
        if fault.kind == "expired_iterator":
            with STATE.lock:
                match = re.match(r"(itr[0-9A-Za-z]{14})/", request.params.get("offset") or "")
                if match:
                    STATE.iterators.pop(match.group(1), None)
            error = iterator_not_available()
            return self.finish_api(entry, error.status, error.body)
        if fault.kind == "status":
            body = spec.get("body", "")
            if not isinstance(body, str):
                body = json.dumps(body)
            return self.finish_api(entry, int(spec.get("status", 500)), body,
                                   spec.get("contentType", "application/json; charset=utf-8"))
        return None

    def send_truncated(self, entry, result, mode):
        data = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        entry["status"] = 200
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if mode == "close":
            self.send_header("Connection", "close")  # the body ends where the connection does
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        return True

    # -- the control API -----------------------------------------------------

    def control(self, path, query, body):
        try:
            payload = json.loads(body.decode("utf-8")) if body else {}
        except ValueError:
            return self.send(400, {"error": "the body is not JSON"})
        arguments = {key: values[-1] for key, values in parse_qs(query).items()}
        route = (self.command, path.rstrip("/"))
        try:
            with STATE.lock:
                result = self.control_route(route, payload, arguments)
        except ControlError as error:
            return self.send(400, {"error": str(error)})
        except Exception as error:  # a malformed fixture or call: say what broke
            return self.send(400, {"error": "%s: %s" % (type(error).__name__, error)})
        if result is None:
            return self.send(404, {"error": "no control route %s %s" % route})
        return self.send(200, result)

    def control_route(self, route, payload, arguments):
        now = time.monotonic()
        if route == ("GET", "/_test/health"):
            return {"ok": True}
        if route == ("POST", "/_test/load"):
            STATE.load(payload)
            return STATE.status(now)
        if route == ("POST", "/_test/reset"):
            STATE.reset_traffic()
            STATE.faults = []
            STATE.log = []
            STATE.settings = dict(STATE.initial_settings)
            CLOCK.release()
            return {"ok": True}
        if route == ("GET", "/_test/clock"):
            return CLOCK.describe()
        if route == ("POST", "/_test/clock"):
            return CLOCK.control(payload)
        if route == ("GET", "/_test/status"):
            return STATE.status(now)
        if route == ("GET", "/_test/settings"):
            return STATE.settings
        if route == ("POST", "/_test/settings"):
            STATE.update_settings(payload)
            return STATE.settings
        if route == ("GET", "/_test/records"):
            return {"records": STATE.all_records(arguments.get("base"), arguments.get("table"))}
        if route == ("POST", "/_test/records/add"):
            return {"records": STATE.add_records(payload)}
        if route == ("POST", "/_test/records/update"):
            return {"records": STATE.update_records(payload)}
        if route == ("POST", "/_test/records/delete"):
            return {"deleted": STATE.delete_records(payload)}
        if route == ("GET", "/_test/faults"):
            return {"faults": [fault.describe() for fault in STATE.faults]}
        if route == ("POST", "/_test/faults"):
            specs = payload.get("faults") if "faults" in payload else [payload]
            added = []
            for spec in specs:
                fault = Fault(STATE.next_fault_id, spec)
                STATE.next_fault_id += 1
                STATE.faults.append(fault)
                added.append(fault.describe())
            return {"faults": added}
        if route == ("POST", "/_test/faults/clear"):
            STATE.faults = []
            return {"ok": True}
        if route == ("GET", "/_test/log"):
            since = int(arguments.get("since", 0))
            return {"requests": STATE.log[since:], "now": now}
        if route == ("POST", "/_test/log/clear"):
            STATE.log = []
            return {"ok": True}
        if route == ("POST", "/_test/iterators/expire"):
            return {"expired": STATE.expire_iterators()}
        if route == ("POST", "/_test/penalty/clear"):
            for limiter in list(STATE.base_limiters.values()) + list(STATE.token_limiters.values()):
                limiter.penalty_until = 0.0
                limiter.times.clear()
            return {"ok": True}
        return None


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def exit_with_parent():
    """Ends the server when its stdin pipe closes or its parent process goes away."""
    parent = os.getppid()
    try:
        mode = os.fstat(0).st_mode
        watch_stdin = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
    except OSError:
        watch_stdin = False
    if watch_stdin:
        def read_stdin():
            while os.read(0, 4096):
                pass
            os._exit(0)
        threading.Thread(target=read_stdin, daemon=True).start()

    def watch_parent():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)
    threading.Thread(target=watch_parent, daemon=True).start()


def main():
    # A parent may have started us with SIGTERM blocked (signal masks are
    # inherited): unblock it so that terminate() works.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description="Airtable-compatible Web API server for tests")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fixture", help="a JSON fixture file to load at start")
    parser.add_argument("--rate-limit", type=float, help="requests per second per base (0: off)")
    parser.add_argument("--penalty", type=float, help="seconds of 429 after going over the limit")
    parser.add_argument("--verbose", action="store_true", help="log requests on stderr")
    options = parser.parse_args()

    Handler.verbose = options.verbose
    if options.fixture:
        with open(options.fixture, encoding="utf-8") as file:
            STATE.load(json.load(file))
    if options.rate_limit is not None:
        STATE.settings["rateLimitPerSecond"] = options.rate_limit
    if options.penalty is not None:
        STATE.settings["penaltySeconds"] = options.penalty
    STATE.initial_settings = dict(STATE.settings)

    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    exit_with_parent()
    sys.stdout.write("LISTENING %d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
