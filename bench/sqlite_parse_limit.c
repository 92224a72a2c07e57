/*
 * The honest limit for loading bench/generate.py's CSV into SQLite: a C
 * program that reads and parses the same CSV file (RFC 4180: quoted
 * fields, doubled quotes, separators and line breaks inside quotes, CRLF
 * or LF line ends) and inserts every record with one prepared INSERT in
 * one transaction into a table of the same columns and types that
 * `etl-host sync csv sqlite` creates (no key), storing the same values:
 * integers and reals converted, true/false as 1/0, an empty field as NULL,
 * timestamps written as etl-host writes them (with microseconds).
 *
 * The database is set up as the SQLite plugin loads: WAL with
 * synchronous=NORMAL (crash-safe), here with a 512 MiB cache; `off` runs
 * with journal_mode=OFF and synchronous=OFF as a second reference (not
 * crash-safe: what SQLite can do with no journal at all).
 *
 * Two keyed variants measure the first upsert's key index (WAL, with the
 * SQLite plugin's 32 MiB load cache, a unique index on id): `index-first`
 * creates it before the load and inserts with INSERT ... ON CONFLICT (id)
 * DO UPDATE (the index kept up row by row); `index-after` inserts plainly
 * and creates it after the last row, in the same transaction.
 *
 *   cc -O2 -o sqlite_parse_limit sqlite_parse_limit.c -lsqlite3
 *   ./sqlite_parse_limit CSV DB [wal|off|index-first|index-after]    prints the rows loaded
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/** The columns of the benchmark table, in the order of the CSV header. */
enum column_kind { COLUMN_INTEGER, COLUMN_REAL, COLUMN_BOOLEAN, COLUMN_TEXT, COLUMN_TIMESTAMP };

/** A column's name, declared type (as etl-host declares it) and how its fields are converted. */
struct column {
  const char* name;
  const char* declared;
  enum column_kind kind;
};

static const struct column columns[] = {
    {"id", "INTEGER", COLUMN_INTEGER},
    {"name", "TEXT", COLUMN_TEXT},
    {"amount", "REAL", COLUMN_REAL},
    {"quantity", "INTEGER", COLUMN_INTEGER},
    {"paid", "BOOLEAN", COLUMN_BOOLEAN},
    {"created", "DATE_TEXT", COLUMN_TEXT},
    {"updated_at", "TIMESTAMP_TEXT", COLUMN_TIMESTAMP},
    {"tags", "TEXT", COLUMN_TEXT},
    {"note", "TEXT", COLUMN_TEXT},
};
enum { COLUMN_COUNT = sizeof columns / sizeof columns[0] };

/** Exits with a message naming what failed. */
static void fail(const char* what, const char* detail) {
  fprintf(stderr, "sqlite_parse_limit: %s: %s\n", what, detail);
  exit(1);
}

static void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) fail(what, sqlite3_errmsg(db));
}

/** A CSV reader over a file descriptor: a 1 MiB window, refilled as the parser moves on. */
struct reader {
  int fd;
  char* buffer;
  size_t size, position, capacity;
  int eof;
  long line;
};

/** Reads more of the file; returns 0 at the end. */
static int refill(struct reader* r) {
  if (r->eof) return 0;
  if (r->position == r->size) r->position = r->size = 0;
  if (r->size == r->capacity) return 1;
  ssize_t got = read(r->fd, r->buffer + r->size, r->capacity - r->size);
  if (got < 0) fail("read", strerror(errno));
  if (got == 0) {
    r->eof = 1;
    return 0;
  }
  r->size += (size_t)got;
  return 1;
}

/** The next byte, or -1 at the end of the file. */
static inline int next_byte(struct reader* r) {
  if (r->position == r->size && !refill(r)) return -1;
  return (unsigned char)r->buffer[r->position++];
}

/** One record's fields: bytes unescaped into `text`, each field an offset and length. */
struct record {
  char* text;
  size_t capacity;
  size_t start[COLUMN_COUNT], length[COLUMN_COUNT];
  int quoted[COLUMN_COUNT];
  int count;
};

static inline void append(struct record* rec, size_t* used, char c) {
  if (*used == rec->capacity) {
    rec->capacity *= 2;
    rec->text = realloc(rec->text, rec->capacity);
    if (!rec->text) fail("memory", "out of memory");
  }
  rec->text[(*used)++] = c;
}

