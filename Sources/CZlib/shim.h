/* zlib (zlib1g-dev), for the host's gzip snapshots. */
#include <zlib.h>
