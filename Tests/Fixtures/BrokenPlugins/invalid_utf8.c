/*
 * invalid_utf8.c — a broken plugin for the conformance tests.
 *
 * BUG: in batch 1 of stream "numbers", the value of row 2 of the utf8
 *      column "label" holds the bytes C3 28, which are not UTF-8.
 *
 * `etl-host plugins test` must fail its check "arrow".
 */
#define BROKEN_INVALID_UTF8
#include "conformant_extractor.c"
