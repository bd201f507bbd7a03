"""Helpers of scripts/fuzz (standard library only; run with the .venv's Python).

    fuzz_helpers.py check-doc BASE            the server serves an OpenAPI document with operations
    fuzz_helpers.py real-ids BASE TOKEN BASE_CONFIG OUT  creates real resources, writes a schemathesis config
                                              pinning every path id of the document to one of them
    fuzz_helpers.py count REPORT.ndjson...     prints the number of requests made; the answers by
                                              status go to stderr

Imported by schemathesis (SCHEMATHESIS_HOOKS=fuzz_helpers), it registers the hook below, which
leaves out of every request the two values the fuzzer cannot make valid from the document alone
(RELIABILITY.md, "The OpenAPI document", names and explains each).
"""

import collections
import json
import re
import sys
import urllib.error
import urllib.request
import uuid

METHODS = ("get", "post", "put", "patch", "delete")
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")

if __name__ != "__main__":
    import schemathesis

    import datetime
    import os

    @schemathesis.hook
    def before_call(ctx, case, **kwargs):
        """What the fuzzer cannot know from the document (RELIABILITY.md names each):
        - a well-formed Idempotency-Key becomes a fresh one: the fuzzer reuses the few keys it
          makes up across different bodies (422 idempotency_key_reused) and across a create, a
          delete and a create again (a replay of the first 201, naming the deleted resource);
        - a `cursor` is dropped: one the fuzzer makes up was never issued (400 invalid_cursor);
        - a valid schedule gets its window in order (`end` after `start`, `startTime` other than
          `endTime`), a rule between two fields that JSON Schema cannot state;
        - before an API user, SCIM token or schedule is created, the oldest is deleted at the
          limit (10 per operator, 10 per account, 20 per operator), which depends on what earlier
          requests did; never one of the real resources pass 2 pins the path ids to (FUZZ_PINNED);
        - `isActive: true` (without `mode`) is left out of a PATCH of a monitor that is in
          Development now, which only the stored monitor tells;
        - in the stateful phase, an authorization on a monitor just created names a principal that
          exists (the account administrator, or Everyone): a made-up `operatorId` or `groupId`
          is a right 404 about that principal, which the resource-availability check would read
          as the new monitor missing. The other phases keep sending made-up principals."""
        headers = case.headers or {}
        for name in list(headers):
            if name.lower() == "idempotency-key" and isinstance(headers[name], str) and IDEMPOTENCY_KEY.fullmatch(headers[name]):
                headers[name] = uuid.uuid4().hex
        if isinstance(case.query, dict):
            case.query.pop("cursor", None)
        positive = case.meta is not None and case.meta.generation.mode.is_positive
        if positive and isinstance(case.body, dict) and case.operation.path.startswith("/operators/{id}/duty-schedules"):
            order_window(case.body)
        if positive and case.method.upper() == "POST" and case.operation.path in ("/api-users", "/scim-tokens"):
            make_room(case.operation.path, case.body)
        if positive and case.method.upper() == "PATCH" and case.operation.path == "/monitors/{id}" and isinstance(case.body, dict):
            keep_development_inactive((case.path_parameters or {}).get("id"), case.body)
        if positive and case.method.upper() == "POST" and case.operation.path == "/operators/{id}/duty-schedules":
            make_room_for_schedule((case.path_parameters or {}).get("id"))
        stateful = case.meta is not None and case.meta.phase.name == "stateful"
        if positive and stateful and case.method.upper() == "POST" and case.operation.path == "/monitors/{id}/authorizations" and isinstance(case.body, dict):
            name_a_real_principal(case.body)

    real_principals = {}

    def name_a_real_principal(body):
        base, token = os.environ["FUZZ_BASE"], os.environ["FUZZ_TOKEN"]
        if not real_principals:
            operators = api(base, token, "GET", "/operators?limit=100")["items"]
            groups = api(base, token, "GET", "/groups?limit=100")["items"]
            real_principals["operatorId"] = next(o["operatorId"] for o in operators if o["isAccountAdministrator"])
            real_principals["groupId"] = next(g["groupId"] for g in groups if g["isEveryone"])
        for field in ("operatorId", "groupId"):
            if isinstance(body.get(field), str):
                body[field] = real_principals[field]

    def order_window(body):
        start, end = body.get("start"), body.get("end")
        if isinstance(start, str) and isinstance(end, str):
            try:
                a, b = (datetime.datetime.fromisoformat(v[:10] + "T" + v[11:].upper()) for v in (start, end))
            except ValueError:  # year 0, which Python's datetime cannot hold
                body["start"], body["end"] = "0001-01-01T00:00:00Z", "9998-12-31T23:59:59Z"
                return
            if a > b:
                body["start"], body["end"] = end, start
            elif a == b:
                body["end"] = (b + datetime.timedelta(seconds=1)).isoformat()
        if isinstance(body.get("startTime"), str) and body.get("startTime") == body.get("endTime"):
            body["endTime"] = "00:00" if body["startTime"] != "00:00" else "00:01"

    def make_room(path, body):
        """At the limit less one, deletes the oldest SCIM token, or the oldest API user of each
        operator there (the caller is the administrator, whose own id the fuzzer does not know):
        the oldest, so that what a stateful scenario just created stays readable."""
        base, token = os.environ["FUZZ_BASE"], os.environ["FUZZ_TOKEN"]
        key = "scimTokenId" if path == "/scim-tokens" else "apiUserId"
        groups = collections.defaultdict(list)
        for item in api(base, token, "GET", path + ("" if path == "/scim-tokens" else "?limit=100"))["items"]:
            groups[item.get("operatorId")].append(item[key])
        for ids in groups.values():
            if len(ids) >= 9:
                delete(base, token, f"{path}/{oldest(ids)}")

    def make_room_for_schedule(operator):
        """At 19 schedules (the limit is 20 per operator), deletes the oldest."""
        if not (isinstance(operator, str) and IDEMPOTENCY_KEY.fullmatch(operator)):
            return
        base, token = os.environ["FUZZ_BASE"], os.environ["FUZZ_TOKEN"]
        try:
            items = api(base, token, "GET", f"/operators/{operator}/duty-schedules")["items"]
        except urllib.error.HTTPError:
            return
        if len(items) >= 19:
            delete(base, token, f"/operators/{operator}/duty-schedules/{oldest([i['scheduleId'] for i in items])}")

    def oldest(ids):
        """The first of `ids` (oldest first) that no path of pass 2 is pinned to."""
        pinned = set(os.environ.get("FUZZ_PINNED", "").split())
        return next(i for i in ids if i not in pinned)

    def keep_development_inactive(monitor, body):
        """`isActive: true` alone cannot be valid for a monitor that is in Development now."""
        if body.get("isActive") is not True or "mode" in body or not (isinstance(monitor, str) and IDEMPOTENCY_KEY.fullmatch(monitor)):
            return
        try:
            current = api(os.environ["FUZZ_BASE"], os.environ["FUZZ_TOKEN"], "GET", f"/monitors/{monitor}")
        except urllib.error.HTTPError:
            return
        if current.get("mode") == "Development":
            del body["isActive"]

    def delete(base, token, path):
        try:
            api(base, token, "DELETE", path)
        except urllib.error.HTTPError:
            pass


