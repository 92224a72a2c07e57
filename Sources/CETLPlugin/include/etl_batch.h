/*
 * etl_batch.h — build Arrow batches row by row, in plain C (header-only).
 *
 * A plugin hands rows to the host as Arrow C Data Interface batches: a
 * struct array ("+s") whose children are the columns (see "BATCHES IN ABI
 * v1" in etl_plugin.h). This header builds them for you, so that a C plugin
 * never writes an Arrow buffer, offset or bitmap by hand. It is plain C99,
 * depends only on the C library, and every function is `static inline`:
 * include it in as many files as you like, there is nothing to link.
 *
 * USAGE
 *
 *     etl_batch_builder* b = etl_batch_new();
 *     if (b == NULL) return ENOMEM;
 *
 *     // 1. Declare the columns, in order, before the first value.
 *     etl_batch_add_column(b, "id", ETL_TYPE_INT64, 0);
 *     etl_batch_add_column(b, "name", ETL_TYPE_UTF8, 0);
 *     etl_batch_add_column(b, "tags", ETL_TYPE_UTF8, ETL_COLUMN_JSON);
 *
 *     // 2. Append one value per column, in column order, then end the row.
 *     for (i = 0; i < n; i++) {
 *       if (etl_batch_append_int64(b, rows[i].id) != ETL_OK ||
 *           etl_batch_append_string(b, rows[i].name) != ETL_OK ||  // NULL -> null
 *           etl_batch_append_text(b, rows[i].tags, rows[i].tags_len) != ETL_OK ||
 *           etl_batch_end_row(b) != ETL_OK) {
 *         report(etl_batch_last_error(b));   // e.g. "row 3: column 'id' is int64
 *         break;                             //       and cannot take a text value"
 *       }
 *     }
 *
 *     // 3. Move the rows out as one batch. The builder is empty again and
 *     //    keeps its columns, ready for the next batch.
 *     struct ArrowArray batch;
 *     struct ArrowSchema schema;
 *     if (etl_batch_finish(b, &batch, &schema) == ETL_OK) {
 *       ... hand them over; whoever ends up owning them calls
 *       batch.release(&batch) and schema.release(&schema) ...
 *     }
 *     etl_batch_free(b);
 *
 * WHAT IT PRODUCES
 *
 *   - The batch: format "+s", length = rows, null_count 0, one buffer (NULL,
 *     no validity), one child per column. Schema name "", no metadata.
 *   - Each column: nullable (ARROW_FLAG_NULLABLE), offset 0, its validity
 *     bitmap as buffer 0 (NULL when the column has no null), then its data
 *     buffers as the Arrow specification lays them out: bit-packed values
 *     for bool; 8-byte values for int64, float64 and timestamp; 4-byte
 *     values for date32; int32 offsets (starting at 0, length + 1 of them)
 *     then bytes for utf8 and binary; no buffer at all for null. Data
 *     buffers are never NULL, even when empty. Null slots hold zeroes.
 *   - Every struct has its own release callback: releasing the batch
 *     releases the columns still in it, and a column moved out of the batch
 *     (copied, then its original's release set to NULL, as the Arrow
 *     specification allows) can be released on its own, before or after the
 *     batch. Release sets release to NULL.
 *   - Flagged columns carry field metadata in Arrow's binary encoding:
 *     ETL_COLUMN_JSON -> ARROW:extension:name = arrow.json,
 *     ETL_COLUMN_UNTYPED -> etl.untyped = 1, ETL_COLUMN_RECORD ->
 *     etl.record = 1, etl_batch_add_decimal_column -> etl.decimal = p,s.
 *
 * ERRORS
 *
 *   Every function that can fail returns an etl_status: ETL_OK (0) on
 *   success; ETL_ERR_INVALID_ARGUMENT when the call breaks the rules (wrong
 *   type for the column, missing or extra value in a row, columns added too
 *   late, NULL arguments); ETL_ERR_DATA when the value cannot be stored
 *   (invalid UTF-8 in a utf8 column, a column's text would pass 2 GiB in one
 *   batch); ETL_ERR_UNKNOWN when memory runs out. A failed call changes
 *   nothing (the value is not appended, the row is not ended), so you may
 *   append another value, or drop the row with etl_batch_discard_row().
 *   etl_batch_last_error() says why, naming the row and the column (never
 *   the value). Row numbers in messages count from 1 within the current
 *   batch.
 *
 * THREADS
 *
 *   A builder is not thread-safe: use one builder per thread (or lock).
 *   The arrays and schemas it produces are independent of it and may be
 *   released from any thread.
 *
 * Names beginning with etl_bb_ are private to this header.
 */
#ifndef ETL_BATCH_H
#define ETL_BATCH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Column types and flags                                                    */
/* ------------------------------------------------------------------------ */

/** The type of a column: the v1 Arrow formats (see etl_plugin.h). */
typedef enum etl_column_type {
  /** "n": every value is null; only etl_batch_append_null() fits. */
  ETL_TYPE_NULL = 1,
  /** "b": true or false; etl_batch_append_bool(). */
  ETL_TYPE_BOOL = 2,
  /** "l": signed 64-bit integer; etl_batch_append_int64(). */
  ETL_TYPE_INT64 = 3,
  /** "g": IEEE 754 double; etl_batch_append_double(). */
  ETL_TYPE_FLOAT64 = 4,
  /** "u": UTF-8 text, int32 offsets; etl_batch_append_text() / _string(). */
  ETL_TYPE_UTF8 = 5,
  /** "z": bytes, int32 offsets; etl_batch_append_text() / _string(). */
  ETL_TYPE_BINARY = 6,
  /** "tdD": days since 1970-01-01; etl_batch_append_date32(). */
  ETL_TYPE_DATE32 = 7,
  /** "tsu:UTC": microseconds since the epoch, UTC;
   *  etl_batch_append_timestamp_us(). */
  ETL_TYPE_TIMESTAMP_US = 8
} etl_column_type;

