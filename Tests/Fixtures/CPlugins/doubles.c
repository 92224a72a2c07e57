/*
 * doubles — a test fixture made with `etl-host plugins new doubles --kind
 * extractor --lang c`, its columns changed to typed doubles that text
 * formats have no single spelling for.
 *
 * It reads one stream, "numbers", of `count` rows (config; default 10):
 *
 *   n       int64    1, 2, ..., count
 *   v       float64  row 1: 1.5, 2: +Infinity, 3: -Infinity, 4: -0.0,
 *                    5: 1e-320 (subnormal), 6: NaN, then n / 4.0
 *   code    utf8     untyped text the catalog declares integer: n, but
 *                    "8x" in row 8 (the source's hint is wrong there)
 *
 * Make it yours: change the config schema, the catalog, the columns
 * (declare_columns) and the rows (append_row), marked TODO below.
 *
 * The contract is include/etl_plugin.h, copied from etl-host with this
 * project; include/etl_batch.h builds the Arrow batches. The rules that
 * matter most: whoever allocates frees (everything handed to the host has
 * a release callback), inputs are borrowed for the call only, and a field
 * of a host struct is touched only when its struct_size covers it
 * (ETL_HAS_FIELD).
 *
 *   make                                        -> libetl_doubles.so
 *   etl-host plugins test ./libetl_doubles.so   the conformance checks
 *   etl-host plugins install ./libetl_doubles.so
 *   etl-host sync doubles sqlite -s count=5
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_batch.h"
#include "etl_plugin.h"

/** Rows per batch. */
#define BATCH_ROWS 1000
/** The largest count the config accepts. */
#define MAX_COUNT 1000000000LL

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
    "{\"name\": \"n\", \"type\": \"integer\"}, {\"name\": \"v\", \"type\": \"number\"}, "
    "{\"name\": \"code\", \"type\": \"integer\"}]}]}";

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
  static char out_of_memory[] = "doubles: out of memory";
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

static const char* skip_ws(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/**
 * Reads {"count": N} (every key optional). The host has checked the config
 * against k_config_schema; this still refuses anything else, with a reason
 * in *why. TODO: read your own keys.
 */
static int read_config(const char* json, long long* count, const char** why) {
  const char* p = skip_ws(json == NULL ? "" : json);
  *count = 10;
  *why = "the config is not a JSON object";
  if (*p != '{') return 0;
  p = skip_ws(p + 1);
  if (*p == '}') return 1;
  for (;;) {
    const char* key;
    size_t key_length;
    char* end;
    long long value;
    *why = "the config is not valid JSON";
    if (*p != '"') return 0;
    key = ++p;
    while (*p != '"') {
      if (*p == '\0') return 0;
      if (*p == '\\' && p[1] != '\0') p++;
      p++;
    }
    key_length = (size_t)(p - key);
    p = skip_ws(p + 1);
    if (*p != ':') return 0;
    p = skip_ws(p + 1);
    if (key_length != 5 || memcmp(key, "count", 5) != 0) {
      *why = "unknown key (the only key is \"count\")";
      return 0;
    }
    *why = "\"count\" must be an integer from 0 to 1000000000";
    if (*p != '-' && (*p < '0' || *p > '9')) return 0;
    errno = 0;
    value = strtoll(p, &end, 10);
    if (end == p || errno != 0 || value < 0 || value > MAX_COUNT || *end == '.' || *end == 'e' ||
        *end == 'E') {
      return 0;
    }
    *count = value;
    p = skip_ws(end);
    if (*p == ',') {
      p = skip_ws(p + 1);
      continue;
    }
    *why = "the config is not valid JSON";
    return *p == '}';
  }
}

static etl_status plugin_open(const etl_open_request* request, etl_instance** out,
                              etl_error* error) {
  const char* why = NULL;
  long long count;
  etl_instance* inst;
  if (request == NULL || out == NULL ||
      !ETL_HAS_FIELD(request, etl_open_request, host_context)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "doubles: open() got no request");
  }
  if (!read_config(request->config_json, &count, &why)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "doubles: bad config: %s", why);
  }
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) return fail(error, ETL_ERR_UNKNOWN, "doubles: out of memory");
  inst->count = count;
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
  if (catalog == NULL) return fail(error, ETL_ERR_INVALID_ARGUMENT, "doubles: no catalog buffer");
  data = (char*)malloc(sizeof k_catalog);
  if (data == NULL) return fail(error, ETL_ERR_UNKNOWN, "doubles: out of memory");
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

