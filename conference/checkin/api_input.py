"""The check-in API's input, read as its OpenAPI description declares it (openapi.yaml: the one place that says
what a request may hold), each refusal told at its field in the caller's language."""

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import fastjsonschema
import yaml
from flask_babel import lazy_gettext as _l

from .models import ENTRANCE, METHODS

OPENAPI = Path(__file__).with_name("openapi.yaml")

SCAN_FIELD_MESSAGES = {
    "body": _l("Send a JSON object."),
    "token": _l("Send either token (the scanned code) or participant_id."),
    "participant_id": _l("participant_id must be a number."),
    "nonce": _l("Send a nonce: a random string of up to 64 characters, new for each scan."),
    "checkpoint": _l("The checkpoint is «entrance» or «session-<id>»."),
    "method": _l("The method is one of: %(methods)s.", methods=", ".join(METHODS)),
    "scanned_at": _l("scanned_at must be a date and time in ISO 8601, e.g. 2018-11-23T09:41:00Z."),
    "admitted_offline": _l("admitted_offline is true or false."),
    "refused_offline": _l("refused_offline is the result the device showed when it turned the holder away."),
}
# What a field that is there but wrong is told (when it differs from what its absence is told).
SCAN_FIELD_WRONG = {"token": _l("The token must be the text the QR code holds.")}


@cache
def _validator(name: str):
    """One of the description's schemas compiled to a function, once per process; it raises at the first fault."""
    return fastjsonschema.compile(yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"][name])


def read_scan(data) -> tuple[dict, dict]:
    """The scan request's fields (with their defaults), and per field what is wrong with it."""
    if isinstance(data, dict):
        data = {name: value for name, value in data.items() if value is not None}  # null is as good as absent
    errors = {}
    try:
        _validator("ScanRequest")(data)
    except fastjsonschema.JsonSchemaValueException as fault:
        errors.update([_field_error(fault)])
    if "body" in errors:
        return {}, errors
    scanned_at = None
    # Only a request the schema took: its validator tells the first fault alone, so with one fault found, another
    # field may still be of any type (a number for scanned_at).
    if "scanned_at" in data and not errors:
        try:
            scanned_at = datetime.fromisoformat(data["scanned_at"].replace("Z", "+00:00"))
            scanned_at = scanned_at.astimezone(UTC) if scanned_at.tzinfo else scanned_at
        except (ValueError, OverflowError):  # 0001-01-01T00:00+14:00 is a valid time of a year UTC cannot hold
            errors["scanned_at"] = str(SCAN_FIELD_MESSAGES["scanned_at"])
            scanned_at = None
    participant_id = data.get("participant_id")
    if isinstance(participant_id, float) and not errors:
        participant_id = int(participant_id)  # 5.0 is the integer 5 to JSON Schema
    fields = {"token": data.get("token"), "participant_id": participant_id, "nonce": data.get("nonce"),
              "checkpoint": data.get("checkpoint", ENTRANCE), "method": data.get("method", "api"),
              "scanned_at": scanned_at, "admitted_offline": data.get("admitted_offline", False),
              "refused_offline": data.get("refused_offline")}
    return fields, errors


def _field_error(fault: fastjsonschema.JsonSchemaValueException) -> tuple[str, str]:
    """The field a fault is about, and what to tell about it."""
    path = fault.path[1:]  # after "data"
    if not path:
        if fault.rule == "type":
            return "body", str(SCAN_FIELD_MESSAGES["body"])
        if fault.rule == "required" and "nonce" in fault.message:
            return "nonce", str(SCAN_FIELD_MESSAGES["nonce"])
        return "token", str(SCAN_FIELD_MESSAGES["token"])  # oneOf: neither or both of token and participant_id
    field = str(path[0])
    return field, str(SCAN_FIELD_WRONG.get(field, SCAN_FIELD_MESSAGES.get(field, SCAN_FIELD_MESSAGES["body"])))
