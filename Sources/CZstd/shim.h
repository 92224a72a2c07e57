/* libzstd (libzstd-dev), for ZSTD-compressed Arrow IPC buffers. */
#include <zstd.h>
