/*
 * textwarehouse.c — a test fixture: a warehouse with only the required
 * operations (begin, write, commit, rollback) and none of the optional
 * ones (no state_get, table_schema or schema_get), to show that the host
 * syncs into such a warehouse. It writes each table as a text file.
 *
 * Build (from the repository root):
 *
 *   cc -std=c99 -shared -fPIC -I Sources/CETLPlugin/include \
 *      -o libtextwarehouse.so Tests/Fixtures/CPlugins/textwarehouse.c
 *
 * CONFIG: {"dir": "<folder>"} (required; the folder must exist).
 * Capabilities: replace and append.
 *
 * FILES: table T is the file <dir>/T.txt. Its first line names the columns
 * with their Arrow formats, tab-separated ("id:l<TAB>label:u"); each row
 * is one line of tab-separated cells: NULL for a null, true/false for a
 * bool, %lld for int64, date32 and timestamps, %.17g for float64, the
 * bytes as they are for utf8 and binary. commit() writes the file (replace:
 * a new file moved over the old one; append: rows added at the end, the
 * header written only when the file is new); rollback() writes nothing.
 * The commit's state, run record and schema are ignored: this warehouse
 * cannot give them back.
 *
 * KNOBS
 *
 *   -DTEXTWAREHOUSE_ABI_MINOR=N   (0, 1 or 2; default: the header's)
 *       Behave as if built against the ABI 1.N header: report abi_version
 *       1.N and the descriptor and operation table sizes of 1.N
 *       (ETL_PLUGIN_SIZE_1_N, ETL_WAREHOUSE_OPS_SIZE_1_N).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_config.h"
#include "etl_plugin.h"
#include "etl_reader.h"

#ifndef TEXTWAREHOUSE_ABI_MINOR
#define TEXTWAREHOUSE_ABI_MINOR ETL_ABI_VERSION_MINOR
#endif

#if TEXTWAREHOUSE_ABI_MINOR >= 2
#define TEXTWAREHOUSE_PLUGIN_SIZE sizeof(etl_plugin)
#else
#define TEXTWAREHOUSE_PLUGIN_SIZE ETL_PLUGIN_SIZE_1_0
#endif
#if TEXTWAREHOUSE_ABI_MINOR >= 1
#define TEXTWAREHOUSE_OPS_SIZE ETL_WAREHOUSE_OPS_SIZE_1_1
#else
#define TEXTWAREHOUSE_OPS_SIZE ETL_WAREHOUSE_OPS_SIZE_1_0
#endif

struct etl_instance {
  char* dir;
};

struct etl_writer {
  etl_instance* instance;
  char* table;
  int mode;
  etl_batch_reader reader;
  char* text; /* the rows written so far, one line each */
  size_t length;
  size_t capacity;
};

/* ------------------------------------------------------------------------ */
/* Errors and text                                                           */
/* ------------------------------------------------------------------------ */

