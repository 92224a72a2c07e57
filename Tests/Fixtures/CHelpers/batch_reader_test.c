/*
 * batch_reader_test.c — unit tests of etl_reader.h, built with cc and run
 * by CHelperHeadersTests. Batches come from etl_batch.h (every v1 type,
 * with nulls) and by hand (offsets, slices, malformed shapes). Prints "<N>
 * checks passed" and exits 0, or names each failed check on stderr and
 * exits 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "etl_batch.h"
#include "etl_reader.h"

/** Release callback of the hand-made arrays: they are static. */
static void release_nothing(struct ArrowArray* array) { array->release = NULL; }

/** A hand-made column: `n_buffers` buffers, no children. */
static struct ArrowArray column(int64_t length, int64_t null_count, int64_t offset, int64_t n_buffers,
                                const void** buffers) {
  struct ArrowArray a;
  memset(&a, 0, sizeof a);
  a.length = length;
  a.null_count = null_count;
  a.offset = offset;
  a.n_buffers = n_buffers;
  a.buffers = buffers;
  a.release = release_nothing;
  return a;
}

/** A hand-made "+s" batch of `n` columns. */
static struct ArrowArray batch_of(int64_t length, int64_t offset, int64_t n, struct ArrowArray** children) {
  static const void* no_validity[1] = {NULL};
  struct ArrowArray a = column(length, 0, offset, 1, no_validity);
  a.n_children = n;
  a.children = children;
  return a;
}

/** A hand-made field of `format`. */
static struct ArrowSchema field(const char* name, const char* format, const char* metadata) {
  struct ArrowSchema s;
  memset(&s, 0, sizeof s);
  s.format = format;
  s.name = name;
  s.metadata = metadata;
  s.flags = ARROW_FLAG_NULLABLE;
  return s;
}

/** A hand-made "+s" schema. */
static struct ArrowSchema struct_of(int64_t n, struct ArrowSchema** children) {
  struct ArrowSchema s = field("", "+s", NULL);
  s.n_children = n;
  s.children = children;
  return s;
}

