/* common/ on its own: names, clocks, the generator against splitmix64's published definition,
 * SHA-256 against FIPS 180-4's examples, the string containers, atomic writes, and the JSON
 * stream's places and refusals. Expected values were computed outside lynxeval (Python's hashlib,
 * and splitmix64 written from its paper in Python). */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/fault.h"
#include "common/fileio.h"
#include "common/hash_cache.h"
#include "common/json_stream.h"
#include "common/jsonutil.h"
#include "common/names.h"
#include "common/rng.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "common/strmap.h"
#include "testutil.h"

/* ---- rng --------------------------------------------------------------------------------------
 */

START_TEST(rng_matches_splitmix64) {
  uint64_t s = 0;
  ck_assert_uint_eq(lx_rng_next(&s), 0xe220a8397b1dcdafull);
  ck_assert_uint_eq(lx_rng_next(&s), 0x6e789e6aa1b965f4ull);
  ck_assert_uint_eq(lx_rng_next(&s), 0x06c45d188009454full);
  s = 1234567;
  ck_assert_uint_eq(lx_rng_next(&s), 0x599ed017fb08fc85ull);
  ck_assert_uint_eq(lx_rng_next(&s), 0x2c73f08458540fa5ull);
  ck_assert_uint_eq(lx_rng_next(&s), 0x883ebce5a3f27c77ull);
}
END_TEST

START_TEST(rng_uniform_is_the_top_53_bits) {
  uint64_t a = 0, b = 0;
  for (int i = 0; i < 1000; i++) {
    double u = lx_rng_uniform(&a);
    ck_assert(u >= 0.0 && u < 1.0);
    ck_assert(u == (double)(lx_rng_next(&b) >> 11) / 9007199254740992.0);
  }
}
END_TEST

START_TEST(mix64_is_the_output_function) {
  /* The first draw from state s is mix64(s + golden gamma). */
  uint64_t s = 42;
  ck_assert_uint_eq(lx_rng_next(&s), lx_mix64(42 + 0x9E3779B97F4A7C15ull));
  ck_assert_uint_eq(lx_mix64(0), 0);
}
END_TEST

/* ---- sha256 -----------------------------------------------------------------------------------
 */

START_TEST(sha256_fips_examples) {
  char hex[65];
  lx_sha256_hex("abc", 3, hex);
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  lx_sha256_hex("", 0, hex);
  ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  /* A million 'a's fed in uneven pieces: the block boundary handling. */
  lx_sha256 s;
  lx_sha256_init(&s);
  char chunk[997];
  memset(chunk, 'a', sizeof chunk);
  size_t left = 1000000;
  while (left) {
    size_t n = left < sizeof chunk ? left : sizeof chunk;
    lx_sha256_update(&s, chunk, n);
    left -= n;
  }
  unsigned char d[32];
  lx_sha256_final(&s, d);
  static const unsigned char want[4] = {0xcd, 0xc7, 0x6e, 0x5c};
  ck_assert_mem_eq(d, want, 4);
  ck_assert_uint_eq(d[31], 0xd0);
}
END_TEST

START_TEST(sha256_file_and_missing_file) {
  char *dir = tu_tempdir();
  char *p = tu_write(dir, "f.txt", "abc", 3);
  char hex[65];
  long long bytes = 0;
  lx_error err = {0};
  ck_assert_int_eq(lx_sha256_file(p, hex, &bytes, &err), LX_OK);
  ck_assert_int_eq(bytes, 3);
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  char *missing = lx_path_join(dir, "nope.bin");
  ck_assert_int_eq(lx_sha256_file(missing, hex, &bytes, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "nope.bin"));
  free(missing);
  free(p);
  tu_rmtree(dir);
}
END_TEST

/* The cache: computed, then cached; a touch or another size hashes again; bytes changed in place
 * with the time set back are only seen when verifying, which says the cache was stale. */
