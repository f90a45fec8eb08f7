#!/usr/bin/env python3
"""Summarise a JFR recording of ballast under bench/http-rr.sh: where the event loop spends CPU
and what it allocates.

Usage: bench/jfr-request-path.py RECORDING.jfr [REQUESTS]

REQUESTS is the number of requests served while recording (the warm-up and measured runs'
BENCH_RESULT requests= added up); with it the script prints bytes allocated per request.

Record with, for example:
  ONLY=ballast DURATION=15s \
  BALLAST_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/b.jfr,settings=profile,dumponexit=true" \
  bench/http-rr.sh

What it prints, for the event-loop threads (ballast-io-*) only:
- allocation by class and by the four innermost frames (jdk.ObjectAllocationSample weights,
  which JFR scales to estimate all allocation);
- Java CPU samples (jdk.ExecutionSample) by innermost frame;
- native samples (jdk.NativeMethodSample) by innermost frames: time in system calls;
- lock events on the event loop (jdk.JavaMonitorEnter, jdk.ThreadPark).
Needs the JDK's `jfr` tool on PATH.
"""
import collections
import json
import subprocess
import sys

LOOP = "ballast-io"


def events(path, types, depth=12):
    out = subprocess.run(
        ["jfr", "print", "--json", "--stack-depth", str(depth), "--events", types, path],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def frame(f, line=True):
    m = f["method"]
    name = m["type"]["name"].split("/")[-1] + "." + m["name"]
    return f"{name}:{f.get('lineNumber')}" if line else name


def thread_of(v, key):
    t = v.get(key) or {}
    return t.get("javaName") or ""


def top(counter, total, n):
    for k, w in counter.most_common(n):
        print(f"  {100 * w / total:5.1f}%  {k}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 0

    by_class, by_site, total = collections.Counter(), collections.Counter(), 0
    for e in events(path, "jdk.ObjectAllocationSample"):
        v = e["values"]
        if not thread_of(v, "eventThread").startswith(LOOP):
            continue
        w = v["weight"]
        total += w
        by_class[v["objectClass"]["name"]] += w
        frames = (v.get("stackTrace") or {}).get("frames") or []
        by_site[" < ".join(frame(f) for f in frames[:4])] += w
    print(f"allocation on the event loop: {total / 1e6:.0f} MB (estimated from samples)")
    if requests:
        print(f"bytes per request: {total / requests:.0f}")
    if total:
        print("by class:")
        top(by_class, total, 15)
        print("by site (innermost four frames):")
        top(by_site, total, 20)

    self_frames, n = collections.Counter(), 0
    for e in events(path, "jdk.ExecutionSample"):
        v = e["values"]
        frames = (v.get("stackTrace") or {}).get("frames") or []
        if not frames or not thread_of(v, "sampledThread").startswith(LOOP):
            continue
        n += 1
        self_frames[frame(frames[0], line=False)] += 1
    print(f"Java CPU samples on the event loop: {n}, by innermost frame:")
    if n:
        top(self_frames, n, 25)

    native, n = collections.Counter(), 0
    for e in events(path, "jdk.NativeMethodSample", depth=3):
        v = e["values"]
        frames = (v.get("stackTrace") or {}).get("frames") or []
        if not frames or not thread_of(v, "sampledThread").startswith(LOOP):
            continue
        n += 1
        native[" < ".join(frame(f, line=False) for f in frames[:3])] += 1
    print(f"native samples on the event loop (system calls): {n}")
    if n:
        top(native, n, 8)

    locks = collections.Counter()
    for e in events(path, "jdk.JavaMonitorEnter,jdk.ThreadPark", depth=1):
        v = e["values"]
        if thread_of(v, "eventThread").startswith(LOOP):
            locks[e["type"]] += 1
    print(f"lock events on the event loop: {dict(locks) or 'none'}")


if __name__ == "__main__":
    main()
