/* gguf.c — the GGUF v2/v3 reader. Every byte it reads is untrusted.
 *
 * The format (little endian; https://github.com/ggml-org/ggml/blob/master/docs/gguf.md)
 *
 *  1. magic      4 bytes "GGUF".
 *  2. version    u32: 2 or 3 (1 used u32 counts and is refused; a file written with the
 *                other byte order shows version 0x02000000/0x03000000 -> CAIRN_E_ENDIAN).
 *  3. n_tensors  u64 (cap 65,536).
 *  4. n_kv       u64 (cap 65,536).
 *  5. n_kv key/value pairs:
 *       key      string = u64 length + bytes (1..256 bytes, valid UTF-8, no NUL, unique)
 *       type     u32 cairn_gguf_type (0..12)
 *       value    U8/I8/BOOL 1 byte, U16/I16 2, U32/I32/F32 4, U64/I64/F64 8,
 *                STRING (u64 length <= 1 MiB + bytes),
 *                ARRAY = u32 element type (not ARRAY) + u64 count (<= 2^28) + elements.
 *                BOOL is 0 or 1. The whole section is at most 256 MiB.
 *     general.alignment, when present, is a UINT32 power of two in 1..65,536 (default 32).
 *  6. n_tensors tensor infos:
 *       name     string (1..63 bytes, valid UTF-8, no NUL, unique)
 *       n_dims   u32 (1..4)
 *       ne       n_dims x u64 (each >= 1; product fits int64; ne[0] % block size == 0)
 *       type     u32 cairn_type, implemented by the engine for weights
 *       offset   u64 relative to the data section, multiple of the alignment
 *  7. padding    to the alignment: the data section starts at align_up(end of 6).
 *  8. data       tensor bytes. Each tensor's [offset, offset + size) lies inside the file,
 *                size = ne / block * type_size (checked), and no two tensors overlap.
 *
 * Reading discipline: one bounded cursor primitive (cur_take) does every read and checks
 * `n <= len - pos` (pos <= len always holds); all size arithmetic uses __builtin_*_overflow;
 * counts are checked against the remaining bytes before anything is allocated. No assert()
 * is used for validation, so -O2 -DNDEBUG rejects exactly the same files.
 */
#include "gguf-impl.h"
#include "quants-impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#if !defined(_WIN32)
#  include <fcntl.h>
#  include <sys/mman.h>
#  include <sys/stat.h>
#  include <unistd.h>
#endif

/* ---- messages --------------------------------------------------------------- */

/* "<file>: <what> (at byte N)" */
static cairn_status fail_at(const cairn_gguf *g, cairn_status s, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static cairn_status fail_at(const cairn_gguf *g, cairn_status s, uint64_t at, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cairn_fail(s, "%s: %s (at byte %llu)", g->label, msg, (unsigned long long)at);
}

const char *cairn_gguf_type_name(int32_t type) {
    static const char *const names[] = { "uint8", "int8", "uint16", "int16", "uint32", "int32",
        "float32", "bool", "string", "array", "uint64", "int64", "float64" };
    return type >= 0 && type <= CAIRN_GGUF_F64 ? names[type] : "unknown";
}

/* Bytes of one element of a fixed-size value type; 0 for STRING/ARRAY/unknown. */
static uint64_t scalar_size(int32_t t) {
    switch (t) {
    case CAIRN_GGUF_U8: case CAIRN_GGUF_I8: case CAIRN_GGUF_BOOL: return 1;
    case CAIRN_GGUF_U16: case CAIRN_GGUF_I16: return 2;
    case CAIRN_GGUF_U32: case CAIRN_GGUF_I32: case CAIRN_GGUF_F32: return 4;
    case CAIRN_GGUF_U64: case CAIRN_GGUF_I64: case CAIRN_GGUF_F64: return 8;
    default: return 0;
    }
}

static bool is_int_type(int32_t t) {
    return t == CAIRN_GGUF_U8 || t == CAIRN_GGUF_I8 || t == CAIRN_GGUF_U16 || t == CAIRN_GGUF_I16 ||
           t == CAIRN_GGUF_U32 || t == CAIRN_GGUF_I32 || t == CAIRN_GGUF_U64 || t == CAIRN_GGUF_I64;
}
static bool is_signed_type(int32_t t) {
    return t == CAIRN_GGUF_I8 || t == CAIRN_GGUF_I16 || t == CAIRN_GGUF_I32 || t == CAIRN_GGUF_I64;
}

/* ---- the cursor ---------------------------------------------------------------- */

typedef struct {
    cairn_gguf    *g;
    const uint8_t *b;
    uint64_t       len, pos;   /* invariant: pos <= len */
} cursor;

/* The one read primitive: n bytes at pos, or false without moving. */
static bool cur_take(cursor *c, uint64_t n, const uint8_t **p) {
    if (n > c->len - c->pos) return false;
    *p = c->b + c->pos;
    c->pos += n;
    return true;
}

static uint64_t le(const uint8_t *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned k = 0; k < n; k++) v |= (uint64_t)p[k] << (8 * k);
    return v;
}

static cairn_status truncated(cursor *c, uint64_t n, const char *what) {
    return fail_at(c->g, CAIRN_E_TRUNCATED, c->pos, "%s needs %llu bytes but the file has %llu bytes: truncated",
                   what, (unsigned long long)n, (unsigned long long)c->len);
}

static cairn_status rd_uint(cursor *c, unsigned n, uint64_t *v, const char *what) {
    const uint8_t *p;
    *v = 0;
    if (!cur_take(c, n, &p)) return truncated(c, n, what);
    *v = le(p, n);
    return CAIRN_OK;
}
static cairn_status rd_u32(cursor *c, uint32_t *v, const char *what) {
    uint64_t x; cairn_status s = rd_uint(c, 4, &x, what);
    *v = (uint32_t)x;
    return s;
}
static cairn_status rd_u64(cursor *c, uint64_t *v, const char *what) { return rd_uint(c, 8, v, what); }

#define TRY(x) do { cairn_status s_ = (x); if (s_ != CAIRN_OK) return s_; } while (0)

/* ---- small helpers -------------------------------------------------------------- */

static bool utf8_valid(const uint8_t *s, uint64_t n) {
    uint64_t i = 0;
    while (i < n) {
        const uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        uint32_t need, cp, min;
        if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (need > n - i - 1) return false;
        for (uint32_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += need + 1;
    }
    return true;
}

static uint32_t hash_bytes(const void *p, size_t n) {
    const uint8_t *s = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) { h ^= s[i]; h *= 16777619u; }
    return h;
}

