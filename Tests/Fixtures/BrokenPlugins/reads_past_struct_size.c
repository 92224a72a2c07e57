/*
 * reads_past_struct_size.c — a broken plugin for the conformance tests.
 *
 * BUG: read() reads etl_read_request.keys_only, a field added in ABI
 *      1.1, without checking ETL_HAS_FIELD: a 1.0 host's request is
 *      shorter, so it reads past the struct.
 *
 * `etl-host plugins test` must fail its check "struct-size".
 */
#define BROKEN_READS_PAST_STRUCT_SIZE
#include "conformant_extractor.c"
