/*
 * spec_not_json_schema.c — a broken plugin for the conformance tests.
 *
 * BUG: config_schema is valid JSON but not a valid JSON Schema:
 *      "required" is a string instead of an array, and property "label"
 *      has the type "text", which JSON Schema does not have.
 *
 * `etl-host plugins test` must fail its check "config-schema".
 */
#define BROKEN_SPEC_NOT_JSON_SCHEMA
#include "conformant_extractor.c"