/** Flags for etl_batch_add_column(). Each one needs an ETL_TYPE_UTF8 column;
 *  they exclude each other. */
enum etl_column_flag {
  /** The values are JSON documents (nested objects and arrays):
   *  metadata ARROW:extension:name = arrow.json. */
  ETL_COLUMN_JSON = 1 << 0,
  /** The values are raw text for the host to infer a type from (CSV):
   *  metadata etl.untyped = 1. */
  ETL_COLUMN_UNTYPED = 1 << 1,
  /** The only column: one JSON object per row, for the host to flatten:
   *  metadata etl.record = 1. */
  ETL_COLUMN_RECORD = 1 << 2,
  /** ABI 1.4: the values are the JSON text of one top-level member of the
   *  stream's records ("text" with its quotes, 12.5, true, [1,2]), typed by
   *  the host by their JSON kind: metadata etl.member = 1. Send it only to a
   *  host of 1.4 or later (MEMBER COLUMNS in etl_plugin.h). */
  ETL_COLUMN_MEMBER = 1 << 3
};

/* ------------------------------------------------------------------------ */
/* Private state (do not touch: read it through the functions below)        */
/* ------------------------------------------------------------------------ */

/** Private: a growable byte buffer. `hint` is the capacity the previous
 *  batch needed, to allocate it at once for the next one. */
typedef struct etl_bb_buf {
  uint8_t* data;
  size_t size;
  size_t capacity;
  size_t hint;
} etl_bb_buf;

/** Private: one declared column and the values of the current batch. */
typedef struct etl_bb_column {
  char* name;
  char* metadata;       /* Arrow-encoded field metadata, or NULL */
  size_t metadata_size;
  etl_column_type type;
  int has_validity;     /* validity bitmap started (at the first null) */
  int64_t length;
  int64_t null_count;
  etl_bb_buf validity;  /* 1 bit per value, 1 = valid */
  etl_bb_buf values;    /* bits (bool), fixed-width values or bytes */
  etl_bb_buf offsets;   /* int32 offsets (utf8, binary) */
} etl_bb_column;

/**
 * A batch builder. Create it with etl_batch_new(), free it with
 * etl_batch_free(). Its fields are private.
 */
typedef struct etl_batch_builder {
  etl_bb_column* columns;
  size_t column_count;
  size_t column_capacity;
  int64_t rows;   /* finished rows in the current batch */
  size_t filled;  /* values appended to the current row */
  int frozen;     /* no more columns: values or a schema exist */
  char error[256];
} etl_batch_builder;

/* Private: column-type masks for etl_bb_slot(). */
#define ETL_BB_MASK(type) (1u << (unsigned)(type))
#define ETL_BB_ANY 0xFFFFFFFFu

#if defined(__GNUC__) || defined(__clang__)
#define ETL_BB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ETL_BB_PRINTF(fmt, args)
#endif

static inline etl_status etl_bb_fail(etl_batch_builder* b, etl_status code,
                                     const char* fmt, ...) ETL_BB_PRINTF(3, 4);

/** Private: records why a call failed and returns `code`. */
static inline etl_status etl_bb_fail(etl_batch_builder* b, etl_status code,
                                     const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->error, sizeof b->error, fmt, ap);
  va_end(ap);
  return code;
}

/** Private: the failure for an allocation that did not succeed. */
static inline etl_status etl_bb_oom(etl_batch_builder* b) {
  return etl_bb_fail(b, ETL_ERR_UNKNOWN, "out of memory");
}

/** Private: the row number (from 1) that messages name. */
static inline long long etl_bb_row(const etl_batch_builder* b) {
  return (long long)b->rows + 1;
}

/** Private: the Arrow format string of a type, or NULL if unknown. */
static inline const char* etl_bb_format(etl_column_type type) {
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
  return NULL;
}

/** Private: the name of a type in messages. */
static inline const char* etl_bb_type_name(etl_column_type type) {
  switch (type) {
    case ETL_TYPE_NULL: return "null";
    case ETL_TYPE_BOOL: return "bool";
    case ETL_TYPE_INT64: return "int64";
    case ETL_TYPE_FLOAT64: return "float64";
    case ETL_TYPE_UTF8: return "utf8";
    case ETL_TYPE_BINARY: return "binary";
    case ETL_TYPE_DATE32: return "date32";
    case ETL_TYPE_TIMESTAMP_US: return "timestamp[us, UTC]";
  }
  return "unknown";
}

/** Private: bytes per value of a fixed-width type, 0 for the others. */
static inline size_t etl_bb_width(etl_column_type type) {
  switch (type) {
    case ETL_TYPE_INT64:
    case ETL_TYPE_FLOAT64:
    case ETL_TYPE_TIMESTAMP_US: return 8;
    case ETL_TYPE_DATE32: return 4;
    case ETL_TYPE_NULL:
    case ETL_TYPE_BOOL:
    case ETL_TYPE_UTF8:
    case ETL_TYPE_BINARY: return 0;
  }
  return 0;
}

/** Private: non-zero for utf8 and binary. */
static inline int etl_bb_is_varlen(etl_column_type type) {
  return type == ETL_TYPE_UTF8 || type == ETL_TYPE_BINARY;
}

/** Private: makes room for `extra` more bytes (not initialised).
 *  Returns 0 when out of memory, leaving the buffer as it was. */
static inline int etl_bb_reserve(etl_bb_buf* buf, size_t extra) {
  size_t need, cap;
  uint8_t* p;
  if (extra > (size_t)-1 - buf->size) return 0;
  need = buf->size + extra;
  if (buf->data != NULL && need <= buf->capacity) return 1;
  cap = buf->capacity;
  if (cap < 64) cap = buf->hint > 64 ? buf->hint : 64;
  while (cap < need) cap = cap > (size_t)-1 / 2 ? need : cap * 2;
  p = (uint8_t*)realloc(buf->data, cap);
  if (p == NULL) return 0;
  buf->data = p;
  buf->capacity = cap;
  return 1;
}

