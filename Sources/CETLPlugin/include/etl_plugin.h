/*
 * etl_plugin.h — the etl-host plugin contract, ABI v1.
 *
 * This header is the single source of truth for how the etl-host process and
 * a plugin (an extractor or a warehouse, built as a shared library in C,
 * Swift, Rust, Zig, ...) talk to each other. It is plain C99 and depends on
 * nothing but <stdint.h>, <stddef.h> and <errno.h> (for the ETL_STREAM_ERR_*
 * values, which are the platform's errno numbers).
 *
 * OVERVIEW
 *
 *   1. The host dlopen()s the library and looks up ONE symbol, by default
 *      `etl_plugin_init` (see etl_plugin_init_fn).
 *   2. The host calls it with its ABI version, its service table
 *      (etl_host_api) and a zeroed descriptor (etl_plugin) whose struct_size
 *      it has set. The plugin fills the descriptor: identity, config schema,
 *      capabilities and the tables of operations it implements.
 *   3. The host opens an instance with a JSON config, then drives the
 *      extractor operations (discover, read, checkpoint) or the warehouse
 *      operations (begin, write, commit/rollback, state_get, table_schema).
 *   4. Rows cross the boundary as Arrow C Data Interface batches
 *      (struct ArrowArray / ArrowSchema / ArrowArrayStream, copied below from
 *      the public Arrow specification).
 *
 * VERSIONING (the rules that keep old plugins loading)
 *
 *   - A version is (major << 16) | minor. ETL_ABI_VERSION is this header's.
 *   - Different major: incompatible; the host refuses the plugin and prints
 *     both versions. Same major: both sides use min(host, plugin).
 *   - Every struct that crosses the boundary begins with `uint32_t
 *     struct_size`, set by whoever allocates it. A minor version only ever
 *     APPENDS fields to the end of a struct, marked "Since 1.N". Fields are
 *     never removed, reordered or retyped within a major version.
 *   - Never read or write a field that lies beyond the other side's
 *     struct_size (this includes the host-allocated etl_error, etl_buffer
 *     and etl_plugin that a plugin fills): use ETL_HAS_FIELD(). A NULL
 *     function pointer means "not supported".
 *   - Frozen across ALL majors, so that a mismatch can always be reported:
 *     the signature of etl_plugin_init, the layout of etl_error, and the
 *     first two fields of etl_plugin (struct_size, abi_version).
 *   - Each revision has size macros (ETL_PLUGIN_SIZE_1_0, ..._1_1, ...):
 *     the struct_size a plugin built against that revision's header sets.
 *     A plugin built against an older header keeps working unchanged; the
 *     host reads its smaller tables as "the later operations are NULL".
 *
 * WHAT THE HOST REQUIRES, AND WHAT IT DOES WITHOUT AN OPTIONAL OPERATION
 *
 *   Required (NULL: refused at load, naming the operation): open, close;
 *   extractor discover, read; warehouse begin, write, commit, rollback.
 *   Every other operation is optional, and the host works without it:
 *     check          plugins test and sync skip the connection check.
 *     cancel         the host still sets is_cancelled(); a plugin that
 *                    polls it stops at its next poll.
 *     checkpoint     every read is a full read (no state is stored).
 *     state_get      a sync with --incremental is refused before reading
 *                    ("does not implement state_get"): without it the host
 *                    cannot give read() the last state.
 *     table_schema   used only to tell whether a table exists when the
 *                    source returned no rows (the empty-source rule) and by
 *                    plugins test; without it an empty source fails only
 *                    when etl-host stored a schema for the table.
 *     schema_get     without it, every sync infers the table's schema
 *                    afresh: names and types are not carried from one run
 *                    to the next (a column widened by an earlier run is
 *                    inferred from this run's values only; the warehouse's
 *                    begin() must cope with an existing table whose column
 *                    types differ), and an empty source with --allow-empty
 *                    cannot empty a table.
 *     execute, query (since 1.2): nothing in a sync needs them; pipeline
 *                    SQL steps and plugins test's read-back checks do.
 *     write_present_keys, stream_error, error_detail (since 1.1 / 1.2):
 *                    see each field.
 *
 * OWNERSHIP (whoever allocates, frees)
 *
 *   - Everything a plugin allocates and hands to the host (errors, buffers,
 *     Arrow structs, streams) carries a `release` callback. The host calls it
 *     exactly once when done; the plugin frees in it. Never call free() on
 *     memory the other side allocated.
 *   - Inputs passed by pointer (const char*, request structs, schemas) are
 *     BORROWED for the duration of the call only: copy what you keep.
 *   - Strings in the descriptor (name, version, config_schema, ...) and the
 *     operation tables are static: they must stay valid for the life of the
 *     process. The host never unloads a plugin (no dlclose), so static data
 *     in the library is fine.
 *   - All strings are NUL-terminated UTF-8. All JSON is UTF-8 text.
 *
 * THREADS
 *
 *   - One instance (etl_instance), one ArrowArrayStream and one writer
 *     (etl_writer) are never called concurrently by the host.
 *   - Different instances may be used from different threads at once.
 *   - `cancel` and every etl_host_api function may be called from any
 *     thread, at any time between open and close.
 *   - No C++ exception, Rust panic or Swift error may unwind across this
 *     boundary: catch it and return a status with an etl_error.
 */
#ifndef ETL_PLUGIN_H
#define ETL_PLUGIN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                   */
/* ------------------------------------------------------------------------ */

/** Major version of this header. A different major is incompatible. */
#define ETL_ABI_VERSION_MAJOR 1
/** Minor version of this header. Minors only append fields. */
#define ETL_ABI_VERSION_MINOR 4
/** Builds a version number from its parts: (major << 16) | minor. */
#define ETL_ABI_MAKE_VERSION(major, minor) \
  ((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor)&0xFFFFu)))
/** The version this header describes, e.g. 0x00010000 for 1.0. */
#define ETL_ABI_VERSION ETL_ABI_MAKE_VERSION(ETL_ABI_VERSION_MAJOR, ETL_ABI_VERSION_MINOR)

/** Every ABI version so far, as plain constants (usable from languages that
 *  cannot expand the macros above, such as Swift). */
enum etl_abi_version {
  /** ABI 1.0. */
  ETL_ABI_VERSION_1_0 = 0x00010000,
  /** ABI 1.1: key listing and deletion detection (etl_read_request.keys_only,
   *  etl_table_request.deletions, etl_warehouse_ops.write_present_keys). */
  ETL_ABI_VERSION_1_1 = 0x00010001,
  /** ABI 1.2: reported retries (etl_host_api.retry), full stream errors
   *  (etl_extractor_ops.stream_error), error detail (etl_plugin.error_detail,
   *  etl_error_detail), the named stream errno values (ETL_STREAM_ERR_*) and
   *  SQL in warehouses (etl_warehouse_ops.execute and query). */
  ETL_ABI_VERSION_1_2 = 0x00010002,
  /** ABI 1.3: SCD2 history kept by the warehouse (ETL_CAP_HISTORY,
   *  etl_table_request.history_table, etl_commit_request.load_instant; see
   *  HISTORY below). */
  ETL_ABI_VERSION_1_3 = 0x00010003,
  /** ABI 1.4: member columns (field metadata etl.member = 1; see BATCHES IN
   *  ABI v1). No struct changed: an extractor sends member columns only to
   *  a host of 1.4 or later (host_abi of etl_plugin_init), which types
   *  them; an older host would read them as plain text. */
  ETL_ABI_VERSION_1_4 = 0x00010004
};
/** The major part of a version number. */
#define ETL_ABI_MAJOR(version) ((uint32_t)(version) >> 16)
/** The minor part of a version number. */
#define ETL_ABI_MINOR(version) ((uint32_t)(version)&0xFFFFu)

