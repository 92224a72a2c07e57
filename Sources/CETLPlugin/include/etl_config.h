/*
 * etl_config.h — read a plugin's config JSON in plain C (header-only).
 *
 * open() gets the config as JSON text (etl_open_request.config_json): one
 * object whose values are strings, numbers, booleans, null, arrays or
 * objects, already checked by the host against the plugin's config_schema.
 * This header reads it by key, so that a C plugin never parses JSON by
 * hand. It is plain C99, depends only on the C library, and every function
 * is `static inline`: include it anywhere, there is nothing to link.
 *
 * USAGE
 *
 *     etl_config config;
 *     char* path = NULL;
 *     int64_t count = 10;                        // the default
 *     if (etl_config_parse(&config, request->config_json) != ETL_OK ||
 *         etl_config_get_string(&config, "path", ETL_CONFIG_REQUIRED, &path) != ETL_OK ||
 *         etl_config_get_int(&config, "count", ETL_CONFIG_OPTIONAL, 0, 1000, &count) != ETL_OK) {
 *       // e.g. "config key 'count': must be an integer from 0 to 1000"
 *       etl_status st = fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_config_last_error(&config));
 *       free(path);
 *       return st;
 *     }
 *     ... use path (yours: free() it) and count ...
 *
 * WHAT IT ACCEPTS
 *
 *   - etl_config_parse() checks the whole text once: strict JSON (RFC 8259)
 *     with an object at the top, nesting up to 64 levels. NULL or an empty
 *     text (only whitespace) reads as {}. A key that appears twice at the
 *     top is refused ("config key 'dir' appears twice"): the host never
 *     sends one, and no reader can tell which value was meant.
 *   - Keys are compared after decoding their escapes, byte for byte.
 *   - A key whose value is null counts as missing.
 *   - Strings decode every escape, \uXXXX included (a surrogate pair is one
 *     code point; a lone surrogate is refused). A string holding \u0000
 *     cannot be a C string and is refused by the getters that return one.
 *     Unescaped bytes are copied as they are (the host sends UTF-8).
 *   - Integers: JSON integers only (no fraction, no exponent) within the
 *     range the caller gives. Numbers: any JSON number, as a double.
 *   - Any JSON object can be read the same way, not only a config:
 *     etl_config_get_members() lists an object's members (keys decoded,
 *     values as JSON text) and etl_config_is_json() checks any JSON text.
 *
 * MEMORY
 *
 *   An etl_config borrows the JSON text: keep it alive (and unchanged)
 *   while you read; open()'s config_json lives until open() returns. The
 *   etl_config itself owns nothing and needs no free. Three getters
 *   allocate with malloc(), and the caller frees: etl_config_get_string
 *   (free()), etl_config_get_string_array (etl_config_free_strings()) and
 *   etl_config_get_members (etl_config_free_members()). The others, and
 *   etl_config_get_json (a pointer into the borrowed text), allocate
 *   nothing. On failure no getter allocates or changes its outputs.
 *   Each getter scans the text from the start: configs are small.
 *
 * ERRORS
 *
 *   Every function that can fail returns an etl_status: ETL_OK (0) on
 *   success; ETL_ERR_INVALID_ARGUMENT when the config is malformed or a
 *   value is missing or of the wrong type; ETL_ERR_UNKNOWN when memory runs
 *   out. etl_config_last_error() then says why, naming the key (never its
 *   value, which may be a secret): "config key 'path' is missing",
 *   "config key 'path': must be a string", "the config is not valid JSON:
 *   expected ':' at byte 9". The message is written for the host, which
 *   adds the plugin's name: do not prefix your own.
 *
 * THREADS
 *
 *   An etl_config is not thread-safe (a failure writes its message): use
 *   one per thread, or a lock. Parsing the same text again is cheap.
 *
 * Names beginning with etl_cfg_ are private to this header.
 */
#ifndef ETL_CONFIG_H
#define ETL_CONFIG_H

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

/** Whether a getter fails when its key is missing (or null). */
typedef enum etl_config_presence {
  /** A missing key is fine: the getter returns ETL_OK and leaves *out as
   *  it was (set it to the default first). */
  ETL_CONFIG_OPTIONAL = 0,
  /** A missing key fails: "config key '<key>' is missing". */
  ETL_CONFIG_REQUIRED = 1
} etl_config_presence;

