/*
 * csvdir — an example etl-host warehouse in plain C.
 *
 * Writes each table as one CSV file in a directory: table "orders" becomes
 * <dir>/orders.csv, a header line with the column names, then one line per
 * row (RFC 4180 quoting, "\n" line ends). Config: {"dir": "out"}; the
 * directory is created if it is missing.
 *
 *   replace  the rows go to a hidden temporary file in the same directory,
 *            which commit() fsyncs and renames over <table>.csv: readers see
 *            the old file or the new one, never a half-written one.
 *   append   commit() writes the old file's lines and then the new rows to
 *            a temporary file and renames it, so an append is atomic too.
 *            When the new columns extend the old ones (a new field was
 *            added), old lines get empty fields for them; any other change
 *            of columns is refused (use --mode replace).
 *
 * Values: NULL is an empty field and the empty string is "" (the csv
 * extractor reads them back the same way); booleans are true/false;
 * numbers are written in the shortest form that reads back exactly, a
 * float always with a '.' or an exponent; dates are YYYY-MM-DD and
 * timestamps YYYY-MM-DDTHH:MM:SS.ffffffZ; binary values are lowercase hex.
 *
 * State: extractor states (state_get) and the tables' schemas
 * (schema_get) are kept in <dir>/_etl_state.json,
 *
 *   {"state": {"csv/orders": <state>}, "schemas": {"orders": <schema>}}
 *
 * rewritten atomically (temporary file, fsync, rename) under a lock file
 * at each commit. The data and the state file are two renames, the data
 * first: a crash between them leaves the state one run behind, so an
 * incremental run reads some records again instead of skipping any. That
 * is why csvdir does not claim ETL_CAP_TRANSACTIONAL_STATE. Run records
 * (etl_commit_request.run_json) are not kept.
 *
 * It uses nothing but etl_plugin.h, its header-only helpers (etl_config.h
 * reads the config, etl_reader.h the cells of each batch), two headers of
 * the C warehouse template (json_text.h, atomic_files.h: one copy of that
 * C for the template and this example) and the C library (POSIX for
 * files). Error messages do not name the plugin: the host puts
 * "plugin 'csvdir': " before them. Build it with `make`.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
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

/* Shared with the C warehouse template of `etl-host plugins new`
 * (Sources/ETLScaffold/Templates/C, on the include path): the growable
 * text buffer, JSON strings and civil dates (json_text.h), and files
 * replaced atomically: mkdir -p, hidden temporary files, fsync (atomic_files.h). */
#include "atomic_files.h"
#include "json_text.h"

/** The state file, in the directory. Tables never collide with it: their
 *  files end in ".csv". */
#define CSVDIR_STATE_FILE "_etl_state.json"
/** The lock file serializing commits of concurrent processes. */
#define CSVDIR_LOCK_FILE ".csvdir.lock"

/* ------------------------------------------------------------------------ */
/* Descriptor data (static: it must outlive every call)                     */
/* ------------------------------------------------------------------------ */

static const char k_config_schema[] =
    "{\"type\": \"object\","
    " \"description\": \"Writes each table as <dir>/<table>.csv.\","
    " \"properties\": {\"dir\": {\"type\": \"string\","
    " \"description\": \"The directory for the CSV files, created if missing;"
    " absolute or relative to the host's working directory.\"}},"
    " \"required\": [\"dir\"],"
    " \"additionalProperties\": false}";

/** The host's service table, kept from etl_plugin_init. */
static const etl_host_api* g_host = NULL;

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
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

/** Fills `error` with `code` and a formatted message; returns `code`. */
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

/** The status for a failed file operation: a full disk is
 *  RESOURCE_EXHAUSTED, a refused one PERMISSION_DENIED, the rest IO. */
static etl_status io_status(int err) {
  if (err == ENOSPC || err == EDQUOT) return ETL_ERR_RESOURCE_EXHAUSTED;
  if (err == EACCES || err == EPERM || err == EROFS) return ETL_ERR_PERMISSION_DENIED;
  return ETL_ERR_IO;
}

/** strerror, thread-safe (XSI strerror_r). */
static const char* errno_text(int err, char* buf, size_t size) {
  if (strerror_r(err, buf, size) != 0) snprintf(buf, size, "error %d", err);
  return buf;
}