/** The name of the entry symbol every plugin exports (unless its registry
 *  entry names another one). */
#define ETL_PLUGIN_ENTRY_SYMBOL "etl_plugin_init"

/**
 * True when the struct pointed to by `ptr` (of type `type`, whose first field
 * is struct_size) is large enough to contain `field`. Use it before reading
 * any field that a later minor version added:
 *
 *     if (ETL_HAS_FIELD(host, etl_host_api, progress) && host->progress)
 *       host->progress(ctx, "orders", rows, -1);
 */
#define ETL_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/** Marks the entry point as exported from a shared library. */
#if defined(_WIN32)
#define ETL_EXPORT __declspec(dllexport)
#else
#define ETL_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Arrow C Data Interface and C Stream Interface                             */
/* Copied from the Apache Arrow specification (format/abi.h), with its       */
/* standard include guards so that a header from another project that        */
/* defines the same structs can be included alongside this one.              */
/* ------------------------------------------------------------------------ */

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  /* Array type description */
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;

  /* Release callback */
  void (*release)(struct ArrowSchema*);
  /* Opaque producer-specific data */
  void* private_data;
};

struct ArrowArray {
  /* Array data description */
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;

  /* Release callback */
  void (*release)(struct ArrowArray*);
  /* Opaque producer-specific data */
  void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
  /* Callbacks providing stream functionality */
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);

  /* Release callback */
  void (*release)(struct ArrowArrayStream*);

  /* Opaque producer-specific data */
  void* private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/*
 * BATCHES IN ABI v1
 *
 * A batch is an ArrowArray of format "+s" (struct) whose children are the
 * columns; its ArrowSchema names them. Column formats accepted in v1:
 *
 *   "b"    boolean                 "l"    int64
 *   "g"    float64                 "u"    utf8 (int32 offsets)
 *   "z"    binary (int32 offsets)  "tdD"  date32 (days since 1970-01-01)
 *   "tsu:UTC"  timestamp, microseconds since the epoch, UTC
 *   "n"    null (every value missing)
 *
 * The struct array itself has no nulls (null_count 0, validity NULL);
 * batches of zero rows are allowed.
 *
 * A "u" or "z" column whose ArrowArray.offset is 0 starts its values at
 * byte 0 of its data: offsets[0] == 0. This is stricter than Arrow, which
 * allows offsets that start past 0: a slice of a larger array must say so
 * with ArrowArray.offset (as pyarrow and DuckDB export slices), not with
 * offsets that start past 0 (as arrow-rs exports them: copy such a slice
 * first). Otherwise an off-by-one in the offsets, which shifts every value
 * and stays valid UTF-8, could not be told from a slice. The host refuses
 * such a batch as a broken one (ETL_ERR_INTERNAL, exit 2), and `etl-host
 * plugins test` fails its check "values".
 *
 * Field metadata (Arrow's binary key/value encoding) carries meaning that the
 * format alone does not:
 *   ARROW:extension:name = arrow.json   the utf8 values are JSON documents
 *                                       (nested objects and arrays)
 *   etl.decimal = <precision>,<scale>   the utf8 values are exact decimals
 *   etl.untyped = 1                     the utf8 values are raw text for the
 *                                       host to infer a type from (CSV)
 *   etl.record = 1                      a single utf8 column, one JSON object
 *                                       per row, for the host to flatten
 *   etl.member = 1                      (1.4) the utf8 values are the JSON
 *                                       text of one top-level member of the
 *                                       stream's records, byte for byte
 *                                       ("a \"b\"" with its quotes and
 *                                       escapes, 12.50, true, [1,2]); the
 *                                       host types each value by its JSON
 *                                       kind, as it types a record's member
 *
 * MEMBER COLUMNS (1.4) let an extractor that scans JSON records anyway (to
 * validate them) hand the host the members it found, so that the host does
 * not scan the text again. The column is named after the member's key; a
 * null is a missing member or JSON null (the host loads both as NULL). A
 * record whose members do not all fit the columns (a key without a column,
 * a key repeated within the record) goes whole into an etl.record column
 * of the same batch, its member columns null in that row; the host
 * flattens it as any record, and a field that arrives both ways is one
 * field. A member column's values must be valid JSON text: the host checks
 * them cheaply (first and last byte, literals, escapes) and refuses a
 * value that fails as the extractor's bug (ETL_ERR_INTERNAL, exit 2);
 * `etl-host plugins test` checks every value fully. Send member columns
 * only when etl_plugin_init's host_abi is 1.4 or later.
 *
 * get_next() on an extractor's stream returns 0 and a released array
 * (release == NULL) at the end of the stream. On failure it returns an errno
 * value and get_last_error() describes it; since 1.2 the extractor can also
 * hand the host the full error (code, retryable, detail) through
 * etl_extractor_ops.stream_error. See STREAM ERRORS below for every errno
 * the host interprets.
 */

/* ------------------------------------------------------------------------ */
/* Status codes and errors                                                   */
/* ------------------------------------------------------------------------ */

/*
 * STREAM ERRORS: the errno values get_next() and get_schema() return, as the
 * host reads them. ETL_STREAM_ERR_* are the platform's errno numbers: use
 * the macros (or <errno.h>'s names), never the numbers, which differ
 * between systems. Each maps to a status and decides what the host does
 * and the exit code of `etl-host sync`:
 *
 *   macro                            errno      status; host does (exit)
 *   ETL_STREAM_ERR_TRANSIENT         EAGAIN     ETL_ERR_IO, retryable: the
 *                                               stream is rolled back and
 *                                               read again (RetryPolicy);
 *                                               1 when retries run out
 *   ETL_STREAM_ERR_CANCELLED         ECANCELED  ETL_ERR_CANCELLED: the run
 *                                               stops (130)
 *   ETL_STREAM_ERR_UNAUTHENTICATED   EACCES     ETL_ERR_UNAUTHENTICATED (1)
 *   ETL_STREAM_ERR_PERMISSION_DENIED EPERM      ETL_ERR_PERMISSION_DENIED (1)
 *   ETL_STREAM_ERR_BAD_DATA          EBADMSG    ETL_ERR_DATA: bad source
 *                                               data, the load is rolled
 *                                               back (65)
 *   ETL_STREAM_ERR_INVALID_ARGUMENT  EINVAL     ETL_ERR_INVALID_ARGUMENT (1)
 *   ETL_STREAM_ERR_NOT_FOUND         ENOENT     ETL_ERR_NOT_FOUND (1)
 *   ETL_STREAM_ERR_NOT_IMPLEMENTED   ENOTSUP    ETL_ERR_NOT_IMPLEMENTED (1)
 *   ETL_STREAM_ERR_IO                EIO        ETL_ERR_IO (1)
 *   any other value                             ETL_ERR_IO (1)
 *
 * When the extractor has stream_error (since 1.2), the error it returns
 * there replaces this mapping: its code, retryable flag and detail. A
 * batch that breaks the Arrow rules is the plugin's bug, reported as
 * ETL_ERR_INTERNAL (exit 2), never as bad data.
 *
 * OPERATION STATUSES (etl_status_code) as the host reads them: an error
 * with retryable set is retried by the host's RetryPolicy (honouring
 * etl_error_detail.retry_after_seconds, since 1.2); ETL_ERR_DATA from any
 * operation (an extractor's open, check, discover, read or checkpoint as a
 * warehouse's begin, write, write_present_keys or commit) is bad data
 * (exit 65, never retried, whatever retryable says); ETL_ERR_NOT_FOUND
 * from state_get, schema_get and table_schema means "none";
 * ETL_ERR_INVALID_ARGUMENT from open or discover is a bad config (exit
 * 64); ETL_ERR_CANCELLED after cancel() is a cancelled run (130); any
 * other failure fails the stream (exit 1).
 */
