/*
 * memory_warehouse.c — a test fixture: a warehouse that keeps its tables
 * (columns and rows), states and schema documents in process memory and
 * answers the one query `etl-host plugins test` sends (see
 * memory_warehouse_query.h), keeping every rule the suite checks; the base
 * of the broken warehouses in this folder (each defines one BROKEN_* knob
 * and includes this file).
 *
 * Build (from the repository root):
 *
 *   cc -std=c99 -shared -fPIC -I Sources/CETLPlugin/include \
 *      -o libmemwh.so Tests/Fixtures/BrokenPlugins/memory_warehouse.c
 *
 * CONFIG: {"name": "..."} (optional, a label). Capabilities: replace,
 * append, upsert, transactional_state, sql_query. Everything lives until
 * the process ends and is shared by the instances of the process (so a
 * second instance is "another connection"); nothing is shared between
 * processes.
 *
 * BUGS (define one; the file named after it does):
 *
 *   BROKEN_WRITE_LEAKS_BATCH     write() moves the batch out but never
 *                                releases it
 *   BROKEN_ROLLBACK_KEEPS_TABLE  rollback() applies the load like commit
 *                                (without its state and schema)
 *   BROKEN_REPLACE_KEEPS_COLUMNS replace adds the new columns to the old
 *                                table instead of swapping it
 *   BROKEN_REPLACE_EMPTIES_AT_BEGIN  begin of a replace removes the live
 *                                table at once (rollback puts it back), so
 *                                other connections see no table until commit
 *   BROKEN_REPLACE_DELETES_ROWS_AT_BEGIN  begin of a replace keeps the live
 *                                table but deletes its rows at once
 *                                (rollback puts them back)
 *   BROKEN_WRITE_MANGLES_VALUES  write() stores text cut to 255 bytes (a
 *                                VARCHAR(255) in disguise)
 *   BROKEN_UPSERT_APPENDS        upsert adds rows whose key the table
 *                                already has, instead of replacing them
 *   BROKEN_SQL_CAPABILITY_WITHOUT_EXECUTE  declares sql_execute but leaves
 *                                execute NULL (the loader refuses it)
 *   BROKEN_QUERY_WITHOUT_CAPABILITY  sets query but does not declare
 *                                sql_query (the loader refuses it)
 *
 * MEMWH_ABI_1_1 builds it as an ABI 1.1 plugin (see k_warehouse).
 * MEMWH_ABI_1_2_HISTORY_BIT builds it as an ABI 1.2 plugin that sets
 * ETL_CAP_HISTORY, a bit unknown in 1.2 (hosts ignore it).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_batch.h"
#include "etl_plugin.h"
#include "etl_reader.h"

#define MAX_ITEMS 64
#define MAX_COLUMNS 32
#define NAME_SIZE 128

typedef struct column {
  char name[NAME_SIZE];
  char format[16];
  etl_column_type type;
  unsigned flags;            /* ETL_COLUMN_JSON, ... */
  int32_t decimal_precision; /* 0 unless a decimal */
  int32_t decimal_scale;
} column;

/* One row: a cell per column slot (MAX_COLUMNS of them, null when unset);
 * a utf8/binary cell's bytes are a malloc'd copy. */
typedef struct row {
  etl_cell cells[MAX_COLUMNS];
} row;

typedef struct table {
  char name[NAME_SIZE];
  column columns[MAX_COLUMNS];
  int column_count;
  row** rows;
  long long row_count;
  long long row_capacity;
} table;

typedef struct entry {
  char key[NAME_SIZE];
  char* json;
} entry;

static table g_tables[MAX_ITEMS];
static int g_table_count = 0;
static entry g_states[MAX_ITEMS];
static int g_state_count = 0;
static entry g_schemas[MAX_ITEMS];
static int g_schema_count = 0;

struct etl_instance {
  int open_writers; /* query is refused while a writer of this instance is open */
};

