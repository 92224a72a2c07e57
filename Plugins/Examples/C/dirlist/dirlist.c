/*
 * dirlist — an example etl-host extractor in plain C.
 *
 * Lists one directory as one stream, "files", with a row per entry (sorted
 * by name, "." and ".." skipped):
 *
 *   name         utf8                the entry's name
 *   size         int64               st_size in bytes (of the link itself
 *                                    for a symlink: entries are lstat()ed)
 *   is_dir       bool                a directory (a symlink to one is not)
 *   modified_at  timestamp[us, UTC]  st_mtim
 *   size_kib     float64             size / 1024.0
 *   link_target  utf8                the symlink's target; null otherwise
 *
 * Config: {"path": "/some/dir"}.
 *
 * It shows the whole contract in one file: ABI negotiation in
 * etl_plugin_init, errors with messages the host frees, host logging and
 * progress, cancellation, a catalog with type hints, a config read with
 * etl_config.h, and an ArrowArrayStream built with etl_batch.h. Error
 * messages do not name the plugin: the host puts "plugin 'dirlist': "
 * before them. Build it with `make`.
 *
 * Names that are not valid UTF-8 (Linux allows any bytes but '/' and NUL)
 * are shown with U+FFFD in place of each bad byte, as utf8 columns require.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "etl_batch.h"
#include "etl_config.h"
#include "etl_plugin.h"

/** Rows per batch. */
#define DIRLIST_BATCH_ROWS 1024

/* ------------------------------------------------------------------------ */
/* Descriptor data (static: it must outlive every call)                     */
/* ------------------------------------------------------------------------ */

// snippet:config-schema
static const char k_config_schema[] =
    "{\"type\": \"object\","
    " \"description\": \"Lists the entries of one directory (not recursive).\","
    " \"properties\": {\"path\": {\"type\": \"string\","
    " \"description\": \"The directory to list, absolute or relative to the"
    " host's working directory.\"}},"
    " \"required\": [\"path\"],"
    " \"additionalProperties\": false}";
// end-snippet

// snippet:catalog
static const char k_catalog[] =
    "{\"streams\": [{\"name\": \"files\", \"primary_key\": [\"name\"], \"fields\": ["
    "{\"name\": \"name\", \"type\": \"string\"}, "
    "{\"name\": \"size\", \"type\": \"integer\"}, "
    "{\"name\": \"is_dir\", \"type\": \"boolean\"}, "
    "{\"name\": \"modified_at\", \"type\": \"timestamp\"}, "
    "{\"name\": \"size_kib\", \"type\": \"number\"}, "
    "{\"name\": \"link_target\", \"type\": \"string\"}]}]}";
// end-snippet

static const char k_stream[] = "files";

/** The host's service table, kept from etl_plugin_init. */
static const etl_host_api* g_host = NULL;

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

/* The cancel flag is set from any thread: use atomics where the compiler
 * has them (GCC and Clang do, even in C99 mode), volatile otherwise. */
#if defined(__GNUC__) || defined(__clang__)
#define FLAG_SET(p) __atomic_store_n((p), 1, __ATOMIC_RELEASE)
#define FLAG_GET(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#else
#define FLAG_SET(p) (*(p) = 1)
#define FLAG_GET(p) (*(p))
#endif

/** Release callback of the errors we fill: frees the message. */
static void release_error(etl_error* error) {
  free(error->message);
  error->message = NULL;
  error->release = NULL;
}

/** Fills `error` with `code` and a formatted message; returns `code`. */
static etl_status fail(etl_error* error, etl_status code, const char* fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

// snippet:fail
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
// end-snippet

/** Logs through the host, if it offers logging. */
static void host_log(etl_host_context* ctx, int32_t level, const char* message) {
  if (g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, log) && g_host->log != NULL) {
    g_host->log(ctx, level, message);
  }
}

/** Non-zero when the host asked to stop (SIGINT, ...). */
static int host_cancelled(etl_host_context* ctx) {
  return g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, is_cancelled) &&
         g_host->is_cancelled != NULL && g_host->is_cancelled(ctx) != 0;
}