/** Every v1 type from the builder, with a null in each column, read back. */
static void test_every_type(void) {
  etl_batch_builder* b = etl_batch_new();
  struct ArrowArray batch;
  struct ArrowSchema schema;
  etl_batch_reader reader;
  etl_cell cell;
  int64_t row;
  CHECK(etl_batch_add_column(b, "flag", ETL_TYPE_BOOL, 0) == ETL_OK);
  CHECK(etl_batch_add_column(b, "id", ETL_TYPE_INT64, 0) == ETL_OK);
  CHECK(etl_batch_add_column(b, "ratio", ETL_TYPE_FLOAT64, 0) == ETL_OK);
  CHECK(etl_batch_add_column(b, "name", ETL_TYPE_UTF8, 0) == ETL_OK);
  CHECK(etl_batch_add_column(b, "blob", ETL_TYPE_BINARY, 0) == ETL_OK);
  CHECK(etl_batch_add_column(b, "day", ETL_TYPE_DATE32, 0) == ETL_OK);
  CHECK(etl_batch_add_column(b, "at", ETL_TYPE_TIMESTAMP_US, 0) == ETL_OK);
  CHECK(etl_batch_add_column(b, "nothing", ETL_TYPE_NULL, 0) == ETL_OK);
  CHECK(etl_batch_add_decimal_column(b, "price", 10, 2) == ETL_OK);
  CHECK(etl_batch_add_column(b, "doc", ETL_TYPE_UTF8, ETL_COLUMN_JSON) == ETL_OK);
  CHECK(etl_batch_add_column(b, "raw", ETL_TYPE_UTF8, ETL_COLUMN_UNTYPED) == ETL_OK);
  /* row 1: values; row 2: nulls; row 3: other values */
  CHECK(etl_batch_append_bool(b, 1) == ETL_OK && etl_batch_append_int64(b, INT64_MIN) == ETL_OK &&
        etl_batch_append_double(b, -0.5) == ETL_OK && etl_batch_append_string(b, "\xc3\xa9t\xc3\xa9") == ETL_OK &&
        etl_batch_append_text(b, "a\0b", 3) == ETL_OK && etl_batch_append_date32(b, -1) == ETL_OK &&
        etl_batch_append_timestamp_us(b, 1700000000123456) == ETL_OK && etl_batch_append_null(b) == ETL_OK &&
        etl_batch_append_string(b, "-12.50") == ETL_OK && etl_batch_append_string(b, "{\"a\": [1]}") == ETL_OK &&
        etl_batch_append_string(b, "x") == ETL_OK && etl_batch_end_row(b) == ETL_OK);
  for (row = 0; row < 11; row++) CHECK(etl_batch_append_null(b) == ETL_OK);
  CHECK(etl_batch_end_row(b) == ETL_OK);
  CHECK(etl_batch_append_bool(b, 0) == ETL_OK && etl_batch_append_int64(b, 42) == ETL_OK &&
        etl_batch_append_double(b, 1e300) == ETL_OK && etl_batch_append_string(b, "") == ETL_OK &&
        etl_batch_append_text(b, "", 0) == ETL_OK && etl_batch_append_date32(b, 19000) == ETL_OK &&
        etl_batch_append_timestamp_us(b, -1) == ETL_OK && etl_batch_append_null(b) == ETL_OK &&
        etl_batch_append_string(b, "0.00") == ETL_OK && etl_batch_append_string(b, "null") == ETL_OK &&
        etl_batch_append_string(b, "") == ETL_OK && etl_batch_end_row(b) == ETL_OK);
  CHECK(etl_batch_finish(b, &batch, &schema) == ETL_OK);

  CHECK(etl_reader_init(&reader, &schema) == ETL_OK);
  CHECK(reader.column_count == 11);
  CHECK_TEXT(reader.columns[0].name, "flag");
  CHECK(reader.columns[0].type == ETL_TYPE_BOOL && reader.columns[0].flags == 0);
  CHECK(reader.columns[6].type == ETL_TYPE_TIMESTAMP_US);
  CHECK(reader.columns[7].type == ETL_TYPE_NULL);
  CHECK_TEXT(reader.columns[8].name, "price");
  CHECK(reader.columns[8].type == ETL_TYPE_UTF8 && reader.columns[8].decimal_precision == 10 &&
        reader.columns[8].decimal_scale == 2 && reader.columns[8].flags == 0);
  CHECK(reader.columns[9].flags == ETL_COLUMN_JSON && reader.columns[9].decimal_precision == 0);
  CHECK(reader.columns[10].flags == ETL_COLUMN_UNTYPED);
  schema.release(&schema); /* the reader copied what it needs */

  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  CHECK(etl_reader_row_count(&reader) == 3);
  CHECK(etl_reader_get(&reader, 0, 0, &cell) == ETL_OK && !cell.is_null && cell.type == ETL_TYPE_BOOL && cell.boolean == 1);
  CHECK(etl_reader_get(&reader, 0, 1, &cell) == ETL_OK && !cell.is_null && cell.int64 == INT64_MIN);
  CHECK(etl_reader_get(&reader, 0, 2, &cell) == ETL_OK && !cell.is_null && cell.float64 == -0.5);
  CHECK(etl_reader_get(&reader, 0, 3, &cell) == ETL_OK && !cell.is_null && cell.type == ETL_TYPE_UTF8);
  CHECK_BYTES(cell.bytes, cell.length, "\xc3\xa9t\xc3\xa9");
  CHECK(etl_reader_get(&reader, 0, 4, &cell) == ETL_OK && !cell.is_null && cell.type == ETL_TYPE_BINARY);
  CHECK_BYTES(cell.bytes, cell.length, "a\0b");
  CHECK(etl_reader_get(&reader, 0, 5, &cell) == ETL_OK && !cell.is_null && cell.date32 == -1);
  CHECK(etl_reader_get(&reader, 0, 6, &cell) == ETL_OK && !cell.is_null && cell.timestamp_us == 1700000000123456);
  CHECK(etl_reader_get(&reader, 0, 7, &cell) == ETL_OK && cell.is_null && cell.type == ETL_TYPE_NULL);
  CHECK(etl_reader_get(&reader, 0, 8, &cell) == ETL_OK && !cell.is_null);
  CHECK_BYTES(cell.bytes, cell.length, "-12.50");
  CHECK(etl_reader_get(&reader, 0, 9, &cell) == ETL_OK && !cell.is_null);
  CHECK_BYTES(cell.bytes, cell.length, "{\"a\": [1]}");
  for (row = 0; row < 11; row++) {
    CHECK(etl_reader_get(&reader, 1, row, &cell) == ETL_OK && cell.is_null && cell.int64 == 0 && cell.bytes == NULL);
  }
  CHECK(etl_reader_get(&reader, 2, 0, &cell) == ETL_OK && !cell.is_null && cell.boolean == 0);
  CHECK(etl_reader_get(&reader, 2, 1, &cell) == ETL_OK && cell.int64 == 42);
  CHECK(etl_reader_get(&reader, 2, 2, &cell) == ETL_OK && cell.float64 == 1e300);
  CHECK(etl_reader_get(&reader, 2, 3, &cell) == ETL_OK && !cell.is_null && cell.length == 0 && cell.bytes != NULL);
  CHECK(etl_reader_get(&reader, 2, 4, &cell) == ETL_OK && !cell.is_null && cell.length == 0);
  CHECK(etl_reader_get(&reader, 2, 5, &cell) == ETL_OK && cell.date32 == 19000);
  CHECK(etl_reader_get(&reader, 2, 6, &cell) == ETL_OK && cell.timestamp_us == -1);
  CHECK(etl_reader_get(&reader, 2, 10, &cell) == ETL_OK && !cell.is_null && cell.length == 0);

  CHECK(etl_reader_get(&reader, 3, 0, &cell) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "row 3 is out of range (the batch has 3 rows)");
  CHECK(etl_reader_get(&reader, 0, 11, &cell) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 11 is out of range (the schema has 11 columns)");

  /* a slice of the batch: rows 2 and 3 only */
  batch.offset = 1;
  batch.length = 2;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  CHECK(etl_reader_row_count(&reader) == 2);
  CHECK(etl_reader_get(&reader, 0, 1, &cell) == ETL_OK && cell.is_null);
  CHECK(etl_reader_get(&reader, 1, 1, &cell) == ETL_OK && !cell.is_null && cell.int64 == 42);
  batch.offset = 2; /* past the columns' end */
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 'flag' has 3 values from offset 0; the batch needs 4");
  CHECK(etl_reader_row_count(&reader) == 0);
  CHECK(etl_reader_get(&reader, 0, 0, &cell) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "there is no batch");
  batch.offset = 0;
  batch.length = 3;
  batch.release(&batch);
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "the batch is NULL or released");
  etl_reader_free(&reader);
  CHECK(reader.columns == NULL && reader.column_count == 0);
  etl_batch_free(b);
}

