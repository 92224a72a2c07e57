/*
 * replace_keeps_columns.c — a broken plugin for the conformance tests.
 *
 * BUG: a replace adds the new columns to the old table instead of
 *      swapping in a table with exactly the new columns.
 *
 * `etl-host plugins test` must fail its check "replace".
 */
#define BROKEN_REPLACE_KEEPS_COLUMNS
#include "memory_warehouse.c"