START_TEST(sha256_cache_keys_on_identity_and_verifies) {
  char *dir = tu_tempdir();
  char *cache = lx_path_join(dir, "cache");
  setenv("LYNXEVAL_CACHE_DIR", cache, 1);
  char *p = tu_write(dir, "w.bin", "abc", 3);
  char hex[65];
  lx_hash_source how;
  lx_error err = {0};
  const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  ck_assert_int_eq(lx_sha256_file_cached(p, 0, false, hex, &how, &err), LX_OK);
  ck_assert_str_eq(hex, abc);
  ck_assert_int_eq(how, LX_HASH_COMPUTED);
  ck_assert_int_eq(lx_sha256_file_cached(p, 0, false, hex, &how, &err), LX_OK);
  ck_assert_str_eq(hex, abc);
  ck_assert_int_eq(how, LX_HASH_CACHED);
  /* the same size, other bytes, the modification time put back: the identity cannot tell */
  struct stat st;
  ck_assert_int_eq(stat(p, &st), 0);
  FILE *f = fopen(p, "r+b");
  fputs("abd", f);
  fclose(f);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ck_assert_int_eq(utimensat(AT_FDCWD, p, times, 0), 0);
  ck_assert_int_eq(lx_sha256_file_cached(p, 0, false, hex, &how, &err), LX_OK);
  ck_assert_int_eq(how, LX_HASH_CACHED);
  ck_assert_str_eq(hex, abc);
  ck_assert_int_eq(lx_sha256_file_cached(p, 0, true, hex, &how, &err), LX_OK);
  ck_assert_int_eq(how, LX_HASH_STALE);
  ck_assert_str_ne(hex, abc);
  char fixed[65];
  memcpy(fixed, hex, 65);
  ck_assert_int_eq(lx_sha256_file_cached(p, 0, false, hex, &how, &err), LX_OK);
  ck_assert_int_eq(how, LX_HASH_CACHED);
  ck_assert_str_eq(hex, fixed);
  /* another modification time: hashed again */
  times[1].tv_sec -= 10;
  ck_assert_int_eq(utimensat(AT_FDCWD, p, times, 0), 0);
  ck_assert_int_eq(lx_sha256_file_cached(p, 0, false, hex, &how, &err), LX_OK);
  ck_assert_int_eq(how, LX_HASH_COMPUTED);
  /* below the size bound: never cached; a missing file: named */
  ck_assert_int_eq(lx_sha256_file_cached(p, 1000, false, hex, &how, &err), LX_OK);
  ck_assert_int_eq(how, LX_HASH_COMPUTED);
  char *missing = lx_path_join(dir, "nope.bin");
  ck_assert_int_eq(lx_sha256_file_cached(missing, 0, false, hex, &how, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "nope.bin"));
  /* a cache directory that cannot be made: hashed as without one */
  setenv("LYNXEVAL_CACHE_DIR", p, 1); /* a file, not a directory */
  ck_assert_int_eq(lx_sha256_file_cached(p, 0, false, hex, &how, &err), LX_OK);
  ck_assert_int_eq(how, LX_HASH_COMPUTED);
  ck_assert_str_eq(hex, fixed);
  unsetenv("LYNXEVAL_CACHE_DIR");
  free(missing);
  free(p);
  free(cache);
  tu_rmtree(dir);
}
END_TEST

/* ---- strbuf and strmap ------------------------------------------------------------------------
 */

START_TEST(strbuf_grows_and_formats) {
  lx_strbuf b = {0};
  ck_assert_str_eq(lx_strbuf_str(&b), "");
  for (int i = 0; i < 1000; i++) lx_strbuf_printf(&b, "%d,", i);
  ck_assert_uint_eq(b.len, strlen(b.p));
  ck_assert(!strncmp(b.p, "0,1,2,", 6));
  ck_assert(!strcmp(b.p + b.len - 4, "999,"));
  lx_strbuf_clear(&b);
  ck_assert_str_eq(lx_strbuf_str(&b), "");
  lx_strbuf_append(&b, "ab\0cd", 5); /* embedded NUL is kept in len */
  ck_assert_uint_eq(b.len, 5);
  lx_strbuf_putc(&b, 'x');
  ck_assert_int_eq(b.p[5], 'x');
  ck_assert_int_eq(b.p[6], '\0');
  lx_strbuf_free(&b);
  ck_assert_ptr_null(b.p);

  lx_ints a = {0};
  for (int i = 0; i < 10000; i++) lx_ints_push(&a, i * 3);
  ck_assert_int_eq(a.len, 10000);
  ck_assert_int_eq(a.v[9999], 29997);
  lx_ints_free(&a);
}
END_TEST

