/*
 * offsets_not_monotonic.c — a broken plugin for the conformance tests.
 *
 * BUG: in batch 2 of stream "numbers", the offsets of the utf8 column
 *      "label" go backwards (offset[2] < offset[1]).
 *
 * `etl-host plugins test` must fail its check "arrow".
 */
#define BROKEN_OFFSETS_NOT_MONOTONIC
#include "conformant_extractor.c"
