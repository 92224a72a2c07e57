/*
 * conformant_extractor.c — a test fixture: a small extractor that keeps
 * every rule `etl-host plugins test` checks, and the base of the broken
 * plugins in this folder. Each of them is one file that defines one
 * BROKEN_* knob and includes this one; the knob plants one bug (see the
 * list below), and the end-to-end tests check that the suite catches it by
 * the name of its check.
 *
 * Build (from the repository root):
 *
 *   cc -std=c99 -shared -fPIC -I Sources/CETLPlugin/include \
 *      -o libconformant.so Tests/Fixtures/BrokenPlugins/conformant_extractor.c
 *
 * CONFIG: {"rows": N, "label": "..."}: "rows" (integer, required) is the
 * number of rows of the stream "numbers"; "label" (string, optional) is put
 * before every label. Any other key, a missing "rows" or a value of the
 * wrong type fails open() with ETL_ERR_INVALID_ARGUMENT and a message.
 *
 * STREAMS
 *
 *   numbers  N rows in batches of 2 (the last may hold 1):
 *              id (int64, not null), label (utf8), ok (bool),
 *              score (float64, null every third row)
 *            Incremental: checkpoint() returns {"after": <last id read>},
 *            and read() given that state starts after it.
 *   ticker   endless: one row (id int64) per get_next, about 1 ms apart,
 *            until cancel() or the host's is_cancelled; then ECANCELED.
 *
 * BUGS (define one; the file named after it does):
 *
 *   BROKEN_DOUBLE_RELEASE          a batch's release releases its columns,
 *                                  then releases them again; a column's
 *                                  release does not mark it released
 *   BROKEN_CHILD_NOT_RELEASED      a batch's release frees the batch but
 *                                  never releases its columns (a leak)
 *   BROKEN_STREAM_RELEASE_NULL     read() returns ETL_OK with the stream's
 *                                  release left NULL
 *   BROKEN_OFFSETS_NOT_MONOTONIC   batch 2 of "numbers": the offsets of
 *                                  "label" go backwards
 *   BROKEN_OFFSET_BEYOND_DATA      batch 1 of "numbers": the last offset of
 *                                  "label" points 2 GiB past its data
 *   BROKEN_LENGTH_PAST_OFFSETS     batch 1 of "numbers": "label" declares
 *                                  one value more than its offsets buffer
 *                                  holds, and the buffer ends at a guard page
 *   BROKEN_INVALID_UTF8            batch 1 of "numbers": the label of row 2
 *                                  holds the bytes C3 28 (not UTF-8)
 *   BROKEN_ERROR_WITHOUT_MESSAGE   every failure sets a code but no message
 *   BROKEN_IGNORES_CANCEL          cancel() does nothing, and "ticker"
 *                                  never looks at is_cancelled
 *   BROKEN_SPEC_NOT_JSON_SCHEMA    config_schema is JSON, but "required" is
 *                                  a string and "label" has type "text"
 *   BROKEN_CHECKPOINT_NOT_JSON     checkpoint() returns after=3, not JSON
 *   BROKEN_READS_PAST_STRUCT_SIZE  read() reads etl_read_request.keys_only
 *                                  without ETL_HAS_FIELD
 *   BROKEN_ACCEPTS_ANY_ABI         init accepts a host of any major version
 *   BROKEN_CRASH_IN_GET_NEXT       get_next of batch 2 of "numbers" writes
 *                                  through a NULL pointer (SIGSEGV)
 *   BROKEN_NULL_COUNT_ZERO         batch 2 of "numbers": "score" says
 *                                  null_count 0, its bitmap marks row 3 null
 *   BROKEN_OFFSETS_OFF_BY_ONE      batch 1 of "numbers": every value of
 *                                  "label" starts one byte late (offsets
 *                                  1, 4, 6 instead of 0, 3, 6: "net", "wo")
 *   BROKEN_DECLARED_TYPE           the catalog declares "label" an integer;
 *                                  the batches carry words (utf8)
 *   BROKEN_MEMBER_NOT_JSON         "label" is a member column (etl.member,
 *                                  ABI 1.4) but holds words, not JSON text
 *   BROKEN_CANCEL_IGNORED_IN_NUMBERS  "numbers" (short: its read ends
 *                                  within any bound) never looks at
 *                                  cancellation; "ticker" does
 *   BROKEN_IGNORES_STATE           read() ignores its state: an
 *                                  incremental read re-reads everything
 *   NULL_COUNT_UNKNOWN             not a bug: every column of every batch
 *                                  of "numbers" says null_count -1
 *                                  (unknown), which Arrow allows
 *   HAS_A_BAD_ROW                  not a bug: row 2 of "numbers" is a
 *                                  malformed record, offered to the host's
 *                                  reject() and skipped when taken, else
 *                                  the stream fails with EBADMSG
 *   BROKEN_WRITES_WHOLE_DESCRIPTOR init copies its whole etl_plugin into
 *                                  the host's, whatever its struct_size
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etl_batch.h"
#include "etl_plugin.h"

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "conformant"
#endif

#ifdef BROKEN_SPEC_NOT_JSON_SCHEMA
static const char k_config_schema[] =
    "{\"type\": \"object\", \"required\": \"rows\", \"additionalProperties\": false,"
    " \"properties\": {\"rows\": {\"type\": \"integer\"}, \"label\": {\"type\": \"text\"}}}";
#else
static const char k_config_schema[] =
    "{\"type\": \"object\", \"description\": \"Test fixture: numbers and an endless ticker.\","
    " \"required\": [\"rows\"], \"additionalProperties\": false,"
    " \"properties\": {"
    "\"rows\": {\"type\": \"integer\", \"description\": \"Rows of the stream numbers.\"},"
    " \"label\": {\"type\": \"string\", \"description\": \"Put before every label.\"}}}";
#endif

#ifdef BROKEN_MEMBER_NOT_JSON
#define LABEL_FLAGS ETL_COLUMN_MEMBER /* BUG: the labels are words, not JSON text */
#else
#define LABEL_FLAGS 0
#endif