/** Transient: the host may retry the stream from its last state. */
#define ETL_STREAM_ERR_TRANSIENT EAGAIN
/** The read stopped because cancel() was called. */
#define ETL_STREAM_ERR_CANCELLED ECANCELED
/** The source refused the credentials. */
#define ETL_STREAM_ERR_UNAUTHENTICATED EACCES
/** The credentials lack a permission. */
#define ETL_STREAM_ERR_PERMISSION_DENIED EPERM
/** The source's data is malformed: the run fails as bad data (exit 65). */
#define ETL_STREAM_ERR_BAD_DATA EBADMSG
/** The request was invalid (e.g. a bad state). */
#define ETL_STREAM_ERR_INVALID_ARGUMENT EINVAL
/** Something named does not exist. */
#define ETL_STREAM_ERR_NOT_FOUND ENOENT
/** Not supported by this plugin. */
#define ETL_STREAM_ERR_NOT_IMPLEMENTED ENOTSUP
/** Any other permanent failure. */
#define ETL_STREAM_ERR_IO EIO

/** Result of every operation. 0 is success; new codes may be appended. */
typedef int32_t etl_status;

/** The status codes of ABI v1. Unknown codes must be treated as ETL_ERR_UNKNOWN. */
enum etl_status_code {
  /** Success. */
  ETL_OK = 0,
  /** A failure with no better code. */
  ETL_ERR_UNKNOWN = 1,
  /** The caller passed something invalid: bad config, unknown stream, ... */
  ETL_ERR_INVALID_ARGUMENT = 2,
  /** Something named does not exist: a file, a table, a state key. */
  ETL_ERR_NOT_FOUND = 3,
  /** Reading or writing failed: disk, network, database. */
  ETL_ERR_IO = 4,
  /** Credentials are missing, wrong or expired. */
  ETL_ERR_UNAUTHENTICATED = 5,
  /** Credentials are valid but do not allow the operation. */
  ETL_ERR_PERMISSION_DENIED = 6,
  /** The operation stopped because cancel() was called. */
  ETL_ERR_CANCELLED = 7,
  /** The operation or option is not implemented by this plugin. */
  ETL_ERR_NOT_IMPLEMENTED = 8,
  /** The plugin cannot work with the host's ABI version (different major). */
  ETL_ERR_ABI_MISMATCH = 9,
  /** The data is malformed or does not fit: a bad row, a wrong type. */
  ETL_ERR_DATA = 10,
  /** The source or destination asked us to slow down (HTTP 429, ...). */
  ETL_ERR_RATE_LIMITED = 11,
  /** A deadline passed. */
  ETL_ERR_TIMEOUT = 12,
  /** A bug in the plugin: an invariant was violated. */
  ETL_ERR_INTERNAL = 13,
  /** Out of memory, disk full, quota exceeded. */
  ETL_ERR_RESOURCE_EXHAUSTED = 14
};

/**
 * An error reported by a plugin.
 *
 * The HOST allocates it (usually on its stack), zeroes it and sets
 * struct_size before passing it to any operation. When the operation fails,
 * the PLUGIN fills code, message and retryable and sets release. The host
 * reads the fields it needs, then calls release(error) exactly once if
 * release is not NULL. A plugin that leaves release NULL must point message
 * at static storage.
 *
 * Messages must be actionable and must never contain secrets (tokens,
 * passwords) or row values.
 */
typedef struct etl_error {
  /** sizeof(etl_error) as the host knows it. Set by the host. */
  uint32_t struct_size;
  /** One of etl_status_code; the same value the operation returned. */
  etl_status code;
  /** Human-readable UTF-8 message, or NULL. Owned by the plugin. */
  char* message;
  /** Non-zero when the same operation may succeed if retried later. */
  int32_t retryable;
  /** Frees message and anything in private_data. Called once by the host. */
  void (*release)(struct etl_error* error);
  /** Opaque plugin data for release. */
  void* private_data;
} etl_error;

/**
 * A block of bytes returned by a plugin (JSON documents: a catalog, a state).
 *
 * The HOST allocates it zeroed and sets struct_size; the PLUGIN fills data,
 * length and release. data is NUL-terminated (data[length] == 0) so that it
 * can be read as a C string. The host calls release(buffer) exactly once.
 */
typedef struct etl_buffer {
  /** sizeof(etl_buffer) as the host knows it. Set by the host. */
  uint32_t struct_size;
  /** The bytes, followed by a NUL byte. Owned by the plugin. */
  const char* data;
  /** Number of bytes in data, not counting the final NUL. */
  int64_t length;
  /** Frees data. Called once by the host. */
  void (*release)(struct etl_buffer* buffer);
  /** Opaque plugin data for release. */
  void* private_data;
} etl_buffer;

/* ------------------------------------------------------------------------ */
/* Host services                                                             */
/* ------------------------------------------------------------------------ */

/** Opaque per-instance handle the host passes in etl_open_request. Pass it
 *  back to the etl_host_api functions; never dereference it. */
typedef struct etl_host_context etl_host_context;

/** Severity of a log message. */
enum etl_log_level {
  ETL_LOG_TRACE = 0,
  ETL_LOG_DEBUG = 1,
  ETL_LOG_INFO = 2,
  ETL_LOG_WARN = 3,
  ETL_LOG_ERROR = 4
};

/**
 * Services the host offers to plugins (the sqlite3_api_routines pattern):
 * plugins link nothing from the host and reach it only through this table.
 *
 * The table is owned by the host and stays valid for the life of the
 * process; a plugin may keep the pointer it receives in etl_plugin_init.
 * Every function may be called from any thread. Check ETL_HAS_FIELD before
 * using a field added after 1.0.
 */
