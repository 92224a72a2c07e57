/*
 * __NAME__ — an etl-host warehouse in C, made by `etl-host plugins new`.
 *
 * It writes each table as JSON Lines: table "orders" becomes
 * <dir>/orders.jsonl, one JSON object per row with the columns in order
 * (NULL as null, dates and timestamps as ISO 8601 text, binary as hex
 * text, JSON columns as JSON). Config: {"dir": "out"}, created if missing.
 *
 *   replace  rows go to a hidden temporary file in the directory, renamed
 *            over <table>.jsonl at commit: readers see the old file or the
 *            new one, never half of one.
 *   append   commit copies the old file and then the new rows into a
 *            temporary file and renames it: atomic too.
 *
 * Extractor states (state_get) and table schemas (schema_get) are small
 * files in <dir>/_etl/, each replaced atomically at commit, after the
 * data. A crash between the renames leaves the state one run behind (an
 * incremental run then reads some records again); that is why it does not
 * claim ETL_CAP_TRANSACTIONAL_STATE.
 *
 * Make it yours: write somewhere else in begin/write/commit/rollback,
 * marked TODO below. The contract is include/etl_plugin.h, copied from
 * etl-host with this project; include/etl_config.h reads the config and
 * include/etl_reader.h the cells of each batch (both header-only). Beside
 * this file, json_text.h writes the cells as JSON and atomic_files.h the
 * temporary files that replace the old ones.
 *
 *   make                                        -> libetl___IDENT__.so
 *   etl-host plugins test ./libetl___IDENT__.so -d dir=/tmp/__IDENT__-test
 *   etl-host plugins install ./libetl___IDENT__.so
 *   etl-host sync csv __NAME__ -s path=data.csv -d dir=out
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "etl_config.h"
#include "etl_plugin.h"
#include "etl_reader.h"

#include "atomic_files.h"
#include "json_text.h"

/* TODO: the config your plugin accepts (a JSON Schema; the host checks
 * configs against it before open()). */
static const char k_config_schema[] =
    "{\"type\": \"object\","
    " \"properties\": {\"dir\": {\"type\": \"string\","
    " \"description\": \"The directory for the <table>.jsonl files, created if missing.\"}},"
    " \"required\": [\"dir\"],"
    " \"additionalProperties\": false}";

/** The host's service table, kept from etl_plugin_init. */
static const etl_host_api* g_host = NULL;

/* ------------------------------------------------------------------------ */
/* Errors and small helpers                                                  */
/* ------------------------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
#define FLAG_SET(p) __atomic_store_n((p), 1, __ATOMIC_RELEASE)
#define FLAG_GET(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define FLAG_SET(p) (*(p) = 1)
#define FLAG_GET(p) (*(p))
#define PRINTF_LIKE(fmt, args)
#endif

/** Release callback of the errors we fill: frees the message. */
static void release_error(etl_error* error) {
  free(error->message);
  error->message = NULL;
  error->release = NULL;
}

static etl_status fail(etl_error* error, etl_status code, const char* fmt, ...) PRINTF_LIKE(3, 4);

/** Fills `error` (allocated by the host) with `code` and a message the
 *  host frees through release_error; returns `code`. */
static etl_status fail(etl_error* error, etl_status code, const char* fmt, ...) {
  static char out_of_memory[] = "out of memory";
  va_list ap;
  int n;
  char* message;
  if (error == NULL || !ETL_HAS_FIELD(error, etl_error, private_data)) return code;
  error->code = code;
  error->retryable = 0;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  message = n < 0 ? NULL : (char*)malloc((size_t)n + 1);
  if (message == NULL) {
    error->message = out_of_memory; /* static: release stays NULL */
    error->release = NULL;
    return code;
  }
  va_start(ap, fmt);
  vsnprintf(message, (size_t)n + 1, fmt, ap);
  va_end(ap);
  error->message = message;
  error->release = release_error;
  return code;
}

