/*
 * json_text.h — the JSON text of a row, for the warehouse made by
 * `etl-host plugins new`: a growable text buffer, JSON strings, and each
 * cell of an Arrow batch (read with etl_reader.h) as a JSON value: NULL as
 * null, dates and timestamps as ISO 8601 text, binary as hex text, doubles
 * in their shortest exact form (non-finite ones as null), JSON columns as
 * they are. Header-only; the functions that allocate return 0 when out of
 * memory.
 */
#ifndef JSON_TEXT_H
#define JSON_TEXT_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_reader.h"

/** A growable byte buffer, always NUL-terminated. */
typedef struct text_buf {
  char* data;
  size_t size;
  size_t capacity;
} text_buf;

/** Appends n bytes; returns 0 when out of memory. */
static inline int buf_add(text_buf* b, const char* s, size_t n) {
  if (b->size + n + 1 > b->capacity) {
    size_t cap = b->capacity ? b->capacity : 256;
    char* bigger;
    while (cap < b->size + n + 1) cap *= 2;
    bigger = (char*)realloc(b->data, cap);
    if (bigger == NULL) return 0;
    b->data = bigger;
    b->capacity = cap;
  }
  memcpy(b->data + b->size, s, n);
  b->size += n;
  b->data[b->size] = '\0';
  return 1;
}

static inline int buf_str(text_buf* b, const char* s) { return buf_add(b, s, strlen(s)); }

/** Appends s[0..n) as a JSON string. */
static inline int buf_json_string(text_buf* b, const char* s, size_t n) {
  size_t i;
  if (!buf_add(b, "\"", 1)) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      if (!buf_add(b, esc, 2)) return 0;
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
      if (!buf_add(b, esc, 6)) return 0;
    } else if (!buf_add(b, s + i, 1)) {
      return 0;
    }
  }
  return buf_add(b, "\"", 1);
}


/** Civil date of a day count since 1970-01-01 (proleptic Gregorian). */
static inline void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  int64_t era, doe, yoe, doy, mp;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/** Appends `cell` as JSON; `json` when its column holds JSON documents
 *  (written as they are). 0: out of memory. */
static inline int append_cell(text_buf* b, const etl_cell* cell, int json) {
  char text[64];
  size_t i;
  if (cell->is_null) return buf_str(b, "null");
  switch (cell->type) {
    case ETL_TYPE_BOOL: return buf_str(b, cell->boolean ? "true" : "false");
    case ETL_TYPE_INT64:
      snprintf(text, sizeof text, "%" PRId64, cell->int64);
      return buf_str(b, text);
    case ETL_TYPE_FLOAT64: {
      int precision;
      if (isnan(cell->float64) || isinf(cell->float64)) return buf_str(b, "null"); /* JSON has neither */
      for (precision = 1; precision <= 17; precision++) { /* the shortest exact form */
        snprintf(text, sizeof text, "%.*g", precision, cell->float64);
        if (strtod(text, NULL) == cell->float64) break;
      }
      return buf_str(b, text);
    }
    case ETL_TYPE_DATE32:
    case ETL_TYPE_TIMESTAMP_US: {
      int64_t days = cell->date32, rest = 0, micros = 0, y;
      unsigned m, d;
      if (cell->type == ETL_TYPE_TIMESTAMP_US) { /* floor division, for times before 1970 */
        int64_t seconds = cell->timestamp_us / 1000000;
        micros = cell->timestamp_us % 1000000;
        if (micros < 0) {
          micros += 1000000;
          seconds--;
        }
        days = seconds / 86400;
        rest = seconds % 86400;
        if (rest < 0) {
          rest += 86400;
          days--;
        }
      }
      civil_from_days(days, &y, &m, &d);
      if (cell->type == ETL_TYPE_DATE32) {
        snprintf(text, sizeof text, "\"%04" PRId64 "-%02u-%02u\"", y, m, d);
      } else {
        snprintf(text, sizeof text, "\"%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%06uZ\"", y, m, d,
                 (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60), (unsigned)(rest % 60),
                 (unsigned)micros);
      }
      return buf_str(b, text);
    }
    case ETL_TYPE_UTF8:
      return json ? buf_add(b, cell->bytes, cell->length) : buf_json_string(b, cell->bytes, cell->length);
    case ETL_TYPE_BINARY:
      if (!buf_add(b, "\"", 1)) return 0;
      for (i = 0; i < cell->length; i++) {
        snprintf(text, sizeof text, "%02x", (unsigned)(unsigned char)cell->bytes[i]);
        if (!buf_add(b, text, 2)) return 0;
      }
      return buf_add(b, "\"", 1);
    case ETL_TYPE_NULL: break;
  }
  return buf_str(b, "null");
}

#endif /* JSON_TEXT_H */
