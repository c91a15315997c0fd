#!/usr/bin/env python3
"""Runs every command the READMEs show, exactly as printed, and says which did not work.

    python3 tools/readme_commands.py [--list] [--timeout S] [README.md ...]

Run it from the repository root (where the READMEs' commands are meant to be typed), on a
fresh clone, after the prerequisites of README.md. With no files it reads README.md and
every chapter's README, in chapter order, because later commands need what earlier ones
built. A command is:
  - a line of a ```sh block (a trailing `# comment` is dropped), or
  - a `$ ` line of a plain ``` block (a transcript: the lines after it are what it printed).
A transcript followed by `$ echo $?` must exit with the status shown; one whose shown output
contains "error:", "Segmentation fault" or "Aborted" must fail (exit non-zero). A command that the README runs "in one
terminal" (its comment, or the text just above its block, says so) is a server: it must
still be running after a few seconds, and keeps running, for the commands "in another"
terminal, until the end of that README, when it gets Ctrl-C (SIGINT). Package installs
(`sudo ...`, `brew ...`) and `(gdb)` prompts are listed as skipped, with the reason.
Exit status: 0 if every command run worked, 1 otherwise. Linux and macOS (needs a POSIX sh).
"""
import argparse
import glob
import os
import re
import signal
import subprocess
import sys
import time

SERVER_HINTS = ("in one terminal",)
SERVER_SECONDS = 3
# Shown output that says the command failed, on purpose: it must then exit non-zero.
FAILURE_SIGNS = ("error:", "Segmentation fault", "Aborted")


def strip_comment(line):
    # A `#` that starts a shell comment: at the start or after whitespace, outside quotes.
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def commands_in(path):
    """Yields (line number, command, comment, (shown output, shown exit status)) for each
    command in `path`; the output and status are None where the README shows none."""
    lines = open(path, encoding="utf-8").read().splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^\s*```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        language = fence.group(1)
        body_start = i + 1
        end = body_start
        while end < len(lines) and not re.match(r"^\s*```\s*$", lines[end]):
            end += 1
        body = lines[body_start:end]
        if language == "sh":
            for k, line in enumerate(body):
                command, comment = strip_comment(line.strip())
                if command:
                    yield body_start + k + 1, command, comment, (None, None)
        elif language == "":
            prose = " ".join(lines[max(0, i - 3):i]).lower()
            transcript = [(k, line) for k, line in enumerate(body) if line.startswith("$ ")]
            for n, (k, line) in enumerate(transcript):
                command, comment = strip_comment(line[2:].strip())
                if command == "echo $?":
                    continue  # the status of the command before it, checked with that one
                next_k = transcript[n + 1][0] if n + 1 < len(transcript) else len(body)
                shown = "\n".join(body[k + 1:next_k])
                status = None
                if n + 1 < len(transcript) and transcript[n + 1][1].strip() == "$ echo $?":
                    after = body[next_k + 1:next_k + 2]
                    if after and after[0].strip().isdigit():
                        status = int(after[0].strip())
                if "in one terminal" in prose and n == 0:
                    comment += " in one terminal"
                yield body_start + k + 1, command, comment, (shown, status)
        i = end + 1


def skip_reason(command):
    if command.startswith(("sudo ", "brew ", "apt ", "apt-get ")):
        return "installs packages"
    if command.startswith("(gdb)"):
        return "a gdb prompt, typed inside gdb"
    return None


def is_server(comment):
    return any(hint in comment.lower() for hint in SERVER_HINTS)


def start_server(command):
    """Starts a server in the background. Returns (process, ok, what)."""
    process = subprocess.Popen(command, shell=True, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        status = process.wait(timeout=SERVER_SECONDS)
        return None, False, f"a server, but it exited at once (exit {status})"
    except subprocess.TimeoutExpired:
        return process, True, "server: running until the end of this README"


def stop(process):
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the reader would stop it
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None


def run(command, expected, timeout):
    """Runs a command to its end. Returns (ok, what happened)."""
    shown, shown_status = expected
    process = subprocess.Popen(command, shell=True, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, text=True, errors="replace")
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        return False, f"timed out after {timeout:.0f} s"
    status = process.returncode
    if shown_status is not None:
        ok = status == shown_status
        what = "ok" if ok else f"exit {status}, the README shows {shown_status}"
    elif shown is not None and any(sign in shown for sign in FAILURE_SIGNS):
        ok = status != 0
        what = f"failed as shown (exit {status})" if ok else "exit 0, the README shows an error"
    else:
        ok = status == 0
        what = "ok" if ok else f"exit {status}"
    if not ok:
        tail = "\n".join(output.strip().splitlines()[-5:])
        what += "\n      " + tail.replace("\n", "\n      ")
    return ok, what


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--list", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds one command may take (default 600: a first build)")
    args = parser.parse_args()
    files = args.files or ["README.md"] + sorted(glob.glob("ch[0-9][0-9]-*/README.md"))
    failures = 0
    ran = 0
    for path in files:
        servers = []
        for number, command, comment, expected in commands_in(path):
            where = f"{path}:{number}"
            reason = skip_reason(command)
            if args.list or reason:
                print(f"{where}: {command}" + (f"   [skipped: {reason}]" if reason else ""))
                continue
            start = time.monotonic()
            if is_server(comment):
                process, ok, what = start_server(command)
                if process:
                    servers.append(process)
            else:
                ok, what = run(command, expected, args.timeout)
            ran += 1
            failures += not ok
            seconds = time.monotonic() - start
            print(f"{'ok  ' if ok else 'FAIL'} {seconds:6.1f} s  {where}: {command}")
            if what != "ok":
                print(f"      {what}")
            sys.stdout.flush()
        for process in servers:
            stop(process)
    if not args.list:
        print(f"{ran} commands run, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