typedef struct etl_host_api {
  /** sizeof(etl_host_api) as the host knows it. */
  uint32_t struct_size;
  /** The host's ABI version, the same value passed to etl_plugin_init. */
  uint32_t abi_version;

  /**
   * Writes a message to the run's log, attributed to this plugin and
   * instance. `ctx` may be NULL (before open, or from etl_plugin_init).
   * `message` is borrowed; the host copies it. Never log secrets.
   */
  void (*log)(etl_host_context* ctx, int32_t level, const char* message);

  /**
   * Reports progress on a stream: `rows_done` so far and `rows_total` if
   * known (-1 when not). `stream` is borrowed. Cheap enough to call per
   * batch; do not call it per row.
   */
  void (*progress)(etl_host_context* ctx, const char* stream, int64_t rows_done,
                   int64_t rows_total);

  /**
   * Returns non-zero once the user asked to stop (SIGINT, SIGTERM). Long
   * operations should poll it between requests or batches and give up with
   * ETL_ERR_CANCELLED (or ECANCELED from get_next).
   */
  int32_t (*is_cancelled)(etl_host_context* ctx);

  /**
   * Offers a malformed record to the host instead of failing the stream
   * (the user's --max-bad-rows). `stream` is the stream being read,
   * `location` says where the record is (e.g. "orders.csv line 17"), `raw`
   * (`raw_length` bytes, any encoding) is the record's text as read, and
   * `reason` says what is wrong with it, without quoting values. All are
   * borrowed; the host copies them.
   *
   * Returns 1 when the host took the record: the extractor skips it and
   * goes on. Returns 0 when it did not (no allowance, or the allowance is
   * used up): the extractor fails the stream with the same error it would
   * have raised anyway. Call it only from the thread reading the stream.
   * A warehouse may offer a row it cannot store (SQLite: a NaN) the same
   * way from write(), `stream` being the table: skip the row when taken.
   */
  int32_t (*reject)(etl_host_context* ctx, const char* stream, const char* location,
                    const char* raw, size_t raw_length, const char* reason);

  /**
   * Since 1.2 (check ETL_HAS_FIELD(host, etl_host_api, retry) and NULL).
   * Reports that the plugin is about to retry a request on its own (an
   * HTTP 429 or 5xx, a dropped connection), so that the run record counts
   * it (`etl-host runs show`). `stream` is the stream or table concerned
   * (NULL: none), `attempt` the number of this retry (1 for the first),
   * `max_retries` how many the plugin allows (-1: unknown), `wait_seconds`
   * how long it waits before retrying (0 when not at all), and `reason`
   * what failed, without values or secrets. Strings are borrowed; the
   * host copies them and also logs the retry at warn level, so do not log
   * it yourself. Call it before waiting, from the thread doing the work.
   *
   * A 1.2 host counts only these calls: the text "retry N of M" in a log
   * message is no longer parsed. With an older host (no field), log the
   * retry instead.
   */
  void (*retry)(etl_host_context* ctx, const char* stream, int32_t attempt,
                int32_t max_retries, double wait_seconds, const char* reason);
} etl_host_api;

/** The size of etl_host_api in ABI 1.0 and 1.1 (through reject). */
#define ETL_HOST_API_SIZE_1_1 (offsetof(etl_host_api, reject) + sizeof(void*))
/** The size of etl_host_api in ABI 1.0 (the same as 1.1). */
#define ETL_HOST_API_SIZE_1_0 ETL_HOST_API_SIZE_1_1

/* ------------------------------------------------------------------------ */
/* Error detail (since 1.2)                                                  */
/* ------------------------------------------------------------------------ */

/**
 * What a 1.2 plugin can say about an error beyond the frozen etl_error:
 * when to retry, and the vendor's own codes. Whether the error is transient
 * stays etl_error.retryable.
 *
 * The HOST allocates it, zeroes it and sets struct_size, then calls
 * etl_plugin.error_detail with an etl_error the plugin filled and has not
 * been released yet. The PLUGIN writes only the fields within struct_size
 * (ETL_HAS_FIELD) and leaves the others as they are. Zero means "not
 * known" for every field. Later minors append fields.
 */
typedef struct etl_error_detail {
  /** sizeof(etl_error_detail) as the host knows it. Set by the host. */
  uint32_t struct_size;
  /** Non-zero when vendor_code is set. */
  int32_t has_vendor_code;
  /** Seconds the source asked to wait before a retry (HTTP Retry-After,
   *  a rate limit's reset); 0: no request. The host waits at least this
   *  long (capped at 300 s) before retrying a retryable error. */
  double retry_after_seconds;
  /** The vendor's own error code (an HTTP status, a driver's errno). */
  int32_t vendor_code;
  /** The SQLSTATE of a database error: 5 characters and a NUL ("23505");
   *  empty ("") when there is none. */
  char sqlstate[6];
  /** Reserved, zero. */
  char reserved0[2];
} etl_error_detail;

/** The size of etl_error_detail in ABI 1.2. */
#define ETL_ERROR_DETAIL_SIZE_1_2 (offsetof(etl_error_detail, reserved0) + 2)

/* ------------------------------------------------------------------------ */
/* The plugin descriptor                                                     */
/* ------------------------------------------------------------------------ */

/** What a plugin does. */
enum etl_plugin_kind {
  /** Reads streams of records from a source (etl_extractor_ops). */
  ETL_KIND_EXTRACTOR = 1,
  /** Writes batches into tables (etl_warehouse_ops). */
  ETL_KIND_WAREHOUSE = 2
};

/** Capability bits for etl_plugin.capabilities. Unknown bits are ignored. */
enum etl_capability {
  /** Extractor: read() honours a state and checkpoint() returns one. */
  ETL_CAP_INCREMENTAL = 1u << 0,
  /** Extractor: emits typed columns or type hints in its catalog. */
  ETL_CAP_SCHEMA_HINTS = 1u << 1,
  /** Both: separate instances may run concurrently (parallel streams). */
  ETL_CAP_PARALLEL_STREAMS = 1u << 2,
  /** Extractor (since 1.1): read() with keys_only set lists the primary key
   *  of every record currently at the source. */
  ETL_CAP_KEY_LISTING = 1u << 3,
  /** Warehouse: supports ETL_MODE_REPLACE (atomic drop-and-reload). */
  ETL_CAP_MODE_REPLACE = 1u << 8,
  /** Warehouse: supports ETL_MODE_APPEND. */
  ETL_CAP_MODE_APPEND = 1u << 9,
  /** Warehouse: supports ETL_MODE_UPSERT on key columns. */
  ETL_CAP_MODE_UPSERT = 1u << 10,
  /** Warehouse: commit() stores state and run record in the data's transaction. */
  ETL_CAP_TRANSACTIONAL_STATE = 1u << 11,
  /** Warehouse (since 1.1): upsert honours etl_table_request.deletions and
   *  implements write_present_keys. */
  ETL_CAP_DELETIONS = 1u << 12,
  /** Warehouse (since 1.2): implements etl_warehouse_ops.execute. */
  ETL_CAP_SQL_EXECUTE = 1u << 13,
  /** Warehouse (since 1.2): implements etl_warehouse_ops.query. */
  ETL_CAP_SQL_QUERY = 1u << 14,
  /** Warehouse (since 1.3): keeps SCD2 history when begin() is given
   *  etl_table_request.history_table (see HISTORY). The host sends a history
   *  table only to a warehouse with this bit. */
  ETL_CAP_HISTORY = 1u << 15
};

/** An open connection to a source or destination. Defined by the plugin;
 *  opaque to the host. */
typedef struct etl_instance etl_instance;

/** One table being written between begin() and commit()/rollback().
 *  Defined by the plugin; opaque to the host. */
typedef struct etl_writer etl_writer;

/** Arguments of open(). Allocated by the host; borrowed by the plugin. */
typedef struct etl_open_request {
  /** sizeof(etl_open_request) as the host knows it. */
  uint32_t struct_size;
  /** The configuration as a JSON object, already validated by the host
   *  against config_schema. Secrets are included; never log them. */
  const char* config_json;
  /** The handle to pass to etl_host_api functions for this instance. Valid
   *  until close() returns. */
  etl_host_context* host_context;
} etl_open_request;

typedef struct etl_extractor_ops etl_extractor_ops;
typedef struct etl_warehouse_ops etl_warehouse_ops;