#ifdef BROKEN_DECLARED_TYPE
#define LABEL_HINT "integer" /* BUG: the labels are words */
#else
#define LABEL_HINT "string"
#endif

static const char k_catalog[] =
    "{\"streams\": ["
    "{\"name\": \"numbers\", \"primary_key\": [\"id\"], \"cursor_field\": \"id\", \"fields\": ["
    "{\"name\": \"id\", \"type\": \"integer\"}, {\"name\": \"label\", \"type\": \"" LABEL_HINT "\"}, "
    "{\"name\": \"ok\", \"type\": \"boolean\"}, {\"name\": \"score\", \"type\": \"number\"}]}, "
    "{\"name\": \"ticker\", \"primary_key\": [\"id\"], \"fields\": [{\"name\": \"id\", \"type\": \"integer\"}]}"
    "]}";

static const char* const k_words[] = {"one", "two", "three", "Zo\xC3\xAB", "\xF0\x9F\x9A\x80 five", "six"};

static const etl_host_api* g_host = NULL;

#if defined(__GNUC__) || defined(__clang__)
#define FLAG_SET(p) __atomic_store_n((p), 1, __ATOMIC_RELEASE)
#define FLAG_GET(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#else
#define FLAG_SET(p) (*(p) = 1)
#define FLAG_GET(p) (*(p))
#endif

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
  error->code = code;
  error->retryable = 0;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
#ifdef BROKEN_ERROR_WITHOUT_MESSAGE
  (void)n;
  (void)release_error;
  return code; /* BUG: no message */
#else
  n = strlen(text);
  error->message = (char*)malloc(n + 1);
  if (error->message != NULL) {
    memcpy(error->message, text, n + 1);
    error->release = release_error;
  }
  return code;
#endif
}

/* ------------------------------------------------------------------------ */
/* Config: a flat JSON object of "rows" (integer) and "label" (string)      */
/* ------------------------------------------------------------------------ */