START_TEST(strmap_numbers_in_first_appearance_order) {
  lx_strmap m = {0};
  ck_assert_uint_eq(lx_strmap_find(&m, "x"), (size_t)-1);
  char key[32];
  for (int i = 0; i < 5000; i++) { /* past several rehashes */
    snprintf(key, sizeof key, "k%d", i);
    ck_assert_uint_eq(lx_strmap_intern(&m, key), (size_t)i);
  }
  for (int i = 4999; i >= 0; i--) {
    snprintf(key, sizeof key, "k%d", i);
    ck_assert_uint_eq(lx_strmap_intern(&m, key), (size_t)i);
    ck_assert_uint_eq(lx_strmap_find(&m, key), (size_t)i);
    ck_assert_str_eq(m.keys[i], key);
  }
  ck_assert_uint_eq(m.n, 5000);
  ck_assert_uint_eq(lx_strmap_find(&m, "k5000"), (size_t)-1);
  ck_assert_uint_eq(lx_strmap_intern(&m, ""), 5000);
  lx_strmap_free(&m);
}
END_TEST

/* ---- fileio -----------------------------------------------------------------------------------
 */

START_TEST(atomic_write_replaces_whole_files) {
  char *dir = tu_tempdir();
  char *p = lx_path_join(dir, "out.json");
  lx_error err = {0};
  ck_assert_int_eq(lx_write_file_atomic(p, "first", 5, &err), LX_OK);
  ck_assert_int_eq(lx_write_file_atomic(p, "second!", 7, &err), LX_OK);
  char *text = NULL;
  size_t len = 0;
  ck_assert_int_eq(lx_read_file(p, 100, &text, &len, &err), LX_OK);
  ck_assert_uint_eq(len, 7);
  ck_assert_str_eq(text, "second!");
  free(text);
  /* Too big for the cap: refused, naming the file. */
  ck_assert_int_eq(lx_read_file(p, 3, &text, &len, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "out.json"));
  /* A directory that cannot hold the file: refused, and the good file stays. */
  char *bad = lx_path_join(p, "child");
  ck_assert_int_eq(lx_write_file_atomic(bad, "x", 1, &err), LX_ERR);
  ck_assert_int_eq(lx_read_file(p, 100, &text, &len, &err), LX_OK);
  ck_assert_str_eq(text, "second!");
  free(text);
  free(bad);
  free(p);
  tu_rmtree(dir);
}
END_TEST

/* The seam makes each of the atomic writer's calls (write, fsync, rename) fail in turn: the good
 * file stays as it was, no temporary file is left, and the message names the file and the
 * error. The seam's requests are parsed strictly. */
START_TEST(atomic_write_survives_a_fault_at_every_call) {
  char *dir = tu_tempdir();
  char *p = lx_path_join(dir, "out.json");
  lx_error err = {0};
  ck_assert_int_eq(lx_write_file_atomic(p, "good", 4, &err), LX_OK);
  const char *requests[] = {"write:1:ENOSPC", "fsync:1:EIO",  "rename:1:ENOSPC",
                            "any:1:EIO",      "any:2:ENOSPC", "any:3:EIO"};
  const char *messages[] = {"No space left", "Input/output",  "No space left",
                            "Input/output",  "No space left", "Input/output"};
  for (int k = 0; k < 6; k++) {
    ck_assert_int_eq(lx_fault_set(requests[k]), 0);
    ck_assert_int_eq(lx_write_file_atomic(p, "a longer replacement", 20, &err), LX_ERR);
    ck_assert_msg(strstr(err.msg, "out.json") && strstr(err.msg, messages[k]), "%s: %s",
                  requests[k], err.msg);
    char *text = NULL;
    size_t len = 0;
    lx_fault_set(NULL);
    ck_assert_int_eq(lx_read_file(p, 100, &text, &len, &err), LX_OK);
    ck_assert_str_eq(text, "good");
    free(text);
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));) entries += e->d_name[0] != '.';
    closedir(d);
    ck_assert_int_eq(entries, 1); /* out.json alone: no temporary file stays */
  }
  /* the fault fires once: the call after it succeeds */
  ck_assert_int_eq(lx_fault_set("write:1:EIO"), 0);
  ck_assert_int_eq(lx_write_file_atomic(p, "x", 1, &err), LX_ERR);
  ck_assert_int_eq(lx_write_file_atomic(p, "y", 1, &err), LX_OK);
  lx_fault_set(NULL);
  ck_assert_int_eq(lx_fault_set("write:0:EIO"), -1);
  ck_assert_int_eq(lx_fault_set("seek:1:EIO"), -1);
  ck_assert_int_eq(lx_fault_set("write:1:EPERM"), -1);
  ck_assert_int_eq(lx_fault_set(NULL), 0);
  free(p);
  tu_rmtree(dir);
}
END_TEST

