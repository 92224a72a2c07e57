/*
 * memory_warehouse_query.h — the query operation of memory_warehouse.c
 * (included by it, after the store; not a header of its own).
 *
 * It understands exactly the statement `etl-host plugins test` sends to
 * read rows back:
 *
 *   SELECT "<column>", "<column>", ... FROM "<table>" ORDER BY "<column>"
 *
 * (identifiers double-quoted, "" for a quote inside one; keywords in any
 * case; a trailing ';' allowed). Anything else is ETL_ERR_INVALID_ARGUMENT.
 * The rows come in the column types they were written with (decimal and
 * JSON columns keep their metadata), ordered by the column (nulls first),
 * in batches of at most QUERY_BATCH_ROWS rows, built with etl_batch.h.
 * Like every warehouse, it refuses a query while a writer of the same
 * instance is open.
 */

#define QUERY_BATCH_ROWS 8

/* ------------------------------------------------------------------------ */
/* The statement                                                             */
/* ------------------------------------------------------------------------ */

typedef struct query_plan {
  char columns[MAX_COLUMNS][NAME_SIZE];
  int column_count;
  char table[NAME_SIZE];
  char order_by[NAME_SIZE];
} query_plan;

static const char* skip_spaces(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/** Reads keyword `word` (any case) at *p; 0 when it is not there. */
static int take_keyword(const char** p, const char* word) {
  size_t n = strlen(word), i;
  const char* at = skip_spaces(*p);
  for (i = 0; i < n; i++) {
    char c = at[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c != word[i]) return 0;
  }
  *p = at + n;
  return 1;
}

/** Reads a double-quoted identifier at *p into `out`; 0 when there is none. */
static int take_identifier(const char** p, char out[NAME_SIZE]) {
  const char* at = skip_spaces(*p);
  size_t n = 0;
  if (*at != '"') return 0;
  for (at++;; at++) {
    if (*at == '\0') return 0;
    if (*at == '"') {
      if (at[1] != '"') break;
      at++;
    }
    if (n + 1 == NAME_SIZE) return 0;
    out[n++] = *at;
  }
  out[n] = '\0';
  *p = at + 1;
  return 1;
}

static int parse_query(const char* sql, query_plan* plan) {
  const char* p = sql;
  memset(plan, 0, sizeof *plan);
  if (!take_keyword(&p, "SELECT")) return 0;
  for (;;) {
    if (plan->column_count == MAX_COLUMNS || !take_identifier(&p, plan->columns[plan->column_count])) return 0;
    plan->column_count++;
    p = skip_spaces(p);
    if (*p != ',') break;
    p++;
  }
  if (!take_keyword(&p, "FROM") || !take_identifier(&p, plan->table)) return 0;
  if (!take_keyword(&p, "ORDER") || !take_keyword(&p, "BY") || !take_identifier(&p, plan->order_by)) return 0;
  p = skip_spaces(p);
  if (*p == ';') p = skip_spaces(p + 1);
  return *p == '\0';
}

/* ------------------------------------------------------------------------ */
/* Ordering                                                                  */
/* ------------------------------------------------------------------------ */

static int compare_cells(const etl_cell* a, const etl_cell* b) {
  size_t n;
  int c;
  if (a->is_null || b->is_null) return b->is_null - a->is_null;
  switch (a->type) {
    case ETL_TYPE_BOOL: return a->boolean - b->boolean;
    case ETL_TYPE_INT64: return (a->int64 > b->int64) - (a->int64 < b->int64);
    case ETL_TYPE_FLOAT64: return (a->float64 > b->float64) - (a->float64 < b->float64);
    case ETL_TYPE_DATE32: return (a->date32 > b->date32) - (a->date32 < b->date32);
    case ETL_TYPE_TIMESTAMP_US: return (a->timestamp_us > b->timestamp_us) - (a->timestamp_us < b->timestamp_us);
    case ETL_TYPE_UTF8:
    case ETL_TYPE_BINARY:
      n = a->length < b->length ? a->length : b->length;
      c = n == 0 ? 0 : memcmp(a->bytes, b->bytes, n);
      return c != 0 ? c : (a->length > b->length) - (a->length < b->length);
    case ETL_TYPE_NULL: return 0;
  }
  return 0;
}

/** The rows of `t` ordered by column `slot` (a stable insertion sort: the
 *  fixture's tables are small). The caller frees the array. */
static row** ordered_rows(const table* t, int slot) {
  row** rows = (row**)malloc((size_t)(t->row_count > 0 ? t->row_count : 1) * sizeof *rows);
  long long i, j;
  if (rows == NULL) return NULL;
  for (i = 0; i < t->row_count; i++) {
    row* r = t->rows[i];
    for (j = i; j > 0 && compare_cells(&rows[j - 1]->cells[slot], &r->cells[slot]) > 0; j--) rows[j] = rows[j - 1];
    rows[j] = r;
  }
  return rows;
}

/* ------------------------------------------------------------------------ */
/* The stream: every batch is built when the query runs                     */
/* ------------------------------------------------------------------------ */

typedef struct query_stream {
  etl_batch_builder* builder; /* its columns give get_schema */
  struct ArrowArray* batches;
  long long batch_count;
  long long next;
} query_stream;

static int query_get_schema(struct ArrowArrayStream* stream, struct ArrowSchema* out) {
  query_stream* q = (query_stream*)stream->private_data;
  return etl_batch_get_schema(q->builder, out) == ETL_OK ? 0 : ENOMEM;
}

static int query_get_next(struct ArrowArrayStream* stream, struct ArrowArray* out) {
  query_stream* q = (query_stream*)stream->private_data;
  if (q->next == q->batch_count) {
    memset(out, 0, sizeof *out); /* the end: a released array */
    return 0;
  }
  *out = q->batches[q->next];
  q->batches[q->next++].release = NULL;
  return 0;
}

static const char* query_get_last_error(struct ArrowArrayStream* stream) {
  (void)stream;
  return NULL;
}

static void query_release(struct ArrowArrayStream* stream) {
  query_stream* q = (query_stream*)stream->private_data;
  long long i;
  for (i = 0; i < q->batch_count; i++) {
    if (q->batches[i].release != NULL) q->batches[i].release(&q->batches[i]);
  }
  free(q->batches);
  etl_batch_free(q->builder);
  free(q);
  stream->release = NULL;
}

static etl_status append_cell(etl_batch_builder* b, const etl_cell* cell) {
  if (cell->is_null) return etl_batch_append_null(b);
  switch (cell->type) {
    case ETL_TYPE_BOOL: return etl_batch_append_bool(b, cell->boolean);
    case ETL_TYPE_INT64: return etl_batch_append_int64(b, cell->int64);
    case ETL_TYPE_FLOAT64: return etl_batch_append_double(b, cell->float64);
    case ETL_TYPE_DATE32: return etl_batch_append_date32(b, cell->date32);
    case ETL_TYPE_TIMESTAMP_US: return etl_batch_append_timestamp_us(b, cell->timestamp_us);
    case ETL_TYPE_UTF8:
    case ETL_TYPE_BINARY: return etl_batch_append_text(b, cell->bytes, cell->length);
    case ETL_TYPE_NULL: return etl_batch_append_null(b);
  }
  return ETL_ERR_INVALID_ARGUMENT;
}

/** Moves the builder's rows into the next batch of `q`. */
static etl_status finish_batch(query_stream* q) {
  struct ArrowArray* grown = (struct ArrowArray*)realloc(q->batches, (size_t)(q->batch_count + 1) * sizeof *grown);
  if (grown == NULL) return ETL_ERR_RESOURCE_EXHAUSTED;
  q->batches = grown;
  if (etl_batch_finish(q->builder, &q->batches[q->batch_count], NULL) != ETL_OK) return ETL_ERR_RESOURCE_EXHAUSTED;
  q->batch_count++;
  return ETL_OK;
}

/** Fills `q` with the rows `plan` asks of `t`. */
static etl_status build_result(query_stream* q, const table* t, const query_plan* plan, etl_error* error) {
  int slots[MAX_COLUMNS];
  int order, i;
  long long r;
  row** rows;
  etl_status st = ETL_OK;
  for (i = 0; i < plan->column_count; i++) {
    const column* c;
    slots[i] = column_index(t, plan->columns[i]);
    if (slots[i] < 0) return fail(error, ETL_ERR_INVALID_ARGUMENT, "table '%s' has no column '%s'", t->name, plan->columns[i]);
    c = &t->columns[slots[i]];
    st = c->decimal_precision > 0
             ? etl_batch_add_decimal_column(q->builder, c->name, c->decimal_precision, c->decimal_scale)
             : etl_batch_add_column(q->builder, c->name, c->type, c->flags & ETL_COLUMN_JSON);
    if (st != ETL_OK) return fail(error, ETL_ERR_INVALID_ARGUMENT, "%s", etl_batch_last_error(q->builder));
  }
  order = column_index(t, plan->order_by);
  if (order < 0) return fail(error, ETL_ERR_INVALID_ARGUMENT, "table '%s' has no column '%s'", t->name, plan->order_by);
  rows = ordered_rows(t, order);
  if (rows == NULL) return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  for (r = 0; st == ETL_OK && r < t->row_count; r++) {
    for (i = 0; st == ETL_OK && i < plan->column_count; i++) st = append_cell(q->builder, &rows[r]->cells[slots[i]]);
    if (st == ETL_OK) st = etl_batch_end_row(q->builder);
    if (st == ETL_OK && etl_batch_row_count(q->builder) == QUERY_BATCH_ROWS) st = finish_batch(q);
  }
  if (st == ETL_OK && etl_batch_row_count(q->builder) > 0) st = finish_batch(q);
  free(rows);
  if (st != ETL_OK) return fail(error, ETL_ERR_INTERNAL, "query of '%s': %s", t->name, etl_batch_last_error(q->builder));
  return ETL_OK;
}

static etl_status wh_query(etl_instance* inst, const char* sql, struct ArrowArrayStream* out, etl_error* error) {
  query_plan plan;
  const table* t;
  query_stream* q;
  etl_status st;
  if (inst->open_writers > 0) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT,
                "a writer is open on this instance (begin without commit or rollback); run query on another instance");
  }
  if (sql == NULL || !parse_query(sql, &plan)) {
    return fail(error, ETL_ERR_INVALID_ARGUMENT,
                "this warehouse understands only SELECT \"<column>\", ... FROM \"<table>\" ORDER BY \"<column>\"");
  }
  t = find_table(plan.table);
  if (t == NULL) return fail(error, ETL_ERR_INVALID_ARGUMENT, "no such table: %s", plan.table);
  q = (query_stream*)calloc(1, sizeof *q);
  if (q == NULL || (q->builder = etl_batch_new()) == NULL) {
    free(q);
    return fail(error, ETL_ERR_RESOURCE_EXHAUSTED, "out of memory");
  }
  st = build_result(q, t, &plan, error);
  memset(out, 0, sizeof *out);
  out->get_schema = query_get_schema;
  out->get_next = query_get_next;
  out->get_last_error = query_get_last_error;
  out->release = query_release;
  out->private_data = q;
  if (st != ETL_OK) query_release(out);
  return st;
}