/**
 * The plugin descriptor, filled by etl_plugin_init.
 *
 * The HOST allocates it, zeroes it and sets struct_size to its own
 * sizeof(etl_plugin). The PLUGIN writes at most struct_size bytes and then
 * sets struct_size to the number of bytes it filled:
 * min(host's struct_size, plugin's sizeof(etl_plugin)). The host treats every
 * field past that as absent (zero / NULL).
 *
 * Every pointer in it points to static data owned by the plugin.
 */
typedef struct etl_plugin {
  /** See above: host sets its size, plugin answers the size it filled. */
  uint32_t struct_size;
  /** ETL_ABI_VERSION of the header the plugin was built against. */
  uint32_t abi_version;
  /** One of etl_plugin_kind. */
  int32_t kind;
  /** Reserved, zero. Keeps the following pointers 8-byte aligned. */
  int32_t reserved0;
  /** Short lowercase name, e.g. "csv". Letters, digits, '-' and '_'. */
  const char* name;
  /** The plugin's own version, e.g. "1.2.0". */
  const char* version;
  /** One line saying what it does. */
  const char* description;
  /** Implementation language, e.g. "c", "swift", "rust". */
  const char* language;
  /**
   * The compiler toolchain the plugin was built with when the language has
   * no stable ABI (Swift: "swift-6.3.1"); NULL otherwise. The host refuses a
   * Swift plugin whose toolchain differs from its own.
   */
  const char* toolchain;
  /**
   * JSON Schema (draft 2020-12 subset: type object, properties, required,
   * additionalProperties, description, default, enum, "x-secret": true) of
   * the config object accepted by open(). The host validates configs against
   * it before calling open().
   */
  const char* config_schema;
  /** Bitwise OR of etl_capability values. */
  uint64_t capabilities;

  /**
   * Opens an instance with a validated config. On success sets *out and
   * returns ETL_OK; the host later calls close(*out) exactly once. On failure
   * fills `error`, leaves *out untouched and returns its code.
   * Ownership: request is borrowed.
   */
  etl_status (*open)(const etl_open_request* request, etl_instance** out,
                     etl_error* error);

  /**
   * Verifies that the instance can reach its source or destination
   * (credentials, paths, network). Optional (NULL = not supported).
   */
  etl_status (*check)(etl_instance* instance, etl_error* error);

  /**
   * Asks the instance to stop what it is doing as soon as it can. May be
   * called from any thread, concurrently with any other operation on the
   * same instance, and more than once (but never concurrently with or after
   * close()). Must not block. Cancellation is
   * final: every later operation on the instance may fail with
   * ETL_ERR_CANCELLED (ECANCELED from get_next). Optional.
   */
  void (*cancel)(etl_instance* instance);

  /**
   * Frees the instance and everything it owns. Called exactly once, after
   * every stream and writer of the instance has been released. The host
   * never uses the instance again.
   */
  void (*close)(etl_instance* instance);

  /** Non-NULL exactly when kind == ETL_KIND_EXTRACTOR. Static. */
  const etl_extractor_ops* extractor;
  /** Non-NULL exactly when kind == ETL_KIND_WAREHOUSE. Static. */
  const etl_warehouse_ops* warehouse;

  /**
   * Since 1.2. Describes an error this plugin filled (from any operation
   * of any of its instances, or from stream_error) beyond its code and
   * message: fills the fields of *detail that it knows (see
   * etl_error_detail). Called by the host, at most once per error, after
   * the operation returned and before it calls error->release; the plugin
   * finds its detail through error->private_data (which its release then
   * frees). Returns ETL_OK, or ETL_ERR_NOT_FOUND when the error carries no
   * detail. May be called from any thread. Optional (NULL: errors carry no
   * detail).
   */
  etl_status (*error_detail)(const etl_error* error, etl_error_detail* detail);

  /* Fields added by later minor versions go here, marked "Since 1.N". */
} etl_plugin;

/** The size of etl_plugin in ABI 1.0. */
#define ETL_PLUGIN_SIZE_1_0 (offsetof(etl_plugin, warehouse) + sizeof(void*))
/** The size of etl_plugin in ABI 1.1 (the same as 1.0). */
#define ETL_PLUGIN_SIZE_1_1 ETL_PLUGIN_SIZE_1_0
/** The size of etl_plugin in ABI 1.2 (through error_detail). */
#define ETL_PLUGIN_SIZE_1_2 (offsetof(etl_plugin, error_detail) + sizeof(void*))

/* ------------------------------------------------------------------------ */
/* Extractors                                                                */
/* ------------------------------------------------------------------------ */

/** Arguments of read(). Allocated by the host; borrowed by the plugin. */
typedef struct etl_read_request {
  /** sizeof(etl_read_request) as the host knows it. */
  uint32_t struct_size;
  /** Name of the stream to read, as listed by discover(). */
  const char* stream;
  /** The state returned by checkpoint() in the last successful run, as
   *  committed by the warehouse; NULL for a full read. */
  const char* state_json;

  /**
   * Since 1.1 (read it only when ETL_HAS_FIELD(request, etl_read_request,
   * keys_only)). Non-zero: list the primary key of EVERY record currently
   * at the source, ignoring state_json; each batch holds only the stream's
   * primary_key columns (same names and types as in a full read). The host
   * uses it to detect deleted records during an incremental sync; only
   * extractors with ETL_CAP_KEY_LISTING receive it. checkpoint() after such
   * a read is not called.
   */
  int32_t keys_only;
} etl_read_request;

/** The size of etl_read_request in ABI 1.0. */
#define ETL_READ_REQUEST_SIZE_1_0 (offsetof(etl_read_request, state_json) + sizeof(void*))
/** The size of etl_read_request in ABI 1.1 and 1.2 (through keys_only). */
#define ETL_READ_REQUEST_SIZE_1_1 (offsetof(etl_read_request, keys_only) + sizeof(int32_t))

/**
 * Operations of an extractor. A static table in the plugin; the host copies
 * at most struct_size bytes of it and treats the rest as NULL.
 */
struct etl_extractor_ops {
  /** sizeof(etl_extractor_ops) as the plugin knows it. */
  uint32_t struct_size;

  /**
   * Describes the streams the instance can read, as a JSON catalog:
   *
   *   {"streams": [{"name": "orders",
   *                 "primary_key": ["id"],          (optional)
   *                 "cursor_field": "updated_at",   (optional)
   *                 "fields": [{"name": "id", "type": "integer"}, ...]}]}
   *
   * `fields` are type hints (null, boolean, integer, number, string, date,
   * timestamp, decimal, json, binary) that win over the host's inference; it
   * may be omitted, and so may a field's "type". The host reads a catalog
   * leniently: it also takes text, date-time, object and array for string,
   * timestamp, json and json; it skips a field without a name, ignores a
   * hint it does not know, a primary_key that is not an array of strings
   * and a cursor_field that is not a string, each with a warning in the
   * run's log. On success fills *catalog (host calls its release).
   */
  etl_status (*discover)(etl_instance* instance, etl_buffer* catalog,
                         etl_error* error);

  /**
   * Starts reading one stream. On success initialises *out (a zeroed struct
   * allocated by the host) as an ArrowArrayStream of "+s" batches; the host
   * releases it with out->release(out) when done or on failure, before it
   * calls read() again on the same instance. Only one stream per instance is
   * open at a time. Ownership: request is borrowed.
   */
  etl_status (*read)(etl_instance* instance, const etl_read_request* request,
                     struct ArrowArrayStream* out, etl_error* error);

