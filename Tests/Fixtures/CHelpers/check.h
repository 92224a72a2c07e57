/*
 * check.h — the few assertions of the C helper tests (config_reader_test.c,
 * batch_reader_test.c). Each failed check prints its line and what it saw
 * to stderr; main() prints "<N> checks passed" only when none failed.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int g_checks = 0;
static int g_failures = 0;

/** Counts a check; reports it when `ok` is 0. */
static void check_that(int ok, int line, const char* what) {
  g_checks++;
  if (!ok) {
    g_failures++;
    fprintf(stderr, "line %d: failed: %s\n", line, what);
  }
}

/** Counts a check that `actual` equals `expected` byte for byte. */
static void check_text(const char* actual, const char* expected, int line) {
  int ok = actual != NULL && strcmp(actual, expected) == 0;
  g_checks++;
  if (!ok) {
    g_failures++;
    fprintf(stderr, "line %d: expected \"%s\", got \"%s\"\n", line, expected,
            actual != NULL ? actual : "(NULL)");
  }
}

/** Counts a check that the `length` bytes at `actual` equal `expected`. */
static void check_bytes(const char* actual, size_t length, const char* expected, size_t expected_length,
                        int line) {
  int ok = length == expected_length && (length == 0 || memcmp(actual, expected, length) == 0);
  g_checks++;
  if (!ok) {
    g_failures++;
    fprintf(stderr, "line %d: expected %lu bytes \"%.*s\", got %lu bytes \"%.*s\"\n", line,
            (unsigned long)expected_length, (int)expected_length, expected, (unsigned long)length,
            (int)length, actual != NULL ? actual : "");
  }
}

#define CHECK(cond) check_that((cond) != 0, __LINE__, #cond)
#define CHECK_TEXT(actual, expected) check_text((actual), (expected), __LINE__)
#define CHECK_BYTES(actual, length, expected) \
  check_bytes((actual), (length), (expected), sizeof(expected) - 1, __LINE__)

/** Ends main(): the summary line and the exit status. */
static int check_summary(void) {
  if (g_failures > 0) {
    fprintf(stderr, "%d of %d checks failed\n", g_failures, g_checks);
    return 1;
  }
  printf("%d checks passed\n", g_checks);
  return 0;
}

#endif
