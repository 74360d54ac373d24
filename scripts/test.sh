#!/usr/bin/env bash
# Runs kb's whole test suite on a fresh Debian/Ubuntu machine with the Swift toolchain:
# installs missing system packages, builds (the CLI tests run the built binary), runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build
set +e
swift test 2>&1 | tee /tmp/kb-test-output.txt | grep -vE '^(◇|↳) '
status=${PIPESTATUS[0]}
set -e
grep -E 'Test run with' /tmp/kb-test-output.txt | tail -n 1
exit "$status"
