/*
 * migrations.c - the schema, as numbered steps.
 *
 * 1  divisions, registry (households, persons), accounts and sessions,
 *    login throttling, the audit chain, idempotency keys.
 *
 * The audit table is append-only: triggers refuse UPDATE and DELETE, and
 * each row carries the hash of the row before it (domain/audit.c), so an
 * edit made by someone who drops the triggers is still found by
 * `civicare audit verify`.
 */
#include "migrations.h"
#include "../core/banned.h"

static const char m001_foundation[] =
	"CREATE TABLE divisions ("
	"  code TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('county','street','town','township','community','village')),"
	"  parent_code TEXT REFERENCES divisions(code),"
	"  urban INTEGER NOT NULL DEFAULT 0,"
	"  fictitious INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX divisions_parent ON divisions(parent_code);"

	"CREATE TABLE households ("
	"  id INTEGER PRIMARY KEY,"
	"  region_code TEXT NOT NULL REFERENCES divisions(code),"
	"  address TEXT NOT NULL,"
	"  area_kind TEXT NOT NULL CHECK (area_kind IN ('urban','rural')),"
	"  head_person_id INTEGER,"
	"  synthetic INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL"
	");"
	"CREATE INDEX households_region ON households(region_code);"

	"CREATE TABLE persons ("
	"  id INTEGER PRIMARY KEY,"
	"  id_number TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  sex TEXT NOT NULL CHECK (sex IN ('M','F')),"
	"  birth_date TEXT NOT NULL,"
	"  household_id INTEGER REFERENCES households(id),"
	"  relation TEXT,"
	"  region_code TEXT NOT NULL REFERENCES divisions(code),"
	"  phone TEXT,"
	"  disability_type TEXT,"
	"  disability_grade INTEGER,"
	"  health TEXT NOT NULL DEFAULT 'healthy',"
	"  work_capacity TEXT NOT NULL DEFAULT 'full',"
	"  synthetic INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL"
	");"
	"CREATE INDEX persons_region ON persons(region_code);"
	"CREATE INDEX persons_household ON persons(household_id);"
	"CREATE INDEX persons_name ON persons(name);"

	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  department TEXT,"
	"  region_code TEXT NOT NULL,"
	"  password_hash TEXT NOT NULL,"
	"  active INTEGER NOT NULL DEFAULT 1,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL"
	");"

	"CREATE TABLE sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('cookie','bearer')),"
	"  csrf_token TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  ip TEXT"
	");"
	"CREATE INDEX sessions_user ON sessions(user_id);"

	"CREATE TABLE login_throttle ("
	"  key TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  last_failure INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL DEFAULT 0"
	");"

	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  user_id INTEGER,"
	"  username TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  entity TEXT NOT NULL,"
	"  entity_id TEXT NOT NULL,"
	"  region_code TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	");"
	"CREATE INDEX audit_entity ON audit_log(entity, entity_id);"
	"CREATE INDEX audit_user ON audit_log(user_id);"
	"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"

	"CREATE TABLE idempotency ("
	"  user_id INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  request_hash TEXT NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, key)"
	");";

const struct migration store_migrations[] = {
	{ 1, "foundation", m001_foundation },
};

const size_t store_migrations_count =
	sizeof(store_migrations) / sizeof(store_migrations[0]);
