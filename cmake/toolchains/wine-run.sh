#!/bin/sh
# The mingw preset's CMAKE_CROSSCOMPILING_EMULATOR: runs a Windows executable under wine with
# its output in files, then copies it to this script's stdout and stderr.
#
# Why not plain `wine`: the processes wine starts for a session (wineserver, services.exe,
# winedevice.exe) inherit the descriptors of the wine that started them and outlive it by
# about 3 s. When those descriptors are a pipe, whoever reads it (ctest, and the test
# discovery's execute_process) waits for all of them to exit: every test took 3 s, however
# short. Files have no such wait (docs/DESIGN.md, "CI").
#
# One retry, said on stderr: when wine fails without a byte of output, the program never ran
# (every executable here prints before it can fail: GoogleTest's first line, a usage line).
# CI run 16 lost its mingw stage so: a test that only compares bytes failed in 0.05 s with no
# output at all, and passed in 20 runs of 20 after; a test that fails prints, and is not run
# twice.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/rt-wine.XXXXXX") || exit 125
wine "$@" >"$dir/out" 2>"$dir/err" </dev/null
status=$?
if [ "$status" -ne 0 ] && [ ! -s "$dir/out" ] && [ ! -s "$dir/err" ]; then
  echo "wine-run.sh: wine exited $status without any output; running it once more" >&2
  wine "$@" >"$dir/out" 2>"$dir/err" </dev/null
  status=$?
fi
cat "$dir/out"
cat "$dir/err" >&2
rm -rf "$dir"
exit "$status"
