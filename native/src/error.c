/* error.c — status names and the per-thread error text. */
#include "cairn-impl.h"

#include <stdarg.h>
#include <stdio.h>

/* package.json's version: scripts/build-native.mjs defines it (builds that do not, e.g. the fuzzer, say "dev") */
#ifndef CAIRN_VERSION
#define CAIRN_VERSION "dev"
#endif

static _Thread_local char g_error[1024];

const char *cairn_last_error(void) { return g_error; }
const char *cairn_version(void) { return CAIRN_VERSION; }

cairn_status cairn_fail(cairn_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_error, sizeof g_error, fmt, ap);
    va_end(ap);
    return s;
}

void cairn_clear_error(void) { g_error[0] = 0; }

const char *cairn_status_name(cairn_status s) {
    switch (s) {
#define CAIRN_STATUS_CASE(name, value, meaning) case name: return #name;
        CAIRN_STATUS_LIST(CAIRN_STATUS_CASE)
#undef CAIRN_STATUS_CASE
    }
    return "CAIRN_E_UNKNOWN";
}
