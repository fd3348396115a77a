"""A client of the VRS API written only from its published OpenAPI schema.

It knows nothing of the server's code: it downloads /api/schema/, finds operations by their
operationId, refuses to call one without the headers the schema marks required, and checks that
each answer has the properties the schema marks required. Run it against a server:

    python tests/api/schema_client.py --base-url http://127.0.0.1:8000 --token vrs_… [--count 3]

It pushes records (each with its own Idempotency-Key, retried once to show a retry creates
nothing), then reads each back and lists them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid

import requests


class SchemaClient:
    def __init__(self, base_url: str, token: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        response = self.session.get(f"{self.base_url}/api/schema/", params={"format": "json"}, timeout=30)
        response.raise_for_status()
        self.schema = response.json()
        self.operations = {
            op["operationId"]: (method.upper(), path, op)
            for path, item in self.schema["paths"].items()
            for method, op in item.items()
            if isinstance(op, dict) and "operationId" in op
        }

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            target = self.schema
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def call(self, operation_id: str, *, path=None, query=None, body=None, headers=None) -> requests.Response:
        method, template, op = self.operations[operation_id]
        headers = dict(headers or {})
        for parameter in op.get("parameters", []):
            if parameter["in"] == "header" and parameter.get("required") and parameter["name"] not in headers:
                raise ValueError(f"{operation_id} needs the {parameter['name']} header")
        url = self.base_url + template.format(**(path or {}))
        response = self.session.request(method, url, params=query, json=body, headers=headers, timeout=30)
        self._check(op, response)
        return response

    def _check(self, op: dict, response: requests.Response) -> None:
        documented = op["responses"].get(str(response.status_code))
        if documented is None:
            raise AssertionError(f"{response.status_code} is not documented for {op['operationId']}")
        content = self._resolve(documented).get("content", {}).get("application/json")
        if content and response.content:
            schema = self._resolve(content["schema"])
            data = response.json()
            if schema.get("type") == "object" or "properties" in schema:
                missing = set(schema.get("required", [])) - set(data)
                if missing:
                    raise AssertionError(f"{op['operationId']}: missing {sorted(missing)} in the answer")


def push_and_read_back(client: SchemaClient, *, count: int, prefix: str) -> list[dict]:
    """Create `count` records, retry one creation, read each back, and list them; returns them."""
    today = dt.datetime.now(dt.UTC).date()  # the server keeps dates in UTC
    created = []
    for n in range(count):
        body = {
            "national_reference": f"{prefix}-{n:04d}",
            "detection_date": today.isoformat(),
            "categories": ["migrant_smuggling"],
            "detection_country": "AUS",
            "detection_context": "at_sea",
            "modes": ["sea"],
            "origin_country": "LKA",
            "transit_countries": ["IDN"],
            "destination_country": "AUS",
            "migrants_total": 10 + n,
        }
        key = str(uuid.uuid4())
        response = client.call("incidents_create", body=body, headers={"Idempotency-Key": key})
        if response.status_code != 201:
            raise AssertionError(f"create answered {response.status_code}: {response.text}")
        if n == 0:  # a retry after a lost answer: same key, same body, the same record
            retry = client.call("incidents_create", body=body, headers={"Idempotency-Key": key})
            if retry.json()["id"] != response.json()["id"]:
                raise AssertionError("a retried create made a second record")
        created.append(response.json())
    for record in created:
        read = client.call("incidents_retrieve", path={"id": record["id"]}).json()
        if (read["national_reference"], read["migrants_total"]) != (
            record["national_reference"],
            record["migrants_total"],
        ):
            raise AssertionError(f"record {record['id']} reads back differently")
    listed = client.call("incidents_list", query={"month": f"{today:%Y-%m}", "page_size": 200}).json()["results"]
    if {r["id"] for r in created} - {r["id"] for r in listed}:
        raise AssertionError("a pushed record is missing from the list")
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--count", type=int, default=3)
    args = parser.parse_args(argv)
    client = SchemaClient(args.base_url, args.token)
    records = push_and_read_back(client, count=args.count, prefix=f"SCHEMA-{uuid.uuid4().hex[:6]}")
    print(json.dumps([{"id": r["id"], "reference": r["national_reference"]} for r in records], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