/** Private: hands the buffer's memory to the caller and empties it. */
static inline uint8_t* etl_bb_take(etl_bb_buf* buf) {
  uint8_t* data = buf->data;
  buf->hint = buf->capacity;
  buf->data = NULL;
  buf->size = 0;
  buf->capacity = 0;
  return data;
}

/** Private: sets or clears bit `i`. */
static inline void etl_bb_set_bit(uint8_t* bits, int64_t i, int on) {
  uint8_t mask = (uint8_t)(1u << (unsigned)(i & 7));
  if (on) {
    bits[i >> 3] = (uint8_t)(bits[i >> 3] | mask);
  } else {
    bits[i >> 3] = (uint8_t)(bits[i >> 3] & (uint8_t)~mask);
  }
}

/** Private: reads bit `i`. */
static inline int etl_bb_get_bit(const uint8_t* bits, int64_t i) {
  return (bits[i >> 3] >> (unsigned)(i & 7)) & 1;
}

/** Private: makes sure the bitmap has a byte for bit `index`. New bytes
 *  are zero, so the padding bits past the last value are always 0. */
static inline int etl_bb_bits_reserve(etl_bb_buf* buf, int64_t index) {
  size_t need = (size_t)(index >> 3) + 1;
  if (buf->size >= need) return 1;
  if (!etl_bb_reserve(buf, need - buf->size)) return 0;
  memset(buf->data + buf->size, 0, need - buf->size);
  buf->size = need;
  return 1;
}

/** Private: prepares the validity bitmap for the next value. The bitmap is
 *  started at the first null, with every earlier value marked valid. */
static inline int etl_bb_validity_reserve(etl_bb_column* c, int is_null) {
  int64_t i;
  size_t full;
  if (!c->has_validity && !is_null) return 1;
  if (!etl_bb_bits_reserve(&c->validity, c->length)) return 0;
  if (!c->has_validity) {
    full = (size_t)(c->length >> 3);
    memset(c->validity.data, 0xFF, full);
    for (i = (int64_t)full * 8; i < c->length; i++) etl_bb_set_bit(c->validity.data, i, 1);
    c->has_validity = 1;
  }
  return 1;
}

/** Private: the int32 offsets of a utf8 or binary column. */
static inline int32_t* etl_bb_offsets(etl_bb_column* c) {
  return (int32_t*)(void*)c->offsets.data;
}

/** Private: the end offset of the last value (0 when there is none). */
static inline int32_t etl_bb_last_offset(etl_bb_column* c) {
  return c->offsets.size == 0 ? 0 : etl_bb_offsets(c)[c->offsets.size / 4 - 1];
}

/** Private: makes room for one more offset (and the leading 0). */
static inline int etl_bb_offsets_reserve(etl_bb_column* c) {
  if (c->offsets.size == 0) {
    if (!etl_bb_reserve(&c->offsets, 8)) return 0;
    etl_bb_offsets(c)[0] = 0;
    c->offsets.size = 4;
    return 1;
  }
  return etl_bb_reserve(&c->offsets, 4);
}

/** Private: records that a value was appended to `c`. Memory must have been
 *  reserved. */
static inline void etl_bb_commit(etl_batch_builder* b, etl_bb_column* c, int is_null) {
  if (c->has_validity) etl_bb_set_bit(c->validity.data, c->length, !is_null);
  if (is_null) c->null_count++;
  c->length++;
  b->filled++;
}

/** Private: the column that takes the next value, checked against the
 *  types `accepts` (a mask of ETL_BB_MASK(type)). */
static inline etl_status etl_bb_slot(etl_batch_builder* b, unsigned accepts,
                                     const char* what, etl_bb_column** out) {
  etl_bb_column* c;
  if (b == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (b->filled >= b->column_count) {
    if (b->column_count == 0) {
      return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                         "row %lld: no columns: call etl_batch_add_column first",
                         etl_bb_row(b));
    }
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "row %lld: too many values: all %lu columns already have one "
                       "(call etl_batch_end_row)",
                       etl_bb_row(b), (unsigned long)b->column_count);
  }
  c = &b->columns[b->filled];
  if ((accepts & ETL_BB_MASK(c->type)) == 0) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "row %lld: column '%s' is %s and cannot take %s value",
                       etl_bb_row(b), c->name, etl_bb_type_name(c->type), what);
  }
  b->frozen = 1;
  *out = c;
  return ETL_OK;
}

/** Private: appends one fixed-width value (int64, float64, date32,
 *  timestamp) of `width` bytes. */
static inline etl_status etl_bb_append_fixed(etl_batch_builder* b, etl_column_type type,
                                             const char* what, const void* value,
                                             size_t width) {
  etl_bb_column* c = NULL;
  etl_status st = etl_bb_slot(b, ETL_BB_MASK(type), what, &c);
  if (st != ETL_OK) return st;
  if (!etl_bb_reserve(&c->values, width) || !etl_bb_validity_reserve(c, 0)) return etl_bb_oom(b);
  memcpy(c->values.data + c->values.size, value, width);
  c->values.size += width;
  etl_bb_commit(b, c, 0);
  return ETL_OK;
}

/** Private: non-zero when s[0..n) is valid UTF-8; otherwise *bad is the
 *  offset of the first byte that is not. */