/* Table of 2^k >= 2n slots (n <= 65,536 so this stays <= 256 KiB of int32). */
static int32_t *hash_new(uint64_t n, uint32_t *mask) {
    uint32_t sz = 16;
    while (sz < 2 * n) sz <<= 1;
    *mask = sz - 1;
    return calloc(sz, sizeof(int32_t));
}

static const char *kv_name(const cairn_gguf *g, int32_t i) { return g->kv[i].key; }
static const char *t_name(const cairn_gguf *g, int32_t i) { return g->tensors[i].name; }

/* Index of name in a table, or -1. */
static int64_t hash_find(const cairn_gguf *g, const int32_t *tab, uint32_t mask,
                         const char *(*name_of)(const cairn_gguf *, int32_t), const char *s, size_t n) {
    if (!tab) return -1;
    for (uint32_t h = hash_bytes(s, n) & mask;; h = (h + 1) & mask) {
        const int32_t e = tab[h];
        if (!e) return -1;
        const char *o = name_of(g, e - 1);
        if (strlen(o) == n && memcmp(o, s, n) == 0) return e - 1;
    }
}

static void hash_put(int32_t *tab, uint32_t mask, const char *s, size_t n, int32_t idx) {
    uint32_t h = hash_bytes(s, n) & mask;
    while (tab[h]) h = (h + 1) & mask;
    tab[h] = idx + 1;
}

/* ---- parsing -------------------------------------------------------------------- */

/* Reads a length-prefixed string's header and bytes (no copy). */
static cairn_status rd_str(cursor *c, uint64_t max, cairn_status too_long, const char *what,
                           const uint8_t **p, uint64_t *n) {
    const uint64_t at = c->pos;
    *p = NULL;
    TRY(rd_u64(c, n, what));
    if (*n > max) {
        c->pos = at;
        return fail_at(c->g, too_long, at, "%s is %llu bytes long, above the limit of %llu",
                       what, (unsigned long long)*n, (unsigned long long)max);
    }
    if (!cur_take(c, *n, p)) return truncated(c, *n, what);
    return CAIRN_OK;
}

static cairn_status parse_kv(cursor *c, cairn_gguf_kv *kv, char **names, uint64_t meta_start) {
    cairn_gguf *g = c->g;
    const uint64_t at = c->pos;
    const uint8_t *kp; uint64_t kn;
    TRY(rd_str(c, CAIRN_GGUF_MAX_KEY, CAIRN_E_KEY, "metadata key", &kp, &kn));
    if (kn == 0) return fail_at(g, CAIRN_E_KEY, at, "empty metadata key");
    if (memchr(kp, 0, kn) || !utf8_valid(kp, kn))
        return fail_at(g, CAIRN_E_KEY, at, "metadata key is not valid UTF-8 (or contains NUL)");
    memcpy(*names, kp, kn);
    (*names)[kn] = 0;
    kv->key = *names; kv->key_len = (uint32_t)kn; kv->arr_type = -1;
    *names += kn + 1;
    if (hash_find(g, g->kv_hash, g->kv_hash_mask, kv_name, kv->key, kn) >= 0)
        return fail_at(g, CAIRN_E_DUP_KEY, at, "metadata key '%s' appears twice", kv->key);

    const uint64_t tat = c->pos;
    uint32_t type;
    TRY(rd_u32(c, &type, "value type"));
    if (type > CAIRN_GGUF_F64)
        return fail_at(g, CAIRN_E_VALUE_TYPE, tat, "key '%s' has unknown value type %u", kv->key, type);
    kv->type = (int32_t)type;
    const uint64_t vat = c->pos;

    if (type == CAIRN_GGUF_STRING) {
        TRY(rd_str(c, CAIRN_GGUF_MAX_STRING, CAIRN_E_LIMIT, "string value", &kv->p, &kv->n));
        kv->str = malloc(kv->n + 1);
        if (!kv->str) return fail_at(g, CAIRN_E_NOMEM, vat, "out of memory for key '%s'", kv->key);
        if (kv->n) memcpy(kv->str, kv->p, kv->n);
        kv->str[kv->n] = 0;
    } else if (type == CAIRN_GGUF_ARRAY) {
        uint32_t et; uint64_t n;
        TRY(rd_u32(c, &et, "array element type"));
        if (et == CAIRN_GGUF_ARRAY)
            return fail_at(g, CAIRN_E_VALUE_TYPE, vat, "key '%s' is an array of arrays (nested arrays are not allowed)", kv->key);
        if (et > CAIRN_GGUF_F64)
            return fail_at(g, CAIRN_E_VALUE_TYPE, vat, "key '%s' is an array of unknown type %u", kv->key, et);
        const uint64_t nat = c->pos;
        TRY(rd_u64(c, &n, "array length"));
        if (n > CAIRN_GGUF_MAX_ARRAY)
            return fail_at(g, CAIRN_E_LIMIT, nat, "key '%s' is an array of %llu elements, above the limit of %u",
                           kv->key, (unsigned long long)n, CAIRN_GGUF_MAX_ARRAY);
        kv->arr_type = (int32_t)et; kv->n = n;
        /* Smallest possible encoding first (a string element is at least its 8-byte length). */
        const uint64_t esz = et == CAIRN_GGUF_STRING ? 8 : scalar_size((int32_t)et);
        const uint64_t min_bytes = n * esz; /* n <= 2^28, esz <= 8: no overflow */
        if (min_bytes > c->len - c->pos)
            return fail_at(g, CAIRN_E_TRUNCATED, c->pos, "array '%s' of %llu %s elements needs at least %llu bytes but only %llu remain: truncated",
                           kv->key, (unsigned long long)n, cairn_gguf_type_name((int32_t)et),
                           (unsigned long long)min_bytes, (unsigned long long)(c->len - c->pos));
        const uint64_t used = c->pos - meta_start;
        if (used > CAIRN_GGUF_MAX_METADATA || min_bytes > CAIRN_GGUF_MAX_METADATA - used)
            return fail_at(g, CAIRN_E_LIMIT, c->pos, "array '%s' would take metadata above %llu bytes",
                           kv->key, (unsigned long long)CAIRN_GGUF_MAX_METADATA);
        kv->p = c->b + c->pos;
        if (et == CAIRN_GGUF_STRING) {
            kv->str_offs = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
            if (!kv->str_offs) return fail_at(g, CAIRN_E_NOMEM, c->pos, "out of memory for array '%s'", kv->key);
            const uint64_t start = c->pos;
            for (uint64_t j = 0; j < n; j++) {
                const uint8_t *sp; uint64_t sn;
                const uint64_t eat = c->pos;
                if ((c->pos - meta_start) > CAIRN_GGUF_MAX_METADATA)
                    return fail_at(g, CAIRN_E_LIMIT, eat, "metadata section exceeds %llu bytes", (unsigned long long)CAIRN_GGUF_MAX_METADATA);
                kv->str_offs[j] = (uint32_t)(eat - start); /* < 256 MiB by the check above */
                if (rd_str(c, CAIRN_GGUF_MAX_STRING, CAIRN_E_LIMIT, "string", &sp, &sn) != CAIRN_OK) {
                    /* Read it again with a message naming the array and the element. */
                    char what[320];
                    snprintf(what, sizeof what, "element %llu of array '%s'", (unsigned long long)j, kv->key);
                    c->pos = eat;
                    return rd_str(c, CAIRN_GGUF_MAX_STRING, CAIRN_E_LIMIT, what, &sp, &sn);
                }
            }
        } else {
            const uint8_t *p;
            cur_take(c, min_bytes, &p); /* checked above */
            if (et == CAIRN_GGUF_BOOL)
                for (uint64_t j = 0; j < n; j++)
                    if (p[j] > 1)
                        return fail_at(g, CAIRN_E_VALUE_TYPE, (uint64_t)(p + j - c->b), "array '%s' element %llu is bool %u (must be 0 or 1)",
                                       kv->key, (unsigned long long)j, p[j]);
        }
    } else {
        const unsigned n = (unsigned)scalar_size(kv->type);
        uint64_t raw;
        TRY(rd_uint(c, n, &raw, "scalar value"));
        switch (kv->type) {
        case CAIRN_GGUF_I8:  kv->v.i = (int8_t)(uint8_t)raw; break;
        case CAIRN_GGUF_I16: kv->v.i = (int16_t)(uint16_t)raw; break;
        case CAIRN_GGUF_I32: kv->v.i = (int32_t)(uint32_t)raw; break;
        case CAIRN_GGUF_I64: kv->v.i = (int64_t)raw; break;
        case CAIRN_GGUF_F32: { uint32_t b = (uint32_t)raw; float f; memcpy(&f, &b, 4); kv->v.f = f; break; }
        case CAIRN_GGUF_F64: { double d; memcpy(&d, &raw, 8); kv->v.f = d; break; }
        case CAIRN_GGUF_BOOL:
            if (raw > 1) return fail_at(g, CAIRN_E_VALUE_TYPE, vat, "key '%s' is bool %llu (must be 0 or 1)", kv->key, (unsigned long long)raw);
            kv->v.u = raw; break;
        default: kv->v.u = raw; break;
        }
    }
    if (c->pos - meta_start > CAIRN_GGUF_MAX_METADATA)
        return fail_at(g, CAIRN_E_LIMIT, at, "metadata section exceeds %llu bytes", (unsigned long long)CAIRN_GGUF_MAX_METADATA);
    return CAIRN_OK;
}

