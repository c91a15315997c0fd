#!/bin/sh
# Compiles the raw system call files for the targets this machine cannot build or run
# (macOS ARM64 and x86-64), with clang's integrated assembler, to an object file that is
# then discarded. Needs only clang: the files and their header include no system header, so
# no macOS SDK is required. The Linux files are built and tested by the normal presets.
#
#   ch02-epoll-kqueue-iocp/tools/check-targets.sh [clang]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
clang=${1:-clang}
status=0
for target in arm64-apple-macos11:macos_aarch64 x86_64-apple-macos11:macos_x86_64 \
              aarch64-linux-gnu:linux_aarch64 x86_64-linux-gnu:linux_x86_64; do
  triple=${target%%:*}
  file=$here/src/raw_syscall_${target#*:}.cpp
  if "$clang" --target="$triple" -std=c++20 -Wall -Wextra -Werror -O2 -nostdinc -nostdinc++ \
      -I"$here/include" -c "$file" -o /dev/null; then
    echo "ok    $triple  $(basename "$file")"
  else
    echo "FAIL  $triple  $(basename "$file")"
    status=1
  fi
done
exit $status