/**
 * Parses one record (RFC 4180), byte by byte. Returns 0 at the end of the
 * file, 1 for a record.
 */
static int read_record(struct reader* r, struct record* rec) {
  size_t used = 0;
  int field = 0;
  int c = next_byte(r);
  if (c < 0) return 0;
  r->line++;
  for (;;) {
    if (field == COLUMN_COUNT) {
      char message[64];
      snprintf(message, sizeof message, "more than %d fields on line %ld", COLUMN_COUNT, r->line);
      fail("csv", message);
    }
    rec->start[field] = used;
    rec->quoted[field] = 0;
    if (c == '"') {
      rec->quoted[field] = 1;
      for (;;) {
        c = next_byte(r);
        if (c < 0) fail("csv", "end of file inside a quoted field");
        if (c == '"') {
          c = next_byte(r);
          if (c != '"') break;  // the closing quote
        } else if (c == '\n') {
          r->line++;
        }
        append(rec, &used, (char)c);
      }
    } else {
      // Unquoted: copy up to the next separator or line end.
      while (c >= 0 && c != ',' && c != '\n' && c != '\r') {
        if (c == '"') fail("csv", "a quote inside an unquoted field");
        append(rec, &used, (char)c);
        c = next_byte(r);
      }
    }
    rec->length[field] = used - rec->start[field];
    field++;
    if (c == ',') {
      c = next_byte(r);
      continue;
    }
    if (c == '\r') c = next_byte(r);
    if (c == '\n' || c < 0) break;
    fail("csv", "unexpected byte after a closing quote");
  }
  rec->count = field;
  return 1;
}

/** Parses a whole field as a base-10 integer; exits naming the line when it is not one. */
static long long integer_field(const char* text, size_t length, long line) {
  char copy[32];
  if (length == 0 || length >= sizeof copy) fail("csv", "an integer field is empty or too long");
  memcpy(copy, text, length);
  copy[length] = 0;
  char* end;
  errno = 0;
  long long value = strtoll(copy, &end, 10);
  if (*end || errno) {
    fprintf(stderr, "sqlite_parse_limit: line %ld: \"%s\" is not an integer\n", line, copy);
    exit(1);
  }
  return value;
}

static double real_field(const char* text, size_t length, long line) {
  char copy[64];
  if (length == 0 || length >= sizeof copy) fail("csv", "a real field is empty or too long");
  memcpy(copy, text, length);
  copy[length] = 0;
  char* end;
  double value = strtod(copy, &end);
  if (*end) {
    fprintf(stderr, "sqlite_parse_limit: line %ld: \"%s\" is not a number\n", line, copy);
    exit(1);
  }
  return value;
}

/** Binds field `index` of `rec` to parameter `index + 1`, converted for its column. */
static void bind_field(sqlite3_stmt* insert, sqlite3* db, struct record* rec, int index, long line) {
  const char* text = rec->text + rec->start[index];
  size_t length = rec->length[index];
  int parameter = index + 1, rc = SQLITE_OK;
  if (length == 0 && !rec->quoted[index]) {
    check(sqlite3_bind_null(insert, parameter), db, "bind");
    return;
  }
  switch (columns[index].kind) {
    case COLUMN_INTEGER:
      rc = sqlite3_bind_int64(insert, parameter, integer_field(text, length, line));
      break;
    case COLUMN_REAL:
      rc = sqlite3_bind_double(insert, parameter, real_field(text, length, line));
      break;
    case COLUMN_BOOLEAN:
      if (length == 4 && memcmp(text, "true", 4) == 0) {
        rc = sqlite3_bind_int(insert, parameter, 1);
      } else if (length == 5 && memcmp(text, "false", 5) == 0) {
        rc = sqlite3_bind_int(insert, parameter, 0);
      } else {
        fail("csv", "a boolean field is neither true nor false");
      }
      break;
    case COLUMN_TIMESTAMP: {
      // 2022-01-01T00:00:00Z -> 2022-01-01T00:00:00.000000Z, as etl-host stores it.
      static char stamp[40];
      if (length != 20 || text[19] != 'Z') fail("csv", "a timestamp is not YYYY-MM-DDTHH:MM:SSZ");
      memcpy(stamp, text, 19);
      memcpy(stamp + 19, ".000000Z", 8);
      rc = sqlite3_bind_text(insert, parameter, stamp, 27, SQLITE_STATIC);
      break;
    }
    case COLUMN_TEXT:
      rc = sqlite3_bind_text(insert, parameter, text, (int)length, SQLITE_STATIC);
      break;
  }
  check(rc, db, "bind");
}