struct etl_writer {
  etl_instance* instance;
  table load; /* the columns begun with, and the rows written */
  int mode;
  int key_columns[MAX_COLUMNS]; /* upsert: indexes into load.columns */
  int key_count;
  etl_batch_reader reader;
#if defined(BROKEN_REPLACE_EMPTIES_AT_BEGIN) || defined(BROKEN_REPLACE_DELETES_ROWS_AT_BEGIN)
  table removed; /* the live table (or its rows) begin removed */
  int has_removed;
#endif
};

/* ------------------------------------------------------------------------ */
/* Errors and buffers                                                        */
/* ------------------------------------------------------------------------ */

static void release_error(etl_error* error) {
  free(error->message);
  error->message = NULL;
  error->release = NULL;
}

static etl_status fail(etl_error* error, etl_status code, const char* fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static etl_status fail(etl_error* error, etl_status code, const char* fmt, ...) {
  char text[512];
  va_list ap;
  size_t n;
  if (error == NULL) return code;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  n = strlen(text);
  error->code = code;
  error->retryable = 0;
  error->message = (char*)malloc(n + 1);
  if (error->message != NULL) {
    memcpy(error->message, text, n + 1);
    error->release = release_error;
  }
  return code;
}

static void release_buffer(etl_buffer* buffer) {
  free(buffer->private_data);
  buffer->data = NULL;
  buffer->private_data = NULL;
  buffer->release = NULL;
}

static etl_status fill_buffer(etl_buffer* buffer, const char* text, etl_error* error) {
  size_t n = strlen(text);
  char* data = (char*)malloc(n + 1);
  if (data == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  memcpy(data, text, n + 1);
  buffer->data = data;
  buffer->length = (int64_t)n;
  buffer->release = release_buffer;
  buffer->private_data = data;
  return ETL_OK;
}

static char* copy_text(const char* text) {
  size_t n = strlen(text);
  char* copy = (char*)malloc(n + 1);
  if (copy != NULL) memcpy(copy, text, n + 1);
  return copy;
}

#include "memory_warehouse_store.h"
#include "memory_warehouse_query.h"

/* ------------------------------------------------------------------------ */
/* Operations                                                                */
/* ------------------------------------------------------------------------ */

static etl_status wh_open(const etl_open_request* request, etl_instance** out, etl_error* error) {
  const char* config = request == NULL ? NULL : request->config_json;
  const char* p = config;
  etl_instance* inst;
  while (p != NULL && (*p == ' ' || *p == '\n')) p++;
  if (p == NULL || *p != '{') return fail(error, ETL_ERR_INVALID_ARGUMENT, "the config is not a JSON object");
  if (strstr(config, "\"name\"") != NULL && strstr(config, "\"name\": \"") == NULL &&
      strstr(config, "\"name\":\"") == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "config \"name\" must be a string");
  }
  for (p = strchr(config, '"'); p != NULL; p = strchr(p + 1, '"')) {
    /* every key must be "name": look at the strings that are followed by ':' */
    const char* end = strchr(p + 1, '"');
    const char* after;
    if (end == NULL) break;
    after = end + 1;
    while (*after == ' ') after++;
    if (*after == ':' && !(end - p - 1 == 4 && strncmp(p + 1, "name", 4) == 0)) {
      return fail(error, ETL_ERR_INVALID_ARGUMENT, "unknown config key \"%.*s\"; the only key is name",
                  (int)(end - p - 1), p + 1);
    }
    p = end;
  }
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  *out = inst;
  return ETL_OK;
}

static void wh_close(etl_instance* inst) { free(inst); }

static void free_writer(struct etl_writer* w) {
  w->instance->open_writers--;
  clear_rows(&w->load);
  etl_reader_free(&w->reader);
  free(w);
}

static etl_status wh_begin(etl_instance* inst, const etl_table_request* request, etl_writer** out,
                           etl_error* error) {
  struct etl_writer* w;
  const struct ArrowSchema* schema = request->schema;
  int64_t i;
  if (request->table == NULL || request->table[0] == '\0') {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "begin: the table name is empty");
  }
  if (request->mode < ETL_MODE_REPLACE || request->mode > ETL_MODE_UPSERT) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "begin: write mode %d is not 1 (replace), 2 (append) or 3 (upsert)",
                (int)request->mode);
  }
  if (request->mode == ETL_MODE_UPSERT && request->key_column_count <= 0) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "begin: upsert into '%s' needs key columns", request->table);
  }
  if (schema == NULL || schema->n_children > MAX_COLUMNS) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "begin: no schema, or more than %d columns", MAX_COLUMNS);
  }
  w = (struct etl_writer*)calloc(1, sizeof *w);
  if (w == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  w->instance = inst;
  inst->open_writers++;
  if (etl_reader_init(&w->reader, schema) != ETL_OK) {
    etl_status status = fail(error, ETL_ERR_INVALID_ARGUMENT, "begin: %s", etl_reader_last_error(&w->reader));
    free_writer(w);
    return status;
  }
  snprintf(w->load.name, sizeof w->load.name, "%s", request->table);
  w->mode = request->mode;
  for (i = 0; i < schema->n_children; i++) {
    column* c = &w->load.columns[i];
    snprintf(c->name, NAME_SIZE, "%s", schema->children[i]->name);
    snprintf(c->format, sizeof c->format, "%s", schema->children[i]->format);
    c->type = w->reader.columns[i].type;
    c->flags = w->reader.columns[i].flags;
    c->decimal_precision = w->reader.columns[i].decimal_precision;
    c->decimal_scale = w->reader.columns[i].decimal_scale;
  }
  w->load.column_count = (int)schema->n_children;
  for (i = 0; request->mode == ETL_MODE_UPSERT && i < request->key_column_count; i++) {
    int index = column_index(&w->load, request->key_columns[i]);
    if (index < 0) {
      etl_status status = fail(error, ETL_ERR_INVALID_ARGUMENT, "begin: key column '%s' is not a column of the batch",
                               request->key_columns[i]);
      free_writer(w);
      return status;
    }
    w->key_columns[w->key_count++] = index;
  }
#if defined(BROKEN_REPLACE_EMPTIES_AT_BEGIN) || defined(BROKEN_REPLACE_DELETES_ROWS_AT_BEGIN)
  if (w->mode == ETL_MODE_REPLACE) {
    table* live = find_table(request->table);
    if (live != NULL) {
      w->removed = *live;
      w->has_removed = 1;
#ifdef BROKEN_REPLACE_EMPTIES_AT_BEGIN
      *live = g_tables[--g_table_count]; /* BUG: the live table goes away before commit */
#else
      live->rows = NULL; /* BUG: the live table's rows go away before commit */
      live->row_count = 0;
      live->row_capacity = 0;
#endif
    }
  }
#endif
  *out = w;
  return ETL_OK;
}

