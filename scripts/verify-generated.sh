#!/usr/bin/env bash
# Fails when `go tool templ generate` or `go mod tidy` would change files:
# generated code and module files must be committed current.
set -euo pipefail
sum() { find . -name '*_templ.go' -not -path './.git/*' -print0 | sort -z | xargs -0 sha256sum; }
before=$(sum)
go tool templ generate >/dev/null
after=$(sum)
if [ "$before" != "$after" ]; then
  echo "verify: templ files were stale; \`go tool templ generate\` changed them — commit the result:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
if ! go mod tidy -diff >/dev/null; then
  echo "verify: go.mod/go.sum are not tidy; run \`go mod tidy\` and commit" >&2
  go mod tidy -diff >&2 || true
  exit 1
fi
echo "verify: generated code and go.mod are current"
