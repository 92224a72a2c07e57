/*
 * null_count_zero.c — a broken plugin for the conformance tests.
 *
 * BUG: in batch 2 of stream "numbers", the float64 column "score" says
 *      null_count 0 while its validity bitmap marks row 3 null (a reader
 *      that trusts null_count takes the null for a value).
 *
 * `etl-host plugins test` must fail its check "arrow", and `etl-host sync`
 * must refuse the batch rather than load the null as a value.
 */
#define BROKEN_NULL_COUNT_ZERO
#include "conformant_extractor.c"
