#!/usr/bin/env python3
"""Time in heart-rate zones with fitdecode: the Python pipeline of the archive benchmark.

    fitdecode_zones.py --bounds 95,114,133,152,171 FILE_LIST

FILE_LIST holds one FIT path per line. For each file: decode every message with fitdecode
(CRC checked), take record timestamps and heart rate, the timer start/stop events (else
each session's span), weight each sample by the seconds since the previous one clipped to
the timer intervals (0 for no HR, backwards clocks and gaps over 300 s: the rules of
hrzones' `zones::sample_weights`), and add the weights per zone. Prints one JSON line:
files, bytes, seconds (decode + zones), zone_s (summed over files), peak_rss_kb.
"""

import json
import os
import resource
import sys
import time

import fitdecode

MAX_GAP_S = 300.0
STOPS = {"stop", "stop_all", "stop_disable", "stop_disable_all"}


def timer_intervals(events, sessions):
    """Timer-running intervals from (t, is_start) events, else the session spans."""
    if not events:
        return sorted(sessions)
    events.sort()
    out, open_t = [], None
    if not events[0][1] and sessions:
        open_t = sessions[0][0]
    for t, start in events:
        if start and open_t is None:
            open_t = t
        elif not start and open_t is not None:
            if t > open_t:
                out.append((open_t, t))
            open_t = None
    if open_t is not None and sessions:
        end = max(e for _, e in sessions)
        if end > open_t:
            out.append((open_t, end))
    return out


def zone_seconds(path, floors, totals):
    t, hr, events, sessions = [], [], [], []
    with fitdecode.FitReader(path, check_crc=fitdecode.CrcCheck.ENABLED) as reader:
        for frame in reader:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            name = frame.name
            if name == "record":
                ts = frame.get_value("timestamp", fallback=None)
                if ts is None:
                    continue
                t.append(ts.timestamp())
                hr.append(frame.get_value("heart_rate", fallback=None) or 0)
            elif name == "event":
                if frame.get_value("event", fallback=None) == "timer":
                    ty = frame.get_value("event_type", fallback=None)
                    ts = frame.get_value("timestamp", fallback=None)
                    if ts is not None and (ty == "start" or ty in STOPS):
                        events.append((ts.timestamp(), ty == "start"))
            elif name == "session":
                st = frame.get_value("start_time", fallback=None)
                el = frame.get_value("total_elapsed_time", fallback=None)
                if st is not None and el is not None:
                    sessions.append((st.timestamp(), st.timestamp() + el))
    timer = timer_intervals(events, sessions)
    k = 0
    for i in range(1, len(t)):
        h = hr[i]
        if not h:
            continue
        a, b = t[i - 1], t[i]
        if b <= a or b - a > MAX_GAP_S:
            continue
        if k > 0 and timer[k - 1][1] > a:
            k = 0  # the clock went backwards: search again from the start
        while k < len(timer) and timer[k][1] <= a:
            k += 1
        j, w = k, 0.0
        while j < len(timer) and timer[j][0] < b:
            w += min(timer[j][1], b) - max(timer[j][0], a)
            j += 1
        if w > 0:
            z = sum(1 for f in floors if h >= f)
            totals[z] += w


def main():
    args = sys.argv[1:]
    floors = [95, 114, 133, 152, 171]
    if len(args) >= 2 and args[0] == "--bounds":
        floors = [int(x) for x in args[1].split(",")]
        args = args[2:]
    paths = [p for p in open(args[0]).read().splitlines() if p]
    totals = [0.0] * (len(floors) + 1)
    nbytes, failed = 0, 0
    started = time.perf_counter()
    for p in paths:
        try:
            zone_seconds(p, floors, totals)
        except Exception:  # noqa: BLE001 - a bad file is counted, not fatal
            failed += 1
        nbytes += os.path.getsize(p)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "files": len(paths),
                "failed": failed,
                "bytes": nbytes,
                "seconds": seconds,
                "zone_s": totals,
                "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main()
