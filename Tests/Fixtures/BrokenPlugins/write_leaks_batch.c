/*
 * write_leaks_batch.c — a broken plugin for the conformance tests.
 *
 * BUG: write() moves each batch out of the host's struct (taking
 *      ownership) but never calls its release: every batch the host
 *      writes leaks.
 *
 * `etl-host plugins test` must fail its check "release".
 */
#define BROKEN_WRITE_LEAKS_BATCH
#include "memory_warehouse.c"