/** Fails with errno value `err` after "cannot <what> '<path>'". */
static etl_status fail_errno(etl_error* error, int err, const char* what, const char* path) {
  etl_status code = err == ENOSPC ? ETL_ERR_RESOURCE_EXHAUSTED
                    : (err == EACCES || err == EPERM || err == EROFS) ? ETL_ERR_PERMISSION_DENIED
                                                                      : ETL_ERR_IO;
  return fail(error, code, "cannot %s '%s': %s", what, path, strerror(err));
}

/* ------------------------------------------------------------------------ */
/* Files (atomic_files.h has the rest)                                       */
/* ------------------------------------------------------------------------ */

/** Writes `text` to a new temporary file in `dir`; sets *temp. */
static etl_status write_temp(const char* dir, const char* base, const char* text, char** temp,
                             etl_error* error) {
  int err = 0;
  size_t n = strlen(text);
  FILE* f = create_temp(dir, base, temp, &err);
  if (f == NULL) return fail_errno(error, err, "create a temporary file in", dir);
  err = fwrite(text, 1, n, f) == n ? 0 : (errno ? errno : EIO);
  if (err == 0) {
    err = finish_file(f);
  } else {
    fclose(f);
  }
  if (err != 0) {
    unlink(*temp);
    free(*temp);
    *temp = NULL;
    return fail_errno(error, err, "write a temporary file in", dir);
  }
  return ETL_OK;
}

/* ------------------------------------------------------------------------ */
/* Config and the instance                                                   */
/* ------------------------------------------------------------------------ */

struct etl_instance {
  char* dir;      /* the tables' directory */
  char* meta_dir; /* <dir>/_etl: states and schemas */
  etl_host_context* ctx;
  int cancelled;  /* set by cancel() from any thread */
};

/**
 * Reads {"dir": "..."} with etl_config.h: a malloc'd non-empty dir, or NULL
 * with the reason (naming the key) in `error`. TODO: read your own keys.
 */
static char* read_config(const char* json, etl_error* error) {
  static const char* const keys[] = {"dir"};
  etl_config config;
  char* dir = NULL;
  if (etl_config_parse(&config, json) != ETL_OK || etl_config_check_keys(&config, keys, 1) != ETL_OK ||
      etl_config_get_string(&config, "dir", ETL_CONFIG_REQUIRED, &dir) != ETL_OK) {
    fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_config_last_error(&config));
    return NULL;
  }
  if (dir[0] == '\0') {
    free(dir);
    fail(error, ETL_ERR_INVALID_ARGUMENT, "config key 'dir': must not be empty");
    return NULL;
  }
  return dir;
}

static etl_status plugin_open(const etl_open_request* request, etl_instance** out,
                              etl_error* error) {
  etl_instance* inst;
  int err;
  if (request == NULL || out == NULL ||
      !ETL_HAS_FIELD(request, etl_open_request, host_context)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "open() got no request");
  }
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  inst->dir = read_config(request->config_json, error);
  if (inst->dir == NULL) {
    free(inst);
    return ETL_ERR_INVALID_ARGUMENT;
  }
  inst->meta_dir = join3(inst->dir, "/_etl", "");
  if (inst->meta_dir == NULL) {
    free(inst->dir);
    free(inst);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  err = make_dirs(inst->meta_dir);
  if (err != 0) {
    etl_status st = fail_errno(error, err, "create directory", inst->meta_dir);
    free(inst->meta_dir);
    free(inst->dir);
    free(inst);
    return st;
  }
  inst->ctx = request->host_context;
  *out = inst; /* set only on success; the host calls close() once */
  return ETL_OK;
}

static etl_status plugin_check(etl_instance* inst, etl_error* error) {
  if (access(inst->dir, W_OK | X_OK) != 0) {
    return fail_errno(error, errno, "write to directory", inst->dir);
  }
  return ETL_OK;
}

