/*
 * cancel_ignored_in_numbers.c — a broken plugin for the conformance tests.
 *
 * BUG: the stream "numbers" never looks at cancellation (cancel() or the
 *      host's is_cancelled); "ticker" does. "numbers" is short, so a read
 *      of it ends within any bound whether cancel() works or not.
 *
 * `etl-host plugins test` must fail its check "cancel".
 */
#define BROKEN_CANCEL_IGNORED_IN_NUMBERS
#include "conformant_extractor.c"
