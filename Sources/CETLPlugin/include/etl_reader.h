/*
 * etl_reader.h — read the rows of Arrow batches in plain C (header-only).
 *
 * A warehouse's write() gets each batch as an Arrow C Data Interface struct
 * array ("+s", one child per column; see "BATCHES IN ABI v1" in
 * etl_plugin.h), described by the ArrowSchema that begin() got. This header
 * reads them cell by cell, so that a C warehouse never decodes an Arrow
 * buffer, offset or bitmap by hand. It is plain C99, depends only on the C
 * library (and etl_batch.h for the column types), and every function is
 * `static inline`: include it anywhere, there is nothing to link.
 *
 * USAGE
 *
 *     // in begin(): learn the columns (names are copied)
 *     etl_batch_reader reader;
 *     if (etl_reader_init(&reader, request->schema) != ETL_OK) {
 *       // e.g. "column 'at' has format 'tsn:', which ABI v1 does not define"
 *       return fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_reader_last_error(&reader));
 *     }
 *     ... reader.column_count, reader.columns[i].name, .type, .flags ...
 *
 *     // in write(): check the batch, then read its cells
 *     if (etl_reader_set_batch(&reader, batch) != ETL_OK) {
 *       // e.g. "column 'name': row 3 is not valid UTF-8"
 *       return fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_reader_last_error(&reader));
 *     }
 *     for (row = 0; row < etl_reader_row_count(&reader); row++) {
 *       for (col = 0; col < reader.column_count; col++) {
 *         etl_cell cell;
 *         etl_reader_get(&reader, row, col, &cell);
 *         if (cell.is_null) ...
 *         else if (cell.type == ETL_TYPE_INT64) ... cell.int64 ...
 *         else if (cell.type == ETL_TYPE_UTF8) ... cell.bytes, cell.length ...
 *       }
 *     }
 *
 *     // in commit() or rollback(): free the copied names
 *     etl_reader_free(&reader);
 *
 * WHAT IT READS
 *
 *   The v1 formats: "b" bool, "l" int64, "g" float64, "u" utf8, "z"
 *   binary, "tdD" date32, "tsu:UTC" timestamp (microseconds, UTC), "n"
 *   null. Decimals and JSON documents are utf8 columns: their field
 *   metadata sets columns[i].flags (ETL_COLUMN_JSON, ETL_COLUMN_UNTYPED,
 *   ETL_COLUMN_RECORD) or decimal_precision and decimal_scale. A schema
 *   with any other format is refused by etl_reader_init().
 *
 *   etl_reader_set_batch() checks what the cells depend on before you read
 *   one, and refuses a batch that would make a reader go wrong: a column
 *   count other than the schema's, a child shorter than the batch, missing
 *   buffers, a null_count that disagrees with the validity bitmap, utf8 or
 *   binary offsets that are negative or decrease, utf8 values that are not
 *   valid UTF-8. It honours the offsets of the batch and of each column
 *   (a slice reads as its rows only). It cannot know the size of a buffer:
 *   a buffer shorter than its offsets say is not detected.
 *
 * MEMORY
 *
 *   The reader copies the column names and frees them in etl_reader_free()
 *   (call it once for every etl_reader_init(), even a failed one). The
 *   schema is borrowed for the etl_reader_init() call only; a batch is
 *   borrowed from etl_reader_set_batch() until the next set_batch, so keep
 *   it unreleased while you read. A cell's bytes point into the batch: copy
 *   them if you need them after it is released. Nothing else is allocated.
 *
 * ERRORS
 *
 *   Functions that can fail return an etl_status: ETL_OK (0) on success,
 *   ETL_ERR_INVALID_ARGUMENT for a schema, batch or index they refuse,
 *   ETL_ERR_UNKNOWN when memory runs out. etl_reader_last_error() says why,
 *   naming the column and the row (from 1, within the batch), never a
 *   value. The message is written for the host, which adds the plugin's
 *   name: do not prefix your own.
 *
 * THREADS
 *
 *   A reader is not thread-safe: one reader per thread (or lock).
 *
 * Names beginning with etl_rd_ are private to this header.
 */
