/*
 * rollback_keeps_table.c — a broken plugin for the conformance tests.
 *
 * BUG: rollback() applies the load as commit would (creating or
 *      changing the table), instead of discarding it.
 *
 * `etl-host plugins test` must fail its check "rollback".
 */
#define BROKEN_ROLLBACK_KEEPS_TABLE
#include "memory_warehouse.c"
