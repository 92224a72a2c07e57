/*
 * old_host.c — a host that speaks an older minor version of the ABI, for
 * the tests: it loads an extractor library, calls etl_plugin_init with
 * host_abi 1.MINOR and a service table that says the same, opens the
 * extractor with CONFIG (a JSON object), reads STREAM to its end and
 * prints one line per field of the stream's schema, "name format" and the
 * field's metadata as " key=value" pairs, then "rows N".
 *
 *   old_host LIBRARY MINOR CONFIG STREAM
 *
 * Exit status 0, or 1 with the failing step and the plugin's message on
 * standard error.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_plugin.h"

static void log_line(etl_host_context* context, int32_t level, const char* message) {
  (void)context;
  (void)level;
  fprintf(stderr, "log: %s\n", message);
}

static int failed(const char* step, etl_error* error) {
  fprintf(stderr, "%s failed: %s\n", step, error->message ? error->message : "(no message)");
  if (error->release) error->release(error);
  return 1;
}

/* Prints Arrow's binary metadata: an int32 count, then per entry an int32
 * length and the key, an int32 length and the value. */
static void print_metadata(const char* metadata) {
  int32_t count, index, length;
  const char* cursor = metadata;
  if (cursor == NULL) return;
  memcpy(&count, cursor, sizeof count);
  cursor += sizeof count;
  for (index = 0; index < count; index++) {
    memcpy(&length, cursor, sizeof length);
    cursor += sizeof length;
    printf(" %.*s", (int)length, cursor);
    cursor += length;
    memcpy(&length, cursor, sizeof length);
    cursor += sizeof length;
    printf("=%.*s", (int)length, cursor);
    cursor += length;
  }
}

int main(int argc, char** argv) {
  etl_host_api host;
  etl_plugin plugin;
  etl_error error;
  etl_open_request open_request;
  etl_read_request read_request;
  etl_instance* instance = NULL;
  struct ArrowArrayStream stream;
  struct ArrowSchema schema;
  struct ArrowArray batch;
  etl_plugin_init_fn init;
  void* library;
  void* symbol;
  uint32_t abi;
  int64_t rows = 0, field;

  if (argc != 5) {
    fprintf(stderr, "usage: old_host LIBRARY MINOR CONFIG STREAM\n");
    return 64;
  }
  library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    fprintf(stderr, "dlopen failed: %s\n", dlerror());
    return 1;
  }
  symbol = dlsym(library, ETL_PLUGIN_ENTRY_SYMBOL);
  if (symbol == NULL) {
    fprintf(stderr, "no %s\n", ETL_PLUGIN_ENTRY_SYMBOL);
    return 1;
  }
  memcpy(&init, &symbol, sizeof init);
  abi = ETL_ABI_MAKE_VERSION(1, (uint32_t)atoi(argv[2]));

  memset(&host, 0, sizeof host);
  host.struct_size = sizeof host;
  host.abi_version = abi;
  host.log = log_line;
  memset(&plugin, 0, sizeof plugin);
  plugin.struct_size = sizeof plugin;
  memset(&error, 0, sizeof error);
  error.struct_size = sizeof error;
  if (init(abi, &host, &plugin, &error) != ETL_OK) return failed("etl_plugin_init", &error);
  if (plugin.extractor == NULL) {
    fprintf(stderr, "not an extractor\n");
    return 1;
  }

  memset(&open_request, 0, sizeof open_request);
  open_request.struct_size = sizeof open_request;
  open_request.config_json = argv[3];
  if (plugin.open(&open_request, &instance, &error) != ETL_OK) return failed("open", &error);

  memset(&read_request, 0, sizeof read_request);
  read_request.struct_size = sizeof read_request;
  read_request.stream = argv[4];
  if (plugin.extractor->read(instance, &read_request, &stream, &error) != ETL_OK) return failed("read", &error);
  if (stream.get_schema(&stream, &schema) != 0) {
    fprintf(stderr, "get_schema failed: %s\n", stream.get_last_error(&stream));
    return 1;
  }
  for (field = 0; field < schema.n_children; field++) {
    printf("%s %s", schema.children[field]->name, schema.children[field]->format);
    print_metadata(schema.children[field]->metadata);
    printf("\n");
  }
  schema.release(&schema);
  for (;;) {
    if (stream.get_next(&stream, &batch) != 0) {
      fprintf(stderr, "get_next failed: %s\n", stream.get_last_error(&stream));
      return 1;
    }
    if (batch.release == NULL) break;
    rows += batch.length;
    batch.release(&batch);
  }
  printf("rows %lld\n", (long long)rows);
  stream.release(&stream);
  plugin.close(instance);
  return 0;
}
