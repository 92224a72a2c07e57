/*
 * has_a_bad_row.c — a plugin for the conformance tests whose test input
 * holds a malformed record (not a bug of the plugin).
 *
 * Row 2 of stream "numbers" is offered to the host's reject(): skipped
 * when the host takes it, else the stream fails with EBADMSG. So
 * `etl-host plugins test` passes with `--max-bad-rows 1` and fails its
 * stream-reading checks without it.
 */
#define HAS_A_BAD_ROW
#include "conformant_extractor.c"
