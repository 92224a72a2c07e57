/*
 * child_not_released.c — a broken plugin for the conformance tests.
 *
 * BUG: a batch's release frees the batch but never calls its columns'
 *      release callbacks: every column's buffers leak (the Arrow rule:
 *      a parent's release releases its children).
 *
 * `etl-host plugins test` must fail its check "release".
 */
#define BROKEN_CHILD_NOT_RELEASED
#include "conformant_extractor.c"
