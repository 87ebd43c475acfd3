/* testutil.h: small helpers shared by the Check unit tests. */
#ifndef MEMTUI_TESTUTIL_H
#define MEMTUI_TESTUTIL_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh temporary directory; the caller frees the string. */
static inline char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *t = malloc(4096);
    snprintf(t, 4096, "%s/memtui-test-XXXXXX", base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

/* Run a shell command for test set-up (tests may use the git CLI). */
static inline int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tu_sh(const char *fmt, ...)
{
    char *cmd;
    va_list ap;
    va_start(ap, fmt);
    ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
    va_end(ap);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

/* What fn writes to a stream, as a string the caller frees. */
static inline char *tu_capture(void (*fn)(FILE *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    fn(f);
    fclose(f);
    return text;
}

/* Run fn with stderr going to a temporary file; returns what was written
 * (NUL-terminated; the caller frees). */
static inline char *tu_capture_stderr(void (*fn)(void))
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(f), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    if (n < 0) n = 0;
    char *text = calloc(1, (size_t)n + 1);
    rewind(f);
    ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

/* Set-up git commands get home as HOME, no system or user config, and an
 * identity from the environment (the library must cope without one). */
static inline void tu_git_env(const char *home)
{
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_AUTHOR_NAME", "Set Up", 1);
    setenv("GIT_AUTHOR_EMAIL", "setup@example.invalid", 1);
    setenv("GIT_COMMITTER_NAME", "Set Up", 1);
    setenv("GIT_COMMITTER_EMAIL", "setup@example.invalid", 1);
}

/* Each test file defines make_suite(); this main runs it. */
#define TU_MAIN(make_suite)                                                   \
    int main(void)                                                            \
    {                                                                         \
        SRunner *sr = srunner_create(make_suite());                           \
        srunner_run_all(sr, CK_NORMAL);                                       \
        int failed = srunner_ntests_failed(sr);                               \
        srunner_free(sr);                                                     \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                          \
    }

#endif
