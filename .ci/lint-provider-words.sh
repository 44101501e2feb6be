#!/usr/bin/env bash
# Neutral layers know no provider's vocabulary (ARCHITECTURE-MAP.md section 4): the words below belong in
# src/providers/<name>/. Prints every line that has one and exits 1; exits 0 when there is none.
set -uo pipefail
cd "$(dirname "$0")/.."
WORDS='insufficient_quota|overloaded_error|billing|credit balance|error_code|rate_limit_exceeded'
grep -rnE "$WORDS" src/errors src/transport src/pipeline src/model
status=$?
case $status in
  0) echo "lint:provider-words: provider words in a neutral layer (lines above); move them to the adapter" >&2; exit 1 ;;
  1) exit 0 ;;
  *) echo "lint:provider-words: grep failed ($status)" >&2; exit 2 ;;
esac