#ifndef ETL_READER_H
#define ETL_READER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_batch.h"
#include "etl_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One column of the schema a reader was made for. Read-only. */
typedef struct etl_reader_column {
  /** The column's name, as the schema gives it (a copy). */
  char* name;
  /** Its type: one of the v1 formats. */
  etl_column_type type;
  /** The etl_column_flag its metadata sets (ETL_COLUMN_JSON,
   *  ETL_COLUMN_UNTYPED, ETL_COLUMN_RECORD), or 0. */
  unsigned flags;
  /** For a decimal (utf8 with metadata etl.decimal = p,s): its precision
   *  (at least 1); 0 for any other column. */
  int32_t decimal_precision;
  /** For a decimal: its scale; 0 for any other column. */
  int32_t decimal_scale;
} etl_reader_column;

/**
 * A reader of the batches of one schema. Fill it with etl_reader_init(),
 * free it with etl_reader_free(). `column_count` and `columns` may be read;
 * the other fields are private.
 */
typedef struct etl_batch_reader {
  /** How many columns the schema has. */
  int64_t column_count;
  /** The columns, in schema order. */
  etl_reader_column* columns;
  const struct ArrowArray* batch; /* private: the current batch, borrowed */
  char error[256];                /* private: see etl_reader_last_error() */
} etl_batch_reader;

/**
 * One cell. `type` is its column's type; when `is_null` is 0, the field of
 * that type holds the value (the others are zero).
 */
typedef struct etl_cell {
  /** The column's type. */
  etl_column_type type;
  /** Non-zero when the cell is null (always for ETL_TYPE_NULL). */
  int is_null;
  /** ETL_TYPE_BOOL: 1 or 0. */
  int boolean;
  /** ETL_TYPE_INT64: the value. */
  int64_t int64;
  /** ETL_TYPE_FLOAT64: the value. */
  double float64;
  /** ETL_TYPE_DATE32: days since 1970-01-01. */
  int32_t date32;
  /** ETL_TYPE_TIMESTAMP_US: microseconds since 1970-01-01T00:00:00Z. */
  int64_t timestamp_us;
  /** ETL_TYPE_UTF8, ETL_TYPE_BINARY: the bytes, inside the batch; not
   *  NUL-terminated (a value may hold NUL bytes). */
  const char* bytes;
  /** ETL_TYPE_UTF8, ETL_TYPE_BINARY: how many bytes. */
  size_t length;
} etl_cell;

#if defined(__GNUC__) || defined(__clang__)
#define ETL_RD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ETL_RD_PRINTF(fmt, args)
#endif

/* ------------------------------------------------------------------------ */
/* Private helpers                                                           */
/* ------------------------------------------------------------------------ */

static inline etl_status etl_rd_fail(etl_batch_reader* r, etl_status code, const char* fmt, ...)
    ETL_RD_PRINTF(3, 4);

/** Private: records why a call failed and returns `code`. */
static inline etl_status etl_rd_fail(etl_batch_reader* r, etl_status code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
  return code;
}

/** Private: the type of an Arrow format string; 0 when v1 has none. */
static inline etl_column_type etl_rd_type(const char* format) {
  static const char* const formats[] = {"n", "b", "l", "g", "u", "z", "tdD", "tsu:UTC"};
  static const etl_column_type types[] = {ETL_TYPE_NULL, ETL_TYPE_BOOL, ETL_TYPE_INT64,
                                          ETL_TYPE_FLOAT64, ETL_TYPE_UTF8, ETL_TYPE_BINARY,
                                          ETL_TYPE_DATE32, ETL_TYPE_TIMESTAMP_US};
  size_t i;
  for (i = 0; format != NULL && i < sizeof formats / sizeof formats[0]; i++) {
    if (strcmp(format, formats[i]) == 0) return types[i];
  }
  return (etl_column_type)0;
}

