/*
 * The physical limit for loading the benchmark rows into SQLite: one
 * prepared INSERT, bound per row, in one transaction, into a table of the
 * same columns and types that etl-host creates. Values are generated in C
 * with the formulas of generate.py, so no parsing is counted.
 *
 *   cc -O2 -o sqlite_limit sqlite_limit.c -lsqlite3
 *   ./sqlite_limit DB ROWS      prints the seconds taken
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s DB ROWS\n", argv[0]);
    return 64;
  }
  long rows = atol(argv[2]);
  sqlite3* db;
  check(sqlite3_open(argv[1], &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", 0, 0, 0), db, "pragma");
  check(sqlite3_exec(db,
                     "CREATE TABLE rows (id INTEGER, name TEXT, amount REAL, quantity INTEGER, paid BOOLEAN, "
                     "created DATE_TEXT, updated_at TIMESTAMP_TEXT, tags JSON_TEXT, note TEXT)",
                     0, 0, 0),
        db, "create");
  double start = now();
  check(sqlite3_exec(db, "BEGIN", 0, 0, 0), db, "begin");
  sqlite3_stmt* insert;
  check(sqlite3_prepare_v2(db, "INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?)", -1, &insert, 0), db, "prepare");
  char name[64], date[16], ts[40], note[64];
  for (long i = 0; i < rows; i++) {
    long day = 19000 + i % 1500, rest = (day - 19000) % 366, year = 2022 + (day - 19000) / 366;
    snprintf(name, sizeof name, "Customer %ld", i);
    snprintf(date, sizeof date, "%04ld-%02ld-%02ld", year, 1 + rest / 31 % 12, 1 + rest % 28);
    snprintf(ts, sizeof ts, "%sT%02ld:%02ld:%02ld.000000Z", date, i % 24, i % 60, (i * 7) % 60);
    sqlite3_bind_int64(insert, 1, i);
    sqlite3_bind_text(insert, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_double(insert, 3, (double)((i * 37) % 100000) / 100.0);
    sqlite3_bind_int64(insert, 4, i % 17);
    sqlite3_bind_int(insert, 5, i % 3 == 0);
    sqlite3_bind_text(insert, 6, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 7, ts, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 8, i % 2 ? "[\"a\",\"b\"]" : "[\"c\"]", -1, SQLITE_STATIC);
    if (i % 4) {
      snprintf(note, sizeof note, i % 8 == 1 ? "note %ld, with a comma" : "note %ld", i);
      sqlite3_bind_text(insert, 9, note, -1, SQLITE_STATIC);
    } else {
      sqlite3_bind_null(insert, 9);
    }
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
  printf("%.3f\n", now() - start);
  sqlite3_close(db);
  return 0;
}
