/* The system libsqlite3 (Debian: libsqlite3-dev), for the SQLite warehouse. */
#include <sqlite3.h>