static inline int etl_bb_utf8_valid(const uint8_t* s, size_t n, size_t* bad) {
  size_t i = 0, k, len;
  uint32_t cp, min;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      uint64_t word;
      i++;
      /* fast path: 8 ASCII bytes at a time */
      while (n - i >= 8) {
        memcpy(&word, s + i, 8);
        if ((word & UINT64_C(0x8080808080808080)) != 0) break;
        i += 8;
      }
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2; cp = c & 0x1Fu; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3; cp = c & 0x0Fu; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4; cp = c & 0x07u; min = 0x10000;
    } else {
      *bad = i;
      return 0;
    }
    if (n - i < len) {
      *bad = i;
      return 0;
    }
    for (k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) {
        *bad = i;
        return 0;
      }
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      *bad = i;
      return 0;
    }
    i += len;
  }
  return 1;
}

/** Private: a malloc'd copy of `s` (n bytes, plus a NUL). */
static inline char* etl_bb_strndup(const char* s, size_t n) {
  char* p = (char*)malloc(n + 1);
  if (p == NULL) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

/** Private: declares a column, with one metadata pair when key != NULL. */
static inline etl_status etl_bb_add(etl_batch_builder* b, const char* name,
                                    etl_column_type type, const char* key,
                                    const char* value) {
  size_t i, name_len, key_len, value_len, bad = 0;
  etl_bb_column* c;
  int32_t n32;
  if (b->frozen) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "cannot add column '%s': the columns are fixed once a value is "
                       "appended or a schema or batch is exported",
                       name);
  }
  name_len = strlen(name);
  if (!etl_bb_utf8_valid((const uint8_t*)name, name_len, &bad)) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "column %lu: the name is not valid UTF-8 (byte %lu)",
                       (unsigned long)b->column_count + 1, (unsigned long)bad);
  }
  for (i = 0; i < b->column_count; i++) {
    if (strcmp(b->columns[i].name, name) == 0) {
      return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                         "column '%s' is declared twice (columns %lu and %lu)", name,
                         (unsigned long)i + 1, (unsigned long)b->column_count + 1);
    }
  }
  if (b->column_count == b->column_capacity) {
    size_t cap = b->column_capacity ? b->column_capacity * 2 : 8;
    etl_bb_column* cols;
    if (cap > (size_t)-1 / sizeof *cols) return etl_bb_oom(b);
    cols = (etl_bb_column*)realloc(b->columns, cap * sizeof *cols);
    if (cols == NULL) return etl_bb_oom(b);
    b->columns = cols;
    b->column_capacity = cap;
  }
  c = &b->columns[b->column_count];
  memset(c, 0, sizeof *c);
  c->type = type;
  c->name = etl_bb_strndup(name, name_len);
  if (c->name == NULL) return etl_bb_oom(b);
  if (key != NULL) {
    /* int32 pair count, then int32 length + bytes for the key and value */
    key_len = strlen(key);
    value_len = strlen(value);
    c->metadata_size = 4 + 4 + key_len + 4 + value_len;
    c->metadata = (char*)malloc(c->metadata_size);
    if (c->metadata == NULL) {
      free(c->name);
      c->name = NULL;
      return etl_bb_oom(b);
    }
    n32 = 1;
    memcpy(c->metadata, &n32, 4);
    n32 = (int32_t)key_len;
    memcpy(c->metadata + 4, &n32, 4);
    memcpy(c->metadata + 8, key, key_len);
    n32 = (int32_t)value_len;
    memcpy(c->metadata + 8 + key_len, &n32, 4);
    memcpy(c->metadata + 12 + key_len, value, value_len);
  }
  b->column_count++;
  return ETL_OK;
}

/** Private: frees memory that an Arrow struct points to through const. */
static inline void etl_bb_free_const(const void* p) {
  free((void*)(uintptr_t)p);
}

/** Private: release callback of a column array. */
static inline void etl_bb_release_column(struct ArrowArray* array) {
  const void** buffers;
  int i;
  if (array == NULL || array->release == NULL) return;
  buffers = (const void**)array->private_data; /* the 3 buffer slots */
  for (i = 0; i < 3; i++) etl_bb_free_const(buffers[i]);
  free(buffers);
  array->release = NULL;
}

/** Private: what a batch's release frees. */
typedef struct etl_bb_batch_private {
  const void* buffers[1];        /* the struct's validity: NULL */
  size_t n;
  struct ArrowArray** children;  /* n pointers into kids */
  struct ArrowArray* kids;       /* n column arrays */
} etl_bb_batch_private;

/** Private: release callback of a batch: releases the columns still in it. */
static inline void etl_bb_release_batch(struct ArrowArray* array) {
  etl_bb_batch_private* p;
  size_t i;
  if (array == NULL || array->release == NULL) return;
  p = (etl_bb_batch_private*)array->private_data;
  for (i = 0; i < p->n; i++) {
    struct ArrowArray* child = &p->kids[i];
    if (child->release != NULL) child->release(child);
  }
  free(p->kids);
  free(p->children);
  free(p);
  array->release = NULL;
}

/** Private: release callback of a column schema. */
static inline void etl_bb_release_field(struct ArrowSchema* schema) {
  if (schema == NULL || schema->release == NULL) return;
  etl_bb_free_const(schema->name);
  etl_bb_free_const(schema->metadata);
  schema->release = NULL;
}

/** Private: what a "+s" schema's release frees. */
typedef struct etl_bb_schema_private {
  size_t n;
  struct ArrowSchema** children;
  struct ArrowSchema* kids;
} etl_bb_schema_private;

