"""Runs scim2-tester (python-scim) against a SCIM endpoint: every check it offers for Users and
Groups (discovery, CRUD, PATCH, filtering, attributes). Prints each result; exits 1 on any
result that is not SUCCESS (a skipped check counts: every check must run and pass), or when no
check ran.

usage: scim_check.py BASE_URL TOKEN
"""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    scim = SyncSCIMClient(http)
    results = check_server(scim, raise_exceptions=False)
    counts: dict[str, int] = {}
    bad = []
    for r in results:
        status = r.status.name
        counts[status] = counts.get(status, 0) + 1
        line = f"{status:8} {r.title} {r.resource_type or ''} {r.reason or ''}".rstrip()
        print(line)
        if r.status != Status.SUCCESS:
            bad.append(line)
    print("scim2-tester:", ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if not results or counts.get("SUCCESS", 0) == 0:
        print("scim2-tester: no check succeeded", file=sys.stderr)
        return 1
    if bad:
        print(f"scim2-tester: {len(bad)} failure(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
