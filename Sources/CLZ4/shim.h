/* liblz4 (liblz4-dev), for LZ4_FRAME-compressed Arrow IPC buffers. */
#include <lz4frame.h>
