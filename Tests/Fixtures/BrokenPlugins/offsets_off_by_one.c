/*
 * offsets_off_by_one.c — a broken plugin for the conformance tests.
 *
 * BUG: in batch 1 of stream "numbers", every offset of the utf8 column
 *      "label" but the last is one too high, so each value starts one byte
 *      late: "net", "wo" instead of "one", "two". The offsets are
 *      monotonic and the bytes valid UTF-8; the values are wrong.
 *
 * `etl-host plugins test` must fail its check "values".
 */
#define BROKEN_OFFSETS_OFF_BY_ONE
#include "conformant_extractor.c"