/** Private: reads a native int32 at p. */
static inline int32_t etl_rd_int32(const char* p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/**
 * Private: applies the field metadata (Arrow's binary key/value encoding)
 * to `column`. Returns 0 when it is malformed.
 */
static inline int etl_rd_metadata(const char* metadata, etl_reader_column* column) {
  int32_t pairs, i;
  const char* p = metadata;
  if (metadata == NULL) return 1;
  pairs = etl_rd_int32(p);
  p += 4;
  if (pairs < 0) return 0;
  for (i = 0; i < pairs; i++) {
    const char* key;
    const char* value;
    int32_t key_length = etl_rd_int32(p), value_length;
    if (key_length < 0) return 0;
    key = p + 4;
    value_length = etl_rd_int32(key + key_length);
    if (value_length < 0) return 0;
    value = key + key_length + 4;
    p = value + value_length;
#define ETL_RD_IS(text, length, literal) \
  ((size_t)(length) == sizeof(literal) - 1 && memcmp((text), (literal), sizeof(literal) - 1) == 0)
    if (ETL_RD_IS(key, key_length, "ARROW:extension:name") && ETL_RD_IS(value, value_length, "arrow.json")) {
      column->flags |= ETL_COLUMN_JSON;
    } else if (ETL_RD_IS(key, key_length, "etl.untyped") && ETL_RD_IS(value, value_length, "1")) {
      column->flags |= ETL_COLUMN_UNTYPED;
    } else if (ETL_RD_IS(key, key_length, "etl.record") && ETL_RD_IS(value, value_length, "1")) {
      column->flags |= ETL_COLUMN_RECORD;
    } else if (ETL_RD_IS(key, key_length, "etl.decimal")) {
      char text[32];
      long precision, scale;
      char extra;
      if (value_length >= (int32_t)sizeof text) return 0;
      memcpy(text, value, (size_t)value_length);
      text[value_length] = '\0';
      if (sscanf(text, "%ld,%ld%c", &precision, &scale, &extra) != 2 || precision < 1 ||
          precision > INT32_MAX || scale < 0 || scale > precision) {
        return 0;
      }
      column->decimal_precision = (int32_t)precision;
      column->decimal_scale = (int32_t)scale;
    }
#undef ETL_RD_IS
  }
  return 1;
}

/** Private: bit i of a bitmap. */
static inline int etl_rd_bit(const void* bits, int64_t i) {
  return (((const uint8_t*)bits)[i >> 3] >> (i & 7)) & 1;
}

/** Private: checks column `index` of `batch` (see etl_reader_set_batch). */
static inline etl_status etl_rd_check_column(etl_batch_reader* r, const struct ArrowArray* batch,
                                             int64_t index) {
  const etl_reader_column* column = &r->columns[index];
  const struct ArrowArray* c = batch->children[index];
  const char* name = column->name;
  etl_column_type type = column->type;
  int64_t buffers = type == ETL_TYPE_NULL ? 0 : (type == ETL_TYPE_UTF8 || type == ETL_TYPE_BINARY) ? 3 : 2;
  int64_t first, i, nulls = 0;
  if (c == NULL || c->release == NULL) {
    return etl_rd_fail(r, ETL_ERR_INVALID_ARGUMENT, "column '%s' is missing from the batch", name);
  }
  if (c->length < 0 || c->offset < 0 || c->length < batch->offset + batch->length) {
    return etl_rd_fail(r, ETL_ERR_INVALID_ARGUMENT,
                       "column '%s' has %lld values from offset %lld; the batch needs %lld",
                       name, (long long)c->length, (long long)c->offset,
                       (long long)(batch->offset + batch->length));
  }
  if (buffers == 0) return ETL_OK;
  if (c->n_buffers != buffers || c->buffers == NULL) {
    return etl_rd_fail(r, ETL_ERR_INVALID_ARGUMENT, "column '%s' has %lld buffers; %s needs %lld",
                       name, (long long)c->n_buffers, etl_bb_type_name(type), (long long)buffers);
  }
  if (c->length > 0 && (c->buffers[1] == NULL || (buffers == 3 && c->buffers[2] == NULL &&
                                                  ((const int32_t*)c->buffers[1])[c->offset + c->length] >
                                                      ((const int32_t*)c->buffers[1])[c->offset]))) {
    return etl_rd_fail(r, ETL_ERR_INVALID_ARGUMENT, "column '%s' has a NULL data buffer", name);
  }
  /* validity: null_count must agree with the bitmap over the column */
  if (c->buffers[0] != NULL) {
    for (i = c->offset; i < c->offset + c->length; i++) nulls += !etl_rd_bit(c->buffers[0], i);
  }
  if (c->null_count != -1 && c->null_count != nulls) {
    return etl_rd_fail(r, ETL_ERR_INVALID_ARGUMENT,
                       "column '%s': null_count is %lld, but the validity bitmap marks %lld null%s",
                       name, (long long)c->null_count, (long long)nulls, nulls == 1 ? "" : "s");
  }
  if (buffers != 3) return ETL_OK;
  /* offsets of the rows the batch covers: from 0, never decreasing */
  first = c->offset + batch->offset;
  for (i = 0; i < batch->length; i++) {
    const int32_t* offsets = (const int32_t*)c->buffers[1];
    int32_t start = offsets[first + i], end = offsets[first + i + 1];
    size_t bad;
    if (start < 0 || end < start) {
      return etl_rd_fail(r, ETL_ERR_INVALID_ARGUMENT,
                         "column '%s': row %lld has offsets %ld to %ld (negative or decreasing)",
                         name, (long long)i + 1, (long)start, (long)end);
    }
    if (type == ETL_TYPE_UTF8 && end > start &&
        (c->buffers[0] == NULL || etl_rd_bit(c->buffers[0], first + i)) &&
        !etl_bb_utf8_valid((const uint8_t*)c->buffers[2] + start, (size_t)(end - start), &bad)) {
      return etl_rd_fail(r, ETL_ERR_INVALID_ARGUMENT, "column '%s': row %lld is not valid UTF-8",
                         name, (long long)i + 1);
    }
  }
  return ETL_OK;
}

/* ------------------------------------------------------------------------ */
/* The API                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * Prepares `reader` for the batches of `schema` (a "+s" struct whose
 * children are the columns; borrowed for this call only): copies each
 * column's name, type and metadata. Fails with ETL_ERR_INVALID_ARGUMENT
 * for a schema that is not a struct ("the schema is not a struct
 * (format '+s')"), a column without a name, a format ABI v1 does not
 * define ("column 'at' has format 'tsn:', which ABI v1 does not define")
 * or malformed metadata. Call etl_reader_free() afterwards in any case.
 */
static inline etl_status etl_reader_init(etl_batch_reader* reader, const struct ArrowSchema* schema) {
  int64_t i;
  memset(reader, 0, sizeof *reader);
  if (schema == NULL || schema->format == NULL || strcmp(schema->format, "+s") != 0 ||
      schema->n_children < 0 || (schema->n_children > 0 && schema->children == NULL)) {
    return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "the schema is not a struct (format '+s')");
  }
  reader->columns = (etl_reader_column*)calloc((size_t)schema->n_children + 1, sizeof *reader->columns);
  if (reader->columns == NULL) return etl_rd_fail(reader, ETL_ERR_UNKNOWN, "out of memory");
  for (i = 0; i < schema->n_children; i++) {
    const struct ArrowSchema* field = schema->children[i];
    etl_reader_column* column = &reader->columns[i];
    if (field == NULL || field->name == NULL) {
      return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "column %lld has no name", (long long)i + 1);
    }
    column->name = etl_bb_strndup(field->name, strlen(field->name));
    if (column->name == NULL) return etl_rd_fail(reader, ETL_ERR_UNKNOWN, "out of memory");
    reader->column_count = i + 1; /* from now on etl_reader_free() frees this name */
    column->type = etl_rd_type(field->format);
    if (column->type == 0) {
      return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT,
                         "column '%s' has format '%s', which ABI v1 does not define", field->name,
                         field->format != NULL ? field->format : "(null)");
    }
    if (!etl_rd_metadata(field->metadata, column)) {
      return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "column '%s' has malformed metadata",
                         field->name);
    }
  }
  return ETL_OK;
}

