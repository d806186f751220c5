#!/usr/bin/env python3
"""Times commands interleaved: run 1 of each, then run 2 of each, and so on,
so a slow spell of the machine slows every command alike (hyperfine runs one
command's runs back to back). No shell: `cmd < file` feeds the file to stdin.

Usage: interleave.py RUNS WARMUP OUT.json "CMD" ["CMD"...]
Writes, per command, the median wall time and the median CPU time
(user + sys of the process and its children) in milliseconds.
"""
import json
import resource
import shlex
import statistics
import subprocess
import sys
import time


def parse(command):
    if " < " in command:
        argv, stdin = command.rsplit(" < ", 1)
        return shlex.split(argv), stdin.strip()
    return shlex.split(command), None


def once(argv, stdin):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(stdin, "rb") if stdin else open("/dev/null", "rb") as feed:
        subprocess.run(argv, stdin=feed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def main():
    runs, warmup, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    commands = [parse(c) for c in sys.argv[4:]]
    for _ in range(warmup):
        for argv, stdin in commands:
            once(argv, stdin)
    walls = [[] for _ in commands]
    cpus = [[] for _ in commands]
    for _ in range(runs):
        for i, (argv, stdin) in enumerate(commands):
            wall, cpu = once(argv, stdin)
            walls[i].append(wall)
            cpus[i].append(cpu)
    results = [
        {
            "command": c,
            "wall_ms": statistics.median(w),
            "cpu_ms": statistics.median(u),
        }
        for c, w, u in zip(sys.argv[4:], walls, cpus)
    ]
    with open(out, "w") as f:
        json.dump(results, f, indent=1)


main()