/**
 * A parsed config. Fill it with etl_config_parse(); its fields are private.
 * It borrows the JSON text and owns nothing: there is no free function.
 */
typedef struct etl_config {
  const char* json;   /* the borrowed text; "{}" for NULL or blank */
  char error[256];    /* the last failure, for etl_config_last_error() */
} etl_config;

/** The deepest nesting etl_config_parse() accepts. */
#define ETL_CONFIG_MAX_DEPTH 64

#if defined(__GNUC__) || defined(__clang__)
#define ETL_CFG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ETL_CFG_PRINTF(fmt, args)
#endif

/* ------------------------------------------------------------------------ */
/* Private helpers                                                           */
/* ------------------------------------------------------------------------ */

static inline etl_status etl_cfg_fail(etl_config* c, etl_status code, const char* fmt, ...)
    ETL_CFG_PRINTF(3, 4);

/** Private: records why a call failed and returns `code`. */
static inline etl_status etl_cfg_fail(etl_config* c, etl_status code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->error, sizeof c->error, fmt, ap);
  va_end(ap);
  return code;
}

/** Private: skips JSON whitespace. */
static inline const char* etl_cfg_ws(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/** Private: the value of 4 hex digits at p, or -1. */
static inline long etl_cfg_hex4(const char* p) {
  long v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    char ch = p[i];
    v <<= 4;
    if (ch >= '0' && ch <= '9') v |= ch - '0';
    else if (ch >= 'a' && ch <= 'f') v |= ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') v |= ch - 'A' + 10;
    else return -1;
  }
  return v;
}

/** Private: where and why a check failed. */
typedef struct etl_cfg_problem {
  const char* why;
  const char* at;
} etl_cfg_problem;

/** Private: records a problem at p; returns NULL. */
static inline const char* etl_cfg_bad(etl_cfg_problem* problem, const char* p, const char* why) {
  problem->why = why;
  problem->at = p;
  return NULL;
}

/** Private: appends code point cp as UTF-8 at out + *j (when out is not
 *  NULL) and advances *j. */
