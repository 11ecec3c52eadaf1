"""Run scim2-tester against one source of a running ScimDesk and fail on any failure.

Usage: conformance.py BASE_URL TOKEN
Failures are the checker's ERROR and CRITICAL results (RFC 7644 MUSTs broken); DEVIATION results
(a SHOULD not followed) are listed but pass, like the checker's own summary.
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
    failures = 0
    for result in results:
        mark = "FAIL" if result.status in FAILING else result.status.name
        where = f"[{result.resource_type}] " if result.resource_type else ""
        line = f"{mark:10} {where}{result.title}"
        if result.status not in (Status.SUCCESS, Status.SKIPPED) and result.reason:
            line += f": {result.reason}"
        print(line)
        failures += result.status in FAILING
    print(f"scim2-tester: {len(results)} checks, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
