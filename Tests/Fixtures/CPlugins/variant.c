/*
 * variant.c — a test fixture: a tiny extractor whose behaviour at load time
 * is chosen with -D flags, to test how the host loads, negotiates with and
 * refuses plugins.
 *
 * Build (from the repository root):
 *
 *   cc -shared -fPIC -I Sources/CETLPlugin/include [knobs] \
 *      -o libvariant.so Tests/Fixtures/CPlugins/variant.c
 *
 * DATA (when it loads): one stream, "numbers", one batch of exactly 3 rows:
 *
 *   id (int64)  label (utf8)  ok (bool)  score (float64)
 *   1           "one"         true       0.5
 *   2           "two"         false      1.5
 *   3           "three"       true       null
 *
 * discover() returns {"streams": [{"name": "numbers", "primary_key": ["id"],
 * "fields": [id integer, label string, ok boolean, score number]}]}. Any
 * config object is accepted. Reading another stream fails with
 * ETL_ERR_INVALID_ARGUMENT. cancel() makes get_next fail with ECANCELED.
 * Not incremental: checkpoint is NULL.
 *
 * KNOBS (all optional; without any, a well-behaved ABI 1.0 extractor)
 *
 *   -DVARIANT_NAME="\"name\""
 *       The plugin's name (default "variant"). Error messages do not repeat
 *       it: the host names the plugin.
 *
 *   -DVARIANT_VERSION="\"2.0.0\""   -DVARIANT_LABEL_ONE="\"uno\""
 *       The version it declares (default "1.0.0") and the label of row 1
 *       (default "one"): two builds that differ, for index upgrades and
 *       `plugins install --link` rebuilds.
 *
 *   -DVARIANT_ABI_MAJOR=N -DVARIANT_ABI_MINOR=M
 *       The ABI version it was "built for" and reports in abi_version
 *       (default: the header's). When N differs from the host's major, init
 *       sets out->abi_version and returns ETL_ERR_ABI_MISMATCH with the
 *       message "built for ABI N.M, host offers A.B".
 *
 *   -DVARIANT_DESCRIPTOR_SIZE=<bytes>   e.g. ETL_PLUGIN_SIZE_1_0
 *       The value it writes to out->struct_size, verbatim: it is NOT
 *       clamped to the host's size, so a test can also check that the host
 *       survives a plugin that reports more than the host gave. The plugin
 *       never writes past the host's struct_size. When the value is smaller
 *       than what the host gave, the bytes between it and the host's size
 *       are filled with TRAPS (function pointers that abort(), string
 *       pointers to "trap: read past struct_size", an extractor table of
 *       traps, a warehouse table of traps): a host that reads past the
 *       reported size crashes loudly instead of passing by luck.
 *       Default: min(host's struct_size, sizeof(etl_plugin)).
 *
 *   -DVARIANT_EXTRACTOR_OPS_SIZE=<bytes>   e.g. offsetof(etl_extractor_ops, checkpoint)
 *       The struct_size of its etl_extractor_ops table, simulating a plugin
 *       built against an older minor whose table ended there. Every
 *       operation at or past that size is a TRAP that prints a message and
 *       calls abort(): a host that reads past struct_size is caught.
 *       Default: sizeof(etl_extractor_ops).
 *
 *   -DVARIANT_CRASH_IN_INIT
 *       etl_plugin_init writes through a NULL pointer (read through a
 *       volatile, so the compiler cannot drop it): SIGSEGV. For probing in
 *       a child process.
 *
 *   -DVARIANT_INIT_FAILS
 *       etl_plugin_init returns ETL_ERR_INVALID_ARGUMENT with the message
 *       "refusing to start: the test asked me to".
 *
 *   -DVARIANT_KIND=ETL_KIND_WAREHOUSE
 *       Reports this kind (default ETL_KIND_EXTRACTOR) but keeps its
 *       extractor table and has NO warehouse table: a broken descriptor the
 *       host must refuse (kind says warehouse, warehouse is NULL).
 *
 *   -DVARIANT_REPORTS_RETRY
 *       Before its batch, get_next reports one retry of its own: through
 *       host->retry(ctx, "numbers", 1, 3, 0.25, "page 1: HTTP 503") when the
 *       host has it and VARIANT_ABI_MINOR is 2 or more, else as the
 *       warning "page 1: HTTP 503; retry 1 of 3 in 0.25 s" (what a 1.0/1.1
 *       plugin does).
 *
 *   -DVARIANT_STREAM_FAILS
 *       get_next fails with ETL_STREAM_ERR_TRANSIENT (EAGAIN) and
 *       get_last_error "serialization failure". When its extractor table
 *       reaches stream_error (ABI 1.2 sizes), stream_error hands the host the
 *       full error: ETL_ERR_IO, retryable, message "serialization failure
 *       (SQLSTATE 40001)", whose detail (etl_plugin.error_detail) is
 *       retry_after_seconds 0.3, vendor_code 7, sqlstate "40001".
 *
 *   -DVARIANT_CATALOG_EXTRA=<C string literal>
 *       Text appended to the list of fields of the catalog's one stream
 *       (after its fourth field, so it begins with ", "), for catalogs the
 *       host reads leniently: a field without a name, an alias hint.
 *
 * RUN-TIME SWITCH (environment, read at each call)
 *
 *   VARIANT_DATA_ERROR_IN=open|check|discover|read
 *       That operation fails with ETL_ERR_DATA and the message
 *       "row 2 of the source is malformed (asked for in <op>)": bad data
 *       from an extractor operation, which the host ends with exit 65.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_batch.h"
#include "etl_plugin.h"

#ifndef VARIANT_NAME
#define VARIANT_NAME "variant"
#endif
#ifndef VARIANT_VERSION
#define VARIANT_VERSION "1.0.0"
#endif
#ifndef VARIANT_LABEL_ONE
#define VARIANT_LABEL_ONE "one"
#endif
#ifndef VARIANT_ABI_MAJOR
#define VARIANT_ABI_MAJOR ETL_ABI_VERSION_MAJOR
#endif
#ifndef VARIANT_ABI_MINOR
#define VARIANT_ABI_MINOR ETL_ABI_VERSION_MINOR
#endif
#ifndef VARIANT_EXTRACTOR_OPS_SIZE
#define VARIANT_EXTRACTOR_OPS_SIZE sizeof(etl_extractor_ops)
#endif
#ifndef VARIANT_KIND
#define VARIANT_KIND ETL_KIND_EXTRACTOR
#endif
#ifndef VARIANT_CATALOG_EXTRA
#define VARIANT_CATALOG_EXTRA ""
#endif

static const char k_stream[] = "numbers";
static const char k_catalog[] =
    "{\"streams\": [{\"name\": \"numbers\", \"primary_key\": [\"id\"], \"fields\": ["
    "{\"name\": \"id\", \"type\": \"integer\"}, "
    "{\"name\": \"label\", \"type\": \"string\"}, "
    "{\"name\": \"ok\", \"type\": \"boolean\"}, "
    "{\"name\": \"score\", \"type\": \"number\"}" VARIANT_CATALOG_EXTRA "]}]}";
static const char k_trap_text[] = "trap: read past struct_size";

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
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

/* ------------------------------------------------------------------------ */
/* Traps: reached only by a host that reads past a struct_size               */
/* ------------------------------------------------------------------------ */

