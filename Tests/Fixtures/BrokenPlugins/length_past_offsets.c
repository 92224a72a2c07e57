/*
 * length_past_offsets.c — a broken plugin for the conformance tests.
 *
 * BUG: in batch 1 of stream "numbers", the utf8 column "label" declares
 *      one value more than its offsets buffer holds, and that buffer ends
 *      where a PROT_NONE guard page begins: a reader that trusts the
 *      length reads the guard page and crashes.
 *
 * `etl-host plugins test` must fail its check "arrow", and `etl-host sync`
 * must refuse the batch (exit 2) instead of crashing.
 */
#define _DEFAULT_SOURCE
#define BROKEN_LENGTH_PAST_OFFSETS
#include "conformant_extractor.c"
