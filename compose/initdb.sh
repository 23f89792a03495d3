#!/bin/sh
# Runs once, when the PostgreSQL volume is new: the two roles Tablero needs and its database.
# The API role is neither superuser, owner nor BYPASSRLS, so row-level security binds it.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$TABLERO_OWNER_PASSWORD" -v api_password="$TABLERO_API_PASSWORD" <<'SQL'
CREATE ROLE tablero_owner LOGIN PASSWORD :'owner_password' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE tablero_api LOGIN PASSWORD :'api_password'
  NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
CREATE DATABASE tablero OWNER tablero_owner;
SQL