static etl_status wh_write(etl_writer* w, struct ArrowArray* batch, etl_error* error) {
  /* take ownership whatever the outcome: the batch moves to the heap, where
   * the reader may point at it while its rows are copied */
  struct ArrowArray* moved = (struct ArrowArray*)malloc(sizeof *moved);
  etl_status status = ETL_OK;
  int64_t r;
  int c;
  if (moved == NULL) {
    batch->release(batch);
    return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  }
  *moved = *batch;
  batch->release = NULL;
  if (moved->n_children != w->load.column_count) {
    status = fail(error, ETL_ERR_INVALID_ARGUMENT, "write to '%s': the batch has %lld columns, the table %d",
                  w->load.name, (long long)moved->n_children, w->load.column_count);
  } else if (etl_reader_set_batch(&w->reader, moved) != ETL_OK) {
    status = fail(error, ETL_ERR_INVALID_ARGUMENT, "write to '%s': %s", w->load.name, etl_reader_last_error(&w->reader));
  }
  for (r = 0; status == ETL_OK && r < etl_reader_row_count(&w->reader); r++) {
    row* stored = new_row();
    if (stored == NULL || !add_row(&w->load, stored)) {
      free_row(stored);
      status = fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
      break;
    }
    for (c = 0; c < w->load.column_count; c++) {
      etl_cell cell;
      etl_reader_get(&w->reader, r, c, &cell);
      if (!set_cell(stored, c, &cell)) status = fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
  }
#ifdef BROKEN_WRITE_LEAKS_BATCH
  if (status != ETL_OK) moved->release(moved); /* BUG: a batch written is never released */
#else
  moved->release(moved);
#endif
  free(moved);
  return status;
}

static etl_status wh_commit(etl_writer* w, const etl_commit_request* request, etl_error* error) {
  (void)error;
  apply(w);
#if defined(BROKEN_REPLACE_EMPTIES_AT_BEGIN) || defined(BROKEN_REPLACE_DELETES_ROWS_AT_BEGIN)
  if (w->has_removed) clear_rows(&w->removed);
#endif
  if (request != NULL && request->state_key != NULL && request->state_json != NULL) {
    put_entry(g_states, &g_state_count, request->state_key, request->state_json);
  }
  if (request != NULL && ETL_HAS_FIELD(request, etl_commit_request, schema_json) && request->schema_json != NULL) {
    put_entry(g_schemas, &g_schema_count, w->load.name, request->schema_json);
  }
  free_writer(w);
  return ETL_OK;
}

static void wh_rollback(etl_writer* w) {
#ifdef BROKEN_ROLLBACK_KEEPS_TABLE
  apply(w); /* BUG: the load becomes visible */
#endif
#ifdef BROKEN_REPLACE_EMPTIES_AT_BEGIN
  if (w->has_removed && g_table_count < MAX_ITEMS) g_tables[g_table_count++] = w->removed;
#endif
#ifdef BROKEN_REPLACE_DELETES_ROWS_AT_BEGIN
  if (w->has_removed) {
    table* live = find_table(w->removed.name);
    if (live != NULL) {
      clear_rows(live);
      live->rows = w->removed.rows;
      live->row_count = w->removed.row_count;
      live->row_capacity = w->removed.row_capacity;
    }
  }
#endif
  free_writer(w);
}

static etl_status wh_state_get(etl_instance* inst, const char* key, etl_buffer* state, etl_error* error) {
  entry* found = find_entry(g_states, g_state_count, key);
  (void)inst;
  if (found == NULL) return fail(error, ETL_ERR_NOT_FOUND, "no state under key '%s'", key);
  return fill_buffer(state, found->json, error);
}

static etl_status wh_schema_get(etl_instance* inst, const char* name, etl_buffer* schema, etl_error* error) {
  entry* found = find_entry(g_schemas, g_schema_count, name);
  (void)inst;
  if (found == NULL) return fail(error, ETL_ERR_NOT_FOUND, "no schema stored for table '%s'", name);
  return fill_buffer(schema, found->json, error);
}

/* A table's columns as a "+s" schema: one malloc'd block per node. */
typedef struct schema_block {
  struct ArrowSchema* children[MAX_COLUMNS];
  struct ArrowSchema kids[MAX_COLUMNS];
  char names[MAX_COLUMNS][NAME_SIZE];
  char formats[MAX_COLUMNS][16];
} schema_block;

static void release_field(struct ArrowSchema* field) { field->release = NULL; }

static void release_table_schema(struct ArrowSchema* schema) {
  schema_block* block = (schema_block*)schema->private_data;
  int64_t i;
  for (i = 0; i < schema->n_children; i++) {
    if (block->kids[i].release != NULL) block->kids[i].release(&block->kids[i]);
  }
  free(block);
  schema->release = NULL;
}

static etl_status wh_table_schema(etl_instance* inst, const char* name, struct ArrowSchema* out, etl_error* error) {
  table* t = find_table(name);
  schema_block* block;
  int i;
  (void)inst;
  if (t == NULL) return fail(error, ETL_ERR_NOT_FOUND, "table '%s' does not exist", name);
  block = (schema_block*)calloc(1, sizeof *block);
  if (block == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  for (i = 0; i < t->column_count; i++) {
    struct ArrowSchema* kid = &block->kids[i];
    memcpy(block->names[i], t->columns[i].name, NAME_SIZE);
    memcpy(block->formats[i], t->columns[i].format, 16);
    kid->format = block->formats[i];
    kid->name = block->names[i];
    kid->flags = ARROW_FLAG_NULLABLE;
    kid->release = release_field;
    block->children[i] = kid;
  }
  memset(out, 0, sizeof *out);
  out->format = "+s";
  out->name = "";
  out->n_children = t->column_count;
  out->children = block->children;
  out->release = release_table_schema;
  out->private_data = block;
  return ETL_OK;
}

/* MEMWH_ABI_1_1 builds it as a 1.1 plugin: its operations end at 1.1's
 * size (no query), and ETL_CAP_SQL_QUERY, an unknown bit in 1.1, stays set
 * (hosts ignore unknown bits). */
#ifdef MEMWH_ABI_1_1
#define MEMWH_OPS_SIZE ETL_WAREHOUSE_OPS_SIZE_1_1
#define MEMWH_ABI ETL_ABI_MAKE_VERSION(1, 1)
#elif defined(MEMWH_ABI_1_2_HISTORY_BIT)
#define MEMWH_OPS_SIZE sizeof(etl_warehouse_ops)
#define MEMWH_ABI ETL_ABI_MAKE_VERSION(1, 2)
#else
#define MEMWH_OPS_SIZE sizeof(etl_warehouse_ops)
#define MEMWH_ABI ETL_ABI_VERSION
#endif

static const etl_warehouse_ops k_warehouse = {
    MEMWH_OPS_SIZE, wh_begin, wh_write, wh_commit, wh_rollback, wh_state_get, wh_table_schema,
    wh_schema_get, NULL, NULL,
#ifdef BROKEN_SQL_CAPABILITY_WITHOUT_EXECUTE
    wh_query}; /* BUG: sql_execute is declared below, but execute is NULL */
#define MEMWH_CAPABILITIES (ETL_CAP_SQL_QUERY | ETL_CAP_SQL_EXECUTE)
#elif defined(BROKEN_QUERY_WITHOUT_CAPABILITY)
    wh_query}; /* BUG: query is set, but sql_query is not declared below */
#define MEMWH_CAPABILITIES 0
#else
    wh_query};
