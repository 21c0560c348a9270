#!/usr/bin/env python3
"""Writes fuzz seeds derived from the test fixtures into OUT/<target>/.

Each target's input starts with selector bytes that pick what it checks
(see the doc comment of fuzz/fuzz_targets/<target>.rs); the seeds carry the
same selectors, so every check starts from realistic input. Files are named
by the SHA-1 of their content, as libFuzzer names them, so a seed written
twice is one file.

tests/fuzz.sh runs this over the scratch corpus on every run. The committed
seeds in fuzz/corpus/ were written by it with --per-target 24: a small,
spread-out pick of the seeds up to 2 KB, so that the committed corpus
starts every check from realistic input.

usage: seeds.py OUT [--per-target N]
"""

import base64
import glob
import hashlib
import json
import os
import re
import struct
import sys
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
STORES = os.path.join(FIXTURES, "stores")

# What the PHP-literal and config targets have always been seeded with.
CONFIG_READERS = {"ini": 0, "xml": 1, "dotenv": 2, "url": 3, "template": 4}
# Selector bytes of the newer targets.
FORM_URLENCODED, FORM_MULTIPART = 0, 1
SERIALIZED, BUILT, DOUBLES = 0, 1, 2
PARAMS_NONE, PARAMS_JSON, PARAMS_FORM, STORED_TIME = 0, 1, 2, 5
ENVELOPE, CHUNKED, RESPONSE, ZLIB, ROUND_TRIP, PEM = 0, 1, 2, 3, 4, 5
LIMIT_1MIB = 0x80
# The largest seed --per-target picks.
MAX_COMMITTED = 2048


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def php_seeds():
    for path in sorted(glob.glob(STORES + "/**/*.php", recursive=True)):
        yield read(path)


def config_seeds():
    for path in sorted(glob.glob(STORES + "/**/*", recursive=True)):
        if not os.path.isfile(path):
            continue
        data, name = read(path), os.path.basename(path)
        if path.endswith((".info", "etc/config.php")):
            yield bytes([CONFIG_READERS["ini"]]) + data
        if path.endswith(".xml"):
            yield bytes([CONFIG_READERS["xml"]]) + data
        if name.startswith(".env"):
            yield bytes([CONFIG_READERS["dotenv"]]) + data
            for url in re.findall(rb"mysqli?://[^\s\"']+", data):
                yield bytes([CONFIG_READERS["url"]]) + url
    for path in sorted(glob.glob(os.path.join(ROOT, "platforms/*/platform.toml"))):
        for template in re.findall(r'"([^"\n]*\{[^"\n]*)"', read(path, "r")):
            yield bytes([CONFIG_READERS["template"]]) + template.encode()


def legacy_requests():
    """The signed bodies of the recorded legacy calls and their answers
    (the serialized answer, where the bytes on the wire encode one)."""
    cases = json.loads(read(os.path.join(FIXTURES, "legacy-query.json"), "r"))["cases"]
    for case in cases:
        answer = case.get("decoded_bytes_b64") or case["response_bytes_b64"]
        yield case["request"]["body"].encode(), base64.b64decode(answer)


def form_seeds():
    vectors = json.loads(read(os.path.join(FIXTURES, "legacy-sign.json"), "r"))["vectors"]
    for vector in vectors:
        yield bytes([FORM_URLENCODED]) + vector["request_body"].encode()
    for body, _ in legacy_requests():
        yield bytes([FORM_URLENCODED]) + body
    # multipart: the boundary, a newline, the body.
    for body, _ in legacy_requests():
        parts = b""
        for pair in body.split(b"&"):
            name, _, value = pair.partition(b"=")
            parts += (
                b"--xYz\r\nContent-Disposition: form-data; name=\"" + name + b"\"\r\n\r\n"
                + value + b"\r\n"
            )
        yield bytes([FORM_MULTIPART]) + b"xYz\n" + parts + b"--xYz--\r\n"
    yield bytes([FORM_MULTIPART]) + (
        b"b\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
        b"Content-Type: text/plain\r\n\r\nfile\r\n--b\r\nContent-Disposition: form-data;\r\n"
        b" name='a[x][]'\r\n\r\n1\r\n--b--\r\n"
    )