static void release_error(etl_error* error) {
  free(error->message);
  error->message = NULL;
  error->release = NULL;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static etl_status fail(etl_error* error, etl_status code, const char* format, ...) {
  if (error != NULL) {
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    error->code = code;
    error->retryable = 0;
    error->message = strdup(message);
    error->release = release_error;
  }
  return code;
}

/* Appends `length` bytes to the writer's text; 0 when memory runs out. */
static int append(etl_writer* w, const char* bytes, size_t length) {
  if (w->length + length + 1 > w->capacity) {
    size_t capacity = w->capacity == 0 ? 256 : w->capacity;
    while (capacity < w->length + length + 1) capacity *= 2;
    char* grown = realloc(w->text, capacity);
    if (grown == NULL) return 0;
    w->text = grown;
    w->capacity = capacity;
  }
  memcpy(w->text + w->length, bytes, length);
  w->length += length;
  w->text[w->length] = 0;
  return 1;
}

/* The Arrow format of a column type. */
static const char* format_of(etl_column_type type) {
  switch (type) {
    case ETL_TYPE_NULL: return "n";
    case ETL_TYPE_BOOL: return "b";
    case ETL_TYPE_INT64: return "l";
    case ETL_TYPE_FLOAT64: return "g";
    case ETL_TYPE_UTF8: return "u";
    case ETL_TYPE_BINARY: return "z";
    case ETL_TYPE_DATE32: return "tdD";
    case ETL_TYPE_TIMESTAMP_US: return "tsu:UTC";
  }
  return "?";
}

static int append_cell(etl_writer* w, const etl_cell* cell) {
  char number[64];
  if (cell->is_null) return append(w, "NULL", 4);
  switch (cell->type) {
    case ETL_TYPE_BOOL: return cell->boolean ? append(w, "true", 4) : append(w, "false", 5);
    case ETL_TYPE_INT64: snprintf(number, sizeof number, "%lld", (long long)cell->int64); break;
    case ETL_TYPE_FLOAT64: snprintf(number, sizeof number, "%.17g", cell->float64); break;
    case ETL_TYPE_DATE32: snprintf(number, sizeof number, "%lld", (long long)cell->date32); break;
    case ETL_TYPE_TIMESTAMP_US: snprintf(number, sizeof number, "%lld", (long long)cell->timestamp_us); break;
    case ETL_TYPE_UTF8:
    case ETL_TYPE_BINARY: return append(w, cell->bytes, cell->length);
    case ETL_TYPE_NULL: return append(w, "NULL", 4);
  }
  return append(w, number, strlen(number));
}

/* ------------------------------------------------------------------------ */
/* Instance                                                                  */
/* ------------------------------------------------------------------------ */

static etl_status tw_open(const etl_open_request* request, etl_instance** out, etl_error* error) {
  etl_config config;
  char* dir = NULL;
  if (etl_config_parse(&config, request->config_json) != ETL_OK ||
      etl_config_get_string(&config, "dir", ETL_CONFIG_REQUIRED, &dir) != ETL_OK) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_config_last_error(&config));
  }
  etl_instance* instance = calloc(1, sizeof *instance);
  if (instance == NULL) {
    free(dir);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  instance->dir = dir;
  *out = instance;
  return ETL_OK;
}