static const char* skip_ws(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/** Copies the JSON string at p (no escapes but \" and \\) into out. */
static const char* read_string(const char* p, char* out, size_t size) {
  size_t n = 0;
  if (*p != '"') return NULL;
  for (p++; *p != '"'; p++) {
    if (*p == '\0') return NULL;
    if (*p == '\\') {
      p++;
      if (*p != '"' && *p != '\\') return NULL;
    }
    if (n + 1 < size) out[n++] = *p;
  }
  out[n] = '\0';
  return p + 1;
}

struct etl_instance {
  long long rows;
  char label[64];
  int cancelled;
  long long last_number; /* the last id of "numbers" delivered */
  long long last_tick;
  etl_host_context* ctx;
};

static etl_status parse_config(const char* json, etl_instance* inst, etl_error* error) {
  const char* p = skip_ws(json == NULL ? "" : json);
  int have_rows = 0;
  char key[64];
  if (*p != '{') return fail(error, ETL_ERR_INVALID_ARGUMENT, "the config is not a JSON object");
  p = skip_ws(p + 1);
  while (*p == '"') {
    p = read_string(p, key, sizeof key);
    if (p == NULL) break;
    p = skip_ws(p);
    if (*p != ':') break;
    p = skip_ws(p + 1);
    if (strcmp(key, "rows") == 0) {
      char* end;
      long long value = strtoll(p, &end, 10);
      if (end == p || value < 0 || *end == '.' || *end == 'e' || *end == 'E') {
        return fail(error, ETL_ERR_INVALID_ARGUMENT, "config \"rows\" must be an integer of 0 or more");
      }
      inst->rows = value;
      have_rows = 1;
      p = end;
    } else if (strcmp(key, "label") == 0) {
      p = read_string(p, inst->label, sizeof inst->label);
      if (p == NULL) {
        return fail(error, ETL_ERR_INVALID_ARGUMENT, "config \"label\" must be a string");
      }
    } else {
      return fail(error, ETL_ERR_INVALID_ARGUMENT, "unknown config key \"%s\"; valid keys: rows, label", key);
    }
    p = skip_ws(p);
    if (*p == ',') p = skip_ws(p + 1);
  }
  if (p == NULL || *p != '}') {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "the config is not a flat JSON object");
  }
  if (!have_rows) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "config \"rows\" is missing (the number of rows)");
  }
  return ETL_OK;
}

/* ------------------------------------------------------------------------ */
/* Instances                                                                 */
/* ------------------------------------------------------------------------ */

static etl_status fixture_open(const etl_open_request* request, etl_instance** out, etl_error* error) {
  etl_instance* inst;
  etl_status status;
  if (request == NULL || out == NULL) return fail(error, ETL_ERR_INVALID_ARGUMENT, "no request");
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  status = parse_config(request->config_json, inst, error);
  if (status != ETL_OK) {
    free(inst);
    return status;
  }
  inst->ctx = request->host_context;
  *out = inst;
  return ETL_OK;
}

static etl_status fixture_check(etl_instance* inst, etl_error* error) {
  (void)inst;
  (void)error;
  return ETL_OK;
}

static void fixture_cancel(etl_instance* inst) {
#ifdef BROKEN_IGNORES_CANCEL
  (void)inst; /* BUG: cancellation is ignored */
#else
  FLAG_SET(&inst->cancelled);
#endif
}

static int cancelled(etl_instance* inst) {
#ifdef BROKEN_IGNORES_CANCEL
  (void)inst;
  return 0; /* BUG: never looks */
#else
  return FLAG_GET(&inst->cancelled) ||
         (g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, is_cancelled) && g_host->is_cancelled != NULL &&
          g_host->is_cancelled(inst->ctx) != 0);
#endif
}

static void fixture_close(etl_instance* inst) { free(inst); }

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

static etl_status fixture_discover(etl_instance* inst, etl_buffer* catalog, etl_error* error) {
  (void)inst;
  return fill_buffer(catalog, k_catalog, error);
}

static etl_status fixture_checkpoint(etl_instance* inst, const char* stream, etl_buffer* state, etl_error* error) {
  char text[64];
  long long after;
  if (stream != NULL && strcmp(stream, "numbers") == 0) {
    after = inst->last_number;
  } else if (stream != NULL && strcmp(stream, "ticker") == 0) {
    after = inst->last_tick;
  } else {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "unknown stream '%s'", stream ? stream : "");
  }
#ifdef BROKEN_CHECKPOINT_NOT_JSON
  snprintf(text, sizeof text, "after=%lld", after); /* BUG: not JSON */
#else
  snprintf(text, sizeof text, "{\"after\": %lld}", after);
#endif
  return fill_buffer(state, text, error);
}

/* ------------------------------------------------------------------------ */
/* Streams                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct fixture_stream {
  etl_instance* inst;
  etl_batch_builder* builder;
  int ticker;
  long long next_id; /* the next id to deliver */
  long long batch;   /* batches delivered */
  char error[512];
} fixture_stream;

#if defined(BROKEN_DOUBLE_RELEASE) || defined(BROKEN_CHILD_NOT_RELEASED)
/* The release callbacks the builder set, wrapped by the bugs below. */
static void (*g_batch_release)(struct ArrowArray*) = NULL;
static void (*g_column_release)(struct ArrowArray*) = NULL;
#endif