  /**
   * Returns the state that covers every batch returned so far by the current
   * (or last) stream of `stream`, as a JSON value, so that a read() given
   * this state continues after the last of those batches. Optional: NULL
   * when the extractor is not incremental.
   */
  etl_status (*checkpoint)(etl_instance* instance, const char* stream,
                           etl_buffer* state, etl_error* error);

  /**
   * Since 1.2. Hands the host the full error of a stream whose get_next()
   * or get_schema() just returned non-zero (ADBC 1.1's
   * AdbcErrorFromArrayStream): fills *error as any operation does (code,
   * message, retryable, release; detail through etl_plugin.error_detail)
   * and returns its code. `stream` is a stream this instance's read()
   * initialised and that is not released yet; the plugin finds the
   * failure through stream->private_data. Returns ETL_OK and fills
   * nothing when the stream has no failure. The host calls it at most once
   * per failure, before releasing the stream, and then uses this error
   * instead of the errno and get_last_error() (see STREAM ERRORS).
   * Optional (NULL: the errno alone decides).
   */
  etl_status (*stream_error)(etl_instance* instance, struct ArrowArrayStream* stream,
                             etl_error* error);

  /* Fields added by later minor versions go here, marked "Since 1.N". */
};

/** The size of etl_extractor_ops in ABI 1.0. */
#define ETL_EXTRACTOR_OPS_SIZE_1_0 (offsetof(etl_extractor_ops, checkpoint) + sizeof(void*))
/** The size of etl_extractor_ops in ABI 1.1 (the same as 1.0). */
#define ETL_EXTRACTOR_OPS_SIZE_1_1 ETL_EXTRACTOR_OPS_SIZE_1_0
/** The size of etl_extractor_ops in ABI 1.2 (through stream_error). */
#define ETL_EXTRACTOR_OPS_SIZE_1_2 (offsetof(etl_extractor_ops, stream_error) + sizeof(void*))

/* ------------------------------------------------------------------------ */
/* Warehouses                                                                */
/* ------------------------------------------------------------------------ */

/** How begin() treats the existing table. */
enum etl_write_mode {
  /** Load into a staging table and swap it in at commit, atomically:
   *  readers see the old table or the new one, never an empty or half one. */
  ETL_MODE_REPLACE = 1,
  /** Add the rows to the existing table (created if missing). */
  ETL_MODE_APPEND = 2,
  /** Insert new rows and update existing ones, matched on key_columns. */
  ETL_MODE_UPSERT = 3
};

/** What an upsert does with rows whose key the source no longer has
 *  (since 1.1; see etl_table_request.deletions). */
enum etl_deletion_mode {
  /** Keep them (the 1.0 behaviour). */
  ETL_DELETIONS_KEEP = 0,
  /** Delete them, in the commit's transaction. */
  ETL_DELETIONS_REMOVE = 1,
  /** Keep them and set their `_etl_deleted_at` column (a UTC timestamp,
   *  "tsu:UTC", which the host includes in the schema and always sends as
   *  NULL) to the commit's time; rows present again get NULL. */
  ETL_DELETIONS_FLAG = 2
};

/** Arguments of begin(). Allocated by the host; borrowed by the plugin
 *  (copy what you keep, including the schema). */
typedef struct etl_table_request {
  /** sizeof(etl_table_request) as the host knows it. */
  uint32_t struct_size;
  /** Destination table name, already normalized by the host. Quote it. */
  const char* table;
  /** The "+s" schema of every batch that write() will receive. Borrowed. */
  const struct ArrowSchema* schema;
  /** One of etl_write_mode. */
  int32_t mode;
  /** Number of entries in key_columns (upsert keys; may be 0 otherwise). */
  int32_t key_column_count;
  /** Names of the key columns for ETL_MODE_UPSERT. */
  const char* const* key_columns;
  /** The host's run id, for the warehouse's own bookkeeping. */
  const char* run_id;

  /**
   * Since 1.1 (read it only when ETL_HAS_FIELD(request, etl_table_request,
   * deletions)). One of etl_deletion_mode; non-zero only with
   * ETL_MODE_UPSERT and only for warehouses with ETL_CAP_DELETIONS. The
   * host then calls write_present_keys() at least once (possibly with an
   * empty batch) before commit(); at commit, rows whose key is neither in
   * those batches nor written by write() in this load are removed or
   * flagged. A commit with deletions set but no write_present_keys() call
   * must fail with ETL_ERR_INVALID_ARGUMENT (and delete nothing).
   */
  int32_t deletions;

  /**
   * Since 1.3 (read it only when ETL_HAS_FIELD(request, etl_table_request,
   * history_table)). The name of the table in which to keep the SCD2
   * history of `table` (see HISTORY), already resolved by the host
   * (default "<table>__history"); NULL: no history. Borrowed. The host sets
   * it only for warehouses with ETL_CAP_HISTORY, only with a non-empty
   * key_columns and only with ETL_MODE_REPLACE or ETL_MODE_UPSERT; a
   * warehouse given one otherwise fails begin() with
   * ETL_ERR_INVALID_ARGUMENT.
   */
  const char* history_table;
} etl_table_request;

/** The size of etl_table_request in ABI 1.0. */
#define ETL_TABLE_REQUEST_SIZE_1_0 (offsetof(etl_table_request, run_id) + sizeof(void*))
/** The size of etl_table_request in ABI 1.1 and 1.2 (through deletions). */
#define ETL_TABLE_REQUEST_SIZE_1_1 (offsetof(etl_table_request, deletions) + sizeof(int32_t))
/** The size of etl_table_request in ABI 1.3 (through history_table). */
#define ETL_TABLE_REQUEST_SIZE_1_3 (offsetof(etl_table_request, history_table) + sizeof(void*))

/*
 * HISTORY (since 1.3): a warehouse with ETL_CAP_HISTORY keeps, for a table T
 * loaded with etl_table_request.history_table = H, an SCD2 history table H
 * in the SAME transaction as T's data (a rollback or a failed commit leaves
 * H exactly as it was):
 *
 *   - H's columns: every column of T whose name does not start with "_etl_"
 *     (same names, same warehouse types), then "_etl_valid_from" (an
 *     instant: timestamptz NOT NULL in PostgreSQL, in SQLite TEXT in ISO
 *     8601 UTC with exactly three fraction digits, so that text order is
 *     time order), "_etl_valid_to" (same type; NULL: the current version),
 *     "_etl_run_id" (text: etl_table_request.run_id), "_etl_row_hash" (text,
 *     lowercase hex, over the non-"_etl_" columns, computed by the
 *     warehouse in a stable, type-tagged way: NULL, '' and 0 differ) and
 *     "_etl_deleted" (boolean NOT NULL; SQLite INTEGER 0/1).
 *   - One row per version of a record, the record being identified by
 *     key_columns. At commit(), with I = etl_commit_request.load_instant,
 *     T's final content is compared with H's open versions (valid_to NULL):
 *       * a key whose row hash equals its open version's adds nothing;
 *       * a new key, a changed key, or a key whose open version is a
 *         tombstone: the open version (if any) gets valid_to = I, and a
 *         version with valid_from = I, valid_to NULL is added;
 *       * a key that is gone gets its open version closed (valid_to = I)
 *         and a tombstone added (its last values, "_etl_deleted" true,
 *         valid_from = I, valid_to NULL). Gone means: ETL_MODE_REPLACE,
 *         absent from the new table; ETL_MODE_UPSERT with
 *         ETL_DELETIONS_REMOVE, removed; with ETL_DELETIONS_FLAG, its
 *         "_etl_deleted_at" is set. An upsert without deletions never
 *         removes a key, so it never adds a tombstone.
 *   - The warehouse upserts (table_name = T, history_table = H) into
 *     "_etl_history_tables"(table_name TEXT PRIMARY KEY, history_table TEXT
 *     NOT NULL) in the same transaction, so that a reader finds every
 *     history table with `SELECT table_name, history_table FROM
 *     _etl_history_tables`.
 *   - Schema changes: a column added to T is added to H too (NULL in the
 *     older versions). Since the hash covers every non-"_etl_" column, every
 *     record then gets a new version at that load; the same holds when a
 *     column is widened in a way that changes the stored values.
 *   - T as it was at instant X is
 *       SELECT <non-_etl_ columns> FROM H WHERE "_etl_valid_from" <= 'X'
 *       AND ("_etl_valid_to" IS NULL OR "_etl_valid_to" > 'X')
 *       AND NOT "_etl_deleted"
 *     with X spelled 2026-12-06T09:00:00.000Z.
 */