/** Private: release callback of a "+s" schema: releases its fields. */
static inline void etl_bb_release_schema(struct ArrowSchema* schema) {
  etl_bb_schema_private* p;
  size_t i;
  if (schema == NULL || schema->release == NULL) return;
  p = (etl_bb_schema_private*)schema->private_data;
  for (i = 0; i < p->n; i++) {
    struct ArrowSchema* child = &p->kids[i];
    if (child->release != NULL) child->release(child);
  }
  free(p->kids);
  free(p->children);
  free(p);
  schema->release = NULL;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */
/* ------------------------------------------------------------------------ */

/**
 * Creates an empty builder with no columns.
 *
 * Ownership: the caller owns the builder and frees it with etl_batch_free().
 * Errors: returns NULL when out of memory.
 */
static inline etl_batch_builder* etl_batch_new(void) {
  etl_batch_builder* b = (etl_batch_builder*)calloc(1, sizeof *b);
  return b;
}

/**
 * Frees the builder and the rows it still holds (those not yet moved out
 * by etl_batch_finish()). Batches and schemas already exported stay valid:
 * they are released through their own release callbacks. NULL is a no-op.
 */
static inline void etl_batch_free(etl_batch_builder* b) {
  size_t i;
  if (b == NULL) return;
  for (i = 0; i < b->column_count; i++) {
    etl_bb_column* c = &b->columns[i];
    free(c->name);
    free(c->metadata);
    free(c->validity.data);
    free(c->values.data);
    free(c->offsets.data);
  }
  free(b->columns);
  free(b);
}

/**
 * Declares the next column: its name, its type and flags (0, or one of
 * ETL_COLUMN_JSON, ETL_COLUMN_UNTYPED, ETL_COLUMN_RECORD, ETL_COLUMN_MEMBER,
 * each only on an ETL_TYPE_UTF8 column). Every column is nullable.
 *
 * Columns must all be declared before the first value is appended and
 * before any schema or batch is exported; they stay the same for every
 * batch the builder makes.
 *
 * Ownership: `name` (UTF-8, NUL-terminated) is copied.
 * Errors: ETL_ERR_INVALID_ARGUMENT for a NULL builder or name, an unknown
 * type or flag, a flag on a column that is not utf8, two flags at once, a
 * name that is not UTF-8 or already declared, or columns already fixed;
 * ETL_ERR_UNKNOWN when out of memory.
 */
static inline etl_status etl_batch_add_column(etl_batch_builder* b, const char* name,
                                              etl_column_type type, uint32_t flags) {
  const uint32_t known = ETL_COLUMN_JSON | ETL_COLUMN_UNTYPED | ETL_COLUMN_RECORD | ETL_COLUMN_MEMBER;
  if (b == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (name == NULL) return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT, "column name is NULL");
  if (etl_bb_format(type) == NULL) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "column '%s': unknown type %d (use an ETL_TYPE_ value)", name,
                       (int)type);
  }
  if ((flags & ~known) != 0) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "column '%s': unknown flags 0x%lx (use ETL_COLUMN_ values)", name,
                       (unsigned long)(flags & ~known));
  }
  if ((flags & (flags - 1)) != 0) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "column '%s': ETL_COLUMN_JSON, ETL_COLUMN_UNTYPED, "
                       "ETL_COLUMN_RECORD and ETL_COLUMN_MEMBER exclude each other",
                       name);
  }
  if (flags != 0 && type != ETL_TYPE_UTF8) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "column '%s': flag 0x%lx needs an ETL_TYPE_UTF8 column, not %s",
                       name, (unsigned long)flags, etl_bb_type_name(type));
  }
  if (flags == ETL_COLUMN_JSON) return etl_bb_add(b, name, type, "ARROW:extension:name", "arrow.json");
  if (flags == ETL_COLUMN_UNTYPED) return etl_bb_add(b, name, type, "etl.untyped", "1");
  if (flags == ETL_COLUMN_RECORD) return etl_bb_add(b, name, type, "etl.record", "1");
  if (flags == ETL_COLUMN_MEMBER) return etl_bb_add(b, name, type, "etl.member", "1");
  return etl_bb_add(b, name, type, NULL, NULL);
}

/**
 * Declares the next column as an exact decimal carried as utf8 text
 * (e.g. "-12.50"), with metadata etl.decimal = "<precision>,<scale>".
 * Append its values with etl_batch_append_text() or _string().
 *
 * Ownership: `name` is copied.
 * Errors: as etl_batch_add_column(); also ETL_ERR_INVALID_ARGUMENT unless
 * 1 <= precision and 0 <= scale <= precision.
 */
static inline etl_status etl_batch_add_decimal_column(etl_batch_builder* b, const char* name,
                                                      int32_t precision, int32_t scale) {
  char value[32];
  if (b == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (name == NULL) return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT, "column name is NULL");
  if (precision < 1 || scale < 0 || scale > precision) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "column '%s': decimal(%ld, %ld) is invalid: need 1 <= precision "
                       "and 0 <= scale <= precision",
                       name, (long)precision, (long)scale);
  }
  snprintf(value, sizeof value, "%ld,%ld", (long)precision, (long)scale);
  return etl_bb_add(b, name, ETL_TYPE_UTF8, "etl.decimal", value);
}

/** Returns the number of declared columns (0 for a NULL builder). */
static inline int64_t etl_batch_column_count(const etl_batch_builder* b) {
  return b == NULL ? 0 : (int64_t)b->column_count;
}

/**
 * Appends a null to the next column of the current row. Fits every type.
 * Errors: ETL_ERR_INVALID_ARGUMENT when the row already has a value for
 * every column (or there are no columns); ETL_ERR_UNKNOWN when out of
 * memory.
 */