/** Fails with the status and text of errno value `err`, after `what`. */
static etl_status fail_errno(etl_error* error, int err, const char* what, const char* path) {
  char text[256];
  return fail(error, io_status(err), "cannot %s '%s': %s", what, path,
              errno_text(err, text, sizeof text));
}

/** Logs through the host, if it offers logging. */
static void host_log(etl_host_context* ctx, int32_t level, const char* message) {
  if (g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, log) && g_host->log != NULL) {
    g_host->log(ctx, level, message);
  }
}

/** malloc'd copy of s[0..n). */
static char* copy_text(const char* s, size_t n) {
  char* out = (char*)malloc(n + 1);
  if (out == NULL) return NULL;
  memcpy(out, s, n);
  out[n] = '\0';
  return out;
}

/* ------------------------------------------------------------------------ */
/* Files (the rest is in atomic_files.h)                                    */
/* ------------------------------------------------------------------------ */

/** Reads a whole file into a malloc'd NUL-terminated string. Returns 0 and
 *  sets *err (ENOENT when it does not exist). */
static char* read_file(const char* path, int* err) {
  text_buf b = {NULL, 0, 0};
  char chunk[4096];
  size_t n;
  FILE* f = fopen(path, "rb");
  if (f == NULL) {
    *err = errno;
    return NULL;
  }
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (!buf_add(&b, chunk, n)) {
      free(b.data);
      fclose(f);
      *err = ENOMEM;
      return NULL;
    }
  }
  if (ferror(f)) {
    *err = EIO;
    free(b.data);
    fclose(f);
    return NULL;
  }
  fclose(f);
  if (b.data == NULL && !buf_add(&b, "", 0)) {
    *err = ENOMEM;
    return NULL;
  }
  return b.data;
}

/** fsyncs a directory so that a rename in it survives a crash. */
static int sync_dir(const char* dir) {
  int fd = open(dir, O_RDONLY);
  int err = 0;
  if (fd < 0) return errno;
  if (fsync(fd) != 0 && errno != EINVAL) err = errno; /* some filesystems refuse */
  close(fd);
  return err;
}

/** Takes the directory's lock file (waiting for other processes). Returns
 *  the descriptor, or -1 with *err set. Closing it releases the lock. */
static int lock_dir(const char* dir, int* err) {
  char* path = join3(dir, "/", CSVDIR_LOCK_FILE);
  struct flock lock;
  int fd;
  if (path == NULL) {
    *err = ENOMEM;
    return -1;
  }
  fd = open(path, O_RDWR | O_CREAT, 0644);
  free(path);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  memset(&lock, 0, sizeof lock);
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  while (fcntl(fd, F_SETLKW, &lock) != 0) {
    if (errno != EINTR) {
      *err = errno;
      close(fd);
      return -1;
    }
  }
  return fd;
}

/* ------------------------------------------------------------------------ */
/* Config and the instance                                                   */
/* ------------------------------------------------------------------------ */

struct etl_instance {
  char* dir;
  etl_host_context* ctx;
  int cancelled; /* set by cancel() from any thread; see FLAG_SET */
};

// snippet:config
/**
 * Reads the config: {"dir": "<directory>"}, a non-empty string and no
 * other key. Returns the malloc'd directory, or NULL with the reason (it
 * names the key) in `error`.
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
// end-snippet

static etl_status csvdir_open(const etl_open_request* request, etl_instance** out,
                              etl_error* error) {
  char* dir;
  etl_instance* inst;
  int err;
  if (request == NULL || out == NULL ||
      !ETL_HAS_FIELD(request, etl_open_request, host_context)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "open() got no request");
  }
  dir = read_config(request->config_json, error);
  if (dir == NULL) return ETL_ERR_INVALID_ARGUMENT;
  err = make_dirs(dir);
  if (err != 0) {
    etl_status st = fail_errno(error, err, "create directory", dir);
    free(dir);
    return st;
  }
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) {
    free(dir);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  inst->dir = dir;
  inst->ctx = request->host_context;
  *out = inst;
  return ETL_OK;
}

static etl_status csvdir_check(etl_instance* inst, etl_error* error) {
  if (access(inst->dir, W_OK | X_OK) != 0) {
    return fail_errno(error, errno, "write to directory", inst->dir);
  }
  return ETL_OK;
}

static void csvdir_cancel(etl_instance* inst) {
  FLAG_SET(&inst->cancelled);
}

static void csvdir_close(etl_instance* inst) {
  if (inst == NULL) return;
  free(inst->dir);
  free(inst);
}

/* ------------------------------------------------------------------------ */
/* Writing values                                                            */
/* ------------------------------------------------------------------------ */