/** How the table is loaded: see the comment at the top. */
enum load_mode { LOAD_WAL, LOAD_JOURNAL_OFF, LOAD_INDEX_FIRST, LOAD_INDEX_AFTER };

int main(int argc, char** argv) {
  static const char* const mode_names[] = {"wal", "off", "index-first", "index-after"};
  enum load_mode mode = LOAD_WAL;
  int known = argc == 3;
  for (int i = 0; argc == 4 && i < 4; i++) {
    if (strcmp(argv[3], mode_names[i]) == 0) {
      mode = (enum load_mode)i;
      known = 1;
    }
  }
  if (argc < 3 || argc > 4 || !known) {
    fprintf(stderr, "usage: %s CSV DB [wal|off|index-first|index-after]\n", argv[0]);
    return 64;
  }
  struct reader r = {.fd = open(argv[1], O_RDONLY), .capacity = 1 << 20};
  if (r.fd < 0) fail(argv[1], strerror(errno));
  r.buffer = malloc(r.capacity);
  struct record rec = {.capacity = 4096};
  rec.text = malloc(rec.capacity);
  if (!r.buffer || !rec.text) fail("memory", "out of memory");

  sqlite3* db;
  check(sqlite3_open(argv[2], &db), db, "open");
  const char* pragmas = mode == LOAD_JOURNAL_OFF ? "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-524288;"
                        : mode == LOAD_WAL     ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-524288;"
                                               : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;";
  check(sqlite3_exec(db, pragmas, 0, 0, 0), db, "pragma");
  char create[512] = "CREATE TABLE rows (", insert_sql[1024] = "INSERT INTO rows VALUES (";
  for (int i = 0; i < COLUMN_COUNT; i++) {
    snprintf(create + strlen(create), sizeof create - strlen(create), "%s\"%s\" %s", i ? ", " : "", columns[i].name,
             columns[i].declared);
    snprintf(insert_sql + strlen(insert_sql), sizeof insert_sql - strlen(insert_sql), "%s?", i ? "," : "");
  }
  strcat(create, ")");
  strcat(insert_sql, ")");
  if (mode == LOAD_INDEX_FIRST) {
    strcat(insert_sql, " ON CONFLICT (id) DO UPDATE SET ");
    for (int i = 1; i < COLUMN_COUNT; i++) {
      snprintf(insert_sql + strlen(insert_sql), sizeof insert_sql - strlen(insert_sql), "%s\"%s\" = excluded.\"%s\"",
               i > 1 ? ", " : "", columns[i].name, columns[i].name);
    }
  }
  check(sqlite3_exec(db, create, 0, 0, 0), db, "create");
  check(sqlite3_exec(db, "BEGIN", 0, 0, 0), db, "begin");
  if (mode == LOAD_INDEX_FIRST) check(sqlite3_exec(db, "CREATE UNIQUE INDEX key ON rows (id)", 0, 0, 0), db, "index");
  sqlite3_stmt* insert;
  check(sqlite3_prepare_v2(db, insert_sql, -1, &insert, 0), db, "prepare");

  if (!read_record(&r, &rec) || rec.count != COLUMN_COUNT) fail(argv[1], "no header of 9 columns");
  for (int i = 0; i < COLUMN_COUNT; i++) {
    if (rec.length[i] != strlen(columns[i].name) || memcmp(rec.text + rec.start[i], columns[i].name, rec.length[i]))
      fail(argv[1], "the header is not generate.py's");
  }
  long rows = 0;
  while (read_record(&r, &rec)) {
    if (rec.count != COLUMN_COUNT) {
      fprintf(stderr, "sqlite_parse_limit: line %ld has %d fields, expected %d\n", r.line, rec.count, COLUMN_COUNT);
      return 1;
    }
    for (int i = 0; i < COLUMN_COUNT; i++) bind_field(insert, db, &rec, i, r.line);
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
    rows++;
  }
  sqlite3_finalize(insert);
  if (mode == LOAD_INDEX_AFTER) check(sqlite3_exec(db, "CREATE UNIQUE INDEX key ON rows (id)", 0, 0, 0), db, "index");
  check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
  check(sqlite3_close(db), db, "close");
  close(r.fd);
  printf("%ld\n", rows);
  return 0;
}