#ifdef BROKEN_DOUBLE_RELEASE
/* BUG: frees the column but forgets to mark it released (release keeps
 * the value it had when called). */
static void sloppy_column_release(struct ArrowArray* column) {
  void (*unchanged)(struct ArrowArray*) = column->release;
  g_column_release(column);
  column->release = unchanged;
}

/* BUG: releases every column, then lets the builder's release (which
 * releases every column still marked unreleased) do it again. */
static void double_release_batch(struct ArrowArray* batch) {
  int64_t i;
  for (i = 0; i < batch->n_children; i++) {
    if (batch->children[i]->release != NULL) batch->children[i]->release(batch->children[i]);
  }
  g_batch_release(batch);
}
#endif

#ifdef BROKEN_CHILD_NOT_RELEASED
/* BUG: frees the batch's own memory but never releases its columns. */
static void forgetful_release_batch(struct ArrowArray* batch) {
  int64_t i;
  for (i = 0; i < batch->n_children; i++) batch->children[i]->release = NULL; /* so the builder skips them */
  g_batch_release(batch);
}
#endif

#ifdef BROKEN_LENGTH_PAST_OFFSETS
#include <sys/mman.h>
#include <unistd.h>

/* Two pages, the second PROT_NONE, kept for the life of the process. */
static char* g_guarded = NULL;
/* The label column's buffers while it points into g_guarded (the builder's
 * release frees the original buffers through private_data). */
static const void* g_label_buffers[3];

/* BUG: moves the offsets of "label" to the end of the first page, right
 * before the guard page, then declares one more value than they hold. */
static void length_past_offsets(struct ArrowArray* label) {
  long page = sysconf(_SC_PAGESIZE);
  size_t bytes = (size_t)(label->offset + label->length + 1) * sizeof(int32_t);
  char* moved;
  if (g_guarded == NULL) {
    void* pages = mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) return;
    g_guarded = (char*)pages;
    mprotect(g_guarded + page, (size_t)page, PROT_NONE);
  }
  moved = g_guarded + page - bytes;
  memcpy(moved, label->buffers[1], bytes);
  g_label_buffers[0] = label->buffers[0];
  g_label_buffers[1] = moved;
  g_label_buffers[2] = label->buffers[2];
  label->buffers = g_label_buffers;
  label->length += 1; /* BUG: the offsets buffer holds length + 1 offsets, not length + 2 */
}
#endif

/* Plants the Arrow bugs in a finished batch of "numbers". */
static void plant_bugs(struct ArrowArray* out, long long batch) {
#ifdef BROKEN_LENGTH_PAST_OFFSETS
  if (batch == 1) length_past_offsets(out->children[1]);
#endif
#if defined(BROKEN_OFFSETS_NOT_MONOTONIC) || defined(BROKEN_OFFSET_BEYOND_DATA) || defined(BROKEN_INVALID_UTF8) || \
    defined(BROKEN_OFFSETS_OFF_BY_ONE)
  struct ArrowArray* label = out->children[1];
  int32_t* offsets = (int32_t*)(uintptr_t)label->buffers[1];
  char* data = (char*)(uintptr_t)label->buffers[2];
  (void)data;
  (void)offsets;
#endif
#ifdef BROKEN_OFFSETS_NOT_MONOTONIC
  if (batch == 2 && label->length >= 2) offsets[2] = offsets[1] - 1; /* BUG */
#endif
#ifdef BROKEN_OFFSET_BEYOND_DATA
  if (batch == 1) offsets[label->length] = 0x7FFFFF00; /* BUG: 2 GiB past the data */
#endif
#ifdef BROKEN_OFFSETS_OFF_BY_ONE
  if (batch == 1) {
    int64_t i;
    for (i = 0; i < label->length; i++) offsets[i] += 1; /* BUG: each value starts one byte late */
  }
#endif
#ifdef NULL_COUNT_UNKNOWN
  {
    int64_t i;
    for (i = 0; i < out->n_children; i++) out->children[i]->null_count = -1;
  }
#endif
#ifdef BROKEN_NULL_COUNT_ZERO
  if (batch == 2) out->children[3]->null_count = 0; /* BUG: its validity bitmap marks row 3 null */
#endif
#ifdef BROKEN_INVALID_UTF8
  if (batch == 1 && label->length >= 2) {
    data[offsets[1]] = (char)0xC3; /* BUG: C3 28 is not UTF-8 */
    data[offsets[1] + 1] = '(';
  }
#endif
#if defined(BROKEN_DOUBLE_RELEASE) || defined(BROKEN_CHILD_NOT_RELEASED)
  {
    int64_t i;
    g_batch_release = out->release;
    g_column_release = out->children[0]->release;
#ifdef BROKEN_DOUBLE_RELEASE
    out->release = double_release_batch;
    for (i = 0; i < out->n_children; i++) out->children[i]->release = sloppy_column_release;
#else
    (void)i;
    out->release = forgetful_release_batch;
#endif
  }
#endif
  (void)out;
  (void)batch;
}