/** utf8 columns with offsets: a column offset, a batch offset, nulls. */
static void test_offsets_and_validity(void) {
  /* values "a", "bb", null, "dddd" from column offset 1: the view is
   * "bb", null, "dddd" */
  static const int32_t offsets[] = {0, 1, 3, 3, 7};
  static const char data[] = "abbdddd";
  static const uint8_t validity[] = {0x0B}; /* 1011: slot 2 is null */
  static const int64_t numbers[] = {10, 20, 30, 40};
  const void* text_buffers[3] = {validity, offsets, data};
  const void* number_buffers[2] = {validity, numbers};
  struct ArrowArray text = column(3, 1, 1, 3, text_buffers);
  struct ArrowArray number = column(3, 1, 1, 2, number_buffers);
  struct ArrowArray* children[2] = {&text, &number};
  struct ArrowArray batch = batch_of(3, 0, 2, children);
  struct ArrowSchema f1 = field("s", "u", NULL), f2 = field("n", "l", NULL);
  struct ArrowSchema* fields[2] = {&f1, &f2};
  struct ArrowSchema schema = struct_of(2, fields);
  etl_batch_reader reader;
  etl_cell cell;
  static const int32_t bad_offsets[] = {0, 1, 3, 2, 7};
  static const char bad_utf8[] = "abb\xff""ddd";
  const void* bad_offset_buffers[3] = {validity, bad_offsets, data};
  const void* bad_utf8_buffers[3] = {NULL, offsets, bad_utf8};

  CHECK(etl_reader_init(&reader, &schema) == ETL_OK);
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  CHECK(etl_reader_get(&reader, 0, 0, &cell) == ETL_OK && !cell.is_null);
  CHECK_BYTES(cell.bytes, cell.length, "bb");
  CHECK(etl_reader_get(&reader, 1, 0, &cell) == ETL_OK && cell.is_null);
  CHECK(etl_reader_get(&reader, 2, 0, &cell) == ETL_OK && !cell.is_null);
  CHECK_BYTES(cell.bytes, cell.length, "dddd");
  CHECK(etl_reader_get(&reader, 0, 1, &cell) == ETL_OK && cell.int64 == 20);
  CHECK(etl_reader_get(&reader, 1, 1, &cell) == ETL_OK && cell.is_null);
  CHECK(etl_reader_get(&reader, 2, 1, &cell) == ETL_OK && cell.int64 == 40);
  /* and a batch offset on top: the last row only */
  batch.offset = 2;
  batch.length = 1;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  CHECK(etl_reader_get(&reader, 0, 0, &cell) == ETL_OK);
  CHECK_BYTES(cell.bytes, cell.length, "dddd");
  CHECK(etl_reader_get(&reader, 0, 1, &cell) == ETL_OK && cell.int64 == 40);
  batch.offset = 0;
  batch.length = 3;

  /* null_count -1 (unknown) is fine; a wrong count is not */
  text.null_count = -1;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  text.null_count = 0;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 's': null_count is 0, but the validity bitmap marks 1 null");
  text.null_count = 1;
  number_buffers[0] = NULL;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 'n': null_count is 1, but the validity bitmap marks 0 nulls");
  number.null_count = 0;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  CHECK(etl_reader_get(&reader, 1, 1, &cell) == ETL_OK && !cell.is_null && cell.int64 == 30);

  text.buffers = bad_offset_buffers;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 's': row 2 has offsets 3 to 2 (negative or decreasing)");
  text.buffers = bad_utf8_buffers;
  text.null_count = 0;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 's': row 3 is not valid UTF-8");
  f1.format = "z"; /* the same bytes are fine as binary */
  etl_reader_free(&reader);
  CHECK(etl_reader_init(&reader, &schema) == ETL_OK);
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  CHECK(etl_reader_get(&reader, 2, 0, &cell) == ETL_OK && cell.type == ETL_TYPE_BINARY);
  CHECK_BYTES(cell.bytes, cell.length, "\xff""ddd");
  etl_reader_free(&reader);
}

