#!/usr/bin/env python3
"""Runs every gst-launch-1.0 line of pipelines/README.md, headless.

So that the documentation cannot rot: each command in the README's code
blocks runs from the source root, as a person would paste it, with
  - the build's plugin directory for GST_PLUGIN_PATH (the README says
    build/src/media; the test uses the build it was configured in),
  - display and audio sinks replaced by fakesink,
  - files written under /tmp/ redirected to a temporary directory,
and fails if a command exits non-zero, runs over 60 s, writes an empty
file, or has a test source without num-buffers (an unbounded run).
Output is TAP.

usage: test-pipelines-readme.py SOURCE_ROOT BUILD_ROOT
"""
import os
import re
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 60
DISPLAY_SINKS = re.compile(
    r"\b(autovideosink|autoaudiosink|xvimagesink|ximagesink|glimagesink|"
    r"waylandsink|pulsesink|alsasink)\b")
SOURCES = re.compile(r"\b(videotestsrc|audiotestsrc)\b[^!]*")


def commands(readme):
    """The gst-launch-1.0 commands of the README's code blocks, with
    backslash-continued lines joined."""
    out, block, pending = [], False, ""
    for line in readme.splitlines():
        if line.startswith("```"):
            block = not block
            continue
        if not block:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if re.match(r"^([A-Z_]+=\S+\s+)*gst-launch-1\.0\b", full):
            out.append(full)
    return out


def main():
    source_root, build_root = sys.argv[1], sys.argv[2]
    plugin_dir = os.path.join(build_root, "src", "media")
    with open(os.path.join(source_root, "pipelines", "README.md")) as f:
        cmds = commands(f.read())
    print(f"1..{len(cmds)}")
    if not cmds:
        print("Bail out! no gst-launch-1.0 line in pipelines/README.md")
        return 1
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, cmd in enumerate(cmds, 1):
            problem = None
            for source in SOURCES.finditer(cmd):
                if "num-buffers=" not in source.group(0):
                    problem = "unbounded: " + source.group(0).strip()
            run = DISPLAY_SINKS.sub("fakesink", cmd)
            run = run.replace("build/src/media", plugin_dir)
            run = run.replace("location=/tmp/", f"location={tmp}/")
            outputs = re.findall(r"location=(\S+)", run)
            env = dict(os.environ, GST_PLUGIN_PATH=plugin_dir)
            start = time.monotonic()
            if problem is None:
                try:
                    proc = subprocess.run(
                        ["bash", "-c", run], cwd=source_root, env=env,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        timeout=TIMEOUT_S, text=True)
                    if proc.returncode != 0:
                        problem = f"exit {proc.returncode}:\n{proc.stdout}"
                except subprocess.TimeoutExpired:
                    problem = f"still running after {TIMEOUT_S} s"
            for path in outputs:
                if problem is None and (not os.path.exists(path)
                                        or os.path.getsize(path) == 0):
                    problem = f"wrote nothing to {path}"
            took = time.monotonic() - start
            name = re.sub(r"\s+", " ", cmd)[:70]
            if problem is None:
                print(f"ok {i} - {name} ({took:.1f} s)")
            else:
                failed += 1
                print(f"not ok {i} - {name}")
                for line in problem.splitlines():
                    print(f"# {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
