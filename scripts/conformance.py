"""Run scim2-tester against one source of a running ScimDesk and fail on any failure.

Usage: conformance.py BASE_URL TOKEN
Failures are the checker's ERROR and CRITICAL results (a MUST of RFC 7643/7644 broken); every
result other than SUCCESS is listed with its reason (SKIPPED: a check of something optional that
ScimDesk does not offer).
"""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

FAILING = {Status.ERROR, Status.CRITICAL}


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    results = check_server(SyncSCIMClient(http))
    counts: dict[str, int] = {}
    for result in results:
        mark = "FAIL" if result.status in FAILING else result.status.name
        counts[mark] = counts.get(mark, 0) + 1
        if result.status == Status.SUCCESS:
            continue
        where = f"[{result.resource_type}] " if result.resource_type else ""
        print(f"{mark:10} {where}{result.title}: {result.reason or ''}")
    failures = counts.get("FAIL", 0)
    summary = ", ".join(f"{n} {mark.lower()}" for mark, n in sorted(counts.items()))
    print(f"scim2-tester: {len(results)} checks ({summary}); {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
