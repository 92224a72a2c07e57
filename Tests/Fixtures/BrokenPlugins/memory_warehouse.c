/*
 * memory_warehouse.c — a test fixture: a warehouse that keeps its tables'
 * columns, states and schema documents in process memory (rows are only
 * counted), keeping every rule `etl-host plugins test` checks; the base of
 * the broken warehouses in this folder (each defines one BROKEN_* knob and
 * includes this file).
 *
 * Build (from the repository root):
 *
 *   cc -std=c99 -shared -fPIC -I Sources/CETLPlugin/include \
 *      -o libmemwh.so Tests/Fixtures/BrokenPlugins/memory_warehouse.c
 *
 * CONFIG: {"name": "..."} (optional, a label). Capabilities: replace,
 * append, upsert, transactional_state. Everything lives until the process
 * ends; nothing is shared between processes.
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
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_plugin.h"

#define MAX_ITEMS 64
#define MAX_COLUMNS 32
#define NAME_SIZE 128

typedef struct column {
  char name[NAME_SIZE];
  char format[16];
} column;

typedef struct table {
  char name[NAME_SIZE];
  column columns[MAX_COLUMNS];
  int column_count;
  long long rows;
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
  int unused;
};

struct etl_writer {
  table load; /* the columns begun with, and the rows written */
  int mode;
#ifdef BROKEN_REPLACE_EMPTIES_AT_BEGIN
  table removed; /* the live table begin removed */
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
  if (data == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "memwh: out of memory");
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

/* ------------------------------------------------------------------------ */
/* The store                                                                 */
/* ------------------------------------------------------------------------ */

static table* find_table(const char* name) {
  int i;
  for (i = 0; i < g_table_count; i++) {
    if (strcmp(g_tables[i].name, name) == 0) return &g_tables[i];
  }
  return NULL;
}

static entry* find_entry(entry* entries, int count, const char* key) {
  int i;
  for (i = 0; i < count; i++) {
    if (strcmp(entries[i].key, key) == 0) return &entries[i];
  }
  return NULL;
}

static void put_entry(entry* entries, int* count, const char* key, const char* json) {
  entry* found = find_entry(entries, *count, key);
  if (found == NULL) {
    if (*count == MAX_ITEMS) return;
    found = &entries[(*count)++];
    snprintf(found->key, sizeof found->key, "%s", key);
    found->json = NULL;
  }
  free(found->json);
  found->json = copy_text(json);
}

static int has_column(const table* t, const char* name) {
  int i;
  for (i = 0; i < t->column_count; i++) {
    if (strcmp(t->columns[i].name, name) == 0) return 1;
  }
  return 0;
}

/** Makes a load visible: creates, swaps or widens the table. */
static void apply(const struct etl_writer* w) {
  table* t = find_table(w->load.name);
  int i;
  if (t == NULL) {
    if (g_table_count == MAX_ITEMS) return;
    t = &g_tables[g_table_count++];
    *t = w->load;
    return;
  }
#ifndef BROKEN_REPLACE_KEEPS_COLUMNS
  if (w->mode == ETL_MODE_REPLACE) {
    *t = w->load;
    return;
  }
#endif
  for (i = 0; i < w->load.column_count && t->column_count < MAX_COLUMNS; i++) {
    if (!has_column(t, w->load.columns[i].name)) t->columns[t->column_count++] = w->load.columns[i];
  }
  t->rows += w->load.rows;
}

/* ------------------------------------------------------------------------ */
/* Operations                                                                */
/* ------------------------------------------------------------------------ */

static etl_status wh_open(const etl_open_request* request, etl_instance** out, etl_error* error) {
  const char* config = request == NULL ? NULL : request->config_json;
  const char* p = config;
  etl_instance* inst;
  while (p != NULL && (*p == ' ' || *p == '\n')) p++;
  if (p == NULL || *p != '{') return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: the config is not a JSON object");
  if (strstr(config, "\"name\"") != NULL && strstr(config, "\"name\": \"") == NULL &&
      strstr(config, "\"name\":\"") == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: config \"name\" must be a string");
  }
  for (p = strchr(config, '"'); p != NULL; p = strchr(p + 1, '"')) {
    /* every key must be "name": look at the strings that are followed by ':' */
    const char* end = strchr(p + 1, '"');
    const char* after;
    if (end == NULL) break;
    after = end + 1;
    while (*after == ' ') after++;
    if (*after == ':' && !(end - p - 1 == 4 && strncmp(p + 1, "name", 4) == 0)) {
      return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: unknown config key \"%.*s\"; the only key is name",
                  (int)(end - p - 1), p + 1);
    }
    p = end;
  }
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "memwh: out of memory");
  *out = inst;
  return ETL_OK;
}

static void wh_close(etl_instance* inst) { free(inst); }

static etl_status wh_begin(etl_instance* inst, const etl_table_request* request, etl_writer** out,
                           etl_error* error) {
  struct etl_writer* w;
  const struct ArrowSchema* schema = request->schema;
  int64_t i;
  (void)inst;
  if (request->table == NULL || request->table[0] == '\0') {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: begin: the table name is empty");
  }
  if (request->mode < ETL_MODE_REPLACE || request->mode > ETL_MODE_UPSERT) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: begin: write mode %d is not 1 (replace), 2 (append) or 3 (upsert)",
                (int)request->mode);
  }
  if (request->mode == ETL_MODE_UPSERT && request->key_column_count <= 0) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: begin: upsert into '%s' needs key columns", request->table);
  }
  if (schema == NULL || schema->n_children > MAX_COLUMNS) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: begin: no schema, or more than %d columns", MAX_COLUMNS);
  }
  w = (struct etl_writer*)calloc(1, sizeof *w);
  if (w == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "memwh: out of memory");
  snprintf(w->load.name, sizeof w->load.name, "%s", request->table);
  w->mode = request->mode;
  for (i = 0; i < schema->n_children; i++) {
    snprintf(w->load.columns[i].name, NAME_SIZE, "%s", schema->children[i]->name);
    snprintf(w->load.columns[i].format, sizeof w->load.columns[i].format, "%s", schema->children[i]->format);
  }
  w->load.column_count = (int)schema->n_children;
