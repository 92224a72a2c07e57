/*
 * replace_deletes_rows_at_begin.c — a broken plugin for the conformance
 * tests.
 *
 * BUG: begin of a replace keeps the live table (its columns) but deletes
 *      its rows at once, instead of swapping the new rows in at commit:
 *      until the commit, every other connection reads an empty table
 *      (rollback puts the rows back, so the rollback check cannot see it).
 *
 * `etl-host plugins test` must fail its check "replace".
 */
#define BROKEN_REPLACE_DELETES_ROWS_AT_BEGIN
#include "memory_warehouse.c"