#define MEMWH_CAPABILITIES ETL_CAP_SQL_QUERY
#endif

ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host, etl_plugin* out,
                                      etl_error* error) {
  etl_plugin d;
  size_t n;
  (void)host;
  if (out == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (ETL_ABI_MAJOR(host_abi) != ETL_ABI_VERSION_MAJOR) {
    if (ETL_HAS_FIELD(out, etl_plugin, abi_version)) out->abi_version = ETL_ABI_VERSION;
    return fail(error, ETL_ERR_ABI_MISMATCH, "built for ABI %u.%u, the host offers %u.%u",
                (unsigned)ETL_ABI_VERSION_MAJOR, (unsigned)ETL_ABI_VERSION_MINOR, (unsigned)ETL_ABI_MAJOR(host_abi),
                (unsigned)ETL_ABI_MINOR(host_abi));
  }
  memset(&d, 0, sizeof d);
  d.abi_version = MEMWH_ABI;
  d.kind = ETL_KIND_WAREHOUSE;
  d.name = "memwh";
  d.version = "1.0.0";
  d.description = "Test fixture: tables in process memory (columns, rows, states, schemas); answers simple queries.";
  d.language = "c";
  d.config_schema =
      "{\"type\": \"object\", \"additionalProperties\": false,"
      " \"properties\": {\"name\": {\"type\": \"string\", \"description\": \"A label.\"}}}";
  d.capabilities = ETL_CAP_MODE_REPLACE | ETL_CAP_MODE_APPEND | ETL_CAP_MODE_UPSERT | ETL_CAP_TRANSACTIONAL_STATE |
                   MEMWH_CAPABILITIES;
#ifdef MEMWH_ABI_1_2_HISTORY_BIT
  d.capabilities |= ETL_CAP_HISTORY;
#endif
  d.open = wh_open;
  d.close = wh_close;
  d.warehouse = &k_warehouse;
  n = out->struct_size < sizeof d ? out->struct_size : sizeof d;
  memcpy(out, &d, n);
  out->struct_size = (uint32_t)n;
  return ETL_OK;
}
