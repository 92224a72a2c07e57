/*
 * writes_whole_descriptor.c — a broken plugin for the conformance tests.
 *
 * BUG: init copies its whole etl_plugin into the host's descriptor,
 *      whatever struct_size the host gave (harmless only while the host's
 *      struct is as large as the plugin's).
 *
 * `etl-host plugins test` must fail its check "descriptor-size".
 */
#define BROKEN_WRITES_WHOLE_DESCRIPTOR
#include "conformant_extractor.c"
