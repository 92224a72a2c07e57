/*
 * double_release.c — a broken plugin for the conformance tests.
 *
 * BUG: a batch's release releases each of its columns, then hands the
 *      batch to the builder's release, which releases every column
 *      still marked unreleased again; a column's release does not set
 *      release to NULL. Every column is freed twice (a double free).
 *
 * `etl-host plugins test` must fail its check "release".
 */
#define BROKEN_DOUBLE_RELEASE
#include "conformant_extractor.c"
