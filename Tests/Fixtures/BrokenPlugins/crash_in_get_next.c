/*
 * crash_in_get_next.c — a broken plugin for the conformance tests.
 *
 * BUG: get_next for batch 2 of stream "numbers" writes through a NULL
 *      pointer: SIGSEGV, in the middle of a read.
 *
 * `etl-host plugins test` must fail its check "arrow".
 */
#define BROKEN_CRASH_IN_GET_NEXT
#include "conformant_extractor.c"