static cairn_status parse_tensor(cursor *c, cairn_gguf_tensor *t, char **names, int64_t idx) {
    cairn_gguf *g = c->g;
    const uint64_t at = c->pos;
    const uint8_t *np; uint64_t nn;
    TRY(rd_str(c, CAIRN_GGUF_MAX_NAME, CAIRN_E_TENSOR, "tensor name", &np, &nn));
    if (nn == 0) return fail_at(g, CAIRN_E_TENSOR, at, "tensor %lld has an empty name", (long long)idx);
    if (memchr(np, 0, nn) || !utf8_valid(np, nn))
        return fail_at(g, CAIRN_E_TENSOR, at, "tensor %lld name is not valid UTF-8 (or contains NUL)", (long long)idx);
    memcpy(*names, np, nn);
    (*names)[nn] = 0;
    t->name = *names; t->name_len = (uint32_t)nn;
    *names += nn + 1;
    if (hash_find(g, g->t_hash, g->t_hash_mask, t_name, t->name, nn) >= 0)
        return fail_at(g, CAIRN_E_TENSOR, at, "tensor name '%s' appears twice", t->name);

    const uint64_t dat = c->pos;
    TRY(rd_u32(c, &t->n_dims, "tensor n_dims"));
    if (t->n_dims < 1 || t->n_dims > CAIRN_GGUF_MAX_DIMS)
        return fail_at(g, CAIRN_E_TENSOR, dat, "tensor '%s' has %u dimensions (must be 1..4)", t->name, t->n_dims);
    uint64_t nel = 1;
    for (uint32_t d = 0; d < 4; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        const uint64_t eat = c->pos;
        TRY(rd_u64(c, &t->ne[d], "tensor dimension"));
        if (t->ne[d] == 0)
            return fail_at(g, CAIRN_E_TENSOR, eat, "tensor '%s' dimension %u is 0", t->name, d);
        if (__builtin_mul_overflow(nel, t->ne[d], &nel) || nel > (uint64_t)INT64_MAX)
            return fail_at(g, CAIRN_E_OVERFLOW, eat, "tensor '%s' element count overflows at dimension %u", t->name, d);
    }
    t->n_elements = nel;

    const uint64_t tat = c->pos;
    uint32_t type;
    TRY(rd_u32(c, &type, "tensor type"));
    const cairn_type_traits *tr = type < CAIRN_TYPE_COUNT ? cairn_type_traits_get((int32_t)type) : NULL;
    if (!tr || !tr->weight_ok || tr->blck <= 0 || tr->type_size == 0)
        return fail_at(g, CAIRN_E_TENSOR_TYPE, tat, "tensor '%s' has type %u, which this engine does not implement for weights", t->name, type);
    t->type = (int32_t)type;
    if (t->ne[0] % (uint64_t)tr->blck != 0)
        return fail_at(g, CAIRN_E_TENSOR, tat, "tensor '%s' row length %llu is not a multiple of %s's block size %d",
                       t->name, (unsigned long long)t->ne[0], tr->name, tr->blck);
    uint64_t row, size;
    if (__builtin_mul_overflow(t->ne[0] / (uint64_t)tr->blck, (uint64_t)tr->type_size, &row) ||
        __builtin_mul_overflow(row, nel / t->ne[0], &size))
        return fail_at(g, CAIRN_E_OVERFLOW, tat, "tensor '%s' byte size overflows", t->name);
    t->size = size;

    const uint64_t oat = c->pos;
    TRY(rd_u64(c, &t->offset, "tensor offset"));   /* relative for now; made absolute later */
    if (t->offset % g->alignment != 0)
        return fail_at(g, CAIRN_E_ALIGNMENT, oat, "tensor '%s' offset %llu is not a multiple of the alignment %u",
                       t->name, (unsigned long long)t->offset, g->alignment);
    return CAIRN_OK;
}

