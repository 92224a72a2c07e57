/*
 * null_count_unknown.c — a plugin for the conformance tests that is not
 * broken: every column of stream "numbers" says null_count -1 (unknown,
 * which the Arrow C Data Interface allows), so readers must count the
 * validity bitmap. `etl-host plugins test` passes it, and `etl-host sync`
 * loads the nulls of "score" as NULL.
 */
#define NULL_COUNT_UNKNOWN
#include "conformant_extractor.c"