/** Frees what `reader` copied (the column names). The reader reads no more
 *  batches afterwards; etl_reader_init() may fill it again. */
static inline void etl_reader_free(etl_batch_reader* reader) {
  int64_t i;
  if (reader == NULL) return;
  for (i = 0; reader->columns != NULL && i < reader->column_count; i++) free(reader->columns[i].name);
  free(reader->columns);
  reader->columns = NULL;
  reader->column_count = 0;
  reader->batch = NULL;
}

/**
 * Makes `batch` the batch the reader reads (borrowed: keep it unreleased
 * until the next call), after checking it against the schema (see WHAT IT
 * READS). Fails with ETL_ERR_INVALID_ARGUMENT, e.g. "the batch has 2
 * columns; the schema has 3", "column 'id': null_count is 0, but the
 * validity bitmap marks 1 null", "column 'name': row 3 has offsets 7 to 5
 * (negative or decreasing)"; then the reader has no batch (0 rows).
 */
static inline etl_status etl_reader_set_batch(etl_batch_reader* reader, const struct ArrowArray* batch) {
  int64_t i;
  etl_status st;
  reader->batch = NULL;
  if (batch == NULL || batch->release == NULL) {
    return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "the batch is NULL or released");
  }
  if (batch->length < 0 || batch->offset < 0) {
    return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "the batch has length %lld and offset %lld",
                       (long long)batch->length, (long long)batch->offset);
  }
  if (batch->null_count > 0) {
    return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT,
                       "the batch has null rows (null_count %lld); v1 allows none",
                       (long long)batch->null_count);
  }
  if (batch->n_children != reader->column_count || (batch->n_children > 0 && batch->children == NULL)) {
    return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "the batch has %lld columns; the schema has %lld",
                       (long long)batch->n_children, (long long)reader->column_count);
  }
  for (i = 0; i < reader->column_count; i++) {
    st = etl_rd_check_column(reader, batch, i);
    if (st != ETL_OK) return st;
  }
  reader->batch = batch;
  return ETL_OK;
}