static inline void etl_cfg_put_utf8(char* out, size_t* j, long cp) {
  unsigned char bytes[4];
  size_t n, i;
  if (cp < 0x80) {
    bytes[0] = (unsigned char)cp;
    n = 1;
  } else if (cp < 0x800) {
    bytes[0] = (unsigned char)(0xC0 | (cp >> 6));
    bytes[1] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    bytes[0] = (unsigned char)(0xE0 | (cp >> 12));
    bytes[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    bytes[2] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    bytes[0] = (unsigned char)(0xF0 | (cp >> 18));
    bytes[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    bytes[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    bytes[3] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  if (out != NULL) {
    for (i = 0; i < n; i++) out[*j + i] = (char)bytes[i];
  }
  *j += n;
}

/**
 * Private: decodes the JSON string whose opening quote is at p. Writes its
 * UTF-8 bytes to `out` when `out` is not NULL (it needs at most as many
 * bytes as the string's text: no escape decodes longer than itself), sets
 * *length to their count and *has_nul when a \u0000 occurs. Returns the
 * character after the closing quote, or NULL (with `problem` set) when the
 * string is malformed.
 */
static inline const char* etl_cfg_string(const char* p, char* out, size_t* length, int* has_nul,
                                         etl_cfg_problem* problem) {
  size_t j = 0;
  *has_nul = 0;
  for (p++; *p != '"'; p++) {
    long cp, low;
    unsigned char ch = (unsigned char)*p;
    if (ch == '\0') return etl_cfg_bad(problem, p, "unterminated string");
    if (ch < 0x20) return etl_cfg_bad(problem, p, "control character in a string");
    if (ch != '\\') {
      if (out != NULL) out[j] = (char)ch;
      j++;
      continue;
    }
    switch (p[1]) {
      case '"': cp = '"'; break;
      case '\\': cp = '\\'; break;
      case '/': cp = '/'; break;
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u':
        cp = etl_cfg_hex4(p + 2);
        if (cp < 0) return etl_cfg_bad(problem, p, "bad \\u escape");
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return etl_cfg_bad(problem, p, "lone surrogate in a \\u escape");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          low = p[6] == '\\' && p[7] == 'u' ? etl_cfg_hex4(p + 8) : -1;
          if (low < 0xDC00 || low > 0xDFFF) {
            return etl_cfg_bad(problem, p, "lone surrogate in a \\u escape");
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          p += 6;
        }
        p += 4;
        break;
      default: return etl_cfg_bad(problem, p, "bad escape in a string");
    }
    p++; /* the escape letter; the loop steps past the last byte */
    if (cp == 0) *has_nul = 1;
    etl_cfg_put_utf8(out, &j, cp);
  }
  *length = j;
  return p + 1;
}

/** Private: the end of the JSON number at p (RFC 8259 grammar), or NULL;
 *  *integer is set when it has no fraction and no exponent. */
static inline const char* etl_cfg_number(const char* p, int* integer) {
  *integer = 1;
  if (*p == '-') p++;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    while (*p >= '0' && *p <= '9') p++;
  } else {
    return NULL;
  }
  if (*p == '.') {
    *integer = 0;
    p++;
    if (*p < '0' || *p > '9') return NULL;
    while (*p >= '0' && *p <= '9') p++;
  }
  if (*p == 'e' || *p == 'E') {
    *integer = 0;
    p++;
    if (*p == '+' || *p == '-') p++;
    if (*p < '0' || *p > '9') return NULL;
    while (*p >= '0' && *p <= '9') p++;
  }
  return p;
}

/** Private: skips the JSON value at p (after whitespace), checking it
 *  strictly. Returns its end, or NULL with `problem` set. */
static inline const char* etl_cfg_value(const char* p, int depth, etl_cfg_problem* problem) {
  size_t length;
  int flag;
  p = etl_cfg_ws(p);
  if (depth > ETL_CONFIG_MAX_DEPTH) return etl_cfg_bad(problem, p, "nesting deeper than 64");
  switch (*p) {
    case '"': return etl_cfg_string(p, NULL, &length, &flag, problem);
    case 't': if (strncmp(p, "true", 4) == 0) return p + 4; break;
    case 'f': if (strncmp(p, "false", 5) == 0) return p + 5; break;
    case 'n': if (strncmp(p, "null", 4) == 0) return p + 4; break;
    case '[':
    case '{': {
      char close = *p == '[' ? ']' : '}';
      int object = *p == '{';
      p = etl_cfg_ws(p + 1);
      if (*p == close) return p + 1;
      for (;;) {
        if (object) {
          if (*p != '"') return etl_cfg_bad(problem, p, "expected a key");
          p = etl_cfg_string(p, NULL, &length, &flag, problem);
          if (p == NULL) return NULL;
          p = etl_cfg_ws(p);
          if (*p != ':') return etl_cfg_bad(problem, p, "expected ':'");
          p++;
        }
        p = etl_cfg_value(p, depth + 1, problem);
        if (p == NULL) return NULL;
        p = etl_cfg_ws(p);
        if (*p == close) return p + 1;
        if (*p != ',') {
          return etl_cfg_bad(problem, p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        p = etl_cfg_ws(p + 1);
      }
    }
    default:
      if (*p == '-' || (*p >= '0' && *p <= '9')) {
        const char* end = etl_cfg_number(p, &flag);
        return end != NULL ? end : etl_cfg_bad(problem, p, "malformed number");
      }
  }
  return etl_cfg_bad(problem, p, *p == '\0' ? "unexpected end" : "expected a value");
}

/** Private: the first member of the well-formed object at p (its key's
 *  quote), or the closing brace. */
static inline const char* etl_cfg_first_member(const char* p) {
  return etl_cfg_ws(etl_cfg_ws(p) + 1);
}

/** Private: steps from the member whose key's quote is at p to the next
 *  one (or the closing brace); *value is the member's value. The object is
 *  known to be well formed. */
static inline const char* etl_cfg_next_member(const char* p, const char** value) {
  etl_cfg_problem problem;
  size_t length;
  int flag;
  p = etl_cfg_ws(etl_cfg_string(p, NULL, &length, &flag, &problem));
  *value = etl_cfg_ws(p + 1); /* past ':' */
  p = etl_cfg_ws(etl_cfg_value(*value, 1, &problem));
  return *p == ',' ? etl_cfg_ws(p + 1) : p;
}

/** Private: decodes the well-formed string at p into a malloc'd C string.
 *  NULL when it holds \u0000 (*st INVALID_ARGUMENT) or when memory runs
 *  out (*st UNKNOWN). */
static inline char* etl_cfg_cstring(const char* p, etl_status* st) {
  etl_cfg_problem problem;
  size_t length;
  int has_nul;
  char* out;
  etl_cfg_string(p, NULL, &length, &has_nul, &problem);
  if (has_nul) {
    *st = ETL_ERR_INVALID_ARGUMENT;
    return NULL;
  }
  out = (char*)malloc(length + 1);
  if (out == NULL) {
    *st = ETL_ERR_UNKNOWN;
    return NULL;
  }
  etl_cfg_string(p, out, &length, &has_nul, &problem);
  out[length] = '\0';
  *st = ETL_OK;
  return out;
}

/** Private: 1 when the well-formed key at p decodes to `key`, 0 when not,
 *  -1 when memory runs out. */
static inline int etl_cfg_key_is(const char* p, const char* key) {
  etl_status st;
  int same;
  char* decoded = etl_cfg_cstring(p, &st);
  if (decoded == NULL) return st == ETL_ERR_UNKNOWN ? -1 : 0;
  same = strcmp(decoded, key) == 0;
  free(decoded);
  return same;
}

/**
 * Private: the value of `key` at the top of the config (after whitespace),
 * or NULL when it is missing or null. *st is ETL_ERR_INVALID_ARGUMENT when
 * the key is required and missing, ETL_ERR_UNKNOWN when memory ran out,
 * ETL_OK otherwise; the message is recorded.
 */
static inline const char* etl_cfg_lookup(etl_config* c, const char* key,
                                         etl_config_presence presence, etl_status* st) {
  const char* p = etl_cfg_first_member(c->json);
  *st = ETL_OK;
  while (*p == '"') {
    const char* value;
    int match = etl_cfg_key_is(p, key);
    if (match < 0) {
      *st = etl_cfg_fail(c, ETL_ERR_UNKNOWN, "out of memory");
      return NULL;
    }
    p = etl_cfg_next_member(p, &value);
    if (match) {
      if (strncmp(value, "null", 4) != 0) return value;
      break;
    }
  }
  if (presence == ETL_CONFIG_REQUIRED) {
    *st = etl_cfg_fail(c, ETL_ERR_INVALID_ARGUMENT, "config key '%s' is missing", key);
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* The API                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * Checks `json` and prepares `config` to read it. `json` is borrowed: keep
 * it alive while you read. NULL or blank text reads as an empty object.
 * Fails with ETL_ERR_INVALID_ARGUMENT when the text is not JSON ("the
 * config is not valid JSON: expected ':' at byte 9", bytes counted from
 * 0), not an object ("the config is not a JSON object"), or has a key
 * twice at the top ("config key 'dir' appears twice"); then every getter
 * reads `config` as {}.
 */
static inline etl_status etl_config_parse(etl_config* config, const char* json) {
  etl_cfg_problem problem = {NULL, NULL};
  const char* p;
  const char* end;
  config->error[0] = '\0';
  config->json = "{}";
  if (json == NULL || *etl_cfg_ws(json) == '\0') return ETL_OK;
  end = etl_cfg_value(json, 0, &problem);
  if (end != NULL && *etl_cfg_ws(end) != '\0') {
    end = etl_cfg_bad(&problem, etl_cfg_ws(end), "text after the value");
  }
  if (end == NULL) {
    return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "the config is not valid JSON: %s at byte %ld",
                        problem.why, (long)(problem.at - json));
  }
  if (*etl_cfg_ws(json) != '{') {
    return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "the config is not a JSON object");
  }
  /* refuse a key given twice: compare each key with the ones after it */
  for (p = etl_cfg_first_member(json); *p == '"';) {
    const char* value;
    const char* later;
    etl_status st;
    char* key = etl_cfg_cstring(p, &st);
    p = etl_cfg_next_member(p, &value);
    if (key == NULL) {
      if (st == ETL_ERR_INVALID_ARGUMENT) continue; /* holds \u0000: no getter can ask for it */
      return etl_cfg_fail(config, ETL_ERR_UNKNOWN, "out of memory");
    }
    for (later = p; *later == '"'; later = etl_cfg_next_member(later, &value)) {
      int same = etl_cfg_key_is(later, key);
      if (same != 0) {
        if (same > 0) etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "config key '%s' appears twice", key);
        else etl_cfg_fail(config, ETL_ERR_UNKNOWN, "out of memory");
        free(key);
        return same > 0 ? ETL_ERR_INVALID_ARGUMENT : ETL_ERR_UNKNOWN;
      }
    }
    free(key);
  }
  config->json = json;
  return ETL_OK;
}

/** Why the last failed call on `config` failed; "" when none has. The text
 *  lives in `config` until its next failure. */
static inline const char* etl_config_last_error(const etl_config* config) {
  return config->error;
}

/** Non-zero when `key` is at the top of the config with a value other than
 *  null. */
static inline int etl_config_has(etl_config* config, const char* key) {
  etl_status st;
  return etl_cfg_lookup(config, key, ETL_CONFIG_OPTIONAL, &st) != NULL;
}

/**
 * Reads the string `key` into *out: a malloc'd, NUL-terminated UTF-8 copy
 * that the caller frees with free(). Fails with "config key 'path': must be
 * a string" for another type and "config key 'path': must not contain
 * \u0000" for a string that cannot be a C string. A missing key fails when
 * `presence` is ETL_CONFIG_REQUIRED; otherwise *out is left unchanged.
 */
static inline etl_status etl_config_get_string(etl_config* config, const char* key,
                                               etl_config_presence presence, char** out) {
  etl_status st;
  char* text;
  const char* value = etl_cfg_lookup(config, key, presence, &st);
  if (value == NULL) return st;
  if (*value != '"') {
    return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "config key '%s': must be a string", key);
  }
  text = etl_cfg_cstring(value, &st);
  if (text == NULL) {
    if (st == ETL_ERR_INVALID_ARGUMENT) {
      return etl_cfg_fail(config, st, "config key '%s': must not contain \\u0000", key);
    }
    return etl_cfg_fail(config, st, "out of memory");
  }
  *out = text;
  return ETL_OK;
}

/**
 * Reads the integer `key` into *out. It must be a JSON integer (no
 * fraction, no exponent) from `min` to `max`, or the call fails with
 * "config key 'count': must be an integer from 0 to 1000000000" ("must be
 * an integer" when the range is all of int64). A missing key fails when
 * `presence` is ETL_CONFIG_REQUIRED; otherwise *out is left unchanged.
 */
static inline etl_status etl_config_get_int(etl_config* config, const char* key,
                                            etl_config_presence presence, int64_t min,
                                            int64_t max, int64_t* out) {
  etl_status st;
  int integer = 0, negative;
  uint64_t magnitude = 0, limit;
  const char* digits;
  const char* end = NULL;
  const char* value = etl_cfg_lookup(config, key, presence, &st);
  if (value == NULL) return st;
  if (*value == '-' || (*value >= '0' && *value <= '9')) end = etl_cfg_number(value, &integer);
  if (end != NULL && integer) {
    negative = *value == '-';
    limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (digits = value + negative; digits < end; digits++) {
      unsigned d = (unsigned)(*digits - '0');
      if (magnitude > (limit - d) / 10) break; /* out of int64 */
      magnitude = magnitude * 10 + d;
    }
    if (digits == end) {
      int64_t number = negative ? (magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude)
                                : (int64_t)magnitude;
      if (number >= min && number <= max) {
        *out = number;
        return ETL_OK;
      }
    }
  }
  if (min == INT64_MIN && max == INT64_MAX) {
    return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "config key '%s': must be an integer", key);
  }
  return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT,
                      "config key '%s': must be an integer from %lld to %lld", key, (long long)min,
                      (long long)max);
}

/**
 * Reads the number `key` (any JSON number) into *out, as strtod() reads
 * it. Fails with "config key 'ratio': must be a number". A missing key
 * fails when `presence` is ETL_CONFIG_REQUIRED; otherwise *out is left
 * unchanged.
 */
static inline etl_status etl_config_get_double(etl_config* config, const char* key,
                                               etl_config_presence presence, double* out) {
  etl_status st;
  int integer;
  const char* value = etl_cfg_lookup(config, key, presence, &st);
  if (value == NULL) return st;
  if ((*value != '-' && (*value < '0' || *value > '9')) || etl_cfg_number(value, &integer) == NULL) {
    return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "config key '%s': must be a number", key);
  }
  *out = strtod(value, NULL);
  return ETL_OK;
}

