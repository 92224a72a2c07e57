/*
 * config_reader_test.c — unit tests of etl_config.h, built with cc and run
 * by CHelperHeadersTests. Prints "<N> checks passed" and exits 0, or names
 * each failed check on stderr and exits 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "etl_config.h"

/** Parses `json`, expecting the failure `message`. */
static void expect_refused(const char* json, const char* message, int line) {
  etl_config config;
  check_that(etl_config_parse(&config, json) == ETL_ERR_INVALID_ARGUMENT, line, json);
  check_text(etl_config_last_error(&config), message, line);
  check_that(!etl_config_has(&config, "a"), line, "a refused config reads as {}");
}

#define REFUSED(json, message) expect_refused((json), (message), __LINE__)

static void test_malformed(void) {
  char deep[200];
  etl_config config;
  REFUSED("[1]", "the config is not a JSON object");
  REFUSED("42", "the config is not a JSON object");
  REFUSED("\"text\"", "the config is not a JSON object");
  REFUSED("{\"a\" 1}", "the config is not valid JSON: expected ':' at byte 5");
  REFUSED("{\"a\": }", "the config is not valid JSON: expected a value at byte 6");
  REFUSED("{\"a\": 1,}", "the config is not valid JSON: expected a key at byte 8");
  REFUSED("{\"a\": 1} x", "the config is not valid JSON: text after the value at byte 9");
  REFUSED("{\"a\": 1", "the config is not valid JSON: expected ',' or '}' at byte 7");
  REFUSED("{\"a\": \"x", "the config is not valid JSON: unterminated string at byte 8");
  REFUSED("{\"a\": 01}", "the config is not valid JSON: expected ',' or '}' at byte 7");
  REFUSED("{\"a\": 1.}", "the config is not valid JSON: malformed number at byte 6");
  REFUSED("{\"a\": -}", "the config is not valid JSON: malformed number at byte 6");
  REFUSED("{\"a\": 1e}", "the config is not valid JSON: malformed number at byte 6");
  REFUSED("{\"a\": tru}", "the config is not valid JSON: expected a value at byte 6");
  REFUSED("{\"a\": [1 2]}", "the config is not valid JSON: expected ',' or ']' at byte 9");
  REFUSED("{\"a\": \"\\x\"}", "the config is not valid JSON: bad escape in a string at byte 7");
  REFUSED("{\"a\": \"\\u12\"}", "the config is not valid JSON: bad \\u escape at byte 7");
  REFUSED("{\"a\": \"\\ud800\"}", "the config is not valid JSON: lone surrogate in a \\u escape at byte 7");
  REFUSED("{\"a\": \"\\ud800\\u0041\"}",
          "the config is not valid JSON: lone surrogate in a \\u escape at byte 7");
  REFUSED("{\"a\": \"\\udc00\"}", "the config is not valid JSON: lone surrogate in a \\u escape at byte 7");
  REFUSED("{\"a\": \"\t\"}", "the config is not valid JSON: control character in a string at byte 7");
  REFUSED("{\"dir\": \"a\", \"dir\": \"b\"}", "config key 'dir' appears twice");
  REFUSED("{\"dir\": 1, \"\\u0064ir\": 2}", "config key 'dir' appears twice");

  /* 64 levels of arrays under the object are fine, 65 are not */
  memset(deep, 0, sizeof deep);
  strcpy(deep, "{\"a\": ");
  memset(deep + 6, '[', 64);
  memset(deep + 70, ']', 64);
  strcat(deep, "}");
  CHECK(etl_config_parse(&config, deep) == ETL_OK);
  memset(deep, 0, sizeof deep);
  strcpy(deep, "{\"a\": ");
  memset(deep + 6, '[', 65);
  memset(deep + 71, ']', 65);
  strcat(deep, "}");
  REFUSED(deep, "the config is not valid JSON: nesting deeper than 64 at byte 70");

  /* a repeated key inside a nested object is not the plugin's business */
  CHECK(etl_config_parse(&config, "{\"a\": {\"x\": 1, \"x\": 2}}") == ETL_OK);
}