static int cmp_by_offset(const void *a, const void *b, void *ctx) {
    const cairn_gguf_tensor *t = ctx;
    const uint64_t x = t[*(const int32_t *)a].offset, y = t[*(const int32_t *)b].offset;
    return x < y ? -1 : x > y;
}

/* Merge sort of tensor indices by offset (qsort_r is not portable). */
static void sort_idx(int32_t *idx, int32_t *tmp, int64_t n, const cairn_gguf_tensor *t) {
    if (n < 2) return;
    const int64_t h = n / 2;
    sort_idx(idx, tmp, h, t);
    sort_idx(idx + h, tmp, n - h, t);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp_by_offset(&idx[j], &idx[i], (void *)t) < 0 ? idx[j++] : idx[i++];
    while (i < h) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

static cairn_status parse(cairn_gguf *g) {
    cursor c = { g, g->base, g->size, 0 };
    const uint8_t *magic;
    if (!cur_take(&c, 4, &magic)) return truncated(&c, 4, "magic");
    if (memcmp(magic, "GGUF", 4) != 0)
        return fail_at(g, CAIRN_E_MAGIC, 0, "not a GGUF file (magic %02x %02x %02x %02x, expected \"GGUF\")",
                       magic[0], magic[1], magic[2], magic[3]);
    TRY(rd_u32(&c, &g->version, "version"));
    if (g->version != 2 && g->version != 3) {
        const uint32_t sw = __builtin_bswap32(g->version);
        if (sw >= 1 && sw <= 3)
            return fail_at(g, CAIRN_E_ENDIAN, 4, "GGUF version field reads 0x%08x: the file was written with the other byte order (wrong endianness)", g->version);
        return fail_at(g, CAIRN_E_VERSION, 4, "GGUF version %u is not supported (only 2 and 3)", g->version);
    }
    uint64_t n_tensors, n_kv;
    TRY(rd_u64(&c, &n_tensors, "tensor count"));
    TRY(rd_u64(&c, &n_kv, "metadata count"));
    if (n_tensors > CAIRN_GGUF_MAX_TENSORS)
        return fail_at(g, CAIRN_E_LIMIT, 8, "tensor count %llu is above the limit of %u", (unsigned long long)n_tensors, CAIRN_GGUF_MAX_TENSORS);
    if (n_kv > CAIRN_GGUF_MAX_KV)
        return fail_at(g, CAIRN_E_LIMIT, 16, "metadata count %llu is above the limit of %u", (unsigned long long)n_kv, CAIRN_GGUF_MAX_KV);
    /* Minimum encodings: a kv is >= 8+1+4+1 bytes, a tensor info >= 8+1+4+8+4+8. */
    if (n_kv * 14 > c.len - c.pos)
        return fail_at(g, CAIRN_E_TRUNCATED, 16, "%llu metadata entries cannot fit in the %llu bytes that remain: truncated",
                       (unsigned long long)n_kv, (unsigned long long)(c.len - c.pos));
    if (n_tensors * 33 > c.len - c.pos)
        return fail_at(g, CAIRN_E_TRUNCATED, 8, "%llu tensor infos cannot fit in the %llu bytes that remain: truncated",
                       (unsigned long long)n_tensors, (unsigned long long)(c.len - c.pos));

    /* Names: keys <= 256 and tensor names <= 63 bytes, each plus NUL. */
    g->kv = calloc(n_kv ? n_kv : 1, sizeof *g->kv);
    g->kv_cap = g->kv ? n_kv : 0;
    g->tensors = calloc(n_tensors ? n_tensors : 1, sizeof *g->tensors);
    g->names = malloc(n_kv * (CAIRN_GGUF_MAX_KEY + 1) + n_tensors * (CAIRN_GGUF_MAX_NAME + 1) + 1);
    g->kv_hash = hash_new(n_kv, &g->kv_hash_mask);
    g->t_hash = hash_new(n_tensors, &g->t_hash_mask);
    if (!g->kv || !g->tensors || !g->names || !g->kv_hash || !g->t_hash)
        return fail_at(g, CAIRN_E_NOMEM, 8, "out of memory for %llu keys and %llu tensors",
                       (unsigned long long)n_kv, (unsigned long long)n_tensors);
    char *names = g->names;

    /* 5. key/value pairs */
    const uint64_t meta_start = c.pos;
    g->alignment = CAIRN_GGUF_DEFAULT_ALIGNMENT;
    for (uint64_t i = 0; i < n_kv; i++) {
        const uint64_t at = c.pos;
        cairn_gguf_kv *kv = &g->kv[i];
        TRY(parse_kv(&c, kv, &names, meta_start));
        g->n_kv = (int64_t)i + 1; /* entries 0..i are now owned (freed by cairn_gguf_free) */
        hash_put(g->kv_hash, g->kv_hash_mask, kv->key, kv->key_len, (int32_t)i);
        if (strcmp(kv->key, "general.alignment") == 0) {
            if (kv->type != CAIRN_GGUF_U32)
                return fail_at(g, CAIRN_E_ALIGNMENT, at, "general.alignment has type %s (must be uint32)", cairn_gguf_type_name(kv->type));
            if (kv->v.u == 0 || kv->v.u > CAIRN_GGUF_MAX_ALIGNMENT || (kv->v.u & (kv->v.u - 1)))
                return fail_at(g, CAIRN_E_ALIGNMENT, at, "general.alignment is %llu (must be a power of two in 1..65536)", (unsigned long long)kv->v.u);
            g->alignment = (uint32_t)kv->v.u;
        }
    }
    /* Keys after the one that set alignment cannot change it, and tensor offsets are
     * checked against it only after every key was read. */

    /* 6. tensor infos */
    for (uint64_t i = 0; i < n_tensors; i++) {
        cairn_gguf_tensor *t = &g->tensors[i];
        TRY(parse_tensor(&c, t, &names, (int64_t)i));
        g->n_tensors = (int64_t)i + 1;
        hash_put(g->t_hash, g->t_hash_mask, t->name, t->name_len, (int32_t)i);
    }

    /* 7. data section start */
    const uint64_t pad = (g->alignment - c.pos % g->alignment) % g->alignment;
    if (__builtin_add_overflow(c.pos, pad, &g->data_offset))
        return fail_at(g, CAIRN_E_OVERFLOW, c.pos, "data section offset overflows");
    if (n_tensors > 0 && g->data_offset > g->size)
        return fail_at(g, CAIRN_E_TRUNCATED, c.pos, "the data section starts at byte %llu but the file has %llu bytes: truncated",
                       (unsigned long long)g->data_offset, (unsigned long long)g->size);

    /* 8. tensor data: inside the file, no overlaps */
    for (int64_t i = 0; i < g->n_tensors; i++) {
        cairn_gguf_tensor *t = &g->tensors[i];
        uint64_t abs, end;
        if (__builtin_add_overflow(g->data_offset, t->offset, &abs) || __builtin_add_overflow(abs, t->size, &end))
            return fail_at(g, CAIRN_E_OVERFLOW, g->data_offset, "tensor '%s' offset %llu + size %llu overflows",
                           t->name, (unsigned long long)t->offset, (unsigned long long)t->size);
        if (end > g->size)
            return fail_at(g, CAIRN_E_BOUNDS, abs, "tensor '%s' ends at byte %llu but the file has %llu bytes: truncated",
                           t->name, (unsigned long long)end, (unsigned long long)g->size);
        t->offset = abs;
        t->data = g->base + abs;
    }
    if (g->n_tensors > 1) {
        int32_t *idx = malloc((size_t)g->n_tensors * sizeof *idx), *tmp = malloc((size_t)g->n_tensors * sizeof *tmp);
        if (!idx || !tmp) { free(idx); free(tmp); return fail_at(g, CAIRN_E_NOMEM, g->data_offset, "out of memory"); }
        for (int64_t i = 0; i < g->n_tensors; i++) idx[i] = (int32_t)i;
        sort_idx(idx, tmp, g->n_tensors, g->tensors);
        cairn_status s = CAIRN_OK;
        for (int64_t i = 1; i < g->n_tensors && s == CAIRN_OK; i++) {
            const cairn_gguf_tensor *a = &g->tensors[idx[i - 1]], *b = &g->tensors[idx[i]];
            if (a->offset + a->size > b->offset) /* no overflow: end <= size checked */
                s = fail_at(g, CAIRN_E_OVERLAP, b->offset, "tensor '%s' (bytes %llu..%llu) overlaps tensor '%s' (bytes %llu..%llu)",
                            b->name, (unsigned long long)b->offset, (unsigned long long)(b->offset + b->size),
                            a->name, (unsigned long long)a->offset, (unsigned long long)(a->offset + a->size));
        }
        free(idx); free(tmp);
        TRY(s);
    }
    return CAIRN_OK;
}

/* ---- open / free ---------------------------------------------------------------- */

static void set_label(cairn_gguf *g, const char *path) {
    const size_t n = strlen(path), cap = sizeof g->label - 1;
    if (n <= cap) memcpy(g->label, path, n + 1);
    else snprintf(g->label, sizeof g->label, "...%s", path + (n - (cap - 3)));
}

static cairn_status finish(cairn_gguf *g, cairn_gguf **out) {
    cairn_status s = parse(g);
    if (s != CAIRN_OK) { cairn_gguf_free(g); return s; }
    cairn_clear_error();
    *out = g;
    return CAIRN_OK;
}

cairn_status cairn_gguf_open_memory(const void *data, uint64_t size, cairn_gguf **out) {
    if (!out) return cairn_fail(CAIRN_E_ARG, "cairn_gguf_open_memory: out is NULL");
    *out = NULL;
    if (!data && size) return cairn_fail(CAIRN_E_ARG, "cairn_gguf_open_memory: data is NULL");
    cairn_gguf *g = calloc(1, sizeof *g);
    if (!g) return cairn_fail(CAIRN_E_NOMEM, "<memory>: out of memory");
    set_label(g, "<memory>");
    g->base = data ? data : (const uint8_t *)"";
    g->size = size;
    return finish(g, out);
}

cairn_status cairn_gguf_open(const char *path, cairn_gguf **out) {
    if (!out) return cairn_fail(CAIRN_E_ARG, "cairn_gguf_open: out is NULL");
    *out = NULL;
    if (!path || !*path) return cairn_fail(CAIRN_E_ARG, "cairn_gguf_open: empty path");
    cairn_gguf *g = calloc(1, sizeof *g);
    if (!g) return cairn_fail(CAIRN_E_NOMEM, "%s: out of memory", path);
    set_label(g, path);
#if !defined(_WIN32)
    /* O_NONBLOCK: opening a FIFO must not block before fstat can refuse it. */
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) { const int e = errno; free(g); return cairn_fail(CAIRN_E_IO, "%s: cannot open: %s", path, strerror(e)); }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        const int e = errno; close(fd); free(g);
        return cairn_fail(CAIRN_E_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) { close(fd); free(g); return cairn_fail(CAIRN_E_NOT_FILE, "%s: not a regular file", path); }
    if (st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
        close(fd); free(g); return cairn_fail(CAIRN_E_IO, "%s: file size %lld cannot be mapped", path, (long long)st.st_size);
    }
    g->size = (uint64_t)st.st_size;
    if (g->size > 0) {
        void *m = mmap(NULL, (size_t)g->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            const int e = errno; close(fd); free(g);
            return cairn_fail(CAIRN_E_IO, "%s: cannot map %llu bytes: %s", path, (unsigned long long)st.st_size, strerror(e));
        }
        g->map = m; g->map_len = (size_t)g->size; g->base = m;
    } else {
        g->base = (const uint8_t *)"";
    }
    close(fd);
    /* Note: a file truncated by another process while mapped raises SIGBUS on access;
     * the host process is supervised for that reason (RELIABILITY.md). */
#else
    /* TODO(windows): map with CreateFileMappingW/MapViewOfFile (and check
     * GetFileType == FILE_TYPE_DISK first). Until then the file is read into memory. */
    FILE *f = fopen(path, "rb");
    if (!f) { free(g); return cairn_fail(CAIRN_E_IO, "%s: cannot open", path); }
    if (_fseeki64(f, 0, SEEK_END) != 0) { fclose(f); free(g); return cairn_fail(CAIRN_E_NOT_FILE, "%s: not a regular file", path); }
    const long long n = _ftelli64(f);
    if (n < 0 || (unsigned long long)n > SIZE_MAX) { fclose(f); free(g); return cairn_fail(CAIRN_E_IO, "%s: cannot size", path); }
    _fseeki64(f, 0, SEEK_SET);
    g->owned = malloc(n ? (size_t)n : 1);
    if (!g->owned) { fclose(f); free(g); return cairn_fail(CAIRN_E_NOMEM, "%s: out of memory", path); }
    if (fread(g->owned, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(g->owned); free(g); return cairn_fail(CAIRN_E_IO, "%s: read failed", path); }
    fclose(f);
    g->base = g->owned; g->size = (uint64_t)n;
#endif
    return finish(g, out);
}

void cairn_gguf_free(cairn_gguf *g) {
    if (!g) return;
    /* Every slot of kv was zeroed by calloc; a slot that failed mid-parse may own allocations. */
    if (g->kv)
        for (uint64_t i = 0; i < g->kv_cap; i++) { free(g->kv[i].str); free(g->kv[i].str_offs); }
    free(g->kv);
    free(g->tensors);
    free(g->names);
    free(g->kv_hash);
    free(g->t_hash);
#if !defined(_WIN32)
    if (g->map) munmap(g->map, g->map_len);
    if (g->arena_map) munmap(g->arena_map, g->arena_map_len);
#endif
    free(g->owned);
    free(g);
}

/* ---- tensor data in anonymous memory ------------------------------------------- */

#if defined(__linux__)
#define HUGE_PAGE (2ull << 20)
#define COPY_WINDOW (32ull << 20)

typedef struct {
    const uint8_t *src;       /* the file mapping */
    uint8_t       *dst;       /* arena: file offset `start` */
    uint64_t       start, size;
    atomic_uint    next;      /* next window */
} copy_job;

/* Copies windows of the data section, then drops each window's file pages from this process (the
 * mapping is private and never written, so a later touch would only re-read the file): the two
 * copies are never both resident beyond a window per thread. */
static void copy_worker(void *ctx, int ith, int nth) {
    copy_job *j = ctx;
    for (;;) {
        const uint64_t off = j->start + (uint64_t)atomic_fetch_add(&j->next, 1) * COPY_WINDOW;
        if (off >= j->size) break;
        const size_t n = (size_t)CAIRN_MIN(COPY_WINDOW, j->size - off);
        memcpy(j->dst + (off - j->start), j->src + off, n);
        madvise((void *)(j->src + off), n, MADV_DONTNEED); /* off is 2 MiB-aligned */
    }
}

cairn_status cairn_gguf_copy_data(cairn_gguf *g, bool huge, cairn_gguf_run_fn run, void *arg, bool *huge_ok) {
    if (huge_ok) *huge_ok = false;
    if (!g || !g->map || g->arena_map || g->n_tensors == 0)
        return cairn_fail(CAIRN_E_ARG, "%s: no mapped tensor data to copy", g ? g->label : "?");
    /* The arena holds the file from `start` (the data section rounded down to 2 MiB) to its end,
     * at a 2 MiB-aligned address, so every address keeps its file offset modulo 2 MiB: the
     * tensors keep their alignment and whole huge pages cover them. */
    const uint64_t start = g->data_offset & ~(HUGE_PAGE - 1);
    const size_t len = (size_t)(g->size - start), map_len = len + (size_t)HUGE_PAGE;
    uint8_t *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return cairn_fail(CAIRN_E_NOMEM, "%s: cannot allocate %zu bytes for the weights", g->label, len);
    uint8_t *a = (uint8_t *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (huge && huge_ok) *huge_ok = madvise(a, len, MADV_HUGEPAGE) == 0;
    /* zeroing the fresh pages is most of the time (more so in a VM): every thread takes windows */
    copy_job j = {g->map, a, start, g->size, 0};
    if (run) run(arg, copy_worker, &j);
    else copy_worker(&j, 0, 1);
    for (int64_t i = 0; i < g->n_tensors; i++) g->tensors[i].data = a + (g->tensors[i].offset - start);
    g->arena_map = m;
    g->arena_map_len = map_len;
    return CAIRN_OK;
}
#else
cairn_status cairn_gguf_copy_data(cairn_gguf *g, bool huge, cairn_gguf_run_fn run, void *arg, bool *huge_ok) {
    if (huge_ok) *huge_ok = false;
    (void)huge; (void)run; (void)arg;
    return cairn_fail(CAIRN_E_ARG, "%s: no mapped tensor data to copy", g ? g->label : "?");
}
#endif

/* ---- public accessors --------------------------------------------------------- */

uint32_t cairn_gguf_version(const cairn_gguf *g)     { return g ? g->version : 0; }
uint64_t cairn_gguf_file_size(const cairn_gguf *g)   { return g ? g->size : 0; }
uint32_t cairn_gguf_alignment(const cairn_gguf *g)   { return g ? g->alignment : 0; }
uint64_t cairn_gguf_data_offset(const cairn_gguf *g) { return g ? g->data_offset : 0; }
int64_t  cairn_gguf_n_kv(const cairn_gguf *g)        { return g ? g->n_kv : 0; }
int64_t  cairn_gguf_n_tensors(const cairn_gguf *g)   { return g ? g->n_tensors : 0; }

const cairn_gguf_kv *cairn_gguf_kv_at(const cairn_gguf *g, int64_t i) {
    return g && i >= 0 && i < g->n_kv ? &g->kv[i] : NULL;
}
const cairn_gguf_tensor *cairn_gguf_tensor_at(const cairn_gguf *g, int64_t t) {
    return g && t >= 0 && t < g->n_tensors ? &g->tensors[t] : NULL;
}

int64_t cairn_gguf_find_key(const cairn_gguf *g, const char *key) {
    if (!g || !key) return -1;
    return hash_find(g, g->kv_hash, g->kv_hash_mask, kv_name, key, strlen(key));
}
int64_t cairn_gguf_find_tensor(const cairn_gguf *g, const char *name) {
    if (!g || !name) return -1;
    return hash_find(g, g->t_hash, g->t_hash_mask, t_name, name, strlen(name));
}
const cairn_gguf_kv *cairn_gguf_kv_by_key(const cairn_gguf *g, const char *key) {
    return cairn_gguf_kv_at(g, cairn_gguf_find_key(g, key));
}
const cairn_gguf_tensor *cairn_gguf_tensor_by_name(const cairn_gguf *g, const char *name) {
    return cairn_gguf_tensor_at(g, cairn_gguf_find_tensor(g, name));
}

const char *cairn_gguf_key(const cairn_gguf *g, int64_t i) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    return kv ? kv->key : NULL;
}
int32_t cairn_gguf_kv_type(const cairn_gguf *g, int64_t i) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    return kv ? kv->type : -1;
}

