"""Helpers of scripts/fuzz (standard library only; run with the .venv's Python).

    fuzz_helpers.py check-doc BASE            the server serves an OpenAPI document with operations
    fuzz_helpers.py real-ids BASE TOKEN OUT    creates real resources, writes a schemathesis config
                                              pinning every path id of the document to one of them
    fuzz_helpers.py count REPORT.ndjson...     prints the number of requests made; the answers by
                                              status go to stderr
"""

import collections
import json
import sys
import urllib.request
import uuid

METHODS = ("get", "post", "put", "patch", "delete")


def document(base):
    with urllib.request.urlopen(base + "/openapi.json", timeout=10) as r:
        return json.load(r)


def check_doc(base):
    doc = document(base)
    ops = sum(1 for item in doc.get("paths", {}).values() for m in item if m in METHODS)
    print(f"fuzz: GET /openapi.json: OpenAPI {doc.get('openapi')}, {ops} operations")
    if ops == 0:
        sys.exit("fuzz: the document has no operations")


def real_ids(base, token, out):
    def call(method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return json.loads(raw) if raw else None

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
        f.write("\n".join(lines))
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
