/*
 * write_mangles_values.c — a broken plugin for the conformance tests.
 *
 * BUG: write() stores text values cut to their first 255 bytes (at a
 *      character boundary), as a VARCHAR(255) column would, and reports
 *      success: the long text the suite writes reads back shorter.
 *
 * `etl-host plugins test` must fail its check "read-back".
 */
#define BROKEN_WRITE_MANGLES_VALUES
#include "memory_warehouse.c"