static inline etl_status etl_batch_append_null(etl_batch_builder* b) {
  etl_bb_column* c = NULL;
  size_t width;
  etl_status st = etl_bb_slot(b, ETL_BB_ANY, "a null", &c);
  if (st != ETL_OK) return st;
  if (c->type == ETL_TYPE_NULL) { /* no buffers at all */
    etl_bb_commit(b, c, 1);
    return ETL_OK;
  }
  width = etl_bb_width(c->type);
  if (c->type == ETL_TYPE_BOOL) {
    if (!etl_bb_bits_reserve(&c->values, c->length)) return etl_bb_oom(b);
  } else if (etl_bb_is_varlen(c->type)) {
    if (!etl_bb_offsets_reserve(c)) return etl_bb_oom(b);
  } else if (!etl_bb_reserve(&c->values, width)) {
    return etl_bb_oom(b);
  }
  if (!etl_bb_validity_reserve(c, 1)) return etl_bb_oom(b);
  if (c->type == ETL_TYPE_BOOL) {
    etl_bb_set_bit(c->values.data, c->length, 0);
  } else if (etl_bb_is_varlen(c->type)) {
    int32_t end = etl_bb_last_offset(c);
    etl_bb_offsets(c)[c->offsets.size / 4] = end;
    c->offsets.size += 4;
  } else {
    memset(c->values.data + c->values.size, 0, width);
    c->values.size += width;
  }
  etl_bb_commit(b, c, 1);
  return ETL_OK;
}

/**
 * Appends true (non-zero) or false (0) to the next column, which must be
 * ETL_TYPE_BOOL.
 * Errors: ETL_ERR_INVALID_ARGUMENT for another type or a full row;
 * ETL_ERR_UNKNOWN when out of memory.
 */
static inline etl_status etl_batch_append_bool(etl_batch_builder* b, int value) {
  etl_bb_column* c = NULL;
  etl_status st = etl_bb_slot(b, ETL_BB_MASK(ETL_TYPE_BOOL), "a bool", &c);
  if (st != ETL_OK) return st;
  if (!etl_bb_bits_reserve(&c->values, c->length) || !etl_bb_validity_reserve(c, 0)) {
    return etl_bb_oom(b);
  }
  etl_bb_set_bit(c->values.data, c->length, value != 0);
  etl_bb_commit(b, c, 0);
  return ETL_OK;
}

/**
 * Appends an integer to the next column, which must be ETL_TYPE_INT64.
 * Errors: ETL_ERR_INVALID_ARGUMENT for another type or a full row;
 * ETL_ERR_UNKNOWN when out of memory.
 */
static inline etl_status etl_batch_append_int64(etl_batch_builder* b, int64_t value) {
  return etl_bb_append_fixed(b, ETL_TYPE_INT64, "an int64", &value, sizeof value);
}

/**
 * Appends a double (NaN and infinities included) to the next column, which
 * must be ETL_TYPE_FLOAT64.
 * Errors: ETL_ERR_INVALID_ARGUMENT for another type or a full row;
 * ETL_ERR_UNKNOWN when out of memory.
 */
static inline etl_status etl_batch_append_double(etl_batch_builder* b, double value) {
  return etl_bb_append_fixed(b, ETL_TYPE_FLOAT64, "a float64", &value, sizeof value);
}

/**
 * Appends a date, as days since 1970-01-01 (negative before), to the next
 * column, which must be ETL_TYPE_DATE32.
 * Errors: ETL_ERR_INVALID_ARGUMENT for another type or a full row;
 * ETL_ERR_UNKNOWN when out of memory.
 */
static inline etl_status etl_batch_append_date32(etl_batch_builder* b, int32_t days) {
  return etl_bb_append_fixed(b, ETL_TYPE_DATE32, "a date32", &days, sizeof days);
}

/**
 * Appends an instant, as microseconds since 1970-01-01T00:00:00Z (negative
 * before), to the next column, which must be ETL_TYPE_TIMESTAMP_US.
 * Errors: ETL_ERR_INVALID_ARGUMENT for another type or a full row;
 * ETL_ERR_UNKNOWN when out of memory.
 */
static inline etl_status etl_batch_append_timestamp_us(etl_batch_builder* b, int64_t micros) {
  return etl_bb_append_fixed(b, ETL_TYPE_TIMESTAMP_US, "a timestamp", &micros, sizeof micros);
}

/**
 * Appends `length` bytes to the next column, which must be ETL_TYPE_UTF8
 * (the bytes must then be valid UTF-8; no NUL terminator needed, embedded
 * NULs allowed) or ETL_TYPE_BINARY (any bytes). An empty value is not a
 * null: use etl_batch_append_null() for that.
 *
 * Ownership: the bytes are copied; `data` may be NULL when length is 0.
 * Errors: ETL_ERR_INVALID_ARGUMENT for another type, a full row, or a NULL
 * `data` with a non-zero length; ETL_ERR_DATA when a utf8 value is not
 * valid UTF-8, or when the column's bytes in this batch would pass
 * INT32_MAX (finish the batch earlier: discard the row, finish, append the
 * row again); ETL_ERR_UNKNOWN when out of memory.
 */
static inline etl_status etl_batch_append_text(etl_batch_builder* b, const char* data,
                                               size_t length) {
  etl_bb_column* c = NULL;
  size_t bad = 0;
  int32_t end;
  etl_status st = etl_bb_slot(b, ETL_BB_MASK(ETL_TYPE_UTF8) | ETL_BB_MASK(ETL_TYPE_BINARY),
                              "a text", &c);
  if (st != ETL_OK) return st;
  if (data == NULL && length != 0) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "row %lld: column '%s': data is NULL but length is %lu",
                       etl_bb_row(b), c->name, (unsigned long)length);
  }
  end = etl_bb_last_offset(c);
  if (length > (size_t)(INT32_MAX - end)) {
    return etl_bb_fail(b, ETL_ERR_DATA,
                       "row %lld: column '%s' would hold more than %ld bytes in one batch; "
                       "finish the batch earlier",
                       etl_bb_row(b), c->name, (long)INT32_MAX);
  }
  if (c->type == ETL_TYPE_UTF8 && !etl_bb_utf8_valid((const uint8_t*)data, length, &bad)) {
    return etl_bb_fail(b, ETL_ERR_DATA,
                       "row %lld: column '%s': the value is not valid UTF-8 (byte %lu)",
                       etl_bb_row(b), c->name, (unsigned long)bad);
  }
  if (!etl_bb_offsets_reserve(c) || !etl_bb_reserve(&c->values, length) ||
      !etl_bb_validity_reserve(c, 0)) {
    return etl_bb_oom(b);
  }
  if (length != 0) memcpy(c->values.data + c->values.size, data, length);
  c->values.size += length;
  etl_bb_offsets(c)[c->offsets.size / 4] = end + (int32_t)length;
  c->offsets.size += 4;
  etl_bb_commit(b, c, 0);
  return ETL_OK;
}