static void tw_close(etl_instance* instance) {
  free(instance->dir);
  free(instance);
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

static void free_writer(etl_writer* w) {
  etl_reader_free(&w->reader);
  free(w->table);
  free(w->text);
  free(w);
}

static etl_status tw_begin(etl_instance* instance, const etl_table_request* request, etl_writer** out,
                           etl_error* error) {
  if (request->mode != ETL_MODE_REPLACE && request->mode != ETL_MODE_APPEND) {
    return fail(error, ETL_ERR_NOT_IMPLEMENTED, "mode %d is not supported (replace and append are)",
                (int)request->mode);
  }
  etl_writer* w = calloc(1, sizeof *w);
  if (w == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  w->instance = instance;
  w->mode = request->mode;
  w->table = strdup(request->table);
  if (etl_reader_init(&w->reader, request->schema) != ETL_OK) {
    etl_status status = fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_reader_last_error(&w->reader));
    free_writer(w);
    return status;
  }
  *out = w;
  return ETL_OK;
}

static etl_status tw_write(etl_writer* w, struct ArrowArray* batch, etl_error* error) {
  struct ArrowArray owned = *batch; /* take ownership whatever happens */
  batch->release = NULL;
  etl_status status = ETL_OK;
  if (etl_reader_set_batch(&w->reader, &owned) != ETL_OK) {
    status = fail(error, ETL_ERR_DATA, "%s", etl_reader_last_error(&w->reader));
  }
  for (int64_t row = 0; status == ETL_OK && row < etl_reader_row_count(&w->reader); row++) {
    for (int64_t column = 0; column < w->reader.column_count; column++) {
      etl_cell cell;
      etl_reader_get(&w->reader, row, column, &cell);
      if ((column > 0 && !append(w, "\t", 1)) || !append_cell(w, &cell)) {
        status = fail(error, ETL_ERR_UNKNOWN, "out of memory");
        break;
      }
    }
    if (status == ETL_OK && !append(w, "\n", 1)) status = fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  owned.release(&owned);
  return status;
}

static etl_status tw_commit(etl_writer* w, const etl_commit_request* request, etl_error* error) {
  (void)request;
  size_t size = strlen(w->instance->dir) + strlen(w->table) + 16;
  char* path = malloc(size);
  char* temporary = malloc(size);
  if (path == NULL || temporary == NULL) {
    free(path);
    free(temporary);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  snprintf(path, size, "%s/%s.txt", w->instance->dir, w->table);
  snprintf(temporary, size, "%s/%s.txt.new", w->instance->dir, w->table);
  FILE* existing = w->mode == ETL_MODE_APPEND ? fopen(path, "r") : NULL;
  int header = existing == NULL;
  if (existing != NULL) fclose(existing);
  const char* target = w->mode == ETL_MODE_APPEND ? path : temporary;
  FILE* file = fopen(target, w->mode == ETL_MODE_APPEND ? "a" : "w");
  etl_status status = ETL_OK;
  if (file == NULL) {
    status = fail(error, ETL_ERR_IO, "cannot open '%s' for writing", target);
  } else {
    for (int64_t column = 0; header && column < w->reader.column_count; column++) {
      fprintf(file, "%s%s:%s", column > 0 ? "\t" : "", w->reader.columns[column].name,
              format_of(w->reader.columns[column].type));
    }
    if (header) fputc('\n', file);
    if (w->length > 0) fwrite(w->text, 1, w->length, file);
    if (fclose(file) != 0) status = fail(error, ETL_ERR_IO, "cannot write '%s'", target);
    if (status == ETL_OK && target == temporary && rename(temporary, path) != 0) {
      status = fail(error, ETL_ERR_IO, "cannot move '%s' over '%s'", temporary, path);
    }
  }
  free(path);
  free(temporary);
  if (status == ETL_OK) free_writer(w);
  return status;
}

static void tw_rollback(etl_writer* w) { free_writer(w); }

/* ------------------------------------------------------------------------ */
/* Entry point                                                               */
/* ------------------------------------------------------------------------ */

static const etl_warehouse_ops k_ops = {
    TEXTWAREHOUSE_OPS_SIZE, tw_begin, tw_write, tw_commit, tw_rollback, NULL, NULL, NULL, NULL, NULL, NULL};

ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host, etl_plugin* out,
                                      etl_error* error) {
  (void)host;
  const uint32_t mine = ETL_ABI_MAKE_VERSION(ETL_ABI_VERSION_MAJOR, TEXTWAREHOUSE_ABI_MINOR);
  if (ETL_ABI_MAJOR(host_abi) != ETL_ABI_MAJOR(mine)) {
    out->abi_version = mine;
    return fail(error, ETL_ERR_ABI_MISMATCH, "built for ABI major %u", (unsigned)ETL_ABI_MAJOR(mine));
  }
  etl_plugin d;
  memset(&d, 0, sizeof d);
  d.abi_version = mine;
  d.kind = ETL_KIND_WAREHOUSE;
  d.name = "textwarehouse";
  d.version = "1.0.0";
  d.description = "Writes each table as a tab-separated text file (test fixture)";
  d.language = "c";
  d.config_schema =
      "{\"type\": \"object\", \"properties\": {\"dir\": {\"type\": \"string\", "
      "\"description\": \"the folder of the table files\"}}, \"required\": [\"dir\"], "
      "\"additionalProperties\": false}";
  d.capabilities = ETL_CAP_MODE_REPLACE | ETL_CAP_MODE_APPEND;
  d.open = tw_open;
  d.close = tw_close;
  d.warehouse = &k_ops;
  size_t size = TEXTWAREHOUSE_PLUGIN_SIZE;
  if (size > out->struct_size) size = out->struct_size;
  memcpy((char*)out + sizeof(uint32_t), (const char*)&d + sizeof(uint32_t), size - sizeof(uint32_t));
  out->struct_size = (uint32_t)size;
  return ETL_OK;
}