/** Appends `s` (n bytes) as one CSV field: quoted when it holds a comma, a
 *  quote or a line break, or when it is empty (an empty field is NULL). */
static int buf_csv_field(text_buf* b, const char* s, size_t n) {
  size_t i;
  int quote = n == 0;
  for (i = 0; i < n && !quote; i++) {
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  }
  if (!quote) return buf_add(b, s, n);
  if (!buf_add(b, "\"", 1)) return 0;
  for (i = 0; i < n; i++) {
    if (s[i] == '"' && !buf_add(b, "\"", 1)) return 0;
    if (!buf_add(b, s + i, 1)) return 0;
  }
  return buf_add(b, "\"", 1);
}

/** Writes a double in the shortest form that reads back exactly, with a
 *  '.' or an exponent so that it reads back as a float. */
static void format_double(double v, char* out, size_t size) {
  int precision;
  if (isnan(v)) {
    snprintf(out, size, "NaN");
    return;
  }
  if (isinf(v)) {
    snprintf(out, size, v < 0 ? "-Infinity" : "Infinity");
    return;
  }
  for (precision = 1; precision <= 17; precision++) {
    snprintf(out, size, "%.*g", precision, v);
    if (strtod(out, NULL) == v) break;
  }
  if (strpbrk(out, ".eE") == NULL) strncat(out, ".0", size - strlen(out) - 1);
}

/** "YYYY-MM-DD" of a day count. */
static void format_date(int64_t days, char* out, size_t size) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  snprintf(out, size, "%04" PRId64 "-%02u-%02u", y, m, d);
}

/** "YYYY-MM-DDTHH:MM:SS.ffffffZ" of microseconds since the epoch. */
static void format_timestamp(int64_t micros, char* out, size_t size) {
  int64_t seconds = micros / 1000000, fraction = micros % 1000000, days, rest;
  int64_t y;
  unsigned m, d;
  if (fraction < 0) { /* floor, for times before 1970 */
    fraction += 1000000;
    seconds -= 1;
  }
  days = seconds / 86400;
  rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    days -= 1;
  }
  civil_from_days(days, &y, &m, &d);
  snprintf(out, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%06uZ", y, m, d,
           (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60), (unsigned)(rest % 60),
           (unsigned)fraction);
}

/* ------------------------------------------------------------------------ */
/* The writer                                                                */
/* ------------------------------------------------------------------------ */

struct etl_writer {
  etl_instance* inst;
  char* table;
  int32_t mode;       /* ETL_MODE_REPLACE or ETL_MODE_APPEND */
  etl_batch_reader reader; /* the columns, and the cells of each batch */
  char* header;       /* the header line, without its "\n" */
  char* file_name;    /* "<table>.csv" */
  char* final_path;   /* "<dir>/<table>.csv" */
  char* temp_path;    /* replace: header and rows; append: the rows only */
  FILE* out;          /* temp_path, open until commit */
  int64_t rows;
  text_buf line;      /* the row being formatted, reused */
};

static void free_writer(etl_writer* w) {
  if (w == NULL) return;
  if (w->out != NULL) fclose(w->out);
  if (w->temp_path != NULL) unlink(w->temp_path);
  free(w->table);
  etl_reader_free(&w->reader);
  free(w->header);
  free(w->file_name);
  free(w->final_path);
  free(w->temp_path);
  free(w->line.data);
  free(w);
}

/** Non-zero when `table` can name a file in the directory. The host
 *  normalizes table names to snake_case; this guards the file system. */
static int valid_table_name(const char* table) {
  size_t n = strlen(table);
  return n > 0 && n < 200 && table[0] != '.' && strchr(table, '/') == NULL;
}

