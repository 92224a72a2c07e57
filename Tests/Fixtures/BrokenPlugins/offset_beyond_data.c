/*
 * offset_beyond_data.c — a broken plugin for the conformance tests.
 *
 * BUG: in batch 1 of stream "numbers", the last offset of the utf8
 *      column "label" points 2 GiB past its data buffer (a host reading
 *      the value would crash).
 *
 * `etl-host plugins test` must fail its check "arrow".
 */
#define BROKEN_OFFSET_BEYOND_DATA
#include "conformant_extractor.c"
