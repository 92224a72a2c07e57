/*
 * checkpoint_not_json.c — a broken plugin for the conformance tests.
 *
 * BUG: checkpoint() returns the text after=3, which is not JSON: the
 *      host cannot store or pass it back.
 *
 * `etl-host plugins test` must fail its check "checkpoint".
 */
#define BROKEN_CHECKPOINT_NOT_JSON
#include "conformant_extractor.c"