static int stream_get_schema(struct ArrowArrayStream* stream, struct ArrowSchema* out) {
  fixture_stream* s = (fixture_stream*)stream->private_data;
  if (etl_batch_get_schema(s->builder, out) != ETL_OK) {
    snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(s->builder));
    return ENOMEM;
  }
  return 0;
}

static int stream_get_next(struct ArrowArrayStream* stream, struct ArrowArray* out) {
  fixture_stream* s = (fixture_stream*)stream->private_data;
  etl_batch_builder* b = s->builder;
  etl_instance* inst = s->inst;
#ifdef BROKEN_CANCEL_IGNORED_IN_NUMBERS
  if (s->ticker && cancelled(inst)) { /* BUG: "numbers" ignores cancellation */
#else
  if (cancelled(inst)) {
#endif
    snprintf(s->error, sizeof s->error, "reading stream '%s' was cancelled",
             s->ticker ? "ticker" : "numbers");
    return ECANCELED;
  }
  if (s->ticker) {
    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
    if (etl_batch_append_int64(b, s->next_id) || etl_batch_end_row(b) || etl_batch_finish(b, out, NULL)) {
      snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(b));
      return ENOMEM;
    }
    inst->last_tick = s->next_id++;
    return 0;
  }
  if (s->next_id > inst->rows) {
    memset(out, 0, sizeof *out); /* end of stream */
    return 0;
  }
#ifdef BROKEN_CRASH_IN_GET_NEXT
  if (s->batch == 1) {
    volatile int* volatile null_pointer = NULL;
    *null_pointer = 42; /* BUG: SIGSEGV */
  }
#endif
  while (etl_batch_row_count(b) < 2 && s->next_id <= inst->rows) {
    long long id = s->next_id;
    char label[96];
#ifdef HAS_A_BAD_ROW
    if (id == 2) {
      static const char raw[] = "2,two,maybe";
      if (g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, reject) && g_host->reject != NULL &&
          g_host->reject(inst->ctx, "numbers", "row 2", raw, sizeof raw - 1, "the field ok is not a boolean") != 0) {
        s->next_id++; /* set aside by the host */
        continue;
      }
      snprintf(s->error, sizeof s->error, "row 2: the field ok is not a boolean");
      return EBADMSG;
    }
#endif
    snprintf(label, sizeof label, "%s%s", inst->label, k_words[(id - 1) % 6]);
    if (etl_batch_append_int64(b, id) || etl_batch_append_string(b, label) || etl_batch_append_bool(b, id % 2) ||
        (id % 3 == 0 ? etl_batch_append_null(b) : etl_batch_append_double(b, (double)id * 0.5)) ||
        etl_batch_end_row(b)) {
      snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(b));
      etl_batch_discard_row(b);
      return ENOMEM;
    }
    s->next_id++;
  }
  if (etl_batch_finish(b, out, NULL)) {
    snprintf(s->error, sizeof s->error, "%s", etl_batch_last_error(b));
    return ENOMEM;
  }
  s->batch++;
  inst->last_number = s->next_id - 1;
  plant_bugs(out, s->batch);
  return 0;
}

static const char* stream_get_last_error(struct ArrowArrayStream* stream) {
  fixture_stream* s = (fixture_stream*)stream->private_data;
  return s->error[0] ? s->error : NULL;
}

static void stream_release(struct ArrowArrayStream* stream) {
  fixture_stream* s = (fixture_stream*)stream->private_data;
  etl_batch_free(s->builder);
  free(s);
  stream->private_data = NULL;
  stream->release = NULL;
}

/** The "after" of a state {"after": N}; 0 without a state. */
static long long state_after(const char* state) {
  const char* p = state == NULL ? NULL : strstr(state, "\"after\"");
  if (p == NULL) return 0;
  p = strchr(p, ':');
  return p == NULL ? 0 : strtoll(p + 1, NULL, 10);
}

