#!/usr/bin/python3
"""Validates JSON documents against a JSON Schema (draft 2020-12).

Usage: check-schema.py SCHEMA DOCUMENT...
Exits 0 when every document validates, 1 (naming each error's place) when
one does not, 2 when the schema itself is not valid.
"""
import json
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: check-schema.py SCHEMA DOCUMENT...\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        sys.stderr.write("%s: not a valid schema: %s\n" % (argv[1], e.message))
        return 2
    validator = Draft202012Validator(schema)
    bad = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            sys.stderr.write("%s: not JSON: %s\n" % (path, e))
            bad += 1
            continue
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in err.absolute_path)
            sys.stderr.write("%s: /%s: %s\n" % (path, where, err.message))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
