/*
 * __NAME__ — an etl-host extractor in C, made by `etl-host plugins new`.
 *
 * It reads one stream, "numbers", of `count` rows (config; default 10):
 *
 *   n       int64  1, 2, ..., count
 *   square  int64  n * n
 *   even    bool   whether n is even
 *   label   utf8   "row <n>"
 *
 * Make it yours: change the config schema, the catalog, the columns
 * (declare_columns) and the rows (append_row), marked TODO below.
 *
 * The contract is include/etl_plugin.h, copied from etl-host with this
 * project; include/etl_config.h reads the config and include/etl_batch.h
 * builds the Arrow batches (both header-only). The rules that
 * matter most: whoever allocates frees (everything handed to the host has
 * a release callback), inputs are borrowed for the call only, and a field
 * of a host struct is touched only when its struct_size covers it
 * (ETL_HAS_FIELD).
 *
 *   make                                        -> libetl___IDENT__.so
 *   etl-host plugins test ./libetl___IDENT__.so   the conformance checks
 *   etl-host plugins install ./libetl___IDENT__.so
 *   etl-host sync __NAME__ sqlite -s count=5
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_batch.h"
#include "etl_config.h"
#include "etl_plugin.h"

/** Rows per batch. */
#define BATCH_ROWS 1000
/** The largest count the config accepts. */
#define MAX_COUNT INT64_C(1000000000)

/* TODO: the config your plugin accepts (a JSON Schema; the host checks
 * configs against it before open()). */
static const char k_config_schema[] =
    "{\"type\": \"object\","
    " \"properties\": {\"count\": {\"type\": \"integer\", \"default\": 10,"
    " \"description\": \"How many rows the numbers stream has (0 to 1000000000).\"}},"
    " \"additionalProperties\": false}";

/* TODO: your streams, their keys and column types. */
static const char k_catalog[] =
    "{\"streams\": [{\"name\": \"numbers\", \"primary_key\": [\"n\"], \"fields\": ["
    "{\"name\": \"n\", \"type\": \"integer\"}, {\"name\": \"square\", \"type\": \"integer\"}, "
    "{\"name\": \"even\", \"type\": \"boolean\"}, {\"name\": \"label\", \"type\": \"string\"}]}]}";

static const char k_stream[] = "numbers";

/** The host's service table, kept from etl_plugin_init. */
static const etl_host_api* g_host = NULL;

/* ------------------------------------------------------------------------ */
/* Errors and host services                                                  */
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

/** Non-zero when the host asked to stop (SIGINT, ...). */
static int host_cancelled(etl_host_context* ctx) {
  return g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, is_cancelled) &&
         g_host->is_cancelled != NULL && g_host->is_cancelled(ctx) != 0;
}

/** Reports progress, if the host wants it. */
static void host_progress(etl_host_context* ctx, int64_t done) {
  if (g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, progress) &&
      g_host->progress != NULL) {
    g_host->progress(ctx, k_stream, done, -1);
  }
}

/* ------------------------------------------------------------------------ */
/* Config and the instance                                                   */
/* ------------------------------------------------------------------------ */

struct etl_instance {
  long long count;
  etl_host_context* ctx;
  int cancelled; /* set by cancel() from any thread */
};

/**
 * Reads {"count": N} (every key optional) with etl_config.h. The host has
 * checked the config against k_config_schema; this still refuses anything
 * else, naming the key ("config key 'count': must be an integer from 0 to
 * 1000000000"). TODO: read your own keys.
 */
static etl_status read_config(const char* json, int64_t* count, etl_error* error) {
  static const char* const keys[] = {"count"};
  etl_config config;
  *count = 10; /* the default */
  if (etl_config_parse(&config, json) != ETL_OK || etl_config_check_keys(&config, keys, 1) != ETL_OK ||
      etl_config_get_int(&config, "count", ETL_CONFIG_OPTIONAL, 0, MAX_COUNT, count) != ETL_OK) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_config_last_error(&config));
  }
  return ETL_OK;
}

static etl_status plugin_open(const etl_open_request* request, etl_instance** out,
                              etl_error* error) {
  int64_t count;
  etl_instance* inst;
  if (request == NULL || out == NULL ||
      !ETL_HAS_FIELD(request, etl_open_request, host_context)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "open() got no request");
  }
  if (read_config(request->config_json, &count, error) != ETL_OK) return ETL_ERR_INVALID_ARGUMENT;
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  inst->count = (long long)count;
  inst->ctx = request->host_context;
  *out = inst; /* set only on success; the host calls close() once */
  return ETL_OK;
}

static void plugin_cancel(etl_instance* inst) {
  FLAG_SET(&inst->cancelled);
}

static void plugin_close(etl_instance* inst) {
  free(inst);
}

/** Release callback of the buffers we return: frees the copy. */
static void release_buffer(etl_buffer* buffer) {
  free(buffer->private_data); /* the same block as data, without const */
  buffer->data = NULL;
  buffer->private_data = NULL;
  buffer->release = NULL;
}

