/*
 * ignores_state.c — a broken plugin for the conformance tests.
 *
 * BUG: read() ignores the state it is given: the incremental stream
 *      "numbers" re-reads every row after a checkpoint, though nothing
 *      changed (its checkpoint itself is right).
 *
 * `etl-host plugins test` must fail its check "checkpoint".
 */
#define BROKEN_IGNORES_STATE
#include "conformant_extractor.c"
