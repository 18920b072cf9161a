#!/usr/bin/env bash
# Checks that deploy/.env.example documents exactly the variables of server/config.ts's envSchema,
# plus the ones only docker-compose.yml reads.
set -euo pipefail
cd "$(dirname "$0")/.."
compose_only=(EARSHOT_PORT POSTGRES_DB POSTGRES_PASSWORD POSTGRES_USER)
schema=$(sed -n '/^const envSchema = z.object({/,/^});/p' server/config.ts | sed -n 's/^  \([A-Z][A-Z0-9_]*\):.*/\1/p' | sort -u)
expected=$(printf '%s\n' $schema "${compose_only[@]}" | sort -u)
# Documented = set (KEY=...) or shown commented out (# KEY=...).
example=$(sed -n 's/^\(# \)\{0,1\}\([A-Z][A-Z0-9_]*\)=.*/\2/p' deploy/.env.example | sort -u)
if ! diff <(echo "$expected") <(echo "$example") >/dev/null; then
  echo "deploy/.env.example does not match envSchema + compose-only variables (< missing, > extra):" >&2
  diff <(echo "$expected") <(echo "$example") | grep '^[<>]' >&2
  exit 1
fi
echo "ok: deploy/.env.example documents all $(echo "$schema" | wc -l) envSchema variables + ${#compose_only[@]} compose-only ones"