static etl_status plugin_discover(etl_instance* inst, etl_buffer* catalog, etl_error* error) {
  char* data;
  (void)inst;
  if (catalog == NULL) return fail(error, ETL_ERR_INVALID_ARGUMENT, "no catalog buffer");
  data = (char*)malloc(sizeof k_catalog);
  if (data == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  memcpy(data, k_catalog, sizeof k_catalog); /* with its NUL */
  catalog->data = data;
  catalog->length = (int64_t)(sizeof k_catalog - 1);
  catalog->release = release_buffer;
  catalog->private_data = data;
  return ETL_OK;
}

/* ------------------------------------------------------------------------ */
/* The stream                                                                */
/* ------------------------------------------------------------------------ */

typedef struct stream_state {
  etl_instance* inst;
  etl_batch_builder* builder;
  long long next; /* the next n */
  int64_t rows_done;
  char error[512]; /* the last error, for get_last_error */
} stream_state;

/** TODO: your columns, in order. */
static etl_status declare_columns(etl_batch_builder* b) {
  etl_status st = etl_batch_add_column(b, "n", ETL_TYPE_INT64, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "square", ETL_TYPE_INT64, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "even", ETL_TYPE_BOOL, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "label", ETL_TYPE_UTF8, 0);
  return st;
}

/** TODO: one row of your data: one value per column, then end the row. */
static etl_status append_row(etl_batch_builder* b, long long n) {
  char label[32];
  snprintf(label, sizeof label, "row %lld", n);
  if (etl_batch_append_int64(b, n) != ETL_OK || etl_batch_append_int64(b, n * n) != ETL_OK ||
      etl_batch_append_bool(b, n % 2 == 0) != ETL_OK ||
      etl_batch_append_string(b, label) != ETL_OK) {
    etl_batch_discard_row(b);
    return ETL_ERR_UNKNOWN;
  }
  return etl_batch_end_row(b);
}

static int stream_get_schema(struct ArrowArrayStream* stream, struct ArrowSchema* out) {
  stream_state* s = (stream_state*)stream->private_data;
  if (etl_batch_get_schema(s->builder, out) != ETL_OK) {
    snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(s->builder));
    return ENOMEM;
  }
  return 0;
}

static int stream_get_next(struct ArrowArrayStream* stream, struct ArrowArray* out) {
  stream_state* s = (stream_state*)stream->private_data;
  etl_instance* inst = s->inst;
  if (host_cancelled(inst->ctx)) FLAG_SET(&inst->cancelled);
  if (FLAG_GET(&inst->cancelled)) {
    snprintf(s->error, sizeof s->error, "cancelled");
    return ECANCELED;
  }
  while (s->next <= inst->count && etl_batch_row_count(s->builder) < BATCH_ROWS) {
    if (append_row(s->builder, s->next) != ETL_OK) {
      snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(s->builder));
      return ENOMEM;
    }
    s->next++;
  }
  if (etl_batch_row_count(s->builder) == 0) {
    memset(out, 0, sizeof *out); /* the end of the stream: a released array */
    return 0;
  }
  if (etl_batch_finish(s->builder, out, NULL) != ETL_OK) {
    snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(s->builder));
    return ENOMEM;
  }
  s->rows_done += out->length;
  host_progress(inst->ctx, s->rows_done);
  return 0;
}

static const char* stream_get_last_error(struct ArrowArrayStream* stream) {
  stream_state* s = (stream_state*)stream->private_data;
  return s->error[0] ? s->error : NULL;
}

static void stream_release(struct ArrowArrayStream* stream) {
  stream_state* s;
  if (stream == NULL || stream->release == NULL) return;
  s = (stream_state*)stream->private_data;
  etl_batch_free(s->builder);
  free(s);
  stream->release = NULL;
  stream->private_data = NULL;
}

static etl_status plugin_read(etl_instance* inst, const etl_read_request* request,
                              struct ArrowArrayStream* out, etl_error* error) {
  stream_state* s;
  if (request == NULL || out == NULL || request->stream == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "read() needs a stream name");
  }
  if (strcmp(request->stream, k_stream) != 0) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT,
                "unknown stream '%s' (the only stream is '%s')", request->stream,
                k_stream);
  }
  /* request->state_json is ignored: every read is a full read. */
  s = (stream_state*)calloc(1, sizeof *s);
  if (s == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  s->inst = inst;
  s->next = 1;
  s->builder = etl_batch_new();
  if (s->builder == NULL || declare_columns(s->builder) != ETL_OK) {
    etl_batch_free(s->builder);
    free(s);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_get_last_error;
  out->release = stream_release;
  out->private_data = s;
  return ETL_OK;
}

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

static const etl_extractor_ops k_extractor = {
    sizeof(etl_extractor_ops), /* struct_size */
    plugin_discover,           /* discover */
    plugin_read,               /* read */
    NULL,                      /* checkpoint: not incremental */
    NULL,                      /* stream_error (1.2): the errno says it all */
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
  d.kind = ETL_KIND_EXTRACTOR;
  d.name = "__NAME__";
  d.version = "0.1.0";
  d.description = "TODO: say what __NAME__ reads (now: a stream of `count` numbers).";
  d.language = "c";
  d.toolchain = NULL;
  d.config_schema = k_config_schema;
  d.capabilities = ETL_CAP_SCHEMA_HINTS;
  d.open = plugin_open;
  d.check = NULL; /* optional: verify that the source is reachable */
  d.cancel = plugin_cancel;
  d.close = plugin_close;
  d.extractor = &k_extractor;
  d.warehouse = NULL;

  /* Write no more than the host's struct, then say how much we filled. */
  n = out->struct_size < sizeof d ? out->struct_size : sizeof d;
  d.struct_size = (uint32_t)n;
  memcpy(out, &d, n);
  return ETL_OK;
}