/**
 * Reads the boolean `key` into *out (1 for true, 0 for false). Fails with
 * "config key 'recursive': must be true or false". A missing key fails
 * when `presence` is ETL_CONFIG_REQUIRED; otherwise *out is left unchanged.
 */
static inline etl_status etl_config_get_bool(etl_config* config, const char* key,
                                             etl_config_presence presence, int* out) {
  etl_status st;
  const char* value = etl_cfg_lookup(config, key, presence, &st);
  if (value == NULL) return st;
  if (strncmp(value, "true", 4) == 0) {
    *out = 1;
  } else if (strncmp(value, "false", 5) == 0) {
    *out = 0;
  } else {
    return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "config key '%s': must be true or false",
                        key);
  }
  return ETL_OK;
}

/** Frees an array from etl_config_get_string_array(): each string, then the
 *  array. NULL is fine. */
static inline void etl_config_free_strings(char** strings, size_t count) {
  size_t i;
  if (strings == NULL) return;
  for (i = 0; i < count; i++) free(strings[i]);
  free(strings);
}

/**
 * Reads the array of strings `key`: *out gets a malloc'd array of *count
 * malloc'd C strings, which the caller frees with etl_config_free_strings()
 * (an empty array gives *count 0 and a non-NULL *out). Fails with "config
 * key 'columns': must be an array of strings" (also for a null element),
 * or "config key 'columns': item 2 must not contain \u0000" (items count
 * from 1). A missing key fails when `presence` is ETL_CONFIG_REQUIRED;
 * otherwise *out and *count are left unchanged.
 */