/** Reports progress, if the host wants it. */
static void host_progress(etl_host_context* ctx, int64_t done, int64_t total) {
  if (g_host != NULL && ETL_HAS_FIELD(g_host, etl_host_api, progress) &&
      g_host->progress != NULL) {
    g_host->progress(ctx, k_stream, done, total);
  }
}

/** strerror, thread-safe (XSI strerror_r). */
static const char* errno_text(int err, char* buf, size_t size) {
  if (strerror_r(err, buf, size) != 0) snprintf(buf, size, "error %d", err);
  return buf;
}

/**
 * Copies s[0..n) into a malloc'd NUL-terminated string, replacing every
 * byte that does not start a valid UTF-8 sequence with U+FFFD. Returns NULL
 * when out of memory.
 */
static char* utf8_lossy(const char* s, size_t n) {
  const unsigned char* u = (const unsigned char*)s;
  size_t i = 0, j = 0, bad;
  char* out;
  if (n > ((size_t)-1 - 1) / 3) return NULL;
  out = (char*)malloc(n * 3 + 1); /* each bad byte becomes 3 bytes */
  if (out == NULL) return NULL;
  while (i < n) {
    size_t rest = n - i;
    if (etl_bb_utf8_valid(u + i, rest, &bad)) bad = rest;
    memcpy(out + j, s + i, bad);
    i += bad;
    j += bad;
    if (i < n) {
      memcpy(out + j, "\xEF\xBF\xBD", 3);
      i++;
      j += 3;
    }
  }
  out[j] = '\0';
  return out;
}

/* ------------------------------------------------------------------------ */
/* Config                                                                    */
/* ------------------------------------------------------------------------ */

// snippet:config
/**
 * Reads the config: {"path": "<dir>"}, a non-empty string. The host has
 * validated it against k_config_schema; etl_config.h still refuses
 * anything malformed, naming the key. Returns a malloc'd path, or NULL with
 * the reason in `error`.
 */
static char* read_config(const char* json, etl_error* error) {
  etl_config config;
  char* path = NULL;
  if (etl_config_parse(&config, json) != ETL_OK ||
      etl_config_get_string(&config, "path", ETL_CONFIG_REQUIRED, &path) != ETL_OK) {
    fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_config_last_error(&config));
    return NULL;
  }
  if (path[0] == '\0') {
    free(path);
    fail(error, ETL_ERR_INVALID_ARGUMENT, "config key 'path': must not be empty");
    return NULL;
  }
  return path;
}
// end-snippet

/* ------------------------------------------------------------------------ */
/* The instance                                                              */
/* ------------------------------------------------------------------------ */

struct etl_instance {
  char* path;
  etl_host_context* ctx;
  int cancelled; /* set by cancel() from any thread; see FLAG_SET */
};

/** Checks that `path` is a directory we can read; ETL_ERR_NOT_FOUND if not. */
static etl_status check_directory(const char* path, etl_error* error) {
  char text[256];
  DIR* dir = opendir(path);
  if (dir == NULL) {
    int err = errno;
    return fail(error, ETL_ERR_NOT_FOUND, "cannot read directory '%s': %s", path,
                errno_text(err, text, sizeof text));
  }
  closedir(dir);
  return ETL_OK;
}

static etl_status dirlist_open(const etl_open_request* request, etl_instance** out,
                               etl_error* error) {
  char* path;
  char line[PATH_MAX + 64];
  etl_instance* inst;
  etl_status st;
  if (request == NULL || out == NULL ||
      !ETL_HAS_FIELD(request, etl_open_request, host_context)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "open() got no request");
  }
  path = read_config(request->config_json, error);
  if (path == NULL) return ETL_ERR_INVALID_ARGUMENT;
  st = check_directory(path, error);
  if (st != ETL_OK) {
    free(path);
    return st;
  }
  inst = (etl_instance*)calloc(1, sizeof *inst);
  if (inst == NULL) {
    free(path);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  inst->path = path;
  inst->ctx = request->host_context;
  snprintf(line, sizeof line, "listing directory '%s'", path);
  host_log(inst->ctx, ETL_LOG_INFO, line);
  *out = inst;
  return ETL_OK;
}

