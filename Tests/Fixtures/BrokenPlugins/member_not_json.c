/*
 * member_not_json.c — a broken plugin for the conformance tests.
 *
 * BUG: the utf8 column "label" of stream "numbers" is a member column
 *      (etl.member = 1, ABI 1.4), whose values must be the JSON text of a
 *      member ("one" with its quotes), but it holds bare words: one, two.
 *
 * `etl-host plugins test` must fail its check "values"; `sync` refuses the
 * stream as the plugin's bug (exit 2).
 */
#define BROKEN_MEMBER_NOT_JSON
#include "conformant_extractor.c"