/* Float -> integer without undefined behaviour (NaN -> 0, saturating). */
static uint64_t f2u(double f) {
    if (!(f > 0)) return 0;
    if (f >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)f;
}
static int64_t f2i(double f) {
    if (f != f) return 0;
    if (f >= 9223372036854775808.0) return INT64_MAX;
    if (f < -9223372036854775808.0) return INT64_MIN;
    return (int64_t)f;
}

uint64_t cairn_gguf_get_u64(const cairn_gguf *g, int64_t i) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    if (!kv || kv->type == CAIRN_GGUF_STRING || kv->type == CAIRN_GGUF_ARRAY) return 0;
    if (kv->type == CAIRN_GGUF_F32 || kv->type == CAIRN_GGUF_F64) return f2u(kv->v.f);
    return kv->v.u; /* signed values: two's complement, as a C cast */
}
int64_t cairn_gguf_get_i64(const cairn_gguf *g, int64_t i) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    if (!kv || kv->type == CAIRN_GGUF_STRING || kv->type == CAIRN_GGUF_ARRAY) return 0;
    if (kv->type == CAIRN_GGUF_F32 || kv->type == CAIRN_GGUF_F64) return f2i(kv->v.f);
    return is_signed_type(kv->type) ? kv->v.i : (int64_t)kv->v.u;
}
double cairn_gguf_get_f64(const cairn_gguf *g, int64_t i) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    if (!kv || kv->type == CAIRN_GGUF_STRING || kv->type == CAIRN_GGUF_ARRAY) return 0;
    if (kv->type == CAIRN_GGUF_F32 || kv->type == CAIRN_GGUF_F64) return kv->v.f;
    return is_signed_type(kv->type) ? (double)kv->v.i : (double)kv->v.u;
}