// snippet:begin
static etl_status csvdir_begin(etl_instance* inst, const etl_table_request* request,
                               etl_writer** out, etl_error* error) {
  etl_writer* w;
  text_buf header = {NULL, 0, 0};
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
  if (!valid_table_name(request->table)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT,
                "table name '%s' cannot be a file name", request->table);
  }
  w = (etl_writer*)calloc(1, sizeof *w);
  if (w == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  w->inst = inst;
  w->mode = request->mode;
  /* The schema is borrowed: the reader copies what it needs (each
   * column's name and type), and refuses a format ABI v1 does not have. */
  if (etl_reader_init(&w->reader, request->schema) != ETL_OK) {
    fail(error, ETL_ERR_INVALID_ARGUMENT, "table '%s': %s", request->table,
         etl_reader_last_error(&w->reader));
    free_writer(w);
    return ETL_ERR_INVALID_ARGUMENT;
  }
  for (i = 0; i < w->reader.column_count; i++) {
    const char* name = w->reader.columns[i].name;
    if ((i > 0 && !buf_add(&header, ",", 1)) || !buf_csv_field(&header, name, strlen(name))) goto oom;
  }
  if (header.data == NULL && !buf_add(&header, "", 0)) goto oom;
  w->header = header.data;
  header.data = NULL;
  w->table = copy_text(request->table, strlen(request->table));
  w->file_name = join3(request->table, ".csv", "");
  w->final_path = w->file_name == NULL ? NULL : join3(inst->dir, "/", w->file_name);
  if (w->table == NULL || w->final_path == NULL) goto oom;

  /* Rows go to a new hidden file in the same directory (a rename only
   * replaces atomically within one file system). */
  w->out = create_temp(inst->dir, w->file_name, &w->temp_path, &err);
  if (w->out == NULL) {
    etl_status st = fail_errno(error, err, "create a temporary file in", inst->dir);
    free_writer(w);
    return st;
  }
  if (w->mode == ETL_MODE_REPLACE &&
      (fputs(w->header, w->out) == EOF || fputc('\n', w->out) == EOF)) {
    etl_status st = fail_errno(error, errno ? errno : EIO, "write", w->temp_path);
    free_writer(w);
    return st;
  }
  *out = w;
  return ETL_OK;
oom:
  free(header.data);
  free_writer(w);
  return fail(error, ETL_ERR_UNKNOWN, "out of memory");
}
// end-snippet

/** Appends `cell` to `line` as a CSV field (NULL is an empty field).
 *  Returns 0 when out of memory. */
static int append_csv_cell(text_buf* line, const etl_cell* cell) {
  char text[64];
  size_t k;
  if (cell->is_null) return 1;
  switch (cell->type) {
    case ETL_TYPE_BOOL: return buf_str(line, cell->boolean ? "true" : "false");
    case ETL_TYPE_INT64:
      snprintf(text, sizeof text, "%" PRId64, cell->int64);
      return buf_str(line, text);
    case ETL_TYPE_FLOAT64:
      format_double(cell->float64, text, sizeof text);
      return buf_str(line, text);
    case ETL_TYPE_DATE32:
      format_date(cell->date32, text, sizeof text);
      return buf_str(line, text);
    case ETL_TYPE_TIMESTAMP_US:
      format_timestamp(cell->timestamp_us, text, sizeof text);
      return buf_str(line, text);
    case ETL_TYPE_UTF8: return buf_csv_field(line, cell->bytes, cell->length);
    case ETL_TYPE_BINARY:
      if (cell->length == 0) return buf_add(line, "\"\"", 2); /* empty, not NULL */
      for (k = 0; k < cell->length; k++) {
        snprintf(text, sizeof text, "%02x", (unsigned)(unsigned char)cell->bytes[k]);
        if (!buf_add(line, text, 2)) return 0;
      }
      return 1;
    case ETL_TYPE_NULL: return 1;
  }
  return 1;
}

// snippet:write-rows
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
    for (col = 0; col < reader->column_count; col++) {
      etl_cell cell;
      etl_reader_get(reader, row, col, &cell); /* in range: it cannot fail */
      if ((col > 0 && !buf_add(&w->line, ",", 1)) || !append_csv_cell(&w->line, &cell)) {
        return fail(error, ETL_ERR_UNKNOWN, "out of memory");
      }
    }
    if (!buf_add(&w->line, "\n", 1)) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
    if (fwrite(w->line.data, 1, w->line.size, w->out) != w->line.size) {
      return fail_errno(error, errno ? errno : EIO, "write", w->temp_path);
    }
  }
  w->rows += etl_reader_row_count(reader);
  return ETL_OK;
}
// end-snippet

