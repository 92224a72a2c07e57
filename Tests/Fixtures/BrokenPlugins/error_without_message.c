/*
 * error_without_message.c — a broken plugin for the conformance tests.
 *
 * BUG: every failing operation sets etl_error.code but leaves message
 *      NULL: the user is told nothing.
 *
 * `etl-host plugins test` must fail its check "errors".
 */
#define BROKEN_ERROR_WITHOUT_MESSAGE
#include "conformant_extractor.c"