#ifdef BROKEN_REPLACE_EMPTIES_AT_BEGIN
  if (w->mode == ETL_MODE_REPLACE) {
    table* live = find_table(request->table);
    if (live != NULL) { /* BUG: the live table goes away before commit */
      w->removed = *live;
      w->has_removed = 1;
      *live = g_tables[--g_table_count];
    }
  }
#endif
  *out = w;
  return ETL_OK;
}

static etl_status wh_write(etl_writer* w, struct ArrowArray* batch, etl_error* error) {
  struct ArrowArray moved = *batch; /* take ownership whatever the outcome */
  batch->release = NULL;
  if (moved.n_children != w->load.column_count) {
    int64_t columns = moved.n_children;
    moved.release(&moved);
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "memwh: write to '%s': the batch has %lld columns, the table %d",
                w->load.name, (long long)columns, w->load.column_count);
  }
  w->load.rows += moved.length;
#ifdef BROKEN_WRITE_LEAKS_BATCH
  (void)moved; /* BUG: never released */
#else
  moved.release(&moved);
#endif
  return ETL_OK;
}

static etl_status wh_commit(etl_writer* w, const etl_commit_request* request, etl_error* error) {
  (void)error;
  apply(w);
  if (request != NULL && request->state_key != NULL && request->state_json != NULL) {
    put_entry(g_states, &g_state_count, request->state_key, request->state_json);
  }
  if (request != NULL && ETL_HAS_FIELD(request, etl_commit_request, schema_json) && request->schema_json != NULL) {
    put_entry(g_schemas, &g_schema_count, w->load.name, request->schema_json);
  }
  free(w);
  return ETL_OK;
}

static void wh_rollback(etl_writer* w) {
#ifdef BROKEN_ROLLBACK_KEEPS_TABLE
  apply(w); /* BUG: the load becomes visible */
#endif
#ifdef BROKEN_REPLACE_EMPTIES_AT_BEGIN
  if (w->has_removed && g_table_count < MAX_ITEMS) g_tables[g_table_count++] = w->removed;
#endif
  free(w);
}

static etl_status wh_state_get(etl_instance* inst, const char* key, etl_buffer* state, etl_error* error) {
  entry* found = find_entry(g_states, g_state_count, key);
  (void)inst;
  if (found == NULL) return fail(error, ETL_ERR_NOT_FOUND, "memwh: no state under key '%s'", key);
  return fill_buffer(state, found->json, error);
}

static etl_status wh_schema_get(etl_instance* inst, const char* name, etl_buffer* schema, etl_error* error) {
  entry* found = find_entry(g_schemas, g_schema_count, name);
  (void)inst;
  if (found == NULL) return fail(error, ETL_ERR_NOT_FOUND, "memwh: no schema stored for table '%s'", name);
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
  if (t == NULL) return fail(error, ETL_ERR_NOT_FOUND, "memwh: table '%s' does not exist", name);
  block = (schema_block*)calloc(1, sizeof *block);
  if (block == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "memwh: out of memory");
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

static const etl_warehouse_ops k_warehouse = {
    sizeof(etl_warehouse_ops), wh_begin, wh_write, wh_commit, wh_rollback, wh_state_get, wh_table_schema,
    wh_schema_get, NULL, NULL, NULL};

ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host, etl_plugin* out,
                                      etl_error* error) {
  etl_plugin d;
  size_t n;
  (void)host;
  if (out == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (ETL_ABI_MAJOR(host_abi) != ETL_ABI_VERSION_MAJOR) {
    if (ETL_HAS_FIELD(out, etl_plugin, abi_version)) out->abi_version = ETL_ABI_VERSION;
    return fail(error, ETL_ERR_ABI_MISMATCH, "memwh: built for ABI %u.%u, the host offers %u.%u",
                (unsigned)ETL_ABI_VERSION_MAJOR, (unsigned)ETL_ABI_VERSION_MINOR, (unsigned)ETL_ABI_MAJOR(host_abi),
                (unsigned)ETL_ABI_MINOR(host_abi));
  }
  memset(&d, 0, sizeof d);
  d.abi_version = ETL_ABI_VERSION;
  d.kind = ETL_KIND_WAREHOUSE;
  d.name = "memwh";
  d.version = "1.0.0";
  d.description = "Test fixture: tables in process memory (columns, states, schemas; rows counted).";
  d.language = "c";
  d.config_schema =
      "{\"type\": \"object\", \"additionalProperties\": false,"
      " \"properties\": {\"name\": {\"type\": \"string\", \"description\": \"A label.\"}}}";
  d.capabilities = ETL_CAP_MODE_REPLACE | ETL_CAP_MODE_APPEND | ETL_CAP_MODE_UPSERT | ETL_CAP_TRANSACTIONAL_STATE;
  d.open = wh_open;
  d.close = wh_close;
  d.warehouse = &k_warehouse;
  n = out->struct_size < sizeof d ? out->struct_size : sizeof d;
  memcpy(out, &d, n);
  out->struct_size = (uint32_t)n;
  return ETL_OK;
}