static etl_status fixture_read(etl_instance* inst, const etl_read_request* request, struct ArrowArrayStream* out,
                               etl_error* error) {
  fixture_stream* s;
  etl_batch_builder* b;
  int ticker;
#ifdef BROKEN_READS_PAST_STRUCT_SIZE
  if (request->keys_only) { /* BUG: keys_only is a 1.1 field: check ETL_HAS_FIELD first */
    return fail(error, ETL_ERR_NOT_IMPLEMENTED, "keys_only is not supported");
  }
#endif
  if (request->stream != NULL && strcmp(request->stream, "numbers") == 0) {
    ticker = 0;
  } else if (request->stream != NULL && strcmp(request->stream, "ticker") == 0) {
    ticker = 1;
  } else {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "unknown stream '%s' (the streams are numbers and ticker)",
                request->stream ? request->stream : "(null)");
  }
  s = (fixture_stream*)calloc(1, sizeof *s);
  b = etl_batch_new();
  if (s == NULL || b == NULL || etl_batch_add_column(b, "id", ETL_TYPE_INT64, 0) ||
      (!ticker && (etl_batch_add_column(b, "label", ETL_TYPE_UTF8, LABEL_FLAGS) ||
                   etl_batch_add_column(b, "ok", ETL_TYPE_BOOL, 0) ||
                   etl_batch_add_column(b, "score", ETL_TYPE_FLOAT64, 0)))) {
    free(s);
    etl_batch_free(b);
    return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  }
  s->inst = inst;
  s->builder = b;
  s->ticker = ticker;
#ifdef BROKEN_IGNORES_STATE
  (void)state_after;
  s->next_id = 1; /* BUG: the state is ignored */
#else
  s->next_id = state_after(request->state_json) + 1;
#endif
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_get_last_error;
  out->release = stream_release;
  out->private_data = s;
#ifdef BROKEN_STREAM_RELEASE_NULL
  out->release = NULL; /* BUG: the host can neither use nor free the stream */
#endif
  return ETL_OK;
}

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

static const etl_extractor_ops k_extractor = {sizeof(etl_extractor_ops), fixture_discover, fixture_read,
                                              fixture_checkpoint, NULL /* stream_error (1.2) */};

ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host, etl_plugin* out,
                                      etl_error* error) {
  etl_plugin d;
  size_t n;
  if (out == NULL) return ETL_ERR_INVALID_ARGUMENT;
#ifndef BROKEN_ACCEPTS_ANY_ABI
  if (ETL_ABI_MAJOR(host_abi) != ETL_ABI_VERSION_MAJOR) {
    if (ETL_HAS_FIELD(out, etl_plugin, abi_version)) out->abi_version = ETL_ABI_VERSION;
    return fail(error, ETL_ERR_ABI_MISMATCH, "built for ABI %u.%u, the host offers %u.%u",
                (unsigned)ETL_ABI_VERSION_MAJOR, (unsigned)ETL_ABI_VERSION_MINOR, (unsigned)ETL_ABI_MAJOR(host_abi),
                (unsigned)ETL_ABI_MINOR(host_abi));
  }
#else
  (void)host_abi; /* BUG: any major is accepted */
  (void)error;
#endif
  g_host = host;
  memset(&d, 0, sizeof d);
  d.abi_version = ETL_ABI_VERSION;
  d.kind = ETL_KIND_EXTRACTOR;
  d.name = FIXTURE_NAME;
  d.version = "1.0.0";
  d.description = "Test fixture: numbers and an endless ticker.";
  d.language = "c";
  d.config_schema = k_config_schema;
  d.capabilities = ETL_CAP_INCREMENTAL | ETL_CAP_SCHEMA_HINTS;
  d.open = fixture_open;
  d.check = fixture_check;
  d.cancel = fixture_cancel;
  d.close = fixture_close;
  d.extractor = &k_extractor;
#ifdef BROKEN_WRITES_WHOLE_DESCRIPTOR
  n = sizeof d; /* BUG: the host's struct may be smaller */
  d.struct_size = (uint32_t)n;
  *out = d;
#else
  n = out->struct_size < sizeof d ? out->struct_size : sizeof d; /* never past the host's struct */
  memcpy(out, &d, n);
#endif
  out->struct_size = (uint32_t)n;
  return ETL_OK;
}