// snippet:write
static etl_status csvdir_write(etl_writer* w, struct ArrowArray* batch, etl_error* error) {
  struct ArrowArray owned;
  etl_status st;
  if (batch == NULL || batch->release == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "write() got no batch");
  }
  /* write() takes the batch whatever happens: move it out (copy the
   * struct, mark the original released), use it, release our copy. */
  owned = *batch;
  batch->release = NULL;
  if (FLAG_GET(&w->inst->cancelled)) {
    st = fail(error, ETL_ERR_CANCELLED, "cancelled");
  } else {
    st = write_rows(w, &owned, error);
  }
  owned.release(&owned);
  return st;
}
// end-snippet

/* ------------------------------------------------------------------------ */
/* Commit: append merge, the state file, the renames                         */
/* ------------------------------------------------------------------------ */

/** Reads the first record (the header) of a CSV file into `out`, without
 *  its line end. Returns 0 at EOF before any byte, 1 otherwise. */
static int read_header(FILE* in, text_buf* out, int* ok) {
  int c, in_quotes = 0, any = 0;
  *ok = 1;
  while ((c = getc(in)) != EOF) {
    char byte = (char)c;
    any = 1;
    if (!in_quotes && c == '\n') break;
    if (c == '"') in_quotes = !in_quotes;
    if (!buf_add(out, &byte, 1)) *ok = 0;
  }
  if (out->size > 0 && out->data[out->size - 1] == '\r') out->data[--out->size] = '\0';
  if (out->data == NULL && !buf_add(out, "", 0)) *ok = 0;
  return any;
}

/** The number of fields of a header line (commas outside quotes + 1). */
static size_t count_fields(const char* line) {
  size_t n = 1;
  int in_quotes = 0;
  for (; *line; line++) {
    if (*line == '"') in_quotes = !in_quotes;
    else if (*line == ',' && !in_quotes) n++;
  }
  return n;
}

/** Copies the records left in `in` to `out`, adding `extra` empty fields
 *  at the end of each. Returns 0 or an errno. */
static int copy_records(FILE* in, FILE* out, size_t extra) {
  int c, in_quotes = 0, content = 0;
  size_t i;
  while ((c = getc(in)) != EOF) {
    if (!in_quotes && (c == '\n' || c == '\r')) {
      if (c == '\r') {
        int next = getc(in);
        if (next != '\n') {
          if (next != EOF) ungetc(next, in);
          if (putc('\r', out) == EOF) return errno ? errno : EIO;
          content = 1;
          continue;
        }
      }
      for (i = 0; i < extra; i++) {
        if (putc(',', out) == EOF) return errno ? errno : EIO;
      }
      if (putc('\n', out) == EOF) return errno ? errno : EIO;
      content = 0;
      continue;
    }
    if (c == '"') in_quotes = !in_quotes;
    if (putc(c, out) == EOF) return errno ? errno : EIO;
    content = 1;
  }
  if (ferror(in)) return EIO;
  if (content) { /* a last line without its "\n" */
    for (i = 0; i < extra; i++) {
      if (putc(',', out) == EOF) return errno ? errno : EIO;
    }
    if (putc('\n', out) == EOF) return errno ? errno : EIO;
  }
  return 0;
}

/**
 * Append: writes "<header>, the old file's records, the new rows" to a new
 * temporary file and returns its path in *merged (the caller renames it).
 */
