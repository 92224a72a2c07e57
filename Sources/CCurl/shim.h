/* The system libcurl (Debian: libcurl4-openssl-dev), for HTTP extractors. */
#include <curl/curl.h>