/** Since 1.3. The names of HISTORY: the columns a history table adds after
 *  its table's own, in this order, and the table that lists the history
 *  tables. Every warehouse with ETL_CAP_HISTORY and every reader uses these
 *  exact names. */
#define ETL_HISTORY_VALID_FROM "_etl_valid_from"
/** Since 1.3. See ETL_HISTORY_VALID_FROM. */
#define ETL_HISTORY_VALID_TO "_etl_valid_to"
/** Since 1.3. See ETL_HISTORY_VALID_FROM. */
#define ETL_HISTORY_RUN_ID "_etl_run_id"
/** Since 1.3. See ETL_HISTORY_VALID_FROM. */
#define ETL_HISTORY_ROW_HASH "_etl_row_hash"
/** Since 1.3. See ETL_HISTORY_VALID_FROM. */
#define ETL_HISTORY_DELETED "_etl_deleted"
/** Since 1.3. The table listing (table_name, history_table). */
#define ETL_HISTORY_TABLES "_etl_history_tables"

/** Arguments of commit(). Allocated by the host; borrowed by the plugin. */
typedef struct etl_commit_request {
  /** sizeof(etl_commit_request) as the host knows it. */
  uint32_t struct_size;
  /** Key under which to store state_json (e.g. "csv/orders"); NULL: none. */
  const char* state_key;
  /** Extractor state to store in the same transaction as the data; NULL
   *  leaves the stored state unchanged. */
  const char* state_json;
  /** The run record (JSON object) to store in the same transaction; may be
   *  NULL. */
  const char* run_json;
  /** The resolved schema of the table, a JSON object written by the host
   *  (columns, their source names and types), to store in the same
   *  transaction so that the next run reuses it (see schema_get); NULL
   *  leaves the stored schema unchanged. */
  const char* schema_json;

  /**
   * Since 1.3 (read it only when ETL_HAS_FIELD(request, etl_commit_request,
   * load_instant)). The instant of this load, ISO 8601 UTC with exactly
   * three fraction digits ("2026-12-06T09:00:00.000Z"), read from the
   * host's clock just before commit(). Borrowed. Set whenever begin() was
   * given a history_table: it is the "_etl_valid_from" of the versions the
   * commit adds and the "_etl_valid_to" of those it closes (see HISTORY).
   * A commit of a load with a history table and no load_instant fails with
   * ETL_ERR_INVALID_ARGUMENT and changes nothing. NULL otherwise.
   */
  const char* load_instant;
} etl_commit_request;

/** The size of etl_commit_request in ABI 1.0 to 1.2 (through schema_json). */
#define ETL_COMMIT_REQUEST_SIZE_1_0 (offsetof(etl_commit_request, schema_json) + sizeof(void*))
/** The size of etl_commit_request in ABI 1.3 (through load_instant). */
#define ETL_COMMIT_REQUEST_SIZE_1_3 (offsetof(etl_commit_request, load_instant) + sizeof(void*))

/**
 * Since 1.2. The outcome of etl_warehouse_ops.execute. The HOST allocates
 * it, zeroes it and sets struct_size; the PLUGIN writes only the fields
 * within struct_size (ETL_HAS_FIELD). Later minors append fields.
 */
typedef struct etl_execute_result {
  /** sizeof(etl_execute_result) as the host knows it. Set by the host. */
  uint32_t struct_size;
  /** The number of rows the statement inserted, updated or deleted; -1
   *  when the statement does not count rows (CREATE, DROP, ...). */
  int64_t rows_affected;
} etl_execute_result;

/** The size of etl_execute_result in ABI 1.2. */
#define ETL_EXECUTE_RESULT_SIZE_1_2 (offsetof(etl_execute_result, rows_affected) + sizeof(int64_t))

/*
 * SQL OPERATIONS (since 1.2): execute() and query() let the host (pipeline
 * SQL steps and checks, `plugins test`) run SQL in the warehouse through the
 * plugin, never behind its back. Both are optional; a warehouse that has
 * them sets them AND the matching capability bit (ETL_CAP_SQL_EXECUTE,
 * ETL_CAP_SQL_QUERY), so that the registry can list them without loading
 * the library; the host refuses to load a warehouse whose bit and pointer
 * disagree. The rules both follow:
 *
 *   - `sql` is ONE statement in the warehouse's own dialect (a trailing
 *     ';' and whitespace are allowed). More than one statement, or none:
 *     ETL_ERR_INVALID_ARGUMENT.
 *   - Each call runs in its own transaction, committed when it succeeds
 *     (execute) or when the stream is released (query); a statement that
 *     fails changes nothing. Transaction control (BEGIN, COMMIT, ...) in
 *     `sql` is refused with ETL_ERR_INVALID_ARGUMENT.
 *   - While a writer from begin() is open on the same instance (before its
 *     commit() succeeds or its rollback()), both are refused with
 *     ETL_ERR_INVALID_ARGUMENT and a message saying so: the load's
 *     transaction is not theirs to see or to end. Use another instance.
 *   - Errors: a statement the warehouse rejects (syntax, unknown table or
 *     column) is ETL_ERR_INVALID_ARGUMENT, its message the warehouse's
 *     own, naming the position in `sql` where the warehouse gives one
 *     ("near \"FORM\": syntax error at offset 9"); a constraint violation
 *     or a value that does not fit is ETL_ERR_DATA; a lost connection or
 *     disk error ETL_ERR_IO. SQLSTATE and vendor codes go in
 *     etl_error_detail. Messages never quote row values.
 *   - Threads: as every instance operation; cancel() may come from any
 *     thread and stops a running statement with ETL_ERR_CANCELLED.
 *
 * QUERY RESULT TYPES: a query's stream has the v1 batch types (see BATCHES
 * IN ABI v1), one field per result column, named as the warehouse names
 * it. The warehouse maps its column types (integers: "l", floating point:
 * "g", exact numerics: "u" with etl.decimal, text: "u", bytes: "z",
 * booleans: "b", dates: "tdD", instants: "tsu:UTC", JSON: "u" with
 * arrow.json). A type it cannot map is returned as text ("u", the
 * warehouse's text rendering of each value) with the field metadata
 * `etl.source_type = <the warehouse's type name>`, never refused. Each
 * plugin documents its mapping.
 */