static inline etl_status etl_config_get_string_array(etl_config* config, const char* key,
                                                     etl_config_presence presence, char*** out,
                                                     size_t* count) {
  etl_cfg_problem problem;
  etl_status st;
  const char* p;
  char** items;
  size_t n = 0, i = 0, length;
  int flag;
  const char* value = etl_cfg_lookup(config, key, presence, &st);
  if (value == NULL) return st;
  if (*value != '[') goto wrong_type;
  /* count the items, checking that each is a string */
  for (p = etl_cfg_ws(value + 1); *p != ']'; n++) {
    if (*p != '"') goto wrong_type;
    p = etl_cfg_ws(etl_cfg_string(p, NULL, &length, &flag, &problem));
    if (*p == ',') p = etl_cfg_ws(p + 1);
  }
  items = (char**)malloc((n > 0 ? n : 1) * sizeof *items);
  if (items == NULL) return etl_cfg_fail(config, ETL_ERR_UNKNOWN, "out of memory");
  for (p = etl_cfg_ws(value + 1); i < n; i++) {
    items[i] = etl_cfg_cstring(p, &st);
    if (items[i] == NULL) {
      etl_config_free_strings(items, i);
      if (st == ETL_ERR_UNKNOWN) return etl_cfg_fail(config, st, "out of memory");
      return etl_cfg_fail(config, st, "config key '%s': item %lu must not contain \\u0000", key,
                          (unsigned long)i + 1);
    }
    p = etl_cfg_ws(etl_cfg_string(p, NULL, &length, &flag, &problem));
    if (*p == ',') p = etl_cfg_ws(p + 1);
  }
  *out = items;
  *count = n;
  return ETL_OK;
wrong_type:
  return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "config key '%s': must be an array of strings",
                      key);
}