/**
 * Appends a NUL-terminated string to the next column (utf8 or binary), or a
 * null when `s` is NULL. Same as etl_batch_append_text(b, s, strlen(s)).
 * Errors: as etl_batch_append_text() (and etl_batch_append_null()).
 */
static inline etl_status etl_batch_append_string(etl_batch_builder* b, const char* s) {
  if (s == NULL) return etl_batch_append_null(b);
  return etl_batch_append_text(b, s, strlen(s));
}

/**
 * Ends the current row. Every column must have received exactly one value.
 * Errors: ETL_ERR_INVALID_ARGUMENT when some columns have no value yet
 * (the row stays open: append the missing values, or discard it).
 */
static inline etl_status etl_batch_end_row(etl_batch_builder* b) {
  if (b == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (b->filled != b->column_count) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "row %lld: column '%s' got no value (%lu of %lu columns have one)",
                       etl_bb_row(b), b->columns[b->filled].name, (unsigned long)b->filled,
                       (unsigned long)b->column_count);
  }
  b->frozen = 1;
  b->filled = 0;
  b->rows++;
  return ETL_OK;
}

/**
 * Drops the values appended to the current, unfinished row, as if they had
 * never been appended. Finished rows are kept. A no-op when no value has
 * been appended since the last etl_batch_end_row(), or for NULL.
 */
static inline void etl_batch_discard_row(etl_batch_builder* b) {
  size_t i;
  if (b == NULL) return;
  for (i = 0; i < b->filled; i++) {
    etl_bb_column* c = &b->columns[i];
    int64_t last = c->length - 1;
    int was_null = c->type == ETL_TYPE_NULL ||
                   (c->has_validity && !etl_bb_get_bit(c->validity.data, last));
    if (c->has_validity) {
      etl_bb_set_bit(c->validity.data, last, 0);
      c->validity.size = (size_t)(last + 7) / 8;
    }
    if (c->type == ETL_TYPE_BOOL) {
      etl_bb_set_bit(c->values.data, last, 0);
      c->values.size = (size_t)(last + 7) / 8;
    } else if (etl_bb_is_varlen(c->type)) {
      size_t old_size = c->values.size;
      c->offsets.size -= 4;
      c->values.size = (size_t)etl_bb_last_offset(c);
      if (old_size > c->values.size) {
        memset(c->values.data + c->values.size, 0, old_size - c->values.size);
      }
    } else if (c->type != ETL_TYPE_NULL) {
      c->values.size -= etl_bb_width(c->type);
    }
    if (was_null) c->null_count--;
    c->length = last;
  }
  b->filled = 0;
}

/**
 * Returns the number of finished rows in the current batch (rows ended
 * since the last etl_batch_finish()); 0 for NULL.
 */
static inline int64_t etl_batch_row_count(const etl_batch_builder* b) {
  return b == NULL ? 0 : b->rows;
}

/**
 * Exports the "+s" schema of the batches this builder makes, e.g. for an
 * ArrowArrayStream's get_schema(). Fixes the columns (no more may be added).
 *
 * Ownership: on success *out is a new schema owned by the caller, who
 * calls out->release(out) once. The builder is unchanged otherwise.
 * Errors: ETL_ERR_INVALID_ARGUMENT for a NULL argument; ETL_ERR_UNKNOWN
 * when out of memory (*out is left untouched).
 */
static inline etl_status etl_batch_get_schema(etl_batch_builder* b, struct ArrowSchema* out) {
  etl_bb_schema_private* p;
  size_t i, n;
  if (b == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (out == NULL) return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT, "output schema is NULL");
  n = b->column_count;
  p = (etl_bb_schema_private*)calloc(1, sizeof *p);
  if (p == NULL) return etl_bb_oom(b);
  if (n != 0) {
    p->children = (struct ArrowSchema**)calloc(n, sizeof *p->children);
    p->kids = (struct ArrowSchema*)calloc(n, sizeof *p->kids);
    if (p->children == NULL || p->kids == NULL) {
      free(p->children);
      free(p->kids);
      free(p);
      return etl_bb_oom(b);
    }
  }
  p->n = n;
  for (i = 0; i < n; i++) {
    const etl_bb_column* c = &b->columns[i];
    struct ArrowSchema* f = &p->kids[i];
    char* name = etl_bb_strndup(c->name, strlen(c->name));
    char* metadata = NULL;
    if (name != NULL && c->metadata != NULL) {
      metadata = (char*)malloc(c->metadata_size);
      if (metadata != NULL) memcpy(metadata, c->metadata, c->metadata_size);
    }
    if (name == NULL || (c->metadata != NULL && metadata == NULL)) {
      struct ArrowSchema partial;
      free(name);
      p->n = i; /* release the fields made so far */
      partial.release = etl_bb_release_schema;
      partial.private_data = p;
      etl_bb_release_schema(&partial);
      return etl_bb_oom(b);
    }
    f->format = etl_bb_format(c->type);
    f->name = name;
    f->metadata = metadata;
    f->flags = ARROW_FLAG_NULLABLE;
    f->n_children = 0;
    f->children = NULL;
    f->dictionary = NULL;
    f->release = etl_bb_release_field;
    f->private_data = NULL;
    p->children[i] = f;
  }
  out->format = "+s";
  out->name = "";
  out->metadata = NULL;
  out->flags = 0;
  out->n_children = (int64_t)n;
  out->children = p->children;
  out->dictionary = NULL;
  out->release = etl_bb_release_schema;
  out->private_data = p;
  b->frozen = 1;
  return ETL_OK;
}

