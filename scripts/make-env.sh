#!/bin/sh
# Writes .env, the secrets docker-compose.yml reads: a database password and the token-signing, case-reference and
# pseudonym keys (32 random bytes each). It never overwrites one: the keys decrypt data already stored.
set -eu
cd "$(dirname "$0")/.."
if [ -e .env ]; then
  echo ".env exists; keep it (its keys decrypt the stored case references) or delete it to start afresh" >&2
  exit 1
fi
umask 077
{
  echo "POSTGRES_PASSWORD=$(openssl rand -hex 24)"
  echo "SIGNING_KEY=$(openssl rand -base64 32)"
  echo "CASE_REFERENCE_KEY=$(openssl rand -base64 32)"
  echo "PSEUDONYM_KEY=$(openssl rand -base64 32)"
} > .env
echo "wrote $(pwd)/.env"