/**
 * Finds the raw JSON text of `key`'s value, whatever its type (an object
 * or an array to hand to your own reader, or a value to store as is):
 * *text points into the borrowed config text (nothing is allocated) and
 * *length is its byte count. A missing key fails when `presence` is
 * ETL_CONFIG_REQUIRED; otherwise *text and *length are left unchanged.
 */
static inline etl_status etl_config_get_json(etl_config* config, const char* key,
                                             etl_config_presence presence, const char** text,
                                             size_t* length) {
  etl_cfg_problem problem;
  etl_status st;
  const char* value = etl_cfg_lookup(config, key, presence, &st);
  if (value == NULL) return st;
  *text = value;
  *length = (size_t)(etl_cfg_value(value, 1, &problem) - value);
  return ETL_OK;
}

/** One member of a JSON object, from etl_config_get_members(). */
typedef struct etl_config_member {
  /** The decoded key: malloc'd, freed by etl_config_free_members(). */
  char* key;
  /** The value's JSON text, inside the borrowed config text: not
   *  NUL-terminated, and valid as long as that text is. */
  const char* value;
  /** The value's length in bytes. */
  size_t value_length;
} etl_config_member;

/** Frees an array from etl_config_get_members(): each key, then the array.
 *  NULL is fine. */
static inline void etl_config_free_members(etl_config_member* members, size_t count) {
  size_t i;
  if (members == NULL) return;
  for (i = 0; i < count; i++) free(members[i].key);
  free(members);
}

