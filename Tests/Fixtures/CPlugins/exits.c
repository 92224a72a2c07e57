/*
 * exits.c — a test fixture: the conformant extractor (see
 * ../BrokenPlugins/conformant_extractor.c), named "exits", that ends the
 * whole process with exit(0) where the environment variable
 * ETL_FIXTURE_EXIT_AT says:
 *
 *   init   in etl_plugin_init (while the host loads it)
 *   open   in open (the run has started)
 *   read   in read, before it returns a stream
 *
 * ETL_FIXTURE_TERM_IN=init sends SIGTERM to the process that initializes
 * it (as a Ctrl-C or a scheduler's stop would arrive during a probe).
 *
 * Unset, it behaves exactly as the conformant extractor. The host must
 * never let such an exit look like success (exit status 0).
 *
 * Build (from the repository root):
 *
 *   cc -std=c99 -shared -fPIC -I Sources/CETLPlugin/include \
 *      -o libexits.so Tests/Fixtures/CPlugins/exits.c
 */
#define FIXTURE_NAME "exits"
#define etl_plugin_init conformant_plugin_init
#include "../BrokenPlugins/conformant_extractor.c"
#undef etl_plugin_init

#include <signal.h>
#include <unistd.h>

/** Calls exit(0) when ETL_FIXTURE_EXIT_AT names `place`. */
static void exit_if_asked(const char* place) {
  const char* where = getenv("ETL_FIXTURE_EXIT_AT");
  if (where != NULL && strcmp(where, place) == 0) exit(0);
}

/** Sends SIGTERM to this process when ETL_FIXTURE_TERM_IN names `place`. */
static void terminate_if_asked(const char* place) {
  const char* where = getenv("ETL_FIXTURE_TERM_IN");
  if (where != NULL && strcmp(where, place) == 0) kill(getpid(), SIGTERM);
}

static etl_status exits_open(const etl_open_request* request, etl_instance** out, etl_error* error) {
  exit_if_asked("open");
  return fixture_open(request, out, error);
}

static etl_status exits_read(etl_instance* inst, const etl_read_request* request, struct ArrowArrayStream* out,
                             etl_error* error) {
  exit_if_asked("read");
  return fixture_read(inst, request, out, error);
}

static const etl_extractor_ops k_exits_extractor = {sizeof(etl_extractor_ops), fixture_discover, exits_read,
                                                    fixture_checkpoint, NULL /* stream_error (1.2) */};

ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host, etl_plugin* out,
                                      etl_error* error) {
  etl_status status;
  exit_if_asked("init");
  terminate_if_asked("init");
  status = conformant_plugin_init(host_abi, host, out, error);
  if (status == ETL_OK && ETL_HAS_FIELD(out, etl_plugin, extractor)) {
    out->open = exits_open;
    out->extractor = &k_exits_extractor;
  }
  return status;
}
