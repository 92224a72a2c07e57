/*
 * ignores_cancel.c — a broken plugin for the conformance tests.
 *
 * BUG: cancel() does nothing and the endless stream "ticker" never
 *      looks at the host's is_cancelled: a cancelled read goes on
 *      forever.
 *
 * `etl-host plugins test` must fail its check "cancel".
 */
#define BROKEN_IGNORES_CANCEL
#include "conformant_extractor.c"
