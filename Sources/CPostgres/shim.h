/* The system libpq (Debian: libpq-dev), for the PostgreSQL warehouse and its
 * tests. Debian installs the header in /usr/include/postgresql; pkg-config
 * (libpq) adds that folder when it is there, and the fallback below finds it
 * without pkg-config. */
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
