/*
 * stream_release_null.c — a broken plugin for the conformance tests.
 *
 * BUG: read() returns ETL_OK but leaves the stream's release NULL: the
 *      host can neither use the stream (a released stream) nor free it.
 *
 * `etl-host plugins test` must fail its check "release".
 */
#define BROKEN_STREAM_RELEASE_NULL
#include "conformant_extractor.c"
