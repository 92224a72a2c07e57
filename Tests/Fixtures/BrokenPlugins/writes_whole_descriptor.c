/*
 * writes_whole_descriptor.c — a broken plugin for the conformance tests.
 *
 * BUG: init copies its whole etl_plugin into the host's descriptor,
 *      whatever struct_size the host gave: a host of an older minor (1.0/1.1,
 *      whose etl_plugin ends before 1.2's error_detail) gets memory written
 *      past its descriptor.
 *
 * `etl-host plugins test` must fail its check "struct-size".
 */
#define BROKEN_WRITES_WHOLE_DESCRIPTOR
#include "conformant_extractor.c"