/** The rows of the current batch (0 when there is none). */
static inline int64_t etl_reader_row_count(const etl_batch_reader* reader) {
  return reader->batch != NULL ? reader->batch->length : 0;
}

/**
 * Reads the cell at `row` (from 0) of column `column` (from 0) of the
 * current batch into *out. Fails with ETL_ERR_INVALID_ARGUMENT when there
 * is no batch or an index is out of range ("row 7 is out of range (the
 * batch has 5 rows)").
 */
static inline etl_status etl_reader_get(etl_batch_reader* reader, int64_t row, int64_t column,
                                        etl_cell* out) {
  const struct ArrowArray* c;
  int64_t at;
  memset(out, 0, sizeof *out);
  if (reader->batch == NULL) return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "there is no batch");
  if (row < 0 || row >= reader->batch->length) {
    return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT, "row %lld is out of range (the batch has %lld rows)",
                       (long long)row, (long long)reader->batch->length);
  }
  if (column < 0 || column >= reader->column_count) {
    return etl_rd_fail(reader, ETL_ERR_INVALID_ARGUMENT,
                       "column %lld is out of range (the schema has %lld columns)", (long long)column,
                       (long long)reader->column_count);
  }
  out->type = reader->columns[column].type;
  c = reader->batch->children[column];
  at = c->offset + reader->batch->offset + row;
  if (out->type == ETL_TYPE_NULL || (c->buffers[0] != NULL && !etl_rd_bit(c->buffers[0], at))) {
    out->is_null = 1;
    return ETL_OK;
  }
  switch (out->type) {
    case ETL_TYPE_BOOL: out->boolean = etl_rd_bit(c->buffers[1], at); break;
    case ETL_TYPE_INT64: memcpy(&out->int64, (const int64_t*)c->buffers[1] + at, 8); break;
    case ETL_TYPE_FLOAT64: memcpy(&out->float64, (const double*)c->buffers[1] + at, 8); break;
    case ETL_TYPE_DATE32: memcpy(&out->date32, (const int32_t*)c->buffers[1] + at, 4); break;
    case ETL_TYPE_TIMESTAMP_US: memcpy(&out->timestamp_us, (const int64_t*)c->buffers[1] + at, 8); break;
    case ETL_TYPE_UTF8:
    case ETL_TYPE_BINARY: {
      const int32_t* offsets = (const int32_t*)c->buffers[1];
      out->length = (size_t)(offsets[at + 1] - offsets[at]);
      /* a NULL data buffer is allowed when every value is empty */
      out->bytes = c->buffers[2] != NULL ? (const char*)c->buffers[2] + offsets[at] : "";
      break;
    }
    case ETL_TYPE_NULL: break;
  }
  return ETL_OK;
}

/** Why the last failed call on `reader` failed; "" when none has. */
static inline const char* etl_reader_last_error(const etl_batch_reader* reader) {
  return reader->error;
}

#ifdef __cplusplus
}
#endif

#endif /* ETL_READER_H */
