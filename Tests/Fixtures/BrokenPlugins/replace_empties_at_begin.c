/*
 * replace_empties_at_begin.c — a broken plugin for the conformance tests.
 *
 * BUG: begin of a replace removes the live table at once instead of
 *      swapping the new one in at commit: until the commit, every other
 *      connection finds no table (rollback puts the old one back, so the
 *      rollback check cannot see it).
 *
 * `etl-host plugins test` must fail its check "replace".
 */
#define BROKEN_REPLACE_EMPTIES_AT_BEGIN
#include "memory_warehouse.c"