/** The columns, in order. */
static etl_status declare_columns(etl_batch_builder* b) {
  etl_status st = etl_batch_add_column(b, "n", ETL_TYPE_INT64, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "v", ETL_TYPE_FLOAT64, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "code", ETL_TYPE_UTF8, ETL_COLUMN_UNTYPED);
  return st;
}

/** Row n: the doubles of the header comment. */
static etl_status append_row(etl_batch_builder* b, long long n) {
  double v;
  char code[32];
  snprintf(code, sizeof code, n == 8 ? "%lldx" : "%lld", n);
  switch (n) {
    case 1: v = 1.5; break;
    case 2: v = HUGE_VAL; break;
    case 3: v = -HUGE_VAL; break;
    case 4: v = -0.0; break;
    case 5: v = 1e-320; break;
    case 6: v = NAN; break;
    default: v = (double)n / 4.0; break;
  }
  if (etl_batch_append_int64(b, n) != ETL_OK || etl_batch_append_double(b, v) != ETL_OK ||
      etl_batch_append_string(b, code) != ETL_OK) {
    etl_batch_discard_row(b);
    return ETL_ERR_UNKNOWN;
  }
  return etl_batch_end_row(b);
}

static int stream_get_schema(struct ArrowArrayStream* stream, struct ArrowSchema* out) {
  stream_state* s = (stream_state*)stream->private_data;
  if (etl_batch_get_schema(s->builder, out) != ETL_OK) {
    snprintf(s->error, sizeof s->error, "doubles: %s", etl_batch_last_error(s->builder));
    return ENOMEM;
  }
  return 0;
}

static int stream_get_next(struct ArrowArrayStream* stream, struct ArrowArray* out) {
  stream_state* s = (stream_state*)stream->private_data;
  etl_instance* inst = s->inst;
  if (host_cancelled(inst->ctx)) FLAG_SET(&inst->cancelled);
  if (FLAG_GET(&inst->cancelled)) {
    snprintf(s->error, sizeof s->error, "doubles: cancelled");
    return ECANCELED;
  }
  while (s->next <= inst->count && etl_batch_row_count(s->builder) < BATCH_ROWS) {
    if (append_row(s->builder, s->next) != ETL_OK) {
      snprintf(s->error, sizeof s->error, "doubles: %s", etl_batch_last_error(s->builder));
      return ENOMEM;
    }
    s->next++;
  }
  if (etl_batch_row_count(s->builder) == 0) {
    memset(out, 0, sizeof *out); /* the end of the stream: a released array */
    return 0;
  }
  if (etl_batch_finish(s->builder, out, NULL) != ETL_OK) {
    snprintf(s->error, sizeof s->error, "doubles: %s", etl_batch_last_error(s->builder));
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
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "doubles: read() needs a stream name");
  }
  if (strcmp(request->stream, k_stream) != 0) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT,
                "doubles: unknown stream '%s' (the only stream is '%s')", request->stream,
                k_stream);
  }
  /* request->state_json is ignored: every read is a full read. */
  s = (stream_state*)calloc(1, sizeof *s);
  if (s == NULL) return fail(error, ETL_ERR_UNKNOWN, "doubles: out of memory");
  s->inst = inst;
  s->next = 1;
  s->builder = etl_batch_new();
  if (s->builder == NULL || declare_columns(s->builder) != ETL_OK) {
    etl_batch_free(s->builder);
    free(s);
    return fail(error, ETL_ERR_UNKNOWN, "doubles: out of memory");
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
    return fail(error, ETL_ERR_ABI_MISMATCH, "doubles: built for ABI %u.%u, host offers %u.%u",
                (unsigned)ETL_ABI_VERSION_MAJOR, (unsigned)ETL_ABI_VERSION_MINOR,
                (unsigned)ETL_ABI_MAJOR(host_abi), (unsigned)ETL_ABI_MINOR(host_abi));
  }
  g_host = host;

  memset(&d, 0, sizeof d);
  d.abi_version = ETL_ABI_VERSION;
  d.kind = ETL_KIND_EXTRACTOR;
  d.name = "doubles";
  d.version = "0.1.0";
  d.description = "Test fixture: typed doubles, infinities, NaN, -0.0 and a subnormal.";
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
