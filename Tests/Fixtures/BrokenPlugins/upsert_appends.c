/*
 * upsert_appends.c — a broken plugin for the conformance tests.
 *
 * BUG: an upsert adds every row it is given, also those whose key the
 *      table already has: after two upserts with overlapping keys, a key
 *      has two rows.
 *
 * `etl-host plugins test` must fail its check "upsert".
 */
#define BROKEN_UPSERT_APPENDS
#include "memory_warehouse.c"
