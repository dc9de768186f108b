/* error.c — status names and the per-thread error text. */
#include "cairn-impl.h"

#include <stdarg.h>
#include <stdio.h>

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
#define N(x) case x: return #x;
    N(CAIRN_OK) N(CAIRN_E_ARG) N(CAIRN_E_IO) N(CAIRN_E_NOT_FILE) N(CAIRN_E_MAGIC)
    N(CAIRN_E_ENDIAN) N(CAIRN_E_VERSION) N(CAIRN_E_TRUNCATED) N(CAIRN_E_LIMIT) N(CAIRN_E_KEY)
    N(CAIRN_E_DUP_KEY) N(CAIRN_E_VALUE_TYPE) N(CAIRN_E_ALIGNMENT) N(CAIRN_E_TENSOR)
    N(CAIRN_E_TENSOR_TYPE) N(CAIRN_E_OVERFLOW) N(CAIRN_E_BOUNDS) N(CAIRN_E_OVERLAP)
    N(CAIRN_E_ARCH) N(CAIRN_E_HPARAMS) N(CAIRN_E_MISSING_TENSOR) N(CAIRN_E_SHAPE)
    N(CAIRN_E_NOMEM) N(CAIRN_E_LAYOUT) N(CAIRN_E_CANCELLED) N(CAIRN_E_CONTEXT)
    N(CAIRN_E_TOKEN) N(CAIRN_E_VOCAB)
#undef N
    }
    return "CAIRN_E_UNKNOWN";
}
