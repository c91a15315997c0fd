#!/usr/bin/env python3
"""Where a build's time goes: CPU seconds per compile and link, summed and ranked.

    python3 tools/build_profile.py PRESET [--top N] [--keep]

Configures a fresh tree build/profile-PRESET from the configure preset PRESET, with every
compile and link wrapped in /usr/bin/time, builds it, and prints: wall time, CPU seconds
(user + system) in all, per kind of step, and the costliest steps. CPU seconds, unlike the
wall times in .ninja_log, barely move when other work shares the machine, so two profiles
taken on a busy machine still compare. Linux (GNU time) only; docs/DESIGN.md ("CI") shows
its output before and after the build was made cheaper.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import time

KINDS = [  # by the file compiled; first match wins
    ("precompiled header", re.compile(r"cmake_pch\.hxx")),
    ("command line (CLI11)", re.compile(r"/(app/commands|src/cli|tests/cli_test)\.cpp$")),
    ("test source", re.compile(r"/tests/\S+\.cpp$")),
    ("demo source", re.compile(r"/app/\S+\.cpp$")),
    ("layer source", re.compile(r"/src/\S+\.(cpp|S|asm)$")),
    # Unity builds compile a target's files in batches: classify a batch by its target.
    ("test source", re.compile(r"(_tests|rt_test_support)\.dir/Unity/")),
    ("demo source", re.compile(r"(ch\d\d_demos|ch\d\d-[a-z0-9-]+)\.dir/Unity/")),
    ("layer source", re.compile(r"/rt_[a-z]+\.dir/Unity/")),
    ("dependency (GoogleTest, fmt)", re.compile(r"_deps/|fmt_once")),
]


def kind_of(command):
    source = re.search(r"\s-c\s+(\S+)", command)
    if not source:
        return "link"
    for name, pattern in KINDS:
        if pattern.search(source.group(1)):
            return name
    return "other"


def short(command):
    source = re.search(r"\s-c\s+(\S+)", command)
    if source:
        return os.path.relpath(source.group(1))
    out = re.search(r"\s-o\s+(\S+)", command)
    return "link " + out.group(1) if out else command[:80]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep build/profile-PRESET")
    args = parser.parse_args()
    if not shutil.which("time") and not os.path.exists("/usr/bin/time"):
        sys.exit("build_profile: needs GNU time (/usr/bin/time; Debian package 'time')")

    tree = os.path.abspath(f"build/profile-{args.preset}")
    log = os.path.join(tree, "cpu.log")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    wrap = f"/usr/bin/time;-a;-o;{log};-f;%U %S %e %C"
    env = dict(os.environ, CCACHE_DISABLE="1")
    subprocess.run(["cmake", "--preset", args.preset, "-B", tree,
                    f"-DCMAKE_C_COMPILER_LAUNCHER={wrap}", f"-DCMAKE_CXX_COMPILER_LAUNCHER={wrap}",
                    f"-DCMAKE_C_LINKER_LAUNCHER={wrap}", f"-DCMAKE_CXX_LINKER_LAUNCHER={wrap}"],
                   check=True, stdout=subprocess.DEVNULL, env=env)
    start = time.monotonic()
    subprocess.run(["cmake", "--build", tree], check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.monotonic() - start

    steps = []
    with open(log) as lines:
        for line in lines:
            parts = line.split(" ", 3)
            if len(parts) == 4 and re.match(r"^[\d.]+$", parts[0]):
                cpu = float(parts[0]) + float(parts[1])
                steps.append((cpu, kind_of(parts[3]), short(parts[3].strip())))
    by_kind = collections.defaultdict(lambda: [0, 0.0])
    for cpu, kind, _ in steps:
        by_kind[kind][0] += 1
        by_kind[kind][1] += cpu
    total = sum(cpu for cpu, _, _ in steps)
    print(f"preset {args.preset}: {len(steps)} steps, {total:.0f} CPU s, {wall:.0f} s wall "
          f"on {os.cpu_count()} CPUs")
    print(f"{'kind':<24}{'steps':>7}{'CPU s':>9}{'share':>8}")
    for kind, (count, cpu) in sorted(by_kind.items(), key=lambda kv: -kv[1][1]):
        print(f"{kind:<24}{count:>7}{cpu:>9.1f}{cpu / total:>8.0%}")
    print(f"\ncostliest {args.top} steps (CPU s):")
    for cpu, kind, name in sorted(steps, reverse=True)[: args.top]:
        print(f"{cpu:>8.1f}  {name}")
    if not args.keep:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