static uint64_t copy_out(const uint8_t *s, uint64_t n, uint8_t *buf, uint64_t cap) {
    if (buf && cap && n) memcpy(buf, s, (size_t)CAIRN_MIN(n, cap));
    return n;
}

uint64_t cairn_gguf_get_str(const cairn_gguf *g, int64_t i, uint8_t *buf, uint64_t cap) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    if (!kv || kv->type != CAIRN_GGUF_STRING) return 0;
    return copy_out(kv->p, kv->n, buf, cap);
}

int32_t cairn_gguf_arr_type(const cairn_gguf *g, int64_t i) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    return kv && kv->type == CAIRN_GGUF_ARRAY ? kv->arr_type : -1;
}
uint64_t cairn_gguf_arr_len(const cairn_gguf *g, int64_t i) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    return kv && kv->type == CAIRN_GGUF_ARRAY ? kv->n : 0;
}
uint64_t cairn_gguf_arr_data(const cairn_gguf *g, int64_t i, void *buf, uint64_t cap) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    if (!kv || kv->type != CAIRN_GGUF_ARRAY || kv->arr_type == CAIRN_GGUF_STRING) return 0;
    return copy_out(kv->p, kv->n * scalar_size(kv->arr_type), buf, cap); /* <= 2^31, validated */
}