static void plugin_cancel(etl_instance* inst) {
  FLAG_SET(&inst->cancelled);
}

static void plugin_close(etl_instance* inst) {
  if (inst == NULL) return;
  free(inst->dir);
  free(inst->meta_dir);
  free(inst);
}

/* ------------------------------------------------------------------------ */
/* The writer                                                                */
/* ------------------------------------------------------------------------ */

struct etl_writer {
  etl_instance* inst;
  char* table;
  int32_t mode;        /* ETL_MODE_REPLACE or ETL_MODE_APPEND */
  etl_batch_reader reader; /* the columns, and the cells of each batch */
  char** keys;         /* per column: "\"name\":" */
  char* file_name;     /* "<table>.jsonl" */
  char* final_path;    /* "<dir>/<table>.jsonl" */
  char* temp_path;     /* the new rows */
  FILE* out;
  text_buf line;
};

static void free_writer(etl_writer* w) {
  size_t i;
  if (w == NULL) return;
  if (w->out != NULL) fclose(w->out);
  if (w->temp_path != NULL) unlink(w->temp_path);
  for (i = 0; w->keys != NULL && i < (size_t)w->reader.column_count; i++) free(w->keys[i]);
  free(w->keys);
  etl_reader_free(&w->reader);
  free(w->table);
  free(w->file_name);
  free(w->final_path);
  free(w->temp_path);
  free(w->line.data);
  free(w);
}

static etl_status plugin_begin(etl_instance* inst, const etl_table_request* request,
                               etl_writer** out, etl_error* error) {
  etl_writer* w;
  int64_t i;
  int err = 0;
  if (request == NULL || out == NULL || request->table == NULL || request->schema == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "begin() needs a table and a schema");
  }
  if (request->mode != ETL_MODE_REPLACE && request->mode != ETL_MODE_APPEND) {
    return fail(error, ETL_ERR_NOT_IMPLEMENTED,
                "write mode %d is not supported (replace and append are)",
                (int)request->mode);
  }
  if (request->table[0] == '\0' || request->table[0] == '.' || strchr(request->table, '/') ||
      strlen(request->table) > 200) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "table name '%s' cannot be a file name",
                request->table);
  }
  w = (etl_writer*)calloc(1, sizeof *w);
  if (w == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  w->inst = inst;
  w->mode = request->mode;
  /* The schema is borrowed: the reader copies each column's name, type
   * and JSON flag, and refuses a format ABI v1 does not define. */
  if (etl_reader_init(&w->reader, request->schema) != ETL_OK) {
    fail(error, ETL_ERR_INVALID_ARGUMENT, "table '%s': %s", request->table,
         etl_reader_last_error(&w->reader));
    free_writer(w);
    return ETL_ERR_INVALID_ARGUMENT;
  }
  w->keys = (char**)calloc((size_t)w->reader.column_count + 1, sizeof *w->keys);
  w->table = join3(request->table, "", "");
  w->file_name = join3(request->table, ".jsonl", "");
  w->final_path = w->file_name == NULL ? NULL : join3(inst->dir, "/", w->file_name);
  if (w->keys == NULL || w->table == NULL || w->final_path == NULL) {
    free_writer(w);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  for (i = 0; i < w->reader.column_count; i++) {
    const char* name = w->reader.columns[i].name;
    text_buf key = {NULL, 0, 0};
    if (!buf_json_string(&key, name, strlen(name)) || !buf_add(&key, ":", 1)) {
      free(key.data);
      free_writer(w);
      return fail(error, ETL_ERR_UNKNOWN, "out of memory");
    }
    w->keys[i] = key.data;
  }
  /* TODO: start writing to your destination. Here: a new hidden file in
   * the same directory (a rename replaces atomically only there). */
  w->out = create_temp(inst->dir, w->file_name, &w->temp_path, &err);
  if (w->out == NULL) {
    etl_status st = fail_errno(error, err, "create a temporary file in", inst->dir);
    free_writer(w);
    return st;
  }
  *out = w;
  return ETL_OK;
}

/** Writes the rows of a batch we own (the caller releases it). */
static etl_status write_rows(etl_writer* w, const struct ArrowArray* batch, etl_error* error) {
  etl_batch_reader* reader = &w->reader;
  int64_t row, col;
  /* checks the batch against the schema: columns, buffers, offsets, UTF-8 */
  if (etl_reader_set_batch(reader, batch) != ETL_OK) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "a batch for '%s': %s", w->table,
                etl_reader_last_error(reader));
  }
  for (row = 0; row < etl_reader_row_count(reader); row++) {
    w->line.size = 0;
    if (!buf_add(&w->line, "{", 1)) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
    for (col = 0; col < reader->column_count; col++) {
      etl_cell cell;
      int json = (reader->columns[col].flags & ETL_COLUMN_JSON) != 0;
      etl_reader_get(reader, row, col, &cell); /* in range: it cannot fail */
      if ((col > 0 && !buf_add(&w->line, ",", 1)) || !buf_str(&w->line, w->keys[col]) ||
          !append_cell(&w->line, &cell, json)) {
        return fail(error, ETL_ERR_UNKNOWN, "out of memory");
      }
    }
    if (!buf_add(&w->line, "}\n", 2)) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
    /* TODO: send the row to your destination. */
    if (fwrite(w->line.data, 1, w->line.size, w->out) != w->line.size) {
      return fail_errno(error, errno ? errno : EIO, "write", w->temp_path);
    }
  }
  return ETL_OK;
}