static void trap(const char* what) {
  fprintf(stderr, "%s: the host called %s, which lies past the struct_size the plugin "
                  "reported\n", VARIANT_NAME, what);
  fflush(stderr);
  abort();
}

static etl_status trap_open(const etl_open_request* r, etl_instance** o, etl_error* e) {
  (void)r; (void)o; (void)e;
  trap("etl_plugin.open");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_check(etl_instance* i, etl_error* e) {
  (void)i; (void)e;
  trap("etl_plugin.check");
  return ETL_ERR_INTERNAL;
}
static void trap_cancel(etl_instance* i) {
  (void)i;
  trap("etl_plugin.cancel");
}
static void trap_close(etl_instance* i) {
  (void)i;
  trap("etl_plugin.close");
}
static etl_status trap_discover(etl_instance* i, etl_buffer* c, etl_error* e) {
  (void)i; (void)c; (void)e;
  trap("etl_extractor_ops.discover");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_read(etl_instance* i, const etl_read_request* r,
                            struct ArrowArrayStream* o, etl_error* e) {
  (void)i; (void)r; (void)o; (void)e;
  trap("etl_extractor_ops.read");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_stream_error(etl_instance* i, struct ArrowArrayStream* s, etl_error* e) {
  (void)i; (void)s; (void)e;
  trap("etl_extractor_ops.stream_error");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_error_detail(const etl_error* e, etl_error_detail* d) {
  (void)e; (void)d;
  trap("etl_plugin.error_detail");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_checkpoint(etl_instance* i, const char* s, etl_buffer* b, etl_error* e) {
  (void)i; (void)s; (void)b; (void)e;
  trap("etl_extractor_ops.checkpoint");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_begin(etl_instance* i, const etl_table_request* r, etl_writer** o,
                             etl_error* e) {
  (void)i; (void)r; (void)o; (void)e;
  trap("etl_warehouse_ops.begin");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_write(etl_writer* w, struct ArrowArray* b, etl_error* e) {
  (void)w; (void)b; (void)e;
  trap("etl_warehouse_ops.write");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_commit(etl_writer* w, const etl_commit_request* r, etl_error* e) {
  (void)w; (void)r; (void)e;
  trap("etl_warehouse_ops.commit");
  return ETL_ERR_INTERNAL;
}
static void trap_rollback(etl_writer* w) {
  (void)w;
  trap("etl_warehouse_ops.rollback");
}
static etl_status trap_state_get(etl_instance* i, const char* k, etl_buffer* b, etl_error* e) {
  (void)i; (void)k; (void)b; (void)e;
  trap("etl_warehouse_ops.state_get");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_table_schema(etl_instance* i, const char* t, struct ArrowSchema* o,
                                    etl_error* e) {
  (void)i; (void)t; (void)o; (void)e;
  trap("etl_warehouse_ops.table_schema");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_schema_get(etl_instance* i, const char* t, etl_buffer* b,
                                  etl_error* e) {
  (void)i; (void)t; (void)b; (void)e;
  trap("etl_warehouse_ops.schema_get");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_write_present_keys(etl_writer* w, struct ArrowArray* b, etl_error* e) {
  (void)w; (void)b; (void)e;
  trap("etl_warehouse_ops.write_present_keys");
  return ETL_ERR_INTERNAL;
}

static etl_status trap_execute(etl_instance* i, const char* s, etl_execute_result* r, etl_error* e) {
  (void)i; (void)s; (void)r; (void)e;
  trap("etl_warehouse_ops.execute");
  return ETL_ERR_INTERNAL;
}
static etl_status trap_query(etl_instance* i, const char* s, struct ArrowArrayStream* o, etl_error* e) {
  (void)i; (void)s; (void)o; (void)e;
  trap("etl_warehouse_ops.query");
  return ETL_ERR_INTERNAL;
}

static const etl_extractor_ops k_trap_extractor = {
    sizeof(etl_extractor_ops), trap_discover, trap_read, trap_checkpoint, trap_stream_error};
static const etl_warehouse_ops k_trap_warehouse = {
    sizeof(etl_warehouse_ops), trap_begin,     trap_write,       trap_commit,
    trap_rollback,             trap_state_get, trap_table_schema,
    trap_schema_get,           trap_write_present_keys, trap_execute,
    trap_query};

/* ------------------------------------------------------------------------ */
/* The extractor                                                             */
/* ------------------------------------------------------------------------ */

struct etl_instance {
  int cancelled;
  etl_host_context* context;
};

/** The host's table, kept from init. */
static const etl_host_api* g_host;

/** Fails `operation` with ETL_ERR_DATA when VARIANT_DATA_ERROR_IN names it;
 *  returns ETL_OK otherwise. */
static etl_status data_error_if_asked(const char* operation, etl_error* error) {
  const char* where = getenv("VARIANT_DATA_ERROR_IN");
  if (where == NULL || strcmp(where, operation) != 0) return ETL_OK;
  return fail(error, ETL_ERR_DATA, "row 2 of the source is malformed (asked for in %s)", operation);
}

static etl_status variant_open(const etl_open_request* request, etl_instance** out,
                               etl_error* error) {
  etl_instance* inst;
  if (data_error_if_asked("open", error) != ETL_OK) return ETL_ERR_DATA;
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  inst->context = request->host_context;
  *out = inst;
  return ETL_OK;
}

static etl_status variant_check(etl_instance* inst, etl_error* error) {
  (void)inst;
  return data_error_if_asked("check", error);
}

static void variant_cancel(etl_instance* inst) {
#if defined(__GNUC__) || defined(__clang__)
  __atomic_store_n(&inst->cancelled, 1, __ATOMIC_RELEASE);
#else
  inst->cancelled = 1;
#endif
}

static int is_cancelled(etl_instance* inst) {
#if defined(__GNUC__) || defined(__clang__)
  return __atomic_load_n(&inst->cancelled, __ATOMIC_ACQUIRE);
#else
  return inst->cancelled;
#endif
}

static void variant_close(etl_instance* inst) {
  free(inst);
}

static void release_buffer(etl_buffer* buffer) {
  free(buffer->private_data); /* the same block as data, without const */
  buffer->data = NULL;
  buffer->private_data = NULL;
  buffer->release = NULL;
}

static etl_status variant_discover(etl_instance* inst, etl_buffer* catalog, etl_error* error) {
  char* data;
  (void)inst;
  if (data_error_if_asked("discover", error) != ETL_OK) return ETL_ERR_DATA;
  data = (char*)malloc(sizeof k_catalog);
  if (data == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  memcpy(data, k_catalog, sizeof k_catalog);
  catalog->data = data;
  catalog->length = (int64_t)(sizeof k_catalog - 1);
  catalog->release = release_buffer;
  catalog->private_data = data;
  return ETL_OK;
}

typedef struct variant_stream {
  etl_instance* inst;
  etl_batch_builder* builder;
  int done;
  int failed; /* get_next failed: stream_error has an error to give */
  char error[512];
} variant_stream;

static int stream_get_schema(struct ArrowArrayStream* stream, struct ArrowSchema* out) {
  variant_stream* s = (variant_stream*)stream->private_data;
  if (etl_batch_get_schema(s->builder, out) != ETL_OK) {
    snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(s->builder));
    return ENOMEM;
  }
  return 0;
}

static int stream_get_next(struct ArrowArrayStream* stream, struct ArrowArray* out) {
  variant_stream* s = (variant_stream*)stream->private_data;
  etl_batch_builder* b = s->builder;
  if (is_cancelled(s->inst)) {
    snprintf(s->error, sizeof s->error, "cancelled");
    return ECANCELED;
  }
  if (s->done) {
    memset(out, 0, sizeof *out); /* end of stream */
    return 0;
  }
#ifdef VARIANT_REPORTS_RETRY
#if VARIANT_ABI_MINOR >= 2
  if (ETL_HAS_FIELD(g_host, etl_host_api, retry) && g_host->retry != NULL) {
    g_host->retry(s->inst->context, "numbers", 1, 3, 0.25, "page 1: HTTP 503");
  } else
#endif
  {
    g_host->log(s->inst->context, ETL_LOG_WARN, "page 1: HTTP 503; retry 1 of 3 in 0.25 s");
  }
#endif
#ifdef VARIANT_STREAM_FAILS
  snprintf(s->error, sizeof s->error, "serialization failure");
  s->failed = 1;
  return ETL_STREAM_ERR_TRANSIENT;
#endif
  if (etl_batch_append_int64(b, 1) || etl_batch_append_string(b, VARIANT_LABEL_ONE) ||
      etl_batch_append_bool(b, 1) || etl_batch_append_double(b, 0.5) || etl_batch_end_row(b) ||
      etl_batch_append_int64(b, 2) || etl_batch_append_string(b, "two") ||
      etl_batch_append_bool(b, 0) || etl_batch_append_double(b, 1.5) || etl_batch_end_row(b) ||
      etl_batch_append_int64(b, 3) || etl_batch_append_string(b, "three") ||
      etl_batch_append_bool(b, 1) || etl_batch_append_null(b) || etl_batch_end_row(b) ||
      etl_batch_finish(b, out, NULL)) {
    snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(b));
    etl_batch_discard_row(b);
    return ENOMEM;
  }
  s->done = 1;
  return 0;
}

static const char* stream_get_last_error(struct ArrowArrayStream* stream) {
  variant_stream* s = (variant_stream*)stream->private_data;
  return s->error[0] ? s->error : NULL;
}

static void stream_release(struct ArrowArrayStream* stream) {
  variant_stream* s = (variant_stream*)stream->private_data;
  etl_batch_free(s->builder);
  free(s);
  stream->private_data = NULL;
  stream->release = NULL;
}

static etl_status variant_read(etl_instance* inst, const etl_read_request* request,
                               struct ArrowArrayStream* out, etl_error* error) {
  variant_stream* s;
  etl_batch_builder* b;
  if (data_error_if_asked("read", error) != ETL_OK) return ETL_ERR_DATA;
  if (request->stream == NULL || strcmp(request->stream, k_stream) != 0) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "unknown stream '%s' (the only stream is '%s')",
                request->stream ? request->stream : "(null)", k_stream);
  }
  s = (variant_stream*)calloc(1, sizeof *s);
  b = etl_batch_new();
  if (s == NULL || b == NULL || etl_batch_add_column(b, "id", ETL_TYPE_INT64, 0) ||
      etl_batch_add_column(b, "label", ETL_TYPE_UTF8, 0) ||
      etl_batch_add_column(b, "ok", ETL_TYPE_BOOL, 0) ||
      etl_batch_add_column(b, "score", ETL_TYPE_FLOAT64, 0)) {
    free(s);
    etl_batch_free(b);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  s->inst = inst;
  s->builder = b;
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_get_last_error;
  out->release = stream_release;
  out->private_data = s;
  return ETL_OK;
}

/* The detail of the error stream_error hands out (in its private_data). */
static const etl_error_detail k_stream_detail = {sizeof(etl_error_detail), 1, 0.3, 7, "40001", {0, 0}};

static void release_detailed_error(etl_error* error) {
  free(error->message);
  error->message = NULL;
  error->private_data = NULL;
  error->release = NULL;
}

static etl_status variant_stream_error(etl_instance* inst, struct ArrowArrayStream* stream,
                                       etl_error* error) {
  variant_stream* s = (variant_stream*)stream->private_data;
  (void)inst;
  if (s == NULL || !s->failed) return ETL_OK;
  error->code = ETL_ERR_IO;
  error->retryable = 1;
  error->message = strdup("serialization failure (SQLSTATE 40001)");
  error->release = release_detailed_error;
  error->private_data = (void*)&k_stream_detail;
  return ETL_ERR_IO;
}

static etl_status variant_error_detail(const etl_error* error, etl_error_detail* detail) {
  const etl_error_detail* mine = (const etl_error_detail*)error->private_data;
  if (mine != &k_stream_detail) return ETL_ERR_NOT_FOUND;
  if (ETL_HAS_FIELD(detail, etl_error_detail, retry_after_seconds))
    detail->retry_after_seconds = mine->retry_after_seconds;
  if (ETL_HAS_FIELD(detail, etl_error_detail, vendor_code)) {
    detail->vendor_code = mine->vendor_code;
    detail->has_vendor_code = 1;
  }
  if (ETL_HAS_FIELD(detail, etl_error_detail, sqlstate))
    memcpy(detail->sqlstate, mine->sqlstate, sizeof detail->sqlstate);
  return ETL_OK;
}

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

/** The extractor table, filled by init: operations at or past the reported
 *  struct_size are traps. */
static etl_extractor_ops g_extractor;

/** Non-zero when a field ending at offset+size lies within `reported`. */
static int within(size_t reported, size_t offset, size_t size) {
  return reported >= offset + size;
}

ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host,
                                      etl_plugin* out, etl_error* error) {
  const uint32_t mine = ETL_ABI_MAKE_VERSION(VARIANT_ABI_MAJOR, VARIANT_ABI_MINOR);
  const size_t ops_size = (size_t)(VARIANT_EXTRACTOR_OPS_SIZE);
  etl_plugin d, t;
  size_t host_size, reported, head, n;
  g_host = host;

#ifdef VARIANT_CRASH_IN_INIT
  {
    volatile int* volatile null_pointer = NULL;
    *null_pointer = 42; /* SIGSEGV */
  }
#endif

  if (out == NULL) return ETL_ERR_INVALID_ARGUMENT;
  host_size = out->struct_size;

  if (ETL_ABI_MAJOR(host_abi) != ETL_ABI_MAJOR(mine)) {
    if (ETL_HAS_FIELD(out, etl_plugin, abi_version)) out->abi_version = mine;
    return fail(error, ETL_ERR_ABI_MISMATCH, "built for ABI %u.%u, host offers %u.%u",
                (unsigned)ETL_ABI_MAJOR(mine), (unsigned)ETL_ABI_MINOR(mine),
                (unsigned)ETL_ABI_MAJOR(host_abi), (unsigned)ETL_ABI_MINOR(host_abi));
  }

#ifdef VARIANT_INIT_FAILS
  if (out != NULL) { /* always true; keeps the code below compiled and warning-free */
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "refusing to start: the test asked me to");
  }
#endif

  memset(&g_extractor, 0, sizeof g_extractor);
  g_extractor.struct_size = (uint32_t)ops_size;
  g_extractor.discover = within(ops_size, offsetof(etl_extractor_ops, discover), sizeof(void*))
                             ? variant_discover : trap_discover;
  g_extractor.read = within(ops_size, offsetof(etl_extractor_ops, read), sizeof(void*))
                         ? variant_read : trap_read;
  g_extractor.checkpoint = within(ops_size, offsetof(etl_extractor_ops, checkpoint), sizeof(void*))
                               ? NULL : trap_checkpoint;
  g_extractor.stream_error = within(ops_size, offsetof(etl_extractor_ops, stream_error), sizeof(void*))
                                 ? variant_stream_error : trap_stream_error;

  memset(&d, 0, sizeof d);
  d.abi_version = mine;
  d.kind = VARIANT_KIND;
  d.name = VARIANT_NAME;
  d.version = VARIANT_VERSION;
  d.description = "Test fixture: three rows of numbers.";
  d.language = "c";
  d.toolchain = NULL;
  d.config_schema = "{\"type\": \"object\", \"description\": \"Test fixture; takes no settings.\"}";
  d.capabilities = ETL_CAP_SCHEMA_HINTS;
  d.open = variant_open;
  d.check = variant_check;
  d.cancel = variant_cancel;
  d.close = variant_close;
  d.extractor = &g_extractor;
  d.warehouse = NULL; /* even when VARIANT_KIND says warehouse */
  d.error_detail = variant_error_detail;

  /* the traps written between the reported size and the host's size */
  memset(&t, 0xA5, sizeof t);
  t.name = t.version = t.description = t.language = t.toolchain = t.config_schema = k_trap_text;
  t.open = trap_open;
  t.check = trap_check;
  t.cancel = trap_cancel;
  t.close = trap_close;
  t.extractor = &k_trap_extractor;
  t.warehouse = &k_trap_warehouse;
  t.error_detail = trap_error_detail;

  n = host_size < sizeof d ? host_size : sizeof d; /* never write past the host's struct */
#ifdef VARIANT_DESCRIPTOR_SIZE
  reported = (size_t)(VARIANT_DESCRIPTOR_SIZE);
#else
  reported = n;
#endif
  head = reported < n ? reported : n;
  memcpy(out, &d, head);
  if (head < n) memcpy((char*)out + head, (const char*)&t + head, n - head);
  out->struct_size = (uint32_t)reported;
  return ETL_OK;
}