/**
 * Moves the finished rows out as one "+s" batch (possibly of 0 rows) and,
 * when `out_schema` is not NULL, its schema too. The builder is then empty
 * and ready for the next batch, with the same columns.
 *
 * Ownership: on success *out_array (and *out_schema) belong to the caller,
 * who calls their release once. The builder keeps nothing of them.
 * Errors: ETL_ERR_INVALID_ARGUMENT for a NULL builder or array, or when a
 * row is unfinished (end it or discard it first); ETL_ERR_UNKNOWN when out
 * of memory. On failure the outputs are untouched and the rows stay in the
 * builder.
 */
static inline etl_status etl_batch_finish(etl_batch_builder* b, struct ArrowArray* out_array,
                                          struct ArrowSchema* out_schema) {
  etl_bb_batch_private* p = NULL;
  const void*** slots = NULL; /* each column's 3 buffer slots */
  struct ArrowSchema schema;
  size_t i, n;
  etl_status st;
  if (b == NULL) return ETL_ERR_INVALID_ARGUMENT;
  if (out_array == NULL) return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT, "output array is NULL");
  if (b->filled != 0) {
    return etl_bb_fail(b, ETL_ERR_INVALID_ARGUMENT,
                       "row %lld is unfinished (%lu of %lu columns have a value): call "
                       "etl_batch_end_row or etl_batch_discard_row before etl_batch_finish",
                       etl_bb_row(b), (unsigned long)b->filled, (unsigned long)b->column_count);
  }
  n = b->column_count;

  /* Allocate everything first, so that a failure changes nothing. */
  p = (etl_bb_batch_private*)calloc(1, sizeof *p);
  if (p == NULL) goto oom;
  if (n != 0) {
    p->children = (struct ArrowArray**)calloc(n, sizeof *p->children);
    p->kids = (struct ArrowArray*)calloc(n, sizeof *p->kids);
    slots = (const void***)calloc(n, sizeof *slots);
    if (p->children == NULL || p->kids == NULL || slots == NULL) goto oom;
  }
  for (i = 0; i < n; i++) {
    etl_bb_column* c = &b->columns[i];
    slots[i] = (const void**)calloc(3, sizeof(const void*));
    if (slots[i] == NULL) goto oom;
    /* data buffers are never NULL, even for 0 rows */
    if (c->type != ETL_TYPE_NULL) {
      if (!etl_bb_reserve(&c->values, 1)) goto oom;
      if (c->values.size == 0) c->values.data[0] = 0;
    }
    if (etl_bb_is_varlen(c->type) && !etl_bb_offsets_reserve(c)) goto oom;
  }
  if (out_schema != NULL) {
    st = etl_batch_get_schema(b, &schema);
    if (st != ETL_OK) {
      for (i = 0; i < n; i++) free((void*)slots[i]);
      free((void*)slots);
      free(p->children);
      free(p->kids);
      free(p);
      return st;
    }
  }

  /* Move the buffers into the column arrays. */
  p->n = n;
  for (i = 0; i < n; i++) {
    etl_bb_column* c = &b->columns[i];
    struct ArrowArray* a = &p->kids[i];
    const void** buffers = slots[i];
    uint8_t* validity = etl_bb_take(&c->validity);
    if (c->null_count > 0 && c->type != ETL_TYPE_NULL) {
      buffers[0] = validity;
    } else {
      free(validity);
    }
    if (c->type == ETL_TYPE_NULL) {
      a->n_buffers = 0;
    } else if (etl_bb_is_varlen(c->type)) {
      a->n_buffers = 3;
      buffers[1] = etl_bb_take(&c->offsets);
      buffers[2] = etl_bb_take(&c->values);
    } else {
      a->n_buffers = 2;
      buffers[1] = etl_bb_take(&c->values);
    }
    a->length = c->length;
    a->null_count = c->null_count;
    a->offset = 0;
    a->n_children = 0;
    a->buffers = buffers;
    a->children = NULL;
    a->dictionary = NULL;
    a->release = etl_bb_release_column;
    a->private_data = (void*)buffers;
    p->children[i] = a;
    c->length = 0;
    c->null_count = 0;
    c->has_validity = 0;
  }
  free((void*)slots);
  p->buffers[0] = NULL;
  out_array->length = b->rows;
  out_array->null_count = 0;
  out_array->offset = 0;
  out_array->n_buffers = 1;
  out_array->n_children = (int64_t)n;
  out_array->buffers = p->buffers;
  out_array->children = p->children;
  out_array->dictionary = NULL;
  out_array->release = etl_bb_release_batch;
  out_array->private_data = p;
  if (out_schema != NULL) *out_schema = schema;
  b->rows = 0;
  b->frozen = 1;
  return ETL_OK;

oom:
  if (slots != NULL) {
    for (i = 0; i < n; i++) free((void*)slots[i]);
    free((void*)slots);
  }
  if (p != NULL) {
    free(p->children);
    free(p->kids);
    free(p);
  }
  return etl_bb_oom(b);
}

/**
 * Says why the last failing call on this builder failed, e.g. "row 3:
 * column 'size' is int64 and cannot take a bool value". Empty when no call
 * has failed yet.
 *
 * Ownership: the string belongs to the builder; it is valid until the next
 * call on the builder. Never contains row values.
 */
static inline const char* etl_batch_last_error(const etl_batch_builder* b) {
  if (b == NULL) return "the builder is NULL (did etl_batch_new run out of memory?)";
  return b->error;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ETL_BATCH_H */
