#!/usr/bin/env python3
"""Counts the results of meson test runs from their testlog.json files and
prints one line "N passed, M failed" (a run with no test prints 0 passed).
Exit code 1 when anything failed or nothing ran."""
import json
import os
import sys

passed = failed = skipped = 0
for build in sys.argv[1:]:
    path = os.path.join(build, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        print(f"{build}: no test log", file=sys.stderr)
        failed += 1
        continue
    with open(path) as log:
        for line in log:
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                print(f"FAILED: {build}: {json.loads(line)['name']} ({result})",
                      file=sys.stderr)
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or not passed else 0)