static etl_status merge_append(etl_writer* w, char** merged, etl_error* error) {
  text_buf old_header = {NULL, 0, 0};
  FILE* old = fopen(w->final_path, "rb");
  FILE* rows = NULL;
  FILE* out;
  size_t extra = 0;
  int err = 0, ok = 1;
  if (old == NULL && errno != ENOENT) return fail_errno(error, errno, "read", w->final_path);
  if (old != NULL && read_header(old, &old_header, &ok)) {
    size_t n = old_header.size;
    if (!ok) {
      fclose(old);
      free(old_header.data);
      return fail(error, ETL_ERR_UNKNOWN, "out of memory");
    }
    if (strcmp(old_header.data, w->header) == 0) {
      extra = 0;
    } else if (strncmp(old_header.data, w->header, n) == 0 && w->header[n] == ',') {
      extra = (size_t)w->reader.column_count - count_fields(old_header.data); /* new columns at the end */
    } else {
      fail(error, ETL_ERR_INVALID_ARGUMENT,
           "cannot append to '%s': its columns (%s) are not the first of the new "
           "ones (%s); use --mode replace to rewrite it",
           w->final_path, old_header.data, w->header);
      fclose(old);
      free(old_header.data);
      return ETL_ERR_INVALID_ARGUMENT;
    }
  }
  free(old_header.data);
  out = create_temp(w->inst->dir, w->file_name, merged, &err);
  if (out == NULL) {
    if (old != NULL) fclose(old);
    return fail_errno(error, err, "create a temporary file in", w->inst->dir);
  }
  if (fputs(w->header, out) == EOF || fputc('\n', out) == EOF) err = errno ? errno : EIO;
  if (err == 0 && old != NULL) err = copy_records(old, out, extra);
  if (err == 0) {
    rows = fopen(w->temp_path, "rb");
    if (rows == NULL) err = errno;
  }
  if (err == 0) err = copy_bytes(rows, out);
  if (rows != NULL) fclose(rows);
  if (old != NULL) fclose(old);
  if (err == 0) {
    err = finish_file(out);
  } else {
    fclose(out);
  }
  if (err != 0) {
    unlink(*merged);
    free(*merged);
    *merged = NULL;
    return fail_errno(error, err, "write", w->final_path);
  }
  return ETL_OK;
}

/** Appends `"name": {members...}` with member `key` set to `value` (added
 *  at the end when new; left out when `value` is NULL and it is new). */
static int buf_section(text_buf* b, const char* name, const etl_config_member* members, size_t count,
                       const char* key, const char* value) {
  size_t i;
  int first = 1, replaced = 0;
  if (!buf_str(b, "  ") || !buf_json_string(b, name, strlen(name)) || !buf_str(b, ": {")) return 0;
  for (i = 0; i < count; i++) {
    int is_key = key != NULL && value != NULL && strcmp(members[i].key, key) == 0;
    if (!buf_str(b, first ? "\n    " : ",\n    ") || !buf_json_string(b, members[i].key, strlen(members[i].key)) ||
        !buf_str(b, ": ")) {
      return 0;
    }
    if (is_key ? !buf_str(b, value) : !buf_add(b, members[i].value, members[i].value_length)) {
      return 0;
    }
    replaced |= is_key;
    first = 0;
  }
  if (key != NULL && value != NULL && !replaced) {
    if (!buf_str(b, first ? "\n    " : ",\n    ") || !buf_json_string(b, key, strlen(key)) ||
        !buf_str(b, ": ") || !buf_str(b, value)) {
      return 0;
    }
    first = 0;
  }
  return buf_str(b, first ? "}" : "\n  }");
}

/** The state file, read with etl_config.h: its text (malloc'd; NULL when
 *  there is none) and the members of both sections. */
typedef struct state_file {
  char* text;
  etl_config file;
  etl_config_member* state;
  size_t state_count;
  etl_config_member* schemas;
  size_t schema_count;
} state_file;

static void free_state_file(state_file* s) {
  etl_config_free_members(s->state, s->state_count);
  etl_config_free_members(s->schemas, s->schema_count);
  free(s->text);
  memset(s, 0, sizeof *s);
}

static etl_status load_state_file(const char* path, state_file* s, etl_error* error) {
  int err = 0;
  memset(s, 0, sizeof *s);
  s->text = read_file(path, &err);
  if (s->text == NULL) {
    if (err == ENOENT) return ETL_OK;
    if (err == ENOMEM) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
    return fail_errno(error, err, "read", path);
  }
  /* etl_config.h reads any JSON object, not only configs (a blank file is
   * not one) */
  if (!etl_config_is_json(s->text) || etl_config_parse(&s->file, s->text) != ETL_OK ||
      etl_config_get_members(&s->file, "state", ETL_CONFIG_OPTIONAL, &s->state, &s->state_count) != ETL_OK ||
      etl_config_get_members(&s->file, "schemas", ETL_CONFIG_OPTIONAL, &s->schemas, &s->schema_count) != ETL_OK) {
    free_state_file(s);
    return fail(error, ETL_ERR_DATA,
                "'%s' is not a state file written by csvdir (malformed JSON); "
                "fix it or delete it to start over",
                path);
  }
  return ETL_OK;
}