bool cairn_gguf_arr_str_at(const cairn_gguf_kv *kv, uint64_t j, const uint8_t **s, uint64_t *len) {
    if (!kv || kv->type != CAIRN_GGUF_ARRAY || kv->arr_type != CAIRN_GGUF_STRING || j >= kv->n) return false;
    const uint8_t *p = kv->p + kv->str_offs[j];
    *len = le(p, 8);   /* validated during parse */
    *s = p + 8;
    return true;
}

uint64_t cairn_gguf_arr_str(const cairn_gguf *g, int64_t i, uint64_t j, uint8_t *buf, uint64_t cap) {
    const uint8_t *s; uint64_t n;
    if (!cairn_gguf_arr_str_at(cairn_gguf_kv_at(g, i), j, &s, &n)) return 0;
    return copy_out(s, n, buf, cap);
}

uint64_t cairn_gguf_arr_strs(const cairn_gguf *g, int64_t i, uint32_t *offs, uint8_t *buf, uint64_t cap) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_at(g, i);
    if (!kv || kv->type != CAIRN_GGUF_ARRAY || kv->arr_type != CAIRN_GGUF_STRING) return 0;
    uint64_t total = 0; /* < 256 MiB: the strings are inside the metadata section */
    for (uint64_t j = 0; j < kv->n; j++) {
        const uint8_t *s; uint64_t n;
        cairn_gguf_arr_str_at(kv, j, &s, &n);
        if (offs) offs[j] = (uint32_t)total;
        if (buf && total < cap) memcpy(buf + total, s, (size_t)CAIRN_MIN(n, cap - total));
        total += n;
    }
    if (offs) offs[kv->n] = (uint32_t)total;
    return total;
}

const char *cairn_gguf_tensor_name(const cairn_gguf *g, int64_t t) {
    const cairn_gguf_tensor *x = cairn_gguf_tensor_at(g, t);
    return x ? x->name : NULL;
}
int32_t cairn_gguf_tensor_type(const cairn_gguf *g, int64_t t) {
    const cairn_gguf_tensor *x = cairn_gguf_tensor_at(g, t);
    return x ? x->type : -1;
}
uint32_t cairn_gguf_tensor_n_dims(const cairn_gguf *g, int64_t t) {
    const cairn_gguf_tensor *x = cairn_gguf_tensor_at(g, t);
    return x ? x->n_dims : 0;
}
uint64_t cairn_gguf_tensor_ne(const cairn_gguf *g, int64_t t, uint32_t dim) {
    const cairn_gguf_tensor *x = cairn_gguf_tensor_at(g, t);
    return x && dim < CAIRN_GGUF_MAX_DIMS ? x->ne[dim] : 0;
}
uint64_t cairn_gguf_tensor_offset(const cairn_gguf *g, int64_t t) {
    const cairn_gguf_tensor *x = cairn_gguf_tensor_at(g, t);
    return x ? x->offset : 0;
}
uint64_t cairn_gguf_tensor_size(const cairn_gguf *g, int64_t t) {
    const cairn_gguf_tensor *x = cairn_gguf_tensor_at(g, t);
    return x ? x->size : 0;
}
const void *cairn_gguf_tensor_data(const cairn_gguf *g, int64_t t) {
    const cairn_gguf_tensor *x = cairn_gguf_tensor_at(g, t);
    return x ? x->data : NULL;
}