/* "Permission denied" on an output says whose permission: the user, the folder that refuses,
 * its owner and mode. As root, a child process takes the unprivileged user 65534 first. */
START_TEST(permission_denied_says_why) {
  char *dir = tu_tempdir();
  char *locked = lx_path_join(dir, "locked");
  ck_assert_int_eq(mkdir(locked, 0555), 0);
  char *out = lx_path_join(locked, "out.json");
  int pipefd[2];
  ck_assert_int_eq(pipe(pipefd), 0);
  pid_t child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    close(pipefd[0]);
    if (geteuid() == 0 && setuid(65534) != 0) _exit(2);
    lx_error err = {0};
    int rc = lx_write_file_atomic(out, "x", 1, &err);
    ssize_t w = write(pipefd[1], err.msg, strlen(err.msg));
    (void)w;
    _exit(rc == LX_ERR ? 0 : 1);
  }
  close(pipefd[1]);
  char msg[2048] = {0};
  size_t got = 0;
  for (ssize_t r;
       got < sizeof msg - 1 && (r = read(pipefd[0], msg + got, sizeof msg - 1 - got)) > 0;)
    got += (size_t)r;
  close(pipefd[0]);
  int status = 0;
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the write was not refused");
  ck_assert_msg(strstr(msg, "out.json: cannot ") && strstr(msg, ": Permission denied (user ") &&
                    strstr(msg, "may not create files in, or pass through, ") &&
                    strstr(msg, ", mode 0"),
                "%s", msg);
  chmod(locked, 0755);
  free(out), free(locked);
  tu_rmtree(dir);
}
END_TEST

/* Outputs that are not regular files: a FIFO is written through (and stays a FIFO), a symbolic
 * link is followed (the link stays, its file is replaced), a link to nothing and a directory are
 * refused by name. */
