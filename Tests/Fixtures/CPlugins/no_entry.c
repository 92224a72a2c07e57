/*
 * no_entry.c — a test fixture: a valid shared library that is NOT a plugin.
 *
 * It exports a function, but no `etl_plugin_init`, so dlopen() succeeds and
 * dlsym(ETL_PLUGIN_ENTRY_SYMBOL) fails. The host must refuse it with an
 * error that names the missing symbol and the library.
 *
 *   cc -shared -fPIC -I Sources/CETLPlugin/include \
 *      -o libno_entry.so Tests/Fixtures/CPlugins/no_entry.c
 */
#include "etl_plugin.h"

/** Something to export, so that the library is not empty. */
ETL_EXPORT int etl_fixture_no_entry_answer(void) { return 42; }
