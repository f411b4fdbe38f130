"""schemathesis hooks for `npm run fuzz` (loaded through SCHEMATHESIS_HOOKS).

Random values almost never name an object that exists, so most requests would stop at a 404
or 422 before the code that matters. scripts/fuzz.ts builds a few real cases, tasks and
linkages first (scripts/fuzz/fixtures.ts) and passes their identifiers in FUZZ_FIXTURES, a JSON
object {name: [values]}. These hooks swap a generated value for a known one about half of
the time, wherever a path parameter, query parameter, header or body field of that name
appears. The choice is drawn through hypothesis, so a seed still replays the same requests.

Nothing here filters or changes what the checks see: every response is judged as usual. The
document is used as the API serves it: it declares 4xx/5xx bodies as application/problem+json,
the media type they are answered with, so schemathesis holds every error body to the problem
schema.
"""

import json
import os
import re

import schemathesis
from hypothesis import strategies as st

KNOWN = {k: v for k, v in json.loads(os.environ.get("FUZZ_FIXTURES") or "{}").items() if v}
# A random value of these is next to never valid (a check digit, a catalog entry), and without
# one nothing behind the validation runs; they are swapped more often.
SWAP = {"creditCode": 0.8, "itemCode": 0.8, "applicationNo": 0.6, "taskId": 0.6}


def _swap(value, rnd, depth=0, keep=()):
    if depth > 4:
        return value
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            known = None if key in keep else KNOWN.get(key)
            if known and rnd.random() < SWAP.get(key, 0.5):
                out[key] = _coerce(rnd.choice(known), v)
            else:
                out[key] = _swap(v, rnd, depth + 1, keep)
        return out
    if isinstance(value, list):
        return [_swap(v, rnd, depth + 1, keep) for v in value]
    return value


def _coerce(known, generated):
    # A query or header value is a string; keep the generated value's kind.
    if isinstance(generated, str) and not isinstance(known, str):
        return str(known)
    return known


def _strategy(value, keep=()):
    if not KNOWN or not isinstance(value, (dict, list)):
        return st.just(value)
    return st.randoms(use_true_random=False).map(lambda rnd: _swap(value, rnd, keep=keep))


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return _strategy(path_parameters)


@schemathesis.hook
def flatmap_query(context, query):
    return _strategy(query)


@schemathesis.hook
def flatmap_headers(context, headers):
    return _strategy(headers)


# A new case's number must be in the caller department's own space ("LYG-SPJ-…", as the
# fixtures' numbers are): a random one is refused (403) before anything runs, and the stateful
# phase would never get a case of its own to follow links from. Half of them are moved there.
SPACE = next((n.rsplit("-FUZZ-", 1)[0] + "-" for n in KNOWN.get("applicationNo", []) if "-FUZZ-" in n), None)


def _own_space(body, rnd):
    no = body.get("applicationNo") if isinstance(body, dict) else None
    if not SPACE or not isinstance(no, str) or rnd.random() >= 0.5:
        return body
    return {**body, "applicationNo": (SPACE + "FZ-" + re.sub(r"[^A-Za-z0-9_-]", "", no))[:64]}


@schemathesis.hook
def flatmap_body(context, body):
    # A body's applicationNo names a new case (POST /v1/applications): a known one is a 409.
    if not isinstance(body, dict):
        return _strategy(body, keep=("applicationNo",))
    return st.randoms(use_true_random=False).map(lambda rnd: _own_space(_swap(body, rnd, keep=("applicationNo",)), rnd))