/**
 * Writes the new state file to a temporary file when the commit carries a
 * state or a schema; *temp is NULL when there is nothing to store.
 */
static etl_status prepare_state(etl_writer* w, const etl_commit_request* request, char** temp,
                                etl_error* error) {
  const char* state_key = request->state_key;
  const char* state_json = state_key != NULL ? request->state_json : NULL;
  const char* schema_json =
      ETL_HAS_FIELD(request, etl_commit_request, schema_json) ? request->schema_json : NULL;
  char* path;
  state_file s;
  text_buf b = {NULL, 0, 0};
  FILE* out;
  etl_status st;
  int err = 0;
  *temp = NULL;
  if (state_json == NULL && schema_json == NULL) return ETL_OK;
  if ((state_json != NULL && !etl_config_is_json(state_json)) ||
      (schema_json != NULL && !etl_config_is_json(schema_json))) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "the state or schema to commit for "
                "'%s' is not one JSON value", w->table);
  }
  path = join3(w->inst->dir, "/", CSVDIR_STATE_FILE);
  if (path == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  st = load_state_file(path, &s, error);
  if (st != ETL_OK) {
    free(path);
    return st;
  }
  if (!buf_str(&b, "{\n") ||
      !buf_section(&b, "state", s.state, s.state_count, state_key, state_json) ||
      !buf_str(&b, ",\n") ||
      !buf_section(&b, "schemas", s.schemas, s.schema_count, w->table, schema_json) ||
      !buf_str(&b, "\n}\n")) {
    free_state_file(&s);
    free(b.data);
    free(path);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  free_state_file(&s);
  out = create_temp(w->inst->dir, CSVDIR_STATE_FILE, temp, &err);
  if (out == NULL) {
    st = fail_errno(error, err, "create a temporary file for", path);
  } else {
    err = fwrite(b.data, 1, b.size, out) == b.size ? 0 : (errno ? errno : EIO);
    if (err == 0) {
      err = finish_file(out);
    } else {
      fclose(out);
    }
    st = err == 0 ? ETL_OK : fail_errno(error, err, "write", *temp);
    if (st != ETL_OK) {
      unlink(*temp);
      free(*temp);
      *temp = NULL;
    }
  }
  free(b.data);
  free(path);
  return st;
}

// snippet:commit
static etl_status csvdir_commit(etl_writer* w, const etl_commit_request* request,
                                etl_error* error) {
  char* data = NULL;  /* the file to rename over <table>.csv */
  char* state = NULL; /* the new state file, when there is one */
  char* state_path;
  char line[PATH_MAX + 64];
  etl_status st = ETL_OK;
  int lock, err = 0;
  if (request == NULL) return fail(error, ETL_ERR_INVALID_ARGUMENT, "no commit request");
  err = finish_file(w->out);
  w->out = NULL;
  if (err != 0) return fail_errno(error, err, "write", w->temp_path);

  lock = lock_dir(w->inst->dir, &err);
  if (lock < 0) return fail_errno(error, err, "lock", w->inst->dir);
  /* Everything that can fail comes first, into temporary files; nothing
   * is visible until the renames. On failure the host calls rollback(). */
  if (w->mode == ETL_MODE_APPEND) st = merge_append(w, &data, error);
  if (st == ETL_OK) st = prepare_state(w, request, &state, error);
  if (st != ETL_OK) {
    if (data != NULL) unlink(data);
    free(data);
    close(lock);
    return st;
  }
  if (rename(data != NULL ? data : w->temp_path, w->final_path) != 0) {
    st = fail_errno(error, errno, "rename a temporary file to", w->final_path);
    if (data != NULL) unlink(data);
    if (state != NULL) unlink(state);
    free(data);
    free(state);
    close(lock);
    return st;
  }
  if (data == NULL) { /* replace: the temporary file is now the table */
    free(w->temp_path);
    w->temp_path = NULL;
  }
  free(data);
  /* The data is in place; the state follows (see the top of this file). */
  state_path = join3(w->inst->dir, "/", CSVDIR_STATE_FILE);
  if (state != NULL && (state_path == NULL || rename(state, state_path) != 0)) {
    host_log(w->inst->ctx, ETL_LOG_WARN, "the data was committed but the state file "
             "could not be replaced; the next incremental run reads again from the old state");
    unlink(state);
  }
  free(state);
  free(state_path);
  sync_dir(w->inst->dir);
  close(lock);

  snprintf(line, sizeof line, "wrote %lld rows to %s", (long long)w->rows,
           w->final_path);
  host_log(w->inst->ctx, ETL_LOG_INFO, line);
  free_writer(w); /* on ETL_OK the writer is gone */
  return ETL_OK;
}
// end-snippet

static void csvdir_rollback(etl_writer* w) {
  free_writer(w); /* closes and deletes the temporary file */
}

/* ------------------------------------------------------------------------ */
/* Reading back: state_get and schema_get                                    */
/* ------------------------------------------------------------------------ */

/** Release callback of the buffers we return. */
static void release_buffer(etl_buffer* buffer) {
  free(buffer->private_data); /* the same block as data, without const */
  buffer->data = NULL;
  buffer->private_data = NULL;
  buffer->release = NULL;
}

/** Looks `key` up in section `name` of the state file and returns its
 *  value in *out; ETL_ERR_NOT_FOUND when it is not there. */
static etl_status lookup(etl_instance* inst, const char* name, const char* key, etl_buffer* out,
                         etl_error* error) {
  etl_config_member* members;
  size_t count, i;
  char* path;
  state_file s;
  etl_status st;
  if (key == NULL || out == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "no key or no buffer");
  }
  path = join3(inst->dir, "/", CSVDIR_STATE_FILE);
  if (path == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  st = load_state_file(path, &s, error);
  free(path);
  if (st != ETL_OK) return st;
  members = strcmp(name, "state") == 0 ? s.state : s.schemas;
  count = strcmp(name, "state") == 0 ? s.state_count : s.schema_count;
  for (i = 0; i < count; i++) {
    if (strcmp(members[i].key, key) == 0) {
      char* data = copy_text(members[i].value, members[i].value_length);
      if (data == NULL) {
        free_state_file(&s);
        return fail(error, ETL_ERR_UNKNOWN, "out of memory");
      }
      out->data = data;
      out->length = (int64_t)members[i].value_length;
      out->release = release_buffer;
      out->private_data = data;
      free_state_file(&s);
      return ETL_OK;
    }
  }
  free_state_file(&s);
  return fail(error, ETL_ERR_NOT_FOUND, "no %s stored for '%s'",
              strcmp(name, "state") == 0 ? "state" : "schema", key);
}

static etl_status csvdir_state_get(etl_instance* inst, const char* state_key, etl_buffer* state,
                                   etl_error* error) {
  return lookup(inst, "state", state_key, state, error);
}

static etl_status csvdir_schema_get(etl_instance* inst, const char* table, etl_buffer* schema,
                                    etl_error* error) {
  return lookup(inst, "schemas", table, schema, error);
}

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

// snippet:ops
static const etl_warehouse_ops k_warehouse = {
    sizeof(etl_warehouse_ops), /* struct_size */
    csvdir_begin,              /* begin */
    csvdir_write,              /* write */
    csvdir_commit,             /* commit */
    csvdir_rollback,           /* rollback */
    csvdir_state_get,          /* state_get */
    NULL,                      /* table_schema: not supported */
    csvdir_schema_get,         /* schema_get */
    NULL,                      /* write_present_keys (1.1): no deletions */
    NULL,                      /* execute (1.2): no SQL */
    NULL,                      /* query (1.2): no SQL */
};
// end-snippet

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
  d.name = "csvdir";
  d.version = "1.0.0";
  d.description = "Writes each table as a CSV file in a directory (atomic replace and append).";
  d.language = "c";
  d.toolchain = NULL;
  d.config_schema = k_config_schema;
  d.capabilities = ETL_CAP_MODE_REPLACE | ETL_CAP_MODE_APPEND;
  d.open = csvdir_open;
  d.check = csvdir_check;
  d.cancel = csvdir_cancel;
  d.close = csvdir_close;
  d.extractor = NULL;
  d.warehouse = &k_warehouse;

  /* Write no more than the host's struct, then say how much we filled. */
  n = out->struct_size < sizeof d ? out->struct_size : sizeof d;
  d.struct_size = (uint32_t)n;
  memcpy(out, &d, n);
  return ETL_OK;
}