def serialize_seeds():
    for _, answer in legacy_requests():
        if answer[:2] in (b"a:", b"O:", b"s:", b"i:", b"b:", b"N;", b"d:"):
            yield bytes([SERIALIZED]) + answer
    yield bytes([SERIALIZED]) + b'O:8:"stdClass":2:{s:1:"a";d:0.1;i:5;r:1;}'
    yield bytes([SERIALIZED]) + b'a:3:{i:-1;d:INF;s:0:"";d:NAN;i:9;d:-0;}'
    # Built values: an array of every kind, nested once.
    yield bytes([BUILT]) + bytes(
        [5, 6, 0, 2, 0, 1, 1, 1, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0]
        + [1, 1, ord("k"), 3] + list(struct.pack("<d", 0.1))
        + [1, 2, ord("s"), ord("t"), 4, 3, ord("a"), ord('"'), ord(";")]
        + [0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 1, 0, 0]
        + [1, 0, 6, 8] + list(b"stdClass") + [1, 1, ord("p"), 0]
    )
    doubles = [0.1, 1e-7, 1e15, 1e17, 1e21, 5e-324, 2.2250738585072014e-308,
               1.7976931348623157e308, 0.1 + 0.2, 1658206780088562.25, -0.0]
    yield bytes([DOUBLES]) + b"".join(struct.pack("<d", d) for d in doubles)


def params_seeds():
    queries = [
        b"id=5&fields=id,name",
        b"ids=40,41,41&count=10&page_cursor=abc-_.9",
        b"created_from=2026-01-31&created_to=2026-01-31T23:59:59%2B02:00",
        b"status=enabled&code=wc-processing&flag=true&price=99.5000",
        b"find=%20shoe%20&name=Gr%C3%BCn",
        b"method=x&id=1&id=2",
        b"params=%5B1%2C%22a%22%2Cnull%5D&fields=%5B%22id%22%5D",
    ]
    for query in queries:
        yield bytes([PARAMS_NONE]) + query
        yield bytes([PARAMS_NONE | 0x80]) + query
    yield bytes([PARAMS_FORM]) + b"\nid=7&modified_to=2024-02-29+10:00:00Z"
    bodies = [
        b'{"id": 5, "ids": [1, "2", 3], "flag": false, "count": null}',
        b'{"created_from": "2026-01-31T23:59:59.5-14:00", "params": {"a": 1.5}}',
        b'{"fields": "id, price", "name": ""}',
        b"[1,2]",
    ]
    for body in bodies:
        yield bytes([PARAMS_JSON]) + b"count=3\n" + body
    for stored in [b"2009-02-03 16:06:50", b"2024-07-15 10:00:00Z", b"0000-00-00", b"2024-02-29"]:
        yield bytes([STORED_TIME]) + stored


def crypto_seeds():
    b64 = lambda raw: base64.b64encode(raw).decode().replace("/", "\\/")
    for _, answer in legacy_requests():
        stream = zlib.compress(answer)
        yield bytes([ZLIB, 0x10]) + stream
        yield bytes([ZLIB, LIMIT_1MIB]) + stream + b"trailing"
        yield bytes([ROUND_TRIP, LIMIT_1MIB]) + answer[:64]
    envelope = '{"encryptedKey":"%s","iv":"%s","data":"%s"}' % (
        b64(bytes(range(128))), b64(bytes(16)), b64(zlib.compress(b"x" * 40))
    )
    for mode in (ENVELOPE, RESPONSE):
        yield bytes([mode, LIMIT_1MIB]) + envelope.encode()
    yield bytes([CHUNKED, LIMIT_1MIB]) + bytes(range(256)).hex().encode()
    yield bytes([RESPONSE, 0x20]) + bytes(range(128)).hex().encode()
    for path in sorted(glob.glob(os.path.join(ROOT, "src/legacy/*.rs"))):
        for pem in re.findall(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", read(path, "r"), re.S):
            yield bytes([PEM, 0]) + pem.replace("\\n\\\n", "\n").replace("\\n", "\n").encode()


SEEDS = {
    "php": php_seeds,
    "config": config_seeds,
    "form": form_seeds,
    "serialize": serialize_seeds,
    "params": params_seeds,
    "crypto": crypto_seeds,
}


def spread(items, count):
    """`count` items evenly spaced over `items`, keeping their order."""
    if count is None or len(items) <= count:
        return items
    return [items[i * len(items) // count] for i in range(count)]


def main():
    args = sys.argv[1:]
    per_target = None
    if "--per-target" in args:
        at = args.index("--per-target")
        per_target = int(args[at + 1])
        del args[at : at + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    for target, seeds in SEEDS.items():
        os.makedirs(os.path.join(out, target), exist_ok=True)
        unique = list(dict.fromkeys(seeds()))
        if per_target is not None:
            # A committed pick stays small; the fixtures hold the rest.
            unique = [seed for seed in unique if len(seed) <= MAX_COMMITTED] or unique
        for seed in spread(unique, per_target):
            name = hashlib.sha1(seed).hexdigest()
            with open(os.path.join(out, target, name), "wb") as f:
                f.write(seed)


if __name__ == "__main__":
    main()