static etl_status plugin_write(etl_writer* w, struct ArrowArray* batch, etl_error* error) {
  struct ArrowArray owned;
  etl_status st;
  if (batch == NULL || batch->release == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "write() got no batch");
  }
  /* write() takes the batch whatever happens: move it out (copy the
   * struct, mark the original released), use it, release our copy. */
  owned = *batch;
  batch->release = NULL;
  st = FLAG_GET(&w->inst->cancelled) ? fail(error, ETL_ERR_CANCELLED, "cancelled")
                                     : write_rows(w, &owned, error);
  owned.release(&owned);
  return st;
}

/** "<meta_dir>/state-<hex of key>.json": any key becomes a file name. */
static char* state_path(etl_instance* inst, const char* key) {
  size_t n = strlen(key), i;
  char* hex = (char*)malloc(n * 2 + 1);
  char* path;
  if (hex == NULL) return NULL;
  for (i = 0; i < n; i++) snprintf(hex + i * 2, 3, "%02x", (unsigned)(unsigned char)key[i]);
  hex[n * 2] = '\0';
  path = join3(inst->meta_dir, "/state-", hex);
  free(hex);
  hex = path == NULL ? NULL : join3(path, ".json", "");
  free(path);
  return hex;
}

/** "<meta_dir>/schema-<table>.json". */
static char* schema_path(etl_instance* inst, const char* table) {
  char* base = join3(inst->meta_dir, "/schema-", table);
  char* path = base == NULL ? NULL : join3(base, ".json", "");
  free(base);
  return path;
}