/** Shapes and schemas the reader refuses, with their messages. */
static void test_refusals(void) {
  static const int64_t numbers[] = {1, 2};
  const void* buffers[2] = {NULL, numbers};
  struct ArrowArray number = column(2, 0, 0, 2, buffers);
  struct ArrowArray* children[2] = {&number, &number};
  struct ArrowArray batch = batch_of(2, 0, 1, children);
  struct ArrowSchema f1 = field("n", "l", NULL), f2 = field("at", "tsn:", NULL);
  struct ArrowSchema* fields[2] = {&f1, &f2};
  struct ArrowSchema schema = struct_of(1, fields);
  struct ArrowSchema not_struct = field("x", "l", NULL);
  /* metadata etl.decimal = "3,5": scale above precision */
  static const char bad_decimal[] = "\1\0\0\0\13\0\0\0etl.decimal\3\0\0\0" "3,5";
  etl_batch_reader reader;

  CHECK(etl_reader_init(&reader, &not_struct) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "the schema is not a struct (format '+s')");
  etl_reader_free(&reader);
  schema.n_children = 2;
  CHECK(etl_reader_init(&reader, &schema) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 'at' has format 'tsn:', which ABI v1 does not define");
  etl_reader_free(&reader);
  f2.format = "u";
  f2.metadata = bad_decimal;
  CHECK(etl_reader_init(&reader, &schema) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 'at' has malformed metadata");
  etl_reader_free(&reader);
  f2.name = NULL;
  CHECK(etl_reader_init(&reader, &schema) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 2 has no name");
  etl_reader_free(&reader);

  schema.n_children = 1;
  CHECK(etl_reader_init(&reader, &schema) == ETL_OK);
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  batch.n_children = 2;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "the batch has 2 columns; the schema has 1");
  batch.n_children = 1;
  batch.null_count = 1;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "the batch has null rows (null_count 1); v1 allows none");
  batch.null_count = 0;
  number.n_buffers = 3;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 'n' has 3 buffers; int64 needs 2");
  number.n_buffers = 2;
  buffers[1] = NULL;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 'n' has a NULL data buffer");
  buffers[1] = numbers;
  number.release = NULL;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "column 'n' is missing from the batch");
  number.release = release_nothing;
  batch.length = -1;
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_ERR_INVALID_ARGUMENT);
  CHECK_TEXT(etl_reader_last_error(&reader), "the batch has length -1 and offset 0");
  batch.length = 0; /* zero rows are fine */
  CHECK(etl_reader_set_batch(&reader, &batch) == ETL_OK);
  CHECK(etl_reader_row_count(&reader) == 0);
  etl_reader_free(&reader);
}

int main(void) {
  test_every_type();
  test_offsets_and_validity();
  test_refusals();
  return check_summary();
}