START_TEST(writes_through_streams_and_follows_links) {
  char *dir = tu_tempdir();
  lx_error err = {0};
  char *fifo = lx_path_join(dir, "out.fifo");
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  int reader = open(fifo, O_RDONLY | O_NONBLOCK);
  ck_assert_int_ge(reader, 0);
  ck_assert_msg(lx_write_file_atomic(fifo, "hello", 5, &err) == LX_OK, "%s", err.msg);
  char buf[16] = {0};
  ck_assert_int_eq(read(reader, buf, sizeof buf), 5);
  ck_assert_str_eq(buf, "hello");
  close(reader);
  struct stat st;
  ck_assert_int_eq(lstat(fifo, &st), 0);
  ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced");

  char *target = tu_write(dir, "target.json", "old", 3);
  char *link = lx_path_join(dir, "link.json");
  ck_assert_int_eq(symlink("target.json", link), 0);
  ck_assert_msg(lx_write_file_atomic(link, "new!", 4, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(lstat(link, &st), 0);
  ck_assert_msg(S_ISLNK(st.st_mode), "the link was replaced");
  char *text = NULL;
  size_t len = 0;
  ck_assert_int_eq(lx_read_file(target, 100, &text, &len, &err), LX_OK);
  ck_assert_str_eq(text, "new!");
  free(text);

  char *dangling = lx_path_join(dir, "dangling.json");
  ck_assert_int_eq(symlink("missing/none.json", dangling), 0);
  ck_assert_int_eq(lx_write_file_atomic(dangling, "x", 1, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "dangling.json") && strstr(err.msg, "link to nothing"), "%s",
                err.msg);
  ck_assert_int_eq(lx_write_file_atomic(dir, "x", 1, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "a directory") != NULL, "%s", err.msg);
  free(dangling), free(link), free(target), free(fifo);
  tu_rmtree(dir);
}
END_TEST

/* Inputs that are not regular files are refused at once, by kind: a FIFO with no writer must
 * not block the reader (the test's timeout catches a hang). */
START_TEST(readers_refuse_fifos_at_once) {
  char *dir = tu_tempdir();
  lx_error err = {0};
  char *fifo = lx_path_join(dir, "in.fifo");
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char *text = NULL;
  size_t len = 0;
  ck_assert_int_eq(lx_read_file(fifo, 100, &text, &len, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "in.fifo") && strstr(err.msg, "a FIFO"), "%s", err.msg);
  char hex[65];
  long long bytes;
  ck_assert_int_eq(lx_sha256_file(fifo, hex, &bytes, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "a FIFO") != NULL, "%s", err.msg);
  int fd;
  ck_assert_int_eq(lx_open_regular(fifo, O_RDWR | O_CREAT, &fd, NULL, &err), LX_ERR);
  ck_assert_int_eq(lx_read_file(dir, 100, &text, &len, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "a directory") != NULL, "%s", err.msg);
  free(fifo);
  tu_rmtree(dir);
}
END_TEST

/* JSON that cJSON would take but RFC 8259 does not, or would cut short: refused at its line and
 * column, by what it is. */
START_TEST(json_text_is_checked_strictly) {
  static const struct {
    const char *text, *needle;
  } bad[] = {
      {"{\"answer\": \"x\\u0000 garbage\"}", ":1:14: a NUL character (\\u0000) inside a string"},
      {"{\"a\": \"x\ty\"}", ":1:9: a raw control character (U+0009) inside a string"},
      {"{\"a\":\n \"x\ny\"}", ":2:4: a raw control character (U+000A)"},
      {"{\"a\": \"\\q\"}", ":1:8: an unknown escape \\q inside a string"},
      {"{\"a\": \"\\u12\"}", ":1:8: a \\u escape without four hex digits"},
      {"{\"a\": \"caf\xe9\"}", ":1:11: not valid UTF-8"},
      {"{\"a\": 01}", ":1:7: a number that is not JSON"},
      {"[1, 2.]", ":1:5: a number that is not JSON"},
      {"[1e+]", ":1:2: a number that is not JSON"},
      {"[-x]", ":1:2: a number that is not JSON"},
  };
  lx_error err = {0};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(lx_json_check_text("f.json", bad[i].text, strlen(bad[i].text), &err), LX_ERR);
    ck_assert_msg(strstr(err.msg, bad[i].needle) != NULL, "case %zu: %s", i, err.msg);
  }
  const char *good =
      "{\"a\": \"\\u00e9\\n\\\"\\\\\\/\\b\\f\\r\\t\", \"b\\u0041\": [1, \"\\uD83D\\uDE00\", -0, "
      "0.5, -12.25e+3, 7E-2, 10]}";
  ck_assert_msg(lx_json_check_text("f.json", good, strlen(good), &err) == LX_OK, "%s", err.msg);
  /* and through the file reader: the NUL is refused, not cut */
  char *dir = tu_tempdir();
  char *path = tu_write(dir, "nul.json", bad[0].text, strlen(bad[0].text));
  cJSON *root = NULL;
  ck_assert_int_eq(lx_json_read_file(path, 1000, &root, NULL, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "nul.json:1:14: a NUL character") != NULL, "%s", err.msg);
  free(path);
  tu_rmtree(dir);
}
END_TEST

/* A key twice in one object is refused by name, in small objects and in large ones (hashed),
 * nested too; the same key in different objects is fine. */
START_TEST(json_duplicate_keys_are_refused) {
  lx_error err = {0};
  cJSON *ok = cJSON_Parse("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}, \"c\": [{\"x\": 3}]}");
  ck_assert_msg(lx_json_check_unique_keys("f.json", ok, &err) == LX_OK, "%s", err.msg);
  cJSON_Delete(ok);
  cJSON *small = cJSON_Parse("{\"q\": [{\"answer\": \"yes\", \"answer\": \"no\"}]}");
  ck_assert_int_eq(lx_json_check_unique_keys("f.json", small, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "f.json: the key \"answer\" appears twice in one object (under "
                       "\"q\")") != NULL,
                "%s", err.msg);
  cJSON_Delete(small);
  lx_strbuf big = {0};
  lx_strbuf_puts(&big, "{");
  for (int i = 0; i < 1000; i++) lx_strbuf_printf(&big, "\"k%d\": %d, ", i, i);
  lx_strbuf_puts(&big, "\"k500\": 0}");
  cJSON *large = cJSON_Parse(lx_strbuf_str(&big));
  ck_assert_int_eq(lx_json_check_unique_keys("big.json", large, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "\"k500\" appears twice") != NULL, "%s", err.msg);
  cJSON_Delete(large);
  lx_strbuf_free(&big);
  /* through the readers: a whole file, and a JSON Lines row named by its line */
  char *dir = tu_tempdir();
  char *path = tu_write(dir, "dup.json", "{\"a\": 1, \"a\": 2}", 16);
  cJSON *root = NULL;
  ck_assert_int_eq(lx_json_read_file(path, 1000, &root, NULL, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "dup.json: the key \"a\" appears twice") != NULL, "%s", err.msg);
  free(path);
  tu_rmtree(dir);
}
END_TEST

START_TEST(make_dirs_makes_parents_and_refuses_files) {
  char *dir = tu_tempdir();
  char *deep = lx_path_join(dir, "a/b/c");
  lx_error err = {0};
  ck_assert_int_eq(lx_make_dirs(deep, &err), LX_OK);
  ck_assert_int_eq(lx_make_dirs(deep, &err), LX_OK); /* already there */
  struct stat st;
  ck_assert_int_eq(stat(deep, &st), 0);
  ck_assert(S_ISDIR(st.st_mode));
  char *file = tu_write(dir, "plain", "x", 1);
  char *under = lx_path_join(file, "d");
  ck_assert_int_eq(lx_make_dirs(under, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "plain"));
  free(under);
  free(file);
  free(deep);
  tu_rmtree(dir);
}
END_TEST

START_TEST(f32_file_needs_whole_floats) {
  char *dir = tu_tempdir();
  float v[3] = {1.5f, -2.0f, 0.25f};
  char *good = tu_write(dir, "v.f32", v, sizeof v);
  char *bad = tu_write(dir, "odd.f32", v, 6);
  float *out = NULL;
  size_t n = 0;
  lx_error err = {0};
  ck_assert_int_eq(lx_read_f32_file(good, 3, &out, &n, &err), LX_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert(out[2] == 0.25f);
  free(out);
  ck_assert_int_eq(lx_read_f32_file(good, 2, &out, &n, &err), LX_ERR);
  ck_assert_int_eq(lx_read_f32_file(bad, 3, &out, &n, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "odd.f32"));
  free(good);
  free(bad);
  tu_rmtree(dir);
}
END_TEST

/* ---- json_stream ------------------------------------------------------------------------------
 */

START_TEST(json_stream_reads_members_with_places) {
  char *dir = tu_tempdir();
  const char *text =
      "{\"skip\": {\"deep\": [1, 2, {\"x\": null}]},\n"
      " \"items\": [\n"
      "  {\"id\": 1},\n"
      "  {\"id\": 2}, {\"id\": 3}\n"
      " ]\n"
      "}\n";
  char *p = tu_write(dir, "a.json", text, strlen(text));
  lx_json_stream s;
  lx_error err = {0};
  ck_assert_int_eq(lx_json_stream_open(&s, p, 1 << 20, &err), LX_OK);
  ck_assert_int_eq(lx_json_stream_enter_object(&s, &err), LX_OK);
  const char *key;
  bool more;
  ck_assert_int_eq(lx_json_stream_next_member(&s, &key, &more, &err), LX_OK);
  ck_assert(more);
  ck_assert_str_eq(key, "skip");
  ck_assert_int_eq(lx_json_stream_skip_value(&s, &err), LX_OK);
  ck_assert_int_eq(lx_json_stream_next_member(&s, &key, &more, &err), LX_OK);
  ck_assert_str_eq(key, "items");
  ck_assert(lx_json_stream_at_array(&s));
  ck_assert_int_eq(lx_json_stream_enter_array(&s, &err), LX_OK);
  /* {"id": 1} opens line 3; {"id": 2} opens line 4 and {"id": 3} follows it on that line. */
  const int lines[3] = {3, 4, 4};
  const bool first_on_line[3] = {true, true, false};
  for (int i = 0; i < 3; i++) {
    cJSON *v = NULL;
    lx_json_place at;
    ck_assert_int_eq(lx_json_stream_next_element(&s, &v, &at, &more, &err), LX_OK);
    ck_assert(more);
    ck_assert_int_eq(cJSON_GetObjectItem(v, "id")->valueint, i + 1);
    ck_assert_int_eq(at.line, lines[i]);
    ck_assert_int_eq(at.column == 0, first_on_line[i]);
    cJSON_Delete(v);
  }
  cJSON *end = NULL;
  ck_assert_int_eq(lx_json_stream_next_element(&s, &end, NULL, &more, &err), LX_OK);
  ck_assert(!more);
  ck_assert_ptr_null(end);
  ck_assert_int_eq(lx_json_stream_next_member(&s, &key, &more, &err), LX_OK);
  ck_assert(!more);
  ck_assert_int_eq(lx_json_stream_finish(&s, &err), LX_OK);
  lx_json_stream_close(&s);
  free(p);
  tu_rmtree(dir);
}
END_TEST

/* Each broken file is refused with FILE:LINE:COLUMN of the fault. */
START_TEST(json_stream_refusals_name_the_place) {
  static const struct {
    const char *text, *where, *why;
  } cases[] = {
      {"{\"a\": [1, 2,]}", "bad.json:1:", ""},    {"{\"a\": [1]\n\"b\": 2}", "bad.json:2:", ""},
      {"{\"a\": [1]} x", "bad.json:1:", ""},      {"[1, 2", "bad.json:1:", ""},
      {"{\"a\": \"\xff\"}", "bad.json", "UTF-8"},
  };
  char *dir = tu_tempdir();
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char *p = tu_write(dir, "bad.json", cases[c].text, strlen(cases[c].text));
    lx_json_stream s;
    lx_error err = {0};
    int rc = lx_json_stream_open(&s, p, 1 << 20, &err);
    if (rc == LX_OK) {
      bool more = true;
      if (lx_json_stream_at_array(&s)) {
        rc = lx_json_stream_enter_array(&s, &err);
        while (!rc && more) {
          cJSON *v = NULL;
          rc = lx_json_stream_next_element(&s, &v, NULL, &more, &err);
          cJSON_Delete(v);
        }
      } else {
        rc = lx_json_stream_enter_object(&s, &err);
        const char *key;
        while (!rc && !(rc = lx_json_stream_next_member(&s, &key, &more, &err)) && more)
          rc = lx_json_stream_skip_value(&s, &err);
      }
      if (!rc) rc = lx_json_stream_finish(&s, &err);
      lx_json_stream_close(&s);
    }
    ck_assert_msg(rc == LX_ERR, "case %zu accepted", c);
    ck_assert_msg(strstr(err.msg, cases[c].where) && strstr(err.msg, cases[c].why), "case %zu: %s",
                  c, err.msg);
    free(p);
  }
  tu_rmtree(dir);
}
END_TEST

START_TEST(json_stream_depth_is_bounded) {
  char *dir = tu_tempdir();
  char text[64] = {0};
  for (int i = 0; i < LX_JSON_STREAM_DEPTH + 1; i++) text[i] = '[';
  char *p = tu_write(dir, "deep.json", text, strlen(text));
  lx_json_stream s;
  lx_error err = {0};
  ck_assert_int_eq(lx_json_stream_open(&s, p, 1 << 20, &err), LX_OK);
  int rc = LX_OK, entered = 0;
  while (rc == LX_OK && entered <= LX_JSON_STREAM_DEPTH) {
    rc = lx_json_stream_enter_array(&s, &err);
    if (rc == LX_OK) entered++;
  }
  ck_assert_int_eq(rc, LX_ERR);
  ck_assert_int_eq(entered, LX_JSON_STREAM_DEPTH);
  ck_assert_ptr_nonnull(strstr(err.msg, "deep.json"));
  lx_json_stream_close(&s);
  free(p);
  tu_rmtree(dir);
}
END_TEST

/* ---- names and clocks ------------------------------------------------------------------------ */

START_TEST(names_parse_name_and_list) {
  static const char *const names[] = {"greedy", "beam", "beam-sample", NULL};
  ck_assert_int_eq(lx_name_index(names, "beam-sample"), 2);
  ck_assert_int_eq(lx_name_index(names, "beam-"), -1);
  ck_assert_int_eq(lx_name_index(names, ""), -1);
  ck_assert_str_eq(lx_name_at(names, 1), "beam");
  ck_assert_str_eq(lx_name_at(names, 3), "?");
  ck_assert_str_eq(lx_name_at(names, -1), "?");
  lx_strbuf b = {0};
  lx_names_join(names, ", ", " or ", &b);
  ck_assert_str_eq(lx_strbuf_str(&b), "greedy, beam or beam-sample");
  lx_strbuf_clear(&b);
  static const char *const one[] = {"only", NULL};
  lx_names_join(one, ", ", " or ", &b);
  ck_assert_str_eq(lx_strbuf_str(&b), "only");
  lx_strbuf_free(&b);
}
END_TEST

START_TEST(clocks_move_forward_and_print_utc) {
  double a = lx_seconds(), b = lx_seconds();
  ck_assert(b >= a);
  char now[32];
  lx_utc_now(now);
  ck_assert_uint_eq(strlen(now), 20);
  ck_assert(now[4] == '-' && now[7] == '-' && now[10] == 'T' && now[13] == ':' && now[19] == 'Z');
}
END_TEST

/* LX_CHECK aborts whatever the build type (it does not depend on NDEBUG). */
START_TEST(checks_abort_in_every_build) {
  volatile int two = 2;
  LX_CHECK(two == 2);
  LX_CHECK(two == 3);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("common");
  TCase *t = tcase_create("core");
  tcase_add_test(t, rng_matches_splitmix64);
  tcase_add_test(t, rng_uniform_is_the_top_53_bits);
  tcase_add_test(t, mix64_is_the_output_function);
  tcase_add_test(t, sha256_fips_examples);
  tcase_add_test(t, sha256_file_and_missing_file);
  tcase_add_test(t, sha256_cache_keys_on_identity_and_verifies);
  tcase_add_test(t, strbuf_grows_and_formats);
  tcase_add_test(t, strmap_numbers_in_first_appearance_order);
  tcase_add_test(t, atomic_write_replaces_whole_files);
  tcase_add_test(t, atomic_write_survives_a_fault_at_every_call);
  tcase_add_test(t, permission_denied_says_why);
  tcase_add_test(t, writes_through_streams_and_follows_links);
  tcase_add_test(t, readers_refuse_fifos_at_once);
  tcase_add_test(t, json_text_is_checked_strictly);
  tcase_add_test(t, json_duplicate_keys_are_refused);
  tcase_add_test(t, make_dirs_makes_parents_and_refuses_files);
  tcase_add_test(t, f32_file_needs_whole_floats);
  tcase_add_test(t, json_stream_reads_members_with_places);
  tcase_add_test(t, json_stream_refusals_name_the_place);
  tcase_add_test(t, json_stream_depth_is_bounded);
  tcase_add_test(t, names_parse_name_and_list);
  tcase_add_test(t, clocks_move_forward_and_print_utc);
  tcase_add_test_raise_signal(t, checks_abort_in_every_build, SIGABRT);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return tu_run_suite(suite(), 0);
}