/* ---- typed getters for the loader ---------------------------------------------- */

static cairn_status hp_fail(const cairn_gguf *g, const char *key, const cairn_gguf_kv *kv, const char *want) {
    const char *file = g ? g->label : "<null>";
    if (!kv) return cairn_fail(CAIRN_E_HPARAMS, "%s: metadata key '%s' is missing (expected %s)", file, key, want);
    if (kv->type == CAIRN_GGUF_ARRAY)
        return cairn_fail(CAIRN_E_HPARAMS, "%s: metadata key '%s' is an array of %s, expected %s", file, key,
                          cairn_gguf_type_name(kv->arr_type), want);
    if (is_signed_type(kv->type))
        return cairn_fail(CAIRN_E_HPARAMS, "%s: metadata key '%s' is %s %lld, expected %s", file, key,
                          cairn_gguf_type_name(kv->type), (long long)kv->v.i, want);
    if (is_int_type(kv->type) || kv->type == CAIRN_GGUF_BOOL)
        return cairn_fail(CAIRN_E_HPARAMS, "%s: metadata key '%s' is %s %llu, expected %s", file, key,
                          cairn_gguf_type_name(kv->type), (unsigned long long)kv->v.u, want);
    if (kv->type == CAIRN_GGUF_F32 || kv->type == CAIRN_GGUF_F64)
        return cairn_fail(CAIRN_E_HPARAMS, "%s: metadata key '%s' is %s %g, expected %s", file, key,
                          cairn_gguf_type_name(kv->type), kv->v.f, want);
    return cairn_fail(CAIRN_E_HPARAMS, "%s: metadata key '%s' has type %s, expected %s", file, key,
                      cairn_gguf_type_name(kv->type), want);
}

static cairn_status get_u32(const cairn_gguf *g, const char *key, const cairn_gguf_kv *kv, uint32_t *out) {
    static const char *want = "an integer in 0..4294967295";
    if (!is_int_type(kv->type) ||
        (is_signed_type(kv->type) ? (kv->v.i < 0 || kv->v.i > (int64_t)UINT32_MAX) : kv->v.u > UINT32_MAX))
        return hp_fail(g, key, kv, want);
    *out = (uint32_t)kv->v.u;
    return CAIRN_OK;
}

cairn_status cairn_gguf_get_u32_req(const cairn_gguf *g, const char *key, uint32_t *out) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_by_key(g, key);
    if (!kv) return hp_fail(g, key, NULL, "an unsigned 32-bit integer");
    return get_u32(g, key, kv, out);
}
cairn_status cairn_gguf_get_u32_opt(const cairn_gguf *g, const char *key, uint32_t dflt, uint32_t *out) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_by_key(g, key);
    if (!kv) { *out = dflt; return CAIRN_OK; }
    return get_u32(g, key, kv, out);
}

static cairn_status get_f32(const cairn_gguf *g, const char *key, const cairn_gguf_kv *kv, float *out) {
    if (kv->type == CAIRN_GGUF_F32 || kv->type == CAIRN_GGUF_F64) {
        const double d = kv->v.f;
        if (!(d == d) || d > 3.4028234663852886e38 || d < -3.4028234663852886e38)
            return cairn_fail(CAIRN_E_HPARAMS, "%s: metadata key '%s' is %s %g, expected a finite float", g->label, key,
                              cairn_gguf_type_name(kv->type), d);
        *out = (float)d;
        return CAIRN_OK;
    }
    if (is_int_type(kv->type)) {
        *out = is_signed_type(kv->type) ? (float)kv->v.i : (float)kv->v.u;
        return CAIRN_OK;
    }
    return hp_fail(g, key, kv, "a number");
}
cairn_status cairn_gguf_get_f32_req(const cairn_gguf *g, const char *key, float *out) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_by_key(g, key);
    if (!kv) return hp_fail(g, key, NULL, "a number");
    return get_f32(g, key, kv, out);
}
cairn_status cairn_gguf_get_f32_opt(const cairn_gguf *g, const char *key, float dflt, float *out) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_by_key(g, key);
    if (!kv) { *out = dflt; return CAIRN_OK; }
    return get_f32(g, key, kv, out);
}

cairn_status cairn_gguf_get_bool_opt(const cairn_gguf *g, const char *key, bool dflt, bool *out) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_by_key(g, key);
    if (!kv) { *out = dflt; return CAIRN_OK; }
    if (kv->type != CAIRN_GGUF_BOOL) return hp_fail(g, key, kv, "a bool");
    *out = kv->v.u != 0;
    return CAIRN_OK;
}

cairn_status cairn_gguf_get_str_opt(const cairn_gguf *g, const char *key, const char **s, uint64_t *len) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_by_key(g, key);
    *s = NULL; *len = 0;
    if (!kv) return CAIRN_OK;
    if (kv->type != CAIRN_GGUF_STRING) return hp_fail(g, key, kv, "a string");
    *s = kv->str; *len = kv->n;
    return CAIRN_OK;
}
cairn_status cairn_gguf_get_str_req(const cairn_gguf *g, const char *key, const char **s, uint64_t *len) {
    if (!cairn_gguf_kv_by_key(g, key)) { *s = NULL; *len = 0; return hp_fail(g, key, NULL, "a string"); }
    return cairn_gguf_get_str_opt(g, key, s, len);
}

cairn_status cairn_gguf_get_arr_opt(const cairn_gguf *g, const char *key, int32_t elem_type, const cairn_gguf_kv **out) {
    const cairn_gguf_kv *kv = cairn_gguf_kv_by_key(g, key);
    *out = NULL;
    if (!kv) return CAIRN_OK;
    if (kv->type != CAIRN_GGUF_ARRAY || (elem_type >= 0 && kv->arr_type != elem_type)) {
        char want[48];
        snprintf(want, sizeof want, "an array of %s", elem_type >= 0 ? cairn_gguf_type_name(elem_type) : "any type");
        return hp_fail(g, key, kv, want);
    }
    *out = kv;
    return CAIRN_OK;
}
cairn_status cairn_gguf_get_arr_req(const cairn_gguf *g, const char *key, int32_t elem_type, const cairn_gguf_kv **out) {
    if (!cairn_gguf_kv_by_key(g, key)) { *out = NULL; return hp_fail(g, key, NULL, "an array"); }
    return cairn_gguf_get_arr_opt(g, key, elem_type, out);
}
