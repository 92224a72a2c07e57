/*
 * atomic_files.h — files replaced atomically, for the warehouse made by
 * `etl-host plugins new`: a new hidden file in the destination's folder,
 * written, flushed and fsync'ed, then renamed over the old one (a rename
 * replaces atomically only within one folder). Header-only; every function
 * returns 0 or an errno, never exits, and leaves no file behind on failure.
 * Include it after defining _POSIX_C_SOURCE 200809L (fsync, fileno).
 */
#ifndef ATOMIC_FILES_H
#define ATOMIC_FILES_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/** malloc'd "<a><b><c>". */
static inline char* join3(const char* a, const char* b, const char* c) {
  size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
  char* out = (char*)malloc(na + nb + nc + 1);
  if (out == NULL) return NULL;
  memcpy(out, a, na);
  memcpy(out + na, b, nb);
  memcpy(out + na + nb, c, nc + 1);
  return out;
}


/** mkdir -p. Returns 0 or an errno. */
static inline int make_dirs(const char* path) {
  char* copy = join3(path, "", "");
  char* p;
  int err = 0;
  if (copy == NULL) return ENOMEM;
  for (p = copy + 1; err == 0; p++) {
    int end = *p == '\0';
    if (*p != '/' && !end) continue;
    *p = '\0';
    if (mkdir(copy, 0777) != 0 && errno != EEXIST) err = errno;
    if (end) break;
    *p = '/';
  }
  free(copy);
  return err;
}

static unsigned long g_temp_counter = 0;

/** Creates "<dir>/.<base>.<pid>-<n>.tmp" for writing; sets *path. */
static inline FILE* create_temp(const char* dir, const char* base, char** path, int* err) {
  char suffix[64];
  char* name;
  int fd;
  FILE* f;
#if defined(__GNUC__) || defined(__clang__)
  unsigned long n = __atomic_add_fetch(&g_temp_counter, 1, __ATOMIC_RELAXED);
#else
  unsigned long n = ++g_temp_counter;
#endif
  snprintf(suffix, sizeof suffix, ".%ld-%lu.tmp", (long)getpid(), n);
  name = join3("/.", base, suffix);
  *path = name == NULL ? NULL : join3(dir, name, "");
  free(name);
  if (*path == NULL) {
    *err = ENOMEM;
    return NULL;
  }
  fd = open(*path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  f = fd < 0 ? NULL : fdopen(fd, "wb");
  if (f == NULL) {
    *err = errno;
    if (fd >= 0) {
      close(fd);
      unlink(*path);
    }
    free(*path);
    *path = NULL;
  }
  return f;
}

/** Flushes, fsyncs and closes. Returns 0 or an errno. */
static inline int finish_file(FILE* f) {
  int err = 0;
  if (fflush(f) != 0) err = errno ? errno : EIO;
  if (err == 0 && fsync(fileno(f)) != 0) err = errno;
  if (fclose(f) != 0 && err == 0) err = errno ? errno : EIO;
  return err;
}

/** Appends the rest of `in` to `out`. Returns 0 or an errno. */
static inline int copy_bytes(FILE* in, FILE* out) {
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
    if (fwrite(chunk, 1, n, out) != n) return errno ? errno : EIO;
  }
  return ferror(in) ? EIO : 0;
}

#endif /* ATOMIC_FILES_H */