static etl_status dirlist_check(etl_instance* inst, etl_error* error) {
  return check_directory(inst->path, error);
}

static void dirlist_cancel(etl_instance* inst) {
  FLAG_SET(&inst->cancelled);
}

static void dirlist_close(etl_instance* inst) {
  if (inst == NULL) return;
  free(inst->path);
  free(inst);
}

/** Release callback of the catalog buffer. */
static void release_buffer(etl_buffer* buffer) {
  free(buffer->private_data); /* the same block as data, without const */
  buffer->data = NULL;
  buffer->private_data = NULL;
  buffer->release = NULL;
}

static etl_status dirlist_discover(etl_instance* inst, etl_buffer* catalog, etl_error* error) {
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

typedef struct dirlist_stream {
  etl_instance* inst;
  char** names; /* sorted entry names */
  size_t count;
  size_t next;  /* index of the next name to emit */
  int64_t rows_done;
  etl_batch_builder* builder;
  char error[PATH_MAX + 256];
} dirlist_stream;

static void free_names(char** names, size_t count) {
  size_t i;
  for (i = 0; i < count; i++) free(names[i]);
  free(names);
}

static int compare_names(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

/** Sets the stream's error message and returns `err` (an errno). */
static int stream_fail(dirlist_stream* s, int err, const char* fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int stream_fail(dirlist_stream* s, int err, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->error, sizeof s->error, fmt, ap);
  va_end(ap);
  return err;
}

static int stream_get_schema(struct ArrowArrayStream* stream, struct ArrowSchema* out) {
  dirlist_stream* s = (dirlist_stream*)stream->private_data;
  if (etl_batch_get_schema(s->builder, out) != ETL_OK) {
    return stream_fail(s, ENOMEM, "%s", etl_batch_last_error(s->builder));
  }
  return 0;
}

/** Appends the row of entry `name`. Returns 0, ENOENT when the entry
 *  vanished since the listing (skip it), or another errno. */
static int append_entry(dirlist_stream* s, const char* name) {
  etl_batch_builder* b = s->builder;
  const char* dir = s->inst->path;
  size_t dir_len = strlen(dir), name_len = strlen(name);
  char text[256];
  char* full;
  char* shown;
  char* target = NULL;
  struct stat st;
  int err = 0, slash = dir_len > 0 && dir[dir_len - 1] != '/';
  int64_t micros;
  int ok_time;

  full = (char*)malloc(dir_len + (size_t)slash + name_len + 1);
  if (full == NULL) return stream_fail(s, ENOMEM, "out of memory");
  memcpy(full, dir, dir_len);
  if (slash) full[dir_len] = '/';
  memcpy(full + dir_len + (size_t)slash, name, name_len + 1);

  if (lstat(full, &st) != 0) {
    err = errno;
    if (err != ENOENT) {
      stream_fail(s, EIO, "cannot stat '%s': %s", full,
                  errno_text(err, text, sizeof text));
      err = EIO;
    }
    free(full);
    return err;
  }
  if (S_ISLNK(st.st_mode)) {
    /* st_size is the target's length, but it may change: grow until it fits */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 256;
    for (;;) {
      ssize_t n;
      char* bigger = (char*)realloc(target, cap);
      if (bigger == NULL) {
        free(target);
        free(full);
        return stream_fail(s, ENOMEM, "out of memory");
      }
      target = bigger;
      n = readlink(full, target, cap);
      if (n < 0) {
        err = errno;
        free(target);
        target = NULL;
        if (err == ENOENT) { /* removed meanwhile */
          free(full);
          return ENOENT;
        }
        stream_fail(s, EIO, "cannot read link '%s': %s", full,
                    errno_text(err, text, sizeof text));
        free(full);
        return EIO;
      }
      if ((size_t)n < cap) {
        char* lossy = utf8_lossy(target, (size_t)n);
        free(target);
        target = lossy;
        if (target == NULL) {
          free(full);
          return stream_fail(s, ENOMEM, "out of memory");
        }
        break;
      }
      cap *= 2;
    }
  }
  free(full);

  /* tv_nsec is in [0, 1e9): this is the floor for times before 1970 too */
  ok_time = st.st_mtim.tv_sec <= (INT64_MAX - 999999) / 1000000 &&
            st.st_mtim.tv_sec >= INT64_MIN / 1000000 + 1;
  micros = ok_time ? (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000 : 0;

  shown = utf8_lossy(name, name_len);
  if (shown == NULL) {
    free(target);
    return stream_fail(s, ENOMEM, "out of memory");
  }
  if (etl_batch_append_string(b, shown) != ETL_OK ||
      etl_batch_append_int64(b, (int64_t)st.st_size) != ETL_OK ||
      etl_batch_append_bool(b, S_ISDIR(st.st_mode)) != ETL_OK ||
      (ok_time ? etl_batch_append_timestamp_us(b, micros) : etl_batch_append_null(b)) != ETL_OK ||
      etl_batch_append_double(b, (double)st.st_size / 1024.0) != ETL_OK ||
      etl_batch_append_string(b, target) != ETL_OK || /* NULL -> null */
      etl_batch_end_row(b) != ETL_OK) {
    /* the builder fails only when out of memory: every value fits its column */
    err = stream_fail(s, ENOMEM, "%s", etl_batch_last_error(b));
    etl_batch_discard_row(b);
  }
  free(shown);
  free(target);
  return err;
}

// snippet:get-next
static int stream_get_next(struct ArrowArrayStream* stream, struct ArrowArray* out) {
  dirlist_stream* s = (dirlist_stream*)stream->private_data;
  etl_instance* inst = s->inst;
  if (host_cancelled(inst->ctx)) FLAG_SET(&inst->cancelled);
  for (;;) {
    int err;
    /* honour cancel() between rows; once cancelled, always cancelled */
    if (FLAG_GET(&inst->cancelled)) return stream_fail(s, ECANCELED, "cancelled");
    if (s->next == s->count || etl_batch_row_count(s->builder) == DIRLIST_BATCH_ROWS) break;
    err = append_entry(s, s->names[s->next]);
    if (err != 0 && err != ENOENT) return err; /* ENOENT: vanished meanwhile, skip it */
    s->next++;
  }
  if (etl_batch_row_count(s->builder) == 0) {
    memset(out, 0, sizeof *out); /* the end: a released array */
    return 0;
  }
  if (etl_batch_finish(s->builder, out, NULL) != ETL_OK) {
    return stream_fail(s, ENOMEM, "%s", etl_batch_last_error(s->builder));
  }
  s->rows_done += out->length;
  host_progress(inst->ctx, s->rows_done, -1);
  return 0;
}
// end-snippet

static const char* stream_get_last_error(struct ArrowArrayStream* stream) {
  dirlist_stream* s = (dirlist_stream*)stream->private_data;
  return s->error[0] ? s->error : NULL;
}

static void stream_release(struct ArrowArrayStream* stream) {
  dirlist_stream* s;
  if (stream == NULL || stream->release == NULL) return;
  s = (dirlist_stream*)stream->private_data;
  free_names(s->names, s->count);
  etl_batch_free(s->builder);
  free(s);
  stream->release = NULL;
  stream->private_data = NULL;
}

// snippet:columns
/** Declares the columns of "files". */
static etl_status declare_columns(etl_batch_builder* b) {
  etl_status st = etl_batch_add_column(b, "name", ETL_TYPE_UTF8, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "size", ETL_TYPE_INT64, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "is_dir", ETL_TYPE_BOOL, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "modified_at", ETL_TYPE_TIMESTAMP_US, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "size_kib", ETL_TYPE_FLOAT64, 0);
  if (st == ETL_OK) st = etl_batch_add_column(b, "link_target", ETL_TYPE_UTF8, 0);
  return st;
}
// end-snippet

/** Reads the entry names of `path`, sorted. */
static etl_status list_names(etl_instance* inst, char*** out_names, size_t* out_count,
                             etl_error* error) {
  char text[256];
  char** names = NULL;
  size_t count = 0, cap = 0;
  struct dirent* entry;
  DIR* dir = opendir(inst->path);
  if (dir == NULL) {
    int err = errno;
    return fail(error, ETL_ERR_NOT_FOUND, "cannot read directory '%s': %s",
                inst->path, errno_text(err, text, sizeof text));
  }
  for (;;) {
    char* copy;
    if (FLAG_GET(&inst->cancelled) || host_cancelled(inst->ctx)) {
      FLAG_SET(&inst->cancelled);
      closedir(dir);
      free_names(names, count);
      return fail(error, ETL_ERR_CANCELLED, "cancelled");
    }
    errno = 0;
    entry = readdir(dir);
    if (entry == NULL) {
      int err = errno;
      if (err == 0) break;
      closedir(dir);
      free_names(names, count);
      return fail(error, ETL_ERR_IO, "cannot read directory '%s': %s", inst->path,
                  errno_text(err, text, sizeof text));
    }
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    if (count == cap) {
      size_t new_cap = cap ? cap * 2 : 64;
      char** bigger = (char**)realloc(names, new_cap * sizeof *names);
      if (bigger == NULL) goto oom;
      names = bigger;
      cap = new_cap;
    }
    copy = (char*)malloc(strlen(entry->d_name) + 1);
    if (copy == NULL) goto oom;
    strcpy(copy, entry->d_name);
    names[count++] = copy;
  }
  closedir(dir);
  if (count > 1) qsort(names, count, sizeof *names, compare_names);
  *out_names = names;
  *out_count = count;
  return ETL_OK;
oom:
  closedir(dir);
  free_names(names, count);
  return fail(error, ETL_ERR_UNKNOWN, "out of memory");
}

// snippet:read
static etl_status dirlist_read(etl_instance* inst, const etl_read_request* request,
                               struct ArrowArrayStream* out, etl_error* error) {
  dirlist_stream* s;
  etl_status st;
  if (request == NULL || out == NULL || request->stream == NULL) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT, "read() needs a stream name");
  }
  if (strcmp(request->stream, k_stream) != 0) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT,
                "unknown stream '%s' (the only stream is '%s')", request->stream,
                k_stream);
  }
  /* request->state_json is ignored: every read is a full read. */
  s = (dirlist_stream*)calloc(1, sizeof *s);
  if (s == NULL) return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  s->inst = inst;
  s->builder = etl_batch_new();
  if (s->builder == NULL) {
    free(s);
    return fail(error, ETL_ERR_UNKNOWN, "out of memory");
  }
  st = declare_columns(s->builder);
  if (st != ETL_OK) {
    fail(error, st, "%s", etl_batch_last_error(s->builder));
    etl_batch_free(s->builder);
    free(s);
    return st;
  }
  st = list_names(inst, &s->names, &s->count, error);
  if (st != ETL_OK) {
    etl_batch_free(s->builder);
    free(s);
    return st;
  }
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_get_last_error;
  out->release = stream_release;
  out->private_data = s;
  return ETL_OK;
}
// end-snippet

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

// snippet:ops
static const etl_extractor_ops k_extractor = {
    sizeof(etl_extractor_ops), /* struct_size */
    dirlist_discover,          /* discover */
    dirlist_read,              /* read */
    NULL,                      /* checkpoint: not incremental */
    NULL,                      /* stream_error (1.2): the errno says it all */
};
// end-snippet

// snippet:entry
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
  d.name = "dirlist";
  d.version = "1.0.0";
  d.description = "Lists the entries of a directory: name, size, type, mtime, link target.";
  d.language = "c";
  d.toolchain = NULL;
  d.config_schema = k_config_schema;
  d.capabilities = ETL_CAP_SCHEMA_HINTS | ETL_CAP_PARALLEL_STREAMS;
  d.open = dirlist_open;
  d.check = dirlist_check;
  d.cancel = dirlist_cancel;
  d.close = dirlist_close;
  d.extractor = &k_extractor;
  d.warehouse = NULL;

  /* Write no more than the host's struct, then say how much we filled. */
  n = out->struct_size < sizeof d ? out->struct_size : sizeof d;
  d.struct_size = (uint32_t)n;
  memcpy(out, &d, n);
  return ETL_OK;
}
// end-snippet