static void test_empty_and_missing(void) {
  etl_config config;
  char* text = (char*)"unchanged";
  int64_t count = 10;
  int flag = 7;
  double ratio = 0.5;
  char** items = NULL;
  size_t item_count = 99;
  const char* raw = "unchanged";
  size_t raw_length = 3;
  CHECK(etl_config_parse(&config, NULL) == ETL_OK);
  CHECK(etl_config_parse(&config, " \n\t ") == ETL_OK);
  CHECK(etl_config_parse(&config, " { } ") == ETL_OK);
  CHECK(!etl_config_has(&config, "path"));
  CHECK(etl_config_get_string(&config, "path", ETL_CONFIG_OPTIONAL, &text) == ETL_OK);
  CHECK_TEXT(text, "unchanged");
  CHECK(etl_config_get_int(&config, "count", ETL_CONFIG_OPTIONAL, 0, 100, &count) == ETL_OK);
  CHECK(count == 10);
  CHECK(etl_config_get_bool(&config, "flag", ETL_CONFIG_OPTIONAL, &flag) == ETL_OK);
  CHECK(flag == 7);
  CHECK(etl_config_get_double(&config, "ratio", ETL_CONFIG_OPTIONAL, &ratio) == ETL_OK);
  CHECK(ratio == 0.5);
  CHECK(etl_config_get_string_array(&config, "items", ETL_CONFIG_OPTIONAL, &items, &item_count) == ETL_OK);
  CHECK(items == NULL && item_count == 99);
  CHECK(etl_config_get_json(&config, "raw", ETL_CONFIG_OPTIONAL, &raw, &raw_length) == ETL_OK);
  CHECK(raw_length == 3);
  CHECK_TEXT(etl_config_last_error(&config), "");

  CHECK(etl_config_get_string(&config, "path", ETL_CONFIG_REQUIRED, &text) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'path' is missing");
  CHECK_TEXT(text, "unchanged");
  CHECK(etl_config_get_int(&config, "count", ETL_CONFIG_REQUIRED, 0, 100, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'count' is missing");

  /* null is missing */
  CHECK(etl_config_parse(&config, "{\"path\": null, \"count\": null}") == ETL_OK);
  CHECK(!etl_config_has(&config, "path"));
  CHECK(etl_config_get_string(&config, "path", ETL_CONFIG_OPTIONAL, &text) == ETL_OK);
  CHECK_TEXT(text, "unchanged");
  CHECK(etl_config_get_string(&config, "path", ETL_CONFIG_REQUIRED, &text) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'path' is missing");
  CHECK(etl_config_get_int(&config, "count", ETL_CONFIG_OPTIONAL, 0, 100, &count) == ETL_OK);
  CHECK(count == 10);
}

static void test_strings(void) {
  etl_config config;
  char* text = NULL;
  CHECK(etl_config_parse(&config,
                         "{\"plain\": \"/tmp/x y\", \"escapes\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\","
                         " \"bmp\": \"\\u00e9\\u20AC\", \"pair\": \"\\ud83d\\ude00!\","
                         " \"raw\": \"\xc3\xa9t\xc3\xa9\", \"empty\": \"\", \"nul\": \"a\\u0000b\","
                         " \"p\\u0061th\": \"escaped key\", \"n\": 5}") == ETL_OK);
  CHECK(etl_config_get_string(&config, "plain", ETL_CONFIG_REQUIRED, &text) == ETL_OK);
  CHECK_TEXT(text, "/tmp/x y");
  free(text);
  CHECK(etl_config_get_string(&config, "escapes", ETL_CONFIG_REQUIRED, &text) == ETL_OK);
  CHECK_TEXT(text, "a\"b\\c/d\b\f\n\r\t");
  free(text);
  CHECK(etl_config_get_string(&config, "bmp", ETL_CONFIG_REQUIRED, &text) == ETL_OK);
  CHECK_TEXT(text, "\xc3\xa9\xe2\x82\xac");
  free(text);
  CHECK(etl_config_get_string(&config, "pair", ETL_CONFIG_REQUIRED, &text) == ETL_OK);
  CHECK_TEXT(text, "\xf0\x9f\x98\x80!");
  free(text);
  CHECK(etl_config_get_string(&config, "raw", ETL_CONFIG_REQUIRED, &text) == ETL_OK);
  CHECK_TEXT(text, "\xc3\xa9t\xc3\xa9");
  free(text);
  CHECK(etl_config_get_string(&config, "empty", ETL_CONFIG_REQUIRED, &text) == ETL_OK);
  CHECK_TEXT(text, "");
  free(text);
  CHECK(etl_config_get_string(&config, "path", ETL_CONFIG_REQUIRED, &text) == ETL_OK);
  CHECK_TEXT(text, "escaped key");
  free(text);
  text = NULL;
  CHECK(etl_config_get_string(&config, "nul", ETL_CONFIG_REQUIRED, &text) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'nul': must not contain \\u0000");
  CHECK(text == NULL);
  CHECK(etl_config_get_string(&config, "n", ETL_CONFIG_REQUIRED, &text) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'n': must be a string");
  CHECK(text == NULL);
  CHECK(etl_config_has(&config, "plain"));
  CHECK(!etl_config_has(&config, "Plain"));
}

static void test_numbers_and_bools(void) {
  etl_config config;
  int64_t value = -7;
  double number = 0;
  int flag = -1;
  CHECK(etl_config_parse(&config,
                         "{\"count\": 1000000000, \"zero\": 0, \"negative\": -1, \"fraction\": 1.5,"
                         " \"exponent\": 1e3, \"text\": \"5\", \"max\": 9223372036854775807,"
                         " \"min\": -9223372036854775808, \"over\": 9223372036854775808,"
                         " \"under\": -9223372036854775809, \"yes\": true, \"no\": false,"
                         " \"float\": -12.5e-1, \"list\": [1]}") == ETL_OK);
  CHECK(etl_config_get_int(&config, "count", ETL_CONFIG_REQUIRED, 0, 1000000000, &value) == ETL_OK);
  CHECK(value == 1000000000);
  CHECK(etl_config_get_int(&config, "zero", ETL_CONFIG_REQUIRED, 0, 1000000000, &value) == ETL_OK);
  CHECK(value == 0);
  CHECK(etl_config_get_int(&config, "negative", ETL_CONFIG_REQUIRED, 0, 1000000000, &value) ==
        ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'negative': must be an integer from 0 to 1000000000");
  CHECK(value == 0);
  CHECK(etl_config_get_int(&config, "fraction", ETL_CONFIG_REQUIRED, 0, 10, &value) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'fraction': must be an integer from 0 to 10");
  CHECK(etl_config_get_int(&config, "exponent", ETL_CONFIG_REQUIRED, 0, 10000, &value) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'exponent': must be an integer from 0 to 10000");
  CHECK(etl_config_get_int(&config, "text", ETL_CONFIG_REQUIRED, 0, 10, &value) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'text': must be an integer from 0 to 10");
  CHECK(etl_config_get_int(&config, "max", ETL_CONFIG_REQUIRED, INT64_MIN, INT64_MAX, &value) == ETL_OK);
  CHECK(value == INT64_MAX);
  CHECK(etl_config_get_int(&config, "min", ETL_CONFIG_REQUIRED, INT64_MIN, INT64_MAX, &value) == ETL_OK);
  CHECK(value == INT64_MIN);
  CHECK(etl_config_get_int(&config, "over", ETL_CONFIG_REQUIRED, INT64_MIN, INT64_MAX, &value) ==
        ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'over': must be an integer");
  CHECK(etl_config_get_int(&config, "under", ETL_CONFIG_REQUIRED, INT64_MIN, INT64_MAX, &value) ==
        ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'under': must be an integer");
  CHECK(value == INT64_MIN);

  CHECK(etl_config_get_double(&config, "float", ETL_CONFIG_REQUIRED, &number) == ETL_OK);
  CHECK(number == -1.25);
  CHECK(etl_config_get_double(&config, "count", ETL_CONFIG_REQUIRED, &number) == ETL_OK);
  CHECK(number == 1e9);
  CHECK(etl_config_get_double(&config, "text", ETL_CONFIG_REQUIRED, &number) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'text': must be a number");
  CHECK(number == 1e9);

  CHECK(etl_config_get_bool(&config, "yes", ETL_CONFIG_REQUIRED, &flag) == ETL_OK);
  CHECK(flag == 1);
  CHECK(etl_config_get_bool(&config, "no", ETL_CONFIG_REQUIRED, &flag) == ETL_OK);
  CHECK(flag == 0);
  flag = 5;
  CHECK(etl_config_get_bool(&config, "zero", ETL_CONFIG_REQUIRED, &flag) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'zero': must be true or false");
  CHECK(etl_config_get_bool(&config, "list", ETL_CONFIG_REQUIRED, &flag) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'list': must be true or false");
  CHECK(flag == 5);
}

static void test_arrays_and_raw_json(void) {
  etl_config config;
  char** items = NULL;
  size_t count = 0;
  const char* raw = NULL;
  size_t raw_length = 0;
  static const char* const known[] = {"columns", "empty", "mixed", "nul", "word", "nulls", "object"};
  CHECK(etl_config_parse(&config,
                         "{\"columns\": [\"id\", \"na\\u006de\", \"\xc3\xa9\"], \"empty\": [ ],"
                         " \"mixed\": [\"a\", 1], \"nul\": [\"ok\", \"\\u0000\"], \"word\": \"a\","
                         " \"nulls\": [null], \"object\": {\"a\": [1, {\"b\": \"}\"}]} }") == ETL_OK);
  CHECK(etl_config_get_string_array(&config, "columns", ETL_CONFIG_REQUIRED, &items, &count) == ETL_OK);
  CHECK(count == 3);
  if (count == 3) {
    CHECK_TEXT(items[0], "id");
    CHECK_TEXT(items[1], "name");
    CHECK_TEXT(items[2], "\xc3\xa9");
  }
  etl_config_free_strings(items, count);
  items = NULL;
  CHECK(etl_config_get_string_array(&config, "empty", ETL_CONFIG_REQUIRED, &items, &count) == ETL_OK);
  CHECK(count == 0 && items != NULL);
  etl_config_free_strings(items, count);
  items = NULL;
  count = 42;
  CHECK(etl_config_get_string_array(&config, "mixed", ETL_CONFIG_REQUIRED, &items, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'mixed': must be an array of strings");
  CHECK(etl_config_get_string_array(&config, "word", ETL_CONFIG_REQUIRED, &items, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'word': must be an array of strings");
  CHECK(etl_config_get_string_array(&config, "nulls", ETL_CONFIG_REQUIRED, &items, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'nulls': must be an array of strings");
  CHECK(etl_config_get_string_array(&config, "nul", ETL_CONFIG_REQUIRED, &items, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'nul': item 2 must not contain \\u0000");
  CHECK(items == NULL && count == 42);

  CHECK(etl_config_get_json(&config, "object", ETL_CONFIG_REQUIRED, &raw, &raw_length) == ETL_OK);
  CHECK_BYTES(raw, raw_length, "{\"a\": [1, {\"b\": \"}\"}]}");
  CHECK(etl_config_get_json(&config, "word", ETL_CONFIG_REQUIRED, &raw, &raw_length) == ETL_OK);
  CHECK_BYTES(raw, raw_length, "\"a\"");
  CHECK(etl_config_get_json(&config, "gone", ETL_CONFIG_REQUIRED, &raw, &raw_length) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'gone' is missing");

  CHECK(etl_config_check_keys(&config, known, 7) == ETL_OK);
  CHECK(etl_config_check_keys(&config, known, 2) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'mixed' is unknown (known keys: columns, empty)");
  CHECK(etl_config_check_keys(&config, known, 0) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'columns' is unknown (known keys: none)");
}

static void test_members(void) {
  etl_config config;
  etl_config_member* members = NULL;
  size_t count = 0;
  static const char text[] =
      "{\"state\": {\"csv/orders\": {\"cursor\": \"2024\"}, \"k\\u00e9y\": [1, 2] , \"n\": null},"
      " \"schemas\": {}, \"word\": \"x\", \"bad\": {\"a\\u0000\": 1}}";
  CHECK(etl_config_parse(&config, text) == ETL_OK);
  CHECK(etl_config_get_members(&config, "state", ETL_CONFIG_REQUIRED, &members, &count) == ETL_OK);
  CHECK(count == 3);
  if (count == 3) {
    CHECK_TEXT(members[0].key, "csv/orders");
    CHECK_BYTES(members[0].value, members[0].value_length, "{\"cursor\": \"2024\"}");
    CHECK_TEXT(members[1].key, "k\xc3\xa9y");
    CHECK_BYTES(members[1].value, members[1].value_length, "[1, 2]");
    CHECK_TEXT(members[2].key, "n");
    CHECK_BYTES(members[2].value, members[2].value_length, "null");
  }
  etl_config_free_members(members, count);
  members = NULL;
  CHECK(etl_config_get_members(&config, "schemas", ETL_CONFIG_REQUIRED, &members, &count) == ETL_OK);
  CHECK(count == 0 && members != NULL);
  etl_config_free_members(members, count);
  members = NULL;
  CHECK(etl_config_get_members(&config, NULL, ETL_CONFIG_REQUIRED, &members, &count) == ETL_OK);
  CHECK(count == 4);
  if (count == 4) {
    CHECK_TEXT(members[3].key, "bad");
    CHECK_BYTES(members[2].value, members[2].value_length, "\"x\"");
  }
  etl_config_free_members(members, count);
  members = NULL;
  count = 7;
  CHECK(etl_config_get_members(&config, "word", ETL_CONFIG_REQUIRED, &members, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'word': must be an object");
  CHECK(etl_config_get_members(&config, "bad", ETL_CONFIG_REQUIRED, &members, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'bad': a key must not contain \\u0000");
  CHECK(etl_config_get_members(&config, "gone", ETL_CONFIG_OPTIONAL, &members, &count) == ETL_OK);
  CHECK(members == NULL && count == 7);
  CHECK(etl_config_get_members(&config, "gone", ETL_CONFIG_REQUIRED, &members, &count) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_config_last_error(&config), "config key 'gone' is missing");

  CHECK(etl_config_is_json(" {\"a\": [1, 2.5e3, true, null, \"\\ud83d\\ude00\"]} "));
  CHECK(etl_config_is_json("\"text\""));
  CHECK(etl_config_is_json("-0"));
  CHECK(!etl_config_is_json(""));
  CHECK(!etl_config_is_json(NULL));
  CHECK(!etl_config_is_json("{} {}"));
  CHECK(!etl_config_is_json("[1,]"));
  CHECK(!etl_config_is_json("NaN"));
}

int main(void) {
  test_members();
  test_malformed();
  test_empty_and_missing();
  test_strings();
  test_numbers_and_bools();
  test_arrays_and_raw_json();
  return check_summary();
}
