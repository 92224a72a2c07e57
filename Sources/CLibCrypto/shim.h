/* OpenSSL's libcrypto (libssl-dev): SHA-256 of snapshot files while they are written. */
#include <openssl/evp.h>