static etl_status plugin_commit(etl_writer* w, const etl_commit_request* request,
                                etl_error* error) {
  /* Up to three renames, data first: [0] data, [1] state, [2] schema. */
  char* from[3] = {NULL, NULL, NULL};
  char* to[3] = {NULL, NULL, NULL};
  const char* schema_json;
  etl_status st = ETL_OK;
  int i, err;
  if (request == NULL) return fail(error, ETL_ERR_INVALID_ARGUMENT, "no commit request");
  err = finish_file(w->out);
  w->out = NULL;
  if (err != 0) return fail_errno(error, err, "write", w->temp_path);

  /* Everything that can fail comes first, into temporary files. */
  to[0] = join3(w->final_path, "", "");
  if (to[0] == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  if (w->mode == ETL_MODE_APPEND) { /* old rows + new rows, in a new file */
    FILE* merged = create_temp(w->inst->dir, w->file_name, &from[0], &err);
    FILE* old = fopen(w->final_path, "rb");
    int old_err = old == NULL ? errno : 0;
    FILE* rows = fopen(w->temp_path, "rb");
    int rows_err = rows == NULL ? errno : 0;
    if (merged == NULL) {
      st = fail_errno(error, err, "create a temporary file in", w->inst->dir);
    } else if (old == NULL && old_err != ENOENT) {
      st = fail_errno(error, old_err, "read", w->final_path);
    } else if (rows == NULL) {
      st = fail_errno(error, rows_err, "read", w->temp_path);
    } else {
      err = old == NULL ? 0 : copy_bytes(old, merged);
      if (err == 0) err = copy_bytes(rows, merged);
      if (err != 0) st = fail_errno(error, err, "write", from[0]);
    }
    if (old != NULL) fclose(old);
    if (rows != NULL) fclose(rows);
    if (merged != NULL) {
      err = finish_file(merged);
      if (st == ETL_OK && err != 0) st = fail_errno(error, err, "write", from[0]);
    }
  } else {
    from[0] = join3(w->temp_path, "", "");
    if (from[0] == NULL) st = fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  if (st == ETL_OK && request->state_key != NULL && request->state_json != NULL) {
    to[1] = state_path(w->inst, request->state_key);
    st = to[1] == NULL ? fail(error, ETL_ERR_UNKNOWN, "out of memory")
                       : write_temp(w->inst->meta_dir, "state", request->state_json, &from[1], error);
  }
  schema_json = ETL_HAS_FIELD(request, etl_commit_request, schema_json) ? request->schema_json : NULL;
  if (st == ETL_OK && schema_json != NULL) {
    to[2] = schema_path(w->inst, w->table);
    st = to[2] == NULL ? fail(error, ETL_ERR_UNKNOWN, "out of memory")
                       : write_temp(w->inst->meta_dir, "schema", schema_json, &from[2], error);
  }
  /* Then the renames: the data, then what describes it. */
  if (st == ETL_OK && rename(from[0], to[0]) != 0) {
    st = fail_errno(error, errno, "rename a temporary file to", to[0]);
  }
  if (st == ETL_OK) {
    for (i = 1; i < 3; i++) { /* on failure the next run sees the old state or schema */
      if (from[i] != NULL && rename(from[i], to[i]) != 0) unlink(from[i]);
    }
  } else {
    if (w->mode == ETL_MODE_APPEND && from[0] != NULL) unlink(from[0]); /* the merged file */
    for (i = 1; i < 3; i++) {
      if (from[i] != NULL) unlink(from[i]);
    }
  }
  for (i = 0; i < 3; i++) {
    free(from[i]);
    free(to[i]);
  }
  if (st != ETL_OK) return st; /* nothing visible; the host calls rollback() */
  if (w->mode == ETL_MODE_REPLACE) { /* the temporary file is now the table */
    free(w->temp_path);
    w->temp_path = NULL;
  }
  free_writer(w); /* on ETL_OK the writer is gone */
  return ETL_OK;
}

static void plugin_rollback(etl_writer* w) {
  free_writer(w); /* closes and deletes the temporary file */
}

/* ------------------------------------------------------------------------ */
/* state_get and schema_get                                                  */
/* ------------------------------------------------------------------------ */

static void release_buffer(etl_buffer* buffer) {
  free(buffer->private_data); /* the same block as data, without const */
  buffer->data = NULL;
  buffer->private_data = NULL;
  buffer->release = NULL;
}

/** Reads the file at `path` (malloc'd by the caller, freed here) into
 *  *out; ETL_ERR_NOT_FOUND when it does not exist. */
static etl_status read_into(char* path, etl_buffer* out, const char* what, etl_error* error) {
  text_buf b = {NULL, 0, 0};
  char chunk[4096];
  size_t n;
  FILE* f;
  if (path == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  f = fopen(path, "rb");
  if (f == NULL) {
    etl_status st = errno == ENOENT ? fail(error, ETL_ERR_NOT_FOUND, "no %s stored", what)
                                    : fail_errno(error, errno, "read", path);
    free(path);
    return st;
  }
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (!buf_add(&b, chunk, n)) {
      fclose(f);
      free(b.data);
      free(path);
      return fail(error, ETL_ERR_UNKNOWN, "out of memory");
    }
  }
  fclose(f);
  free(path);
  if (b.data == NULL && !buf_add(&b, "", 0)) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  out->data = b.data;
  out->length = (int64_t)b.size;
  out->release = release_buffer;
  out->private_data = b.data;
  return ETL_OK;
}

static etl_status plugin_state_get(etl_instance* inst, const char* key, etl_buffer* state,
                                   etl_error* error) {
  if (key == NULL || state == NULL) return fail(error, ETL_ERR_INVALID_ARGUMENT, "no key");
  return read_into(state_path(inst, key), state, "state", error);
}

static etl_status plugin_schema_get(etl_instance* inst, const char* table, etl_buffer* schema,
                                    etl_error* error) {
  if (table == NULL || schema == NULL || strchr(table, '/') != NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "no table, or not a file name");
  }
  return read_into(schema_path(inst, table), schema, "schema", error);
}

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

static const etl_warehouse_ops k_warehouse = {
    sizeof(etl_warehouse_ops), /* struct_size */
    plugin_begin,              /* begin */
    plugin_write,              /* write */
    plugin_commit,             /* commit */
    plugin_rollback,           /* rollback */
    plugin_state_get,          /* state_get */
    NULL,                      /* table_schema: optional */
    plugin_schema_get,         /* schema_get */
    NULL,                      /* write_present_keys: no deletion detection */
    NULL,                      /* execute: no SQL */
    NULL,                      /* query: no SQL */
};

ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host,
                                      etl_plugin* out, etl_error* error) {
  etl_plugin d;
  size_t n;
  if (out == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (ETL_ABI_MAJOR(host_abi) != ETL_ABI_VERSION_MAJOR) {
    if (ETL_HAS_FIELD(out, etl_plugin, abi_version)) out->abi_version = ETL_ABI_VERSION;
    return fail(error, ETL_ERR_ABI_MISMATCH, "built for ABI %u.%u, host offers %u.%u",
                (unsigned)ETL_ABI_VERSION_MAJOR, (unsigned)ETL_ABI_VERSION_MINOR,
                (unsigned)ETL_ABI_MAJOR(host_abi), (unsigned)ETL_ABI_MINOR(host_abi));
  }
  g_host = host;

  memset(&d, 0, sizeof d);
  d.abi_version = ETL_ABI_VERSION;
  d.kind = ETL_KIND_WAREHOUSE;
  d.name = "__NAME__";
  d.version = "0.1.0";
  d.description = "TODO: say where __NAME__ writes (now: JSON Lines files in a directory).";
  d.language = "c";
  d.toolchain = NULL;
  d.config_schema = k_config_schema;
  d.capabilities = ETL_CAP_MODE_REPLACE | ETL_CAP_MODE_APPEND;
  d.open = plugin_open;
  d.check = plugin_check;
  d.cancel = plugin_cancel;
  d.close = plugin_close;
  d.extractor = NULL;
  d.warehouse = &k_warehouse;

  /* Write no more than the host's struct, then say how much we filled. */
  n = out->struct_size < sizeof d ? out->struct_size : sizeof d;
  d.struct_size = (uint32_t)n;
  memcpy(out, &d, n);
  return ETL_OK;
}
