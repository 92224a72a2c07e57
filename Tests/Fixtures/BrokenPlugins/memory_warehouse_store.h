/*
 * memory_warehouse_store.h — the tables of memory_warehouse.c: rows of
 * cells, lookups, and apply(), which makes a committed load visible
 * (included by it, after its types; not a header of its own).
 */

/* ------------------------------------------------------------------------ */
/* Rows                                                                      */
/* ------------------------------------------------------------------------ */

static row* new_row(void) {
  row* r = (row*)calloc(1, sizeof *r);
  int i;
  if (r == NULL) return NULL;
  for (i = 0; i < MAX_COLUMNS; i++) r->cells[i].is_null = 1;
  return r;
}

static void free_row(row* r) {
  int i;
  if (r == NULL) return;
  for (i = 0; i < MAX_COLUMNS; i++) free((char*)r->cells[i].bytes);
  free(r);
}

/** Frees every row of `t` (its columns stay). */
static void clear_rows(table* t) {
  long long i;
  for (i = 0; i < t->row_count; i++) free_row(t->rows[i]);
  free(t->rows);
  t->rows = NULL;
  t->row_count = 0;
  t->row_capacity = 0;
}

static int add_row(table* t, row* r) {
  if (t->row_count == t->row_capacity) {
    long long capacity = t->row_capacity == 0 ? 16 : t->row_capacity * 2;
    row** grown = (row**)realloc(t->rows, (size_t)capacity * sizeof *grown);
    if (grown == NULL) return 0;
    t->rows = grown;
    t->row_capacity = capacity;
  }
  t->rows[t->row_count++] = r;
  return 1;
}

/** Stores `cell` in slot `slot` of `r`, copying its bytes. */
static int set_cell(row* r, int slot, const etl_cell* cell) {
  etl_cell copy = *cell;
  free((char*)r->cells[slot].bytes);
  r->cells[slot].bytes = NULL;
  if (!copy.is_null && (copy.type == ETL_TYPE_UTF8 || copy.type == ETL_TYPE_BINARY)) {
    char* bytes = (char*)malloc(copy.length + 1);
    if (bytes == NULL) return 0;
    if (copy.length > 0) memcpy(bytes, cell->bytes, copy.length);
#ifdef BROKEN_WRITE_MANGLES_VALUES
    if (copy.type == ETL_TYPE_UTF8 && copy.length > 255) { /* BUG: cut to 255 bytes, at a character */
      copy.length = 255;
      while (copy.length > 0 && ((unsigned char)bytes[copy.length] & 0xC0) == 0x80) copy.length--;
    }
#endif
    copy.bytes = bytes;
  } else {
    copy.bytes = NULL;
  }
  r->cells[slot] = copy;
  return 1;
}

/** Whether two non-null cells of the same type hold the same value. */
static int same_value(const etl_cell* a, const etl_cell* b) {
  if (a->is_null || b->is_null) return a->is_null && b->is_null;
  switch (a->type) {
    case ETL_TYPE_BOOL: return a->boolean == b->boolean;
    case ETL_TYPE_INT64: return a->int64 == b->int64;
    case ETL_TYPE_FLOAT64: return a->float64 == b->float64;
    case ETL_TYPE_DATE32: return a->date32 == b->date32;
    case ETL_TYPE_TIMESTAMP_US: return a->timestamp_us == b->timestamp_us;
    case ETL_TYPE_UTF8:
    case ETL_TYPE_BINARY: return a->length == b->length && memcmp(a->bytes, b->bytes, a->length) == 0;
    case ETL_TYPE_NULL: return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The store                                                                 */
/* ------------------------------------------------------------------------ */

static table* find_table(const char* name) {
  int i;
  for (i = 0; i < g_table_count; i++) {
    if (strcmp(g_tables[i].name, name) == 0) return &g_tables[i];
  }
  return NULL;
}

static entry* find_entry(entry* entries, int count, const char* key) {
  int i;
  for (i = 0; i < count; i++) {
    if (strcmp(entries[i].key, key) == 0) return &entries[i];
  }
  return NULL;
}

static void put_entry(entry* entries, int* count, const char* key, const char* json) {
  entry* found = find_entry(entries, *count, key);
  if (found == NULL) {
    if (*count == MAX_ITEMS) return;
    found = &entries[(*count)++];
    snprintf(found->key, sizeof found->key, "%s", key);
    found->json = NULL;
  }
  free(found->json);
  found->json = copy_text(json);
}

static int column_index(const table* t, const char* name) {
  int i;
  for (i = 0; i < t->column_count; i++) {
    if (strcmp(t->columns[i].name, name) == 0) return i;
  }
  return -1;
}

/** The row of `t` whose key columns hold the values of `incoming`'s, or NULL. */
static row* find_by_key(const table* t, const struct etl_writer* w, const row* incoming) {
  long long r;
  int k;
  for (r = 0; r < t->row_count; r++) {
    int same = 1;
    for (k = 0; k < w->key_count && same; k++) {
      int slot = column_index(t, w->load.columns[w->key_columns[k]].name);
      same = slot >= 0 && same_value(&t->rows[r]->cells[slot], &incoming->cells[w->key_columns[k]]);
    }
    if (same) return t->rows[r];
  }
  return NULL;
}

/** Makes a load visible: creates or swaps the table, or adds (append) or
 *  merges (upsert) its rows, adding the columns it lacks. The load's rows
 *  move into the store. */
static void apply(struct etl_writer* w) {
  table* t = find_table(w->load.name);
  long long r;
  int i;
  if (t == NULL || (w->mode == ETL_MODE_REPLACE
#ifdef BROKEN_REPLACE_KEEPS_COLUMNS
                    && 0 /* BUG: the replace widens the old table instead */
#endif
                    )) {
    if (t == NULL) {
      if (g_table_count == MAX_ITEMS) return;
      t = &g_tables[g_table_count++];
    } else {
      clear_rows(t);
    }
    *t = w->load;
    w->load.rows = NULL;
    w->load.row_count = 0;
    w->load.row_capacity = 0;
    return;
  }
  for (i = 0; i < w->load.column_count && t->column_count < MAX_COLUMNS; i++) {
    if (column_index(t, w->load.columns[i].name) < 0) t->columns[t->column_count++] = w->load.columns[i];
  }
  for (r = 0; r < w->load.row_count; r++) {
    row* incoming = w->load.rows[r];
    row* target = w->mode == ETL_MODE_UPSERT
#ifdef BROKEN_UPSERT_APPENDS
                          && 0 /* BUG: an upsert adds every row, even one whose key the table has */
#endif
                      ? find_by_key(t, w, incoming)
                      : NULL;
    int fresh = target == NULL;
    if (fresh) target = new_row();
    if (target == NULL) continue;
    for (i = 0; i < w->load.column_count; i++) {
      int slot = column_index(t, w->load.columns[i].name);
      if (slot >= 0) set_cell(target, slot, &incoming->cells[i]); /* < 0: no room for the column */
    }
    if (fresh && !add_row(t, target)) free_row(target);
  }
}
