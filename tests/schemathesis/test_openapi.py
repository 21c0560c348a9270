"""Property-based tests of the native API from its own OpenAPI document
(schemathesis): every documented operation is called with generated
parameters and bodies, signed like a gateway signs them, and every answer
must be no server error and match the document (status, content type,
schema).

Run by tests/openapi_schemathesis.rs against `cartbridge demo`; the
environment gives CB_BASE_URL (the folder URL ending in /cartbridge),
CB_KEY_ID, CB_SECRET and CB_EXAMPLES (examples per operation).
"""

import atexit
import hashlib
import hmac
import os
import secrets
import time
from urllib.parse import parse_qsl, quote, urlsplit

import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

BASE_URL = os.environ["CB_BASE_URL"]
KEY_ID = os.environ["CB_KEY_ID"]
SECRET = os.environ["CB_SECRET"].encode()
EXAMPLES = int(os.environ.get("CB_EXAMPLES", "25"))

schema = schemathesis.openapi.from_url(BASE_URL + "/openapi.json")
schema.config.update(base_url=BASE_URL)


SENT = {"requests": 0}
atexit.register(lambda: print(f"schemathesis requests sent: {SENT['requests']}"))


def rfc3986(text):
    return quote(text, safe="-_.~")


SIGNATURE_HEADERS = ("X-Cartbridge-Key", "X-Cartbridge-Timestamp",
                     "X-Cartbridge-Nonce", "X-Cartbridge-Signature")


class SignatureV1(requests.auth.AuthBase):
    """Signs the request exactly as it leaves: method, the path after the
    bridge's folder, the canonical query and the SHA-256 of the body bytes.
    Schemathesis fills the four security headers with made-up values, or
    leaves one out to see it refused: each header it sent gets its true
    value, one it left out stays out."""

    def __call__(self, request):
        SENT["requests"] += 1
        url = urlsplit(request.url)
        path = url.path[len(urlsplit(BASE_URL).path):]
        pairs = sorted(
            (rfc3986(name), rfc3986(value))
            for name, value in parse_qsl(url.query, keep_blank_values=True)
        )
        query = "&".join(f"{name}={value}" for name, value in pairs)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        to_sign = "\n".join([
            "CARTBRIDGE-HMAC-SHA256-V1", timestamp, nonce, KEY_ID,
            request.method, path, query, hashlib.sha256(body).hexdigest(),
        ])
        signature = hmac.new(SECRET, to_sign.encode(), hashlib.sha256).hexdigest()
        values = (KEY_ID, timestamp, nonce, "v1=" + signature)
        for name, value in zip(SIGNATURE_HEADERS, values):
            if name in request.headers:
                request.headers[name] = value
        return request


# Refusals of schema-valid requests that no schema can state: rows the shop
# does not have (a store, a language, an order status), a page_cursor no
# earlier page gave, and rules across parameters (a range whose start is
# after its end; find needs sku or name; update needs a field to change),
# and SQL parameters given as JSON text in a query string or form.
NOT_IN_THE_SCHEMA = ("is not in this shop", "is not an order status of this shop",
                  "page_cursor", "is after", "needs",
                  "must be a JSON array (for ? placeholders)")


@schemathesis.check
def schema_valid_requests_are_accepted(ctx, response, case):
    """Schemathesis's positive_data_acceptance, except a 400 whose message
    names one of the refusals above."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        message = ""
        if response.status_code == 400:
            message = response.json().get("return_message", "")
        if not any(reason in message for reason in NOT_IN_THE_SCHEMA):
            raise
        return None


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_document(case):
    case.call_and_validate(
        auth=SignatureV1(),
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_requests_are_accepted],
    )