/**
 * Lists the members of the object `key`, in order (`key` NULL: the members
 * of the config itself): *out gets a malloc'd array of *count members that
 * the caller frees with etl_config_free_members() (an empty object gives
 * *count 0 and a non-NULL *out). Keys are decoded; values stay JSON text.
 * Fails with "config key 'state': must be an object", or "config key
 * 'state': a key must not contain \u0000". A missing key fails when
 * `presence` is ETL_CONFIG_REQUIRED; otherwise *out and *count are left
 * unchanged.
 */
static inline etl_status etl_config_get_members(etl_config* config, const char* key,
                                                etl_config_presence presence,
                                                etl_config_member** out, size_t* count) {
  etl_status st = ETL_OK;
  etl_config_member* members;
  const char* p;
  const char* value;
  size_t n = 0, i;
  const char* object = key == NULL ? etl_cfg_ws(config->json) : etl_cfg_lookup(config, key, presence, &st);
  if (object == NULL) return st;
  if (*object != '{') {
    return etl_cfg_fail(config, ETL_ERR_INVALID_ARGUMENT, "config key '%s': must be an object", key);
  }
  for (p = etl_cfg_first_member(object); *p == '"'; p = etl_cfg_next_member(p, &value)) n++;
  members = (etl_config_member*)calloc(n > 0 ? n : 1, sizeof *members);
  if (members == NULL) return etl_cfg_fail(config, ETL_ERR_UNKNOWN, "out of memory");
  for (p = etl_cfg_first_member(object), i = 0; i < n; i++) {
    etl_cfg_problem problem;
    members[i].key = etl_cfg_cstring(p, &st);
    if (members[i].key == NULL) {
      etl_config_free_members(members, i);
      if (st == ETL_ERR_UNKNOWN) return etl_cfg_fail(config, st, "out of memory");
      if (key == NULL) return etl_cfg_fail(config, st, "a key of the config must not contain \\u0000");
      return etl_cfg_fail(config, st, "config key '%s': a key must not contain \\u0000", key);
    }
    p = etl_cfg_next_member(p, &value);
    members[i].value = value;
    members[i].value_length = (size_t)(etl_cfg_value(value, 1, &problem) - value);
  }
  *out = members;
  *count = n;
  return ETL_OK;
}

/**
 * Non-zero when `text` is exactly one JSON value (strict RFC 8259, nesting
 * up to 64 levels), with nothing but whitespace around it. For checking
 * JSON you are handed (a state, a schema) before you store it.
 */
static inline int etl_config_is_json(const char* text) {
  etl_cfg_problem problem;
  const char* end = text != NULL ? etl_cfg_value(text, 0, &problem) : NULL;
  return end != NULL && *etl_cfg_ws(end) == '\0';
}

/**
 * Refuses a key that is not in `known` (an array of `count` names): fails
 * with "config key 'dirr' is unknown (known keys: dir)". Configs are
 * checked against the plugin's config_schema by the host; call this when
 * you read configs that did not come through it.
 */
static inline etl_status etl_config_check_keys(etl_config* config, const char* const* known,
                                               size_t count) {
  const char* p;
  for (p = etl_cfg_first_member(config->json); *p == '"';) {
    const char* value;
    etl_status st;
    size_t i, used;
    char* key = etl_cfg_cstring(p, &st);
    if (key == NULL && st == ETL_ERR_UNKNOWN) return etl_cfg_fail(config, st, "out of memory");
    for (i = 0; key != NULL && i < count; i++) {
      if (strcmp(key, known[i]) == 0) break;
    }
    if (key == NULL || i == count) {
      used = (size_t)snprintf(config->error, sizeof config->error,
                              "config key '%s' is unknown (known keys: ", key != NULL ? key : "\\u0000");
      for (i = 0; i < count && used < sizeof config->error; i++) {
        used += (size_t)snprintf(config->error + used, sizeof config->error - used, "%s%s",
                                 i > 0 ? ", " : "", known[i]);
      }
      if (used < sizeof config->error) {
        snprintf(config->error + used, sizeof config->error - used, "%s)", count == 0 ? "none" : "");
      }
      free(key);
      return ETL_ERR_INVALID_ARGUMENT;
    }
    free(key);
    p = etl_cfg_next_member(p, &value);
  }
  return ETL_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* ETL_CONFIG_H */
