/*
 * query_without_capability.c — a broken plugin for the loader tests.
 *
 * BUG: etl_warehouse_ops.query is set but the descriptor does not declare
 *      the capability sql_query (the registry, which lists capabilities
 *      without loading the library, would not know it can answer queries).
 *
 * The host must refuse it at load, naming the capability and the field.
 */
#define BROKEN_QUERY_WITHOUT_CAPABILITY
#include "memory_warehouse.c"
