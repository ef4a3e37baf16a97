#!/usr/bin/env python3
"""Churn under AddressSanitizer and LeakSanitizer (issue 11).

Runs hyperconf-bench's churn scenario against a hyperconf built with
-Db_sanitize=address,undefined: CYCLES joins and leaves of synthetic
participants next to a resident one, of which one in three vanishes once
the server has its join offer and one in three when the server's answer
arrives, before ICE connects (socket closed without `close`); then 20
cycles two at a time.  Fails unless:

  - every cycle did what it was meant to (no failed join, the planned
    vanishings happened);
  - the server exits 0 after SIGTERM and its log holds no AddressSanitizer,
    LeakSanitizer or UBSan report (LeakSanitizer runs at that exit, with
    tests/lsan.supp: third-party frames only);
  - the room's elements (as the server counts them, /metrics) are back to
    their count before the cycles, and its open fds and threads are no
    more than before.

By hand (README.md, "Tests"), 500 cycles, about 15 minutes on 2 cores:

  python3 tests/churn-asan.py --bench build/src/bench/hyperconf-bench \\
      --server build-asan/src/app/hyperconf --cycles 500

In the ASan build's 'churn' suite (data/dev.sh), 30 cycles of that build's
own bench and server.
"""
import argparse
import json
import os
import subprocess
import sys

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", required=True, help="hyperconf-bench")
    parser.add_argument("--server", help="an ASan build's hyperconf "
                        "(default: the one the bench was built with)")
    parser.add_argument("--cycles", type=int, default=500)
    args = parser.parse_args()

    server_env = {
        "ASAN_OPTIONS": "detect_leaks=1:fast_unwind_on_malloc=0",
        "LSAN_OPTIONS": "suppressions=%s:print_suppressions=0"
        % os.path.join(SOURCE, "tests", "lsan.supp"),
        "G_SLICE": "always-malloc",
    }
    command = [args.bench, "--scenario", "churn", "--churn-cycles",
               str(args.cycles), "--budget", "7200", "--json"]
    if args.server:
        command += ["--server-bin", args.server]
    for name, value in server_env.items():
        command += ["--server-env", "%s=%s" % (name, value)]
    # The bench is the load generator, not what is checked: when it is an
    # ASan build itself, its own exit is not scanned for leaks.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", G_SLICE="always-malloc")
    print("#", " ".join(command), flush=True)
    run = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        results = json.loads(run.stdout)["servers"]["hyperconf"]
    except (ValueError, KeyError):
        print(run.stdout)
        print("FAIL: no results from hyperconf-bench (exit %d)" % run.returncode)
        return 1
    churn = results.get("churn")
    failures = []

    def check(ok, what):
        print("%s: %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            failures.append(what)

    check(churn is not None, "the churn scenario ran")
    if churn is None:
        return 1
    before, after = churn["before"], churn["after"]
    print("# %d cycles in %.0f s: %d vanished with the offer sent, %d with "
          "the answer in; then %d two at a time"
          % (churn["cycles"], churn["seconds"], churn["vanished_offered"],
             churn["vanished_answered"], churn["concurrent_cycles"]))
    print("# RSS %.1f -> %.1f MB, fds %d -> %d, threads %d -> %d, elements "
          "%d -> %d (with webrtcbin's insides %d -> %d)"
          % (before["rss_kb"] / 1024, after["rss_kb"] / 1024, before["fds"],
             after["fds"], before["threads"], after["threads"],
             churn["elements_before"], churn["elements_after"],
             churn["elements_deep_before"], churn["elements_deep_after"]))
    check(churn["cycles"] == args.cycles and churn["failed"] == 0,
          "%d of %d cycles, %d failed" % (churn["cycles"], args.cycles,
                                          churn["failed"]))
    planned = args.cycles // 3
    check(churn["vanished_offered"] >= planned
          and churn["vanished_answered"] >= planned,
          "at least %d vanished at each point (%d, %d)"
          % (planned, churn["vanished_offered"], churn["vanished_answered"]))
    check(churn["concurrent_failed"] == 0 and not churn["concurrent_server_hung"],
          "%d cycles two at a time, %d failed" % (churn["concurrent_cycles"],
                                                  churn["concurrent_failed"]))
    check(results["server_exit"] == 0,
          "the server exited %d after SIGTERM" % results["server_exit"])
    check(not results["sanitizer_report"],
          "no sanitizer report in the server's log")
    check(churn["elements_before"] >= 0
          and churn["elements_after"] == churn["elements_before"],
          "elements back to %d (%d)" % (churn["elements_before"],
                                        churn["elements_after"]))
    check(after["fds"] <= before["fds"],
          "fds back to %d (%d)" % (before["fds"], after["fds"]))
    check(after["threads"] <= before["threads"],
          "threads back to %d (%d)" % (before["threads"], after["threads"]))
    for note in results.get("notes", []):
        print("# note:", note)
    check(run.returncode == 0, "hyperconf-bench exited %d" % run.returncode)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