def document(base):
    with urllib.request.urlopen(base + "/openapi.json", timeout=10) as r:
        return json.load(r)


def check_doc(base):
    doc = document(base)
    ops = sum(1 for item in doc.get("paths", {}).values() for m in item if m in METHODS)
    print(f"fuzz: GET /openapi.json: OpenAPI {doc.get('openapi')}, {ops} operations")
    if ops == 0:
        sys.exit("fuzz: the document has no operations")


def api(base, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def real_ids(base, token, base_config, out):
    def call(method, path, body=None):
        return api(base, token, method, path, body)

    # An operator in a group, with an off-duty schedule and an API user, authorized on a monitor.
    n = uuid.uuid4().hex[:8]
    op = call("POST", "/operators", {"email": f"fuzz-{n}@example.com", "fullName": f"Fuzz {n}"})["operatorId"]
    group = call("POST", "/groups", {"description": f"Fuzz {n}"})["groupId"]
    call("PUT", f"/groups/{group}/members/{op}")
    window = {"mode": "Daily", "startTime": "22:00", "endTime": "06:00"}
    schedule = call("POST", f"/operators/{op}/duty-schedules", window)["scheduleId"]
    monitor = call("POST", "/monitors", {"name": f"Fuzz {n}", "mode": "Staging"})["monitorId"]
    grant = call("POST", f"/monitors/{monitor}/authorizations", {"authorizationType": "ViewMonitor", "operatorId": op})
    authorization = next(a["authorizationId"] for a in grant["items"] if a["authorizationType"] == "ViewMonitor")
    api_user = call("POST", "/api-users", {"description": f"Fuzz {n}", "operatorId": op})["apiUserId"]
    # Pass 1 may have used up the account's 10 SCIM tokens: make room for one.
    for old in call("GET", "/scim-tokens")["items"]:
        call("DELETE", f"/scim-tokens/{old['scimTokenId']}")
    scim_token = call("POST", "/scim-tokens", {"description": f"Fuzz {n}"})["scimTokenId"]

    # `{id}` names the collection before it; the other placeholders name themselves.
    by_collection = {"operators": op, "groups": group, "monitors": monitor, "api-users": api_user, "scim-tokens": scim_token}
    by_name = {"operatorId": op, "groupId": group, "scheduleId": schedule, "authorizationId": authorization}
    lines, pinned, unknown = [], 0, set()
    for path in sorted(document(base)["paths"]):
        segments = path.split("/")
        params = {}
        for i, segment in enumerate(segments):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                value = by_collection.get(segments[i - 1]) if name == "id" else by_name.get(name)
                if value:
                    params[f"path.{name}"] = value
                elif name != "permission":  # an enum-like name: left to the fuzzer
                    unknown.add(f"{path}: {segment}")
        if params:
            pinned += 1
            pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in params.items())
            lines += ["[[operations]]", f"include-path = {json.dumps(path)}", f"parameters = {{ {pairs} }}", ""]
    with open(out, "w") as f:
        with open(base_config) as base:
            f.write(base.read() + "\n")
        f.write("\n".join(lines))
    # The hook never deletes these to make room (the stateful phase reads them back).
    with open(out + ".pinned", "w") as f:
        f.write(" ".join([op, group, schedule, monitor, authorization, api_user, scim_token]) + "\n")
    print(f"fuzz: real resources created; {pinned} paths pinned to them")
    for u in sorted(unknown):
        print(f"fuzz: no real id for {u} (left to the fuzzer)")


def count(paths):
    n, statuses = 0, collections.Counter()
    for path in paths:
        try:
            with open(path) as f:
                for line in f:
                    event = json.loads(line)
                    for value in event.values():
                        if isinstance(value, dict) and "recorder" in value:
                            for interaction in value["recorder"].get("interactions", {}).values():
                                n += 1
                                response = interaction.get("response")
                                statuses[str(response["status_code"]) if response else "none"] += 1
        except FileNotFoundError:
            pass
    print(n)
    print("fuzz: answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())), file=sys.stderr)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"check-doc": lambda: check_doc(*args), "real-ids": lambda: real_ids(*args), "count": lambda: count(args)}[command]()
