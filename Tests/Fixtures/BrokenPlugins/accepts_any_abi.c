/*
 * accepts_any_abi.c — a broken plugin for the conformance tests.
 *
 * BUG: etl_plugin_init never compares the host's major ABI version with
 *      its own: it accepts a host of ABI 2.0, whose structs it does not
 *      know.
 *
 * `etl-host plugins test` must fail its check "abi-negotiation".
 */
#define BROKEN_ACCEPTS_ANY_ABI
#include "conformant_extractor.c"