/** Since 1.2. Field metadata key: the warehouse type of a query column that
 *  has no v1 type and is returned as text (see QUERY RESULT TYPES). */
#define ETL_METADATA_SOURCE_TYPE "etl.source_type"

/**
 * Operations of a warehouse. A static table in the plugin; the host copies
 * at most struct_size bytes of it and treats the rest as NULL.
 */
struct etl_warehouse_ops {
  /** sizeof(etl_warehouse_ops) as the plugin knows it. */
  uint32_t struct_size;

  /**
   * Starts writing one table in the given mode. On success sets *out; the
   * host then calls write() zero or more times and finally exactly one of
   * commit() (which on success frees the writer) or rollback(). Ownership:
   * request and its schema are borrowed.
   */
  etl_status (*begin)(etl_instance* instance, const etl_table_request* request,
                      etl_writer** out, etl_error* error);

  /**
   * Writes one "+s" batch. TAKES OWNERSHIP of `batch` whatever the outcome:
   * the plugin moves it out (copies the struct and sets batch->release to
   * NULL) and calls the moved copy's release when done with it. The host
   * never touches batch again.
   */
  etl_status (*write)(etl_writer* writer, struct ArrowArray* batch,
                      etl_error* error);

  /**
   * Makes everything written since begin() visible, together with the state
   * and run record of `request`, in one transaction. On ETL_OK the writer is
   * freed. On failure nothing is visible, the writer stays alive, and the
   * host calls rollback(). Ownership: request is borrowed.
   */
  etl_status (*commit)(etl_writer* writer, const etl_commit_request* request,
                       etl_error* error);

  /**
   * Discards everything written since begin() (the live table is exactly as
   * before) and frees the writer. Never fails.
   */
  void (*rollback)(etl_writer* writer);

  /**
   * Reads the state last committed under `state_key`. On success fills
   * *state with the JSON; returns ETL_ERR_NOT_FOUND when there is none.
   * Optional: without it the host refuses `sync --incremental` with this
   * warehouse before reading anything.
   */
  etl_status (*state_get)(etl_instance* instance, const char* state_key,
                          etl_buffer* state, etl_error* error);

  /**
   * Describes an existing table as a "+s" ArrowSchema (a zeroed struct
   * allocated by the host; the host releases it). Returns ETL_ERR_NOT_FOUND
   * when the table does not exist. Optional. The sync uses it only to tell
   * whether a table exists when the source returned no rows (a table that
   * exists is never emptied without --allow-empty); `plugins test` checks
   * it. Without it, only a table whose schema_get answers counts as
   * existing.
   */
  etl_status (*table_schema)(etl_instance* instance, const char* table,
                             struct ArrowSchema* out, etl_error* error);

  /**
   * Reads the schema_json last committed for `table`. On success fills
   * *schema (host calls its release); returns ETL_ERR_NOT_FOUND when none
   * was committed. Optional. The host calls it before every load to carry
   * column names and types from one run to the next (a widened column
   * stays wide; names stay stable). Without it every sync infers the
   * schema afresh from the rows it read: the warehouse's begin() then
   * meets an existing table whose columns may differ and must add, widen
   * or refuse them itself.
   */
  etl_status (*schema_get)(etl_instance* instance, const char* table,
                           etl_buffer* schema, etl_error* error);

  /**
   * Since 1.1. Records keys that are present at the source, for an upsert
   * begun with deletions != ETL_DELETIONS_KEEP: `batch` is a "+s" batch of
   * the key columns only (the request's key_columns, in that order, with
   * the formats they have in the request's schema). May be called before,
   * between or after write() calls, any number of times. TAKES OWNERSHIP of
   * `batch` exactly as write() does. Nothing is deleted or flagged before
   * commit(); rollback() forgets the keys. NULL when not supported.
   */
  etl_status (*write_present_keys)(etl_writer* writer, struct ArrowArray* batch,
                                   etl_error* error);

  /**
   * Since 1.2. Executes one SQL statement that returns no rows (DDL, INSERT,
   * UPDATE, DELETE) in its own transaction (see SQL OPERATIONS). `sql` is
   * borrowed. On ETL_OK fills result->rows_affected (within
   * result->struct_size). A statement that returns rows is run and its rows
   * are discarded. Refused while a writer is open on the instance. NULL
   * when not supported (then ETL_CAP_SQL_EXECUTE is not set).
   */
  etl_status (*execute)(etl_instance* instance, const char* sql, etl_execute_result* result,
                        etl_error* error);

  /**
   * Since 1.2. Runs one read-only query (see SQL OPERATIONS) and returns its
   * rows as an ArrowArrayStream of "+s" batches in the v1 types (see QUERY
   * RESULT TYPES). `sql` is borrowed; `out` is zeroed by the host. On ETL_OK
   * the plugin has filled *out and the host owns the stream: it calls
   * get_schema/get_next and finally release exactly once. The stream reads
   * one snapshot: rows committed by others while it is read are not seen;
   * batches are of bounded size (memory stays flat whatever the result's
   * size). A failure while reading is reported by get_next as in STREAM
   * ERRORS (ETL_STREAM_ERR_BAD_DATA for a value that does not fit its
   * column's type). Until the stream is released the host makes no other
   * call on the instance except cancel(). A statement that writes is
   * refused with ETL_ERR_INVALID_ARGUMENT; so is one that returns no
   * columns. Refused while a writer is open on the instance. NULL when not
   * supported (then ETL_CAP_SQL_QUERY is not set).
   */
  etl_status (*query)(etl_instance* instance, const char* sql, struct ArrowArrayStream* out,
                      etl_error* error);

  /* Fields added by later minor versions go here, marked "Since 1.N". */
};

/** The size of etl_warehouse_ops in ABI 1.0. */
#define ETL_WAREHOUSE_OPS_SIZE_1_0 (offsetof(etl_warehouse_ops, schema_get) + sizeof(void*))
/** The size of etl_warehouse_ops in ABI 1.1 (through write_present_keys). */
#define ETL_WAREHOUSE_OPS_SIZE_1_1 (offsetof(etl_warehouse_ops, write_present_keys) + sizeof(void*))
/** The size of etl_warehouse_ops in ABI 1.2 (through query). */
#define ETL_WAREHOUSE_OPS_SIZE_1_2 (offsetof(etl_warehouse_ops, query) + sizeof(void*))

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

/**
 * The one symbol a plugin exports:
 *
 *     ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi,
 *                                           const etl_host_api* host,
 *                                           etl_plugin* out,
 *                                           etl_error* error);
 *
 * Called once per process, on the host's main thread, right after dlopen.
 *
 *  - host_abi: the host's ETL_ABI_VERSION. If its major differs from the
 *    plugin's, the plugin sets out->abi_version and returns
 *    ETL_ERR_ABI_MISMATCH (the host also checks).
 *  - host: the host's service table, valid for the life of the process.
 *  - out: zeroed by the host, struct_size set; see etl_plugin.
 *  - error: zeroed by the host, struct_size set; filled on failure.
 *
 * Returns ETL_OK when `out` is filled. Must not call back into the host
 * except host->log(NULL, ...).
 */
typedef etl_status (*etl_plugin_init_fn)(uint32_t host_abi, const etl_host_api* host,
                                         etl_plugin* out, etl_error* error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ETL_PLUGIN_H */
