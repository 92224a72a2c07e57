/*
 * declared_type.c — a broken plugin for the conformance tests.
 *
 * BUG: the catalog declares the field "label" of stream "numbers" an
 *      integer, but the batches carry words (utf8): every sync would fail
 *      with exit 65, blaming the data.
 *
 * `etl-host plugins test` must fail its check "declared-types".
 */
#define BROKEN_DECLARED_TYPE
#include "conformant_extractor.c"
