/*
 * sql_capability_without_execute.c — a broken plugin for the loader tests.
 *
 * BUG: the descriptor declares the capabilities sql_query and sql_execute
 *      but etl_warehouse_ops.execute is NULL.
 *
 * The host must refuse it at load, naming the capability and the field.
 */
#define BROKEN_SQL_CAPABILITY_WITHOUT_EXECUTE
#include "memory_warehouse.c"
