/* test-gguf.c — the GGUF reader over in-memory files built here: one valid file with every
 * value type, then hand-made bad files that must fail with a specific status. */
#include "gguf-impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int g_fail = 0, g_checks = 0;
#define CHECK(c) do { g_checks++; if (!(c)) { g_fail++; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)

#include "gguf-build.h"

static cairn_status open_buf(const buf *x) {
    cairn_gguf *g = NULL;
    cairn_status s = cairn_gguf_open_memory(x->b, x->n, &g);
    if (s == CAIRN_OK) CHECK(g != NULL); else CHECK(g == NULL && cairn_last_error()[0] != 0);
    cairn_gguf_free(g);
    return s;
}

#define EXPECT(x, want) do { cairn_status s_ = open_buf(x); g_checks++; \
    if (s_ != (want)) { g_fail++; fprintf(stderr, "%s:%d: got %s, want %s (%s)\n", __FILE__, __LINE__, \
        cairn_status_name(s_), cairn_status_name(want), cairn_last_error()); } } while (0)

/* ---- the valid file ---- */
static const uint64_t NE_A[2] = { 4, 2 };   /* f32: 32 bytes  */
static const uint64_t NE_B[1] = { 64 };     /* q8_0: 68 bytes */

static buf valid_file(void) {
    buf x = {0};
    hdr(&x, 3, 2, 16);
    str(&x, "k.u8");  u32(&x, CAIRN_GGUF_U8);  u8(&x, 200);
    str(&x, "k.i8");  u32(&x, CAIRN_GGUF_I8);  u8(&x, (uint8_t)-5);
    str(&x, "k.u16"); u32(&x, CAIRN_GGUF_U16); u8(&x, 0x34); u8(&x, 0x12);
    str(&x, "k.i16"); u32(&x, CAIRN_GGUF_I16); u8(&x, 0xff); u8(&x, 0xff);
    kv_u32(&x, "k.u32", 4000000000u);
    str(&x, "k.i32"); u32(&x, CAIRN_GGUF_I32); u32(&x, (uint32_t)-7);
    kv_f32(&x, "k.f32", 1.5f);
    str(&x, "k.bool"); u32(&x, CAIRN_GGUF_BOOL); u8(&x, 1);
    kv_str(&x, "general.architecture", "llama");
    str(&x, "k.u64"); u32(&x, CAIRN_GGUF_U64); u64(&x, 0xFFFFFFFFFFFFFFFFull);
    str(&x, "k.i64"); u32(&x, CAIRN_GGUF_I64); u64(&x, (uint64_t)-9);
    { double d = -2.25; uint64_t b; memcpy(&b, &d, 8); str(&x, "k.f64"); u32(&x, CAIRN_GGUF_F64); u64(&x, b); }
    str(&x, "k.arr_u32"); u32(&x, CAIRN_GGUF_ARRAY); u32(&x, CAIRN_GGUF_U32); u64(&x, 3); u32(&x, 1); u32(&x, 2); u32(&x, 3);
    str(&x, "k.arr_str"); u32(&x, CAIRN_GGUF_ARRAY); u32(&x, CAIRN_GGUF_STRING); u64(&x, 3); str(&x, "ab"); str(&x, ""); str(&x, "héllo");
    str(&x, "k.arr_bool"); u32(&x, CAIRN_GGUF_ARRAY); u32(&x, CAIRN_GGUF_BOOL); u64(&x, 2); u8(&x, 0); u8(&x, 1);
    kv_u32(&x, "general.alignment", 64);
    tinfo(&x, "a.weight", 2, NE_A, CAIRN_TYPE_F32, 0);
    tinfo(&x, "b.weight", 1, NE_B, CAIRN_TYPE_Q8_0, 64);
    pad(&x, 64);
    for (int i = 0; i < 32; i++) u8(&x, (uint8_t)i);  /* a: 32 bytes */
    zeros(&x, 32);                                      /* gap to 64  */
    for (int i = 0; i < 68; i++) u8(&x, (uint8_t)(100 + i));
    return x;
}

static void test_valid(void) {
    buf x = valid_file();
    cairn_gguf *g = NULL;
    CHECK(cairn_gguf_open_memory(x.b, x.n, &g) == CAIRN_OK);
    if (!g) { fprintf(stderr, "valid file rejected: %s\n", cairn_last_error()); g_fail++; free(x.b); return; }
    CHECK(cairn_gguf_version(g) == 3);
    CHECK(cairn_gguf_file_size(g) == x.n);
    CHECK(cairn_gguf_alignment(g) == 64);
    CHECK(cairn_gguf_data_offset(g) % 64 == 0);
    CHECK(cairn_gguf_n_kv(g) == 16);
    CHECK(cairn_gguf_n_tensors(g) == 2);
    CHECK(cairn_gguf_find_key(g, "nope") == -1);
    CHECK(cairn_gguf_key(g, 0) && strcmp(cairn_gguf_key(g, 0), "k.u8") == 0);
    CHECK(cairn_gguf_key(g, 16) == NULL && cairn_gguf_key(g, -1) == NULL);
#define K(name) cairn_gguf_find_key(g, name)
    CHECK(cairn_gguf_kv_type(g, K("k.u8")) == CAIRN_GGUF_U8 && cairn_gguf_get_u64(g, K("k.u8")) == 200);
    CHECK(cairn_gguf_get_i64(g, K("k.i8")) == -5);
    CHECK(cairn_gguf_get_u64(g, K("k.u16")) == 0x1234);
    CHECK(cairn_gguf_get_i64(g, K("k.i16")) == -1);
    CHECK(cairn_gguf_get_u64(g, K("k.u32")) == 4000000000u);
    CHECK(cairn_gguf_get_i64(g, K("k.i32")) == -7);
    CHECK(cairn_gguf_get_f64(g, K("k.f32")) == 1.5);
    CHECK(cairn_gguf_get_u64(g, K("k.f32")) == 1);
    CHECK(cairn_gguf_get_u64(g, K("k.bool")) == 1);
    CHECK(cairn_gguf_get_u64(g, K("k.u64")) == UINT64_MAX);
    CHECK(cairn_gguf_get_i64(g, K("k.i64")) == -9);
    CHECK(cairn_gguf_get_f64(g, K("k.f64")) == -2.25);
    CHECK(cairn_gguf_get_i64(g, K("k.f64")) == -2);
    CHECK(cairn_gguf_get_u64(g, K("k.f64")) == 0);
    CHECK(cairn_gguf_get_u64(g, K("general.architecture")) == 0);
    uint8_t sb[16] = {0};
    CHECK(cairn_gguf_get_str(g, K("general.architecture"), NULL, 0) == 5);
    CHECK(cairn_gguf_get_str(g, K("general.architecture"), sb, 3) == 5 && memcmp(sb, "lla", 3) == 0 && sb[3] == 0);
    CHECK(cairn_gguf_get_str(g, K("k.u8"), sb, sizeof sb) == 0);
    const int64_t au = K("k.arr_u32"), as = K("k.arr_str"), ab = K("k.arr_bool");
    CHECK(cairn_gguf_arr_type(g, au) == CAIRN_GGUF_U32 && cairn_gguf_arr_len(g, au) == 3);
    uint32_t av[3] = {0};
    CHECK(cairn_gguf_arr_data(g, au, av, sizeof av) == 12 && av[0] == 1 && av[1] == 2 && av[2] == 3);
    CHECK(cairn_gguf_arr_data(g, as, NULL, 0) == 0);
    CHECK(cairn_gguf_arr_type(g, ab) == CAIRN_GGUF_BOOL && cairn_gguf_arr_data(g, ab, NULL, 0) == 2);
    CHECK(cairn_gguf_arr_type(g, K("k.u8")) == -1 && cairn_gguf_arr_len(g, K("k.u8")) == 0);
    CHECK(cairn_gguf_arr_type(g, as) == CAIRN_GGUF_STRING && cairn_gguf_arr_len(g, as) == 3);
    CHECK(cairn_gguf_arr_str(g, as, 0, sb, sizeof sb) == 2 && memcmp(sb, "ab", 2) == 0);
    CHECK(cairn_gguf_arr_str(g, as, 1, sb, sizeof sb) == 0);
    CHECK(cairn_gguf_arr_str(g, as, 2, sb, sizeof sb) == 6 && memcmp(sb, "h\xc3\xa9llo", 6) == 0);
    CHECK(cairn_gguf_arr_str(g, as, 3, sb, sizeof sb) == 0);
    uint32_t offs[4] = {0}; uint8_t all[16] = {0};
    CHECK(cairn_gguf_arr_strs(g, as, NULL, NULL, 0) == 8);
    CHECK(cairn_gguf_arr_strs(g, as, offs, all, sizeof all) == 8);
    CHECK(offs[0] == 0 && offs[1] == 2 && offs[2] == 2 && offs[3] == 8 && memcmp(all, "abh\xc3\xa9llo", 8) == 0);
    CHECK(cairn_gguf_arr_strs(g, as, offs, all, 3) == 8); /* short buffer: partial copy, no overflow */

    /* tensors */
    const int64_t ta = cairn_gguf_find_tensor(g, "a.weight"), tb = cairn_gguf_find_tensor(g, "b.weight");
    CHECK(ta == 0 && tb == 1 && cairn_gguf_find_tensor(g, "c") == -1);
    CHECK(strcmp(cairn_gguf_tensor_name(g, tb), "b.weight") == 0);
    CHECK(cairn_gguf_tensor_type(g, ta) == CAIRN_TYPE_F32 && cairn_gguf_tensor_type(g, tb) == CAIRN_TYPE_Q8_0);
    CHECK(cairn_gguf_tensor_n_dims(g, ta) == 2 && cairn_gguf_tensor_ne(g, ta, 0) == 4 && cairn_gguf_tensor_ne(g, ta, 1) == 2);
    CHECK(cairn_gguf_tensor_ne(g, ta, 3) == 1 && cairn_gguf_tensor_ne(g, ta, 4) == 0);
    CHECK(cairn_gguf_tensor_size(g, ta) == 32 && cairn_gguf_tensor_size(g, tb) == 68);
    CHECK(cairn_gguf_tensor_offset(g, ta) == cairn_gguf_data_offset(g));
    CHECK(cairn_gguf_tensor_offset(g, tb) == cairn_gguf_data_offset(g) + 64);
    CHECK(((const uint8_t *)cairn_gguf_tensor_data(g, ta))[5] == 5);
    CHECK(((const uint8_t *)cairn_gguf_tensor_data(g, tb))[0] == 100);
    CHECK(cairn_gguf_tensor_data(g, 2) == NULL && cairn_gguf_tensor_name(g, -1) == NULL);
    const cairn_gguf_tensor *t = cairn_gguf_tensor_at(g, tb);
    CHECK(t && t->n_elements == 64 && t->data == cairn_gguf_tensor_data(g, tb));

    /* typed getters */
    uint32_t u = 0; float f = 0; bool bo = false; const char *s = NULL; uint64_t sl = 0; const cairn_gguf_kv *kv = NULL;
    CHECK(cairn_gguf_get_u32_req(g, "k.u8", &u) == CAIRN_OK && u == 200);
    CHECK(cairn_gguf_get_u32_req(g, "k.u32", &u) == CAIRN_OK && u == 4000000000u);
    CHECK(cairn_gguf_get_u32_req(g, "k.i32", &u) == CAIRN_E_HPARAMS && strstr(cairn_last_error(), "k.i32") && strstr(cairn_last_error(), "int32"));
    CHECK(cairn_gguf_get_u32_req(g, "k.u64", &u) == CAIRN_E_HPARAMS);
    CHECK(cairn_gguf_get_u32_req(g, "k.f32", &u) == CAIRN_E_HPARAMS && strstr(cairn_last_error(), "float32"));
    CHECK(cairn_gguf_get_u32_req(g, "missing", &u) == CAIRN_E_HPARAMS && strstr(cairn_last_error(), "missing"));
    CHECK(cairn_gguf_get_u32_opt(g, "missing", 77, &u) == CAIRN_OK && u == 77);
    CHECK(cairn_gguf_get_u32_opt(g, "general.architecture", 77, &u) == CAIRN_E_HPARAMS);
    CHECK(cairn_gguf_get_f32_req(g, "k.f32", &f) == CAIRN_OK && f == 1.5f);
    CHECK(cairn_gguf_get_f32_req(g, "k.i32", &f) == CAIRN_OK && f == -7.0f);
    CHECK(cairn_gguf_get_f32_opt(g, "missing", 0.25f, &f) == CAIRN_OK && f == 0.25f);
    CHECK(cairn_gguf_get_f32_req(g, "k.arr_u32", &f) == CAIRN_E_HPARAMS);
    CHECK(cairn_gguf_get_bool_opt(g, "k.bool", false, &bo) == CAIRN_OK && bo);
    CHECK(cairn_gguf_get_bool_opt(g, "k.u8", false, &bo) == CAIRN_E_HPARAMS);
    CHECK(cairn_gguf_get_str_opt(g, "general.architecture", &s, &sl) == CAIRN_OK && sl == 5 && strcmp(s, "llama") == 0);
    CHECK(cairn_gguf_get_str_opt(g, "missing", &s, &sl) == CAIRN_OK && s == NULL && sl == 0);
    CHECK(cairn_gguf_get_str_req(g, "missing", &s, &sl) == CAIRN_E_HPARAMS);
    CHECK(cairn_gguf_get_str_opt(g, "k.u8", &s, &sl) == CAIRN_E_HPARAMS);
    CHECK(cairn_gguf_get_arr_req(g, "k.arr_str", CAIRN_GGUF_STRING, &kv) == CAIRN_OK && kv && kv->n == 3);
    CHECK(cairn_gguf_get_arr_req(g, "k.arr_str", CAIRN_GGUF_U32, &kv) == CAIRN_E_HPARAMS);
    CHECK(cairn_gguf_get_arr_opt(g, "missing", -1, &kv) == CAIRN_OK && kv == NULL);
    cairn_gguf_free(g);

    /* version 2 is accepted too */
    x.b[4] = 2;
    EXPECT(&x, CAIRN_OK);

    /* every strict prefix is rejected as truncated (header) or out of bounds (data) */
    int bad = 0;
    for (size_t n = 0; n < x.n; n++) {
        buf p = { x.b, n, n };
        cairn_gguf *h = NULL;
        cairn_status s2 = cairn_gguf_open_memory(x.b, n, &h);
        (void)p;
        if (!(s2 == CAIRN_E_TRUNCATED || s2 == CAIRN_E_BOUNDS)) {
            bad++;
            fprintf(stderr, "prefix %zu: %s (%s)\n", n, cairn_status_name(s2), cairn_last_error());
        }
        cairn_gguf_free(h);
    }
    CHECK(bad == 0);
    free(x.b);
}

/* ---- bad files ---- */

static void test_header(void) {
    buf x = {0};
    put(&x, "GGUG", 4); u32(&x, 3); u64(&x, 0); u64(&x, 0);
    EXPECT(&x, CAIRN_E_MAGIC); x.n = 0;
    hdr(&x, 1, 0, 0); EXPECT(&x, CAIRN_E_VERSION); x.n = 0;
    hdr(&x, 4, 0, 0); EXPECT(&x, CAIRN_E_VERSION); x.n = 0;
    hdr(&x, 0, 0, 0); EXPECT(&x, CAIRN_E_VERSION); x.n = 0;
    hdr(&x, 0x03000000u, 0, 0); EXPECT(&x, CAIRN_E_ENDIAN);
    CHECK(strstr(cairn_last_error(), "endian") != NULL); x.n = 0;
    hdr(&x, 0x02000000u, 0, 0); EXPECT(&x, CAIRN_E_ENDIAN); x.n = 0;
    hdr(&x, 3, 0, 0); EXPECT(&x, CAIRN_OK); x.n = 0;                 /* empty but valid */
    hdr(&x, 3, 0, UINT64_MAX); EXPECT(&x, CAIRN_E_LIMIT); x.n = 0;
    hdr(&x, 3, UINT64_MAX, 0); EXPECT(&x, CAIRN_E_LIMIT); x.n = 0;
    hdr(&x, 3, 0, 65537); EXPECT(&x, CAIRN_E_LIMIT); x.n = 0;
    hdr(&x, 3, 65537, 0); EXPECT(&x, CAIRN_E_LIMIT); x.n = 0;
    hdr(&x, 3, 0, 65536); EXPECT(&x, CAIRN_E_TRUNCATED); x.n = 0;    /* under the cap, file too small */
    hdr(&x, 3, 1000, 0); EXPECT(&x, CAIRN_E_TRUNCATED); x.n = 0;
    EXPECT(&x, CAIRN_E_TRUNCATED);                                   /* empty */
    cairn_gguf *g = (cairn_gguf *)1;
    CHECK(cairn_gguf_open_memory(NULL, 10, &g) == CAIRN_E_ARG && g == NULL);
    CHECK(cairn_gguf_open_memory(x.b, 0, NULL) == CAIRN_E_ARG);
    free(x.b);
}

static void test_kv(void) {
    buf x = {0};
#define ONE_KV(body, want) do { x.n = 0; hdr(&x, 3, 0, 1); body; EXPECT(&x, want); } while (0)
#define TWO_KV(body, want) do { x.n = 0; hdr(&x, 3, 0, 2); body; EXPECT(&x, want); } while (0)
    TWO_KV((kv_u32(&x, "a", 1), kv_u32(&x, "a", 2)), CAIRN_E_DUP_KEY);
    TWO_KV((kv_u32(&x, "a", 1), kv_str(&x, "b", "x")), CAIRN_OK);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_ARRAY), u64(&x, 0)), CAIRN_E_VALUE_TYPE);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, 13), u64(&x, 0)), CAIRN_E_VALUE_TYPE);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_U8), u64(&x, 0)), CAIRN_OK);
    ONE_KV((str(&x, "a"), u32(&x, 13), u32(&x, 0)), CAIRN_E_VALUE_TYPE);
    ONE_KV((str(&x, "a"), u32(&x, 0xFFFFFFFFu), u32(&x, 0)), CAIRN_E_VALUE_TYPE);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_BOOL), u8(&x, 2)), CAIRN_E_VALUE_TYPE);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_BOOL), u64(&x, 2), u8(&x, 1), u8(&x, 7)), CAIRN_E_VALUE_TYPE);
    ONE_KV((str(&x, ""), u32(&x, CAIRN_GGUF_U8), u8(&x, 0), zeros(&x, 4)), CAIRN_E_KEY);
    ONE_KV((str(&x, "a\xff"), u32(&x, CAIRN_GGUF_U8), u8(&x, 0)), CAIRN_E_KEY);
    ONE_KV((str(&x, "\xc0\x80"), u32(&x, CAIRN_GGUF_U8), u8(&x, 0)), CAIRN_E_KEY);   /* overlong NUL */
    ONE_KV((str(&x, "\xed\xa0\x80"), u32(&x, CAIRN_GGUF_U8), u8(&x, 0)), CAIRN_E_KEY); /* surrogate */
    ONE_KV((u64(&x, 1), u8(&x, 0), u32(&x, CAIRN_GGUF_U8), u8(&x, 0)), CAIRN_E_KEY);  /* NUL */
    ONE_KV((str(&x, "k\xc3\xa9"), u32(&x, CAIRN_GGUF_U8), u8(&x, 0)), CAIRN_OK);
    {   char k[258]; memset(k, 'k', 257); k[257] = 0;
        ONE_KV((str(&x, k), u32(&x, CAIRN_GGUF_U8), u8(&x, 0)), CAIRN_E_KEY);
        k[256] = 0;
        ONE_KV((str(&x, k), u32(&x, CAIRN_GGUF_U8), u8(&x, 0)), CAIRN_OK); }
    ONE_KV((u64(&x, UINT64_MAX), zeros(&x, 16)), CAIRN_E_KEY);
    ONE_KV((u64(&x, 200), zeros(&x, 16)), CAIRN_E_TRUNCATED);
    ONE_KV((str(&x, "s"), u32(&x, CAIRN_GGUF_STRING), u64(&x, UINT64_MAX)), CAIRN_E_LIMIT);
    ONE_KV((str(&x, "s"), u32(&x, CAIRN_GGUF_STRING), u64(&x, (1u << 20) + 1)), CAIRN_E_LIMIT);
    ONE_KV((str(&x, "s"), u32(&x, CAIRN_GGUF_STRING), u64(&x, 1u << 20)), CAIRN_E_TRUNCATED);
    ONE_KV((str(&x, "s"), u32(&x, CAIRN_GGUF_STRING), u64(&x, 5), put(&x, "abc", 3)), CAIRN_E_TRUNCATED);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_U64), u64(&x, UINT64_MAX)), CAIRN_E_LIMIT);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_U64), u64(&x, (1u << 28) + 1)), CAIRN_E_LIMIT);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_U64), u64(&x, 1u << 28)), CAIRN_E_TRUNCATED);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_STRING), u64(&x, 1u << 28)), CAIRN_E_TRUNCATED);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_STRING), u64(&x, 2), str(&x, "x"), u64(&x, UINT64_MAX)), CAIRN_E_LIMIT);
    CHECK(strstr(cairn_last_error(), "element 1 of array 'a'") != NULL);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_ARRAY), u32(&x, CAIRN_GGUF_STRING), u64(&x, 2), str(&x, "x"), u64(&x, 9), zeros(&x, 8)), CAIRN_E_TRUNCATED);
    ONE_KV((str(&x, "a"), u32(&x, CAIRN_GGUF_U64), u32(&x, 1)), CAIRN_E_TRUNCATED);
    /* general.alignment */
    ONE_KV(kv_u32(&x, "general.alignment", 0), CAIRN_E_ALIGNMENT);
    ONE_KV(kv_u32(&x, "general.alignment", 3), CAIRN_E_ALIGNMENT);
    ONE_KV(kv_u32(&x, "general.alignment", 48), CAIRN_E_ALIGNMENT);
    ONE_KV(kv_u32(&x, "general.alignment", 131072), CAIRN_E_ALIGNMENT);
    ONE_KV(kv_u32(&x, "general.alignment", 0x80000000u), CAIRN_E_ALIGNMENT);
    ONE_KV(kv_u32(&x, "general.alignment", 1), CAIRN_OK);
    ONE_KV(kv_u32(&x, "general.alignment", 65536), CAIRN_OK);
    ONE_KV((str(&x, "general.alignment"), u32(&x, CAIRN_GGUF_U64), u64(&x, 32)), CAIRN_E_ALIGNMENT);
    ONE_KV((str(&x, "general.alignment"), u32(&x, CAIRN_GGUF_I32), u32(&x, 32)), CAIRN_E_ALIGNMENT);
    free(x.b);
}

/* A file with one kv (alignment a) and the given tensor infos, data padded to `a`,
 * followed by data_bytes bytes. */
typedef struct { const char *name; uint32_t nd; uint64_t ne[5]; uint32_t type; uint64_t off; } ti;
static cairn_status tensors_file(const ti *t, int n, uint32_t a, size_t data_bytes) {
    buf x = {0};
    hdr(&x, 3, (uint64_t)n, 1);
    kv_u32(&x, "general.alignment", a);
    for (int i = 0; i < n; i++) tinfo(&x, t[i].name, t[i].nd, t[i].ne, t[i].type, t[i].off);
    pad(&x, a);
    zeros(&x, data_bytes);
    cairn_status s = open_buf(&x);
    free(x.b);
    return s;
}
#define T_EXPECT(arr, a, bytes, want) do { cairn_status s_ = tensors_file(arr, (int)(sizeof arr / sizeof arr[0]), a, bytes); g_checks++; \
    if (s_ != (want)) { g_fail++; fprintf(stderr, "%s:%d: got %s, want %s (%s)\n", __FILE__, __LINE__, \
        cairn_status_name(s_), cairn_status_name(want), cairn_last_error()); } } while (0)

static void test_tensors(void) {
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 0 }, { "b", 1, { 8 }, CAIRN_TYPE_F32, 32 } };
      T_EXPECT(t, 32, 64, CAIRN_OK);
      T_EXPECT(t, 32, 63, CAIRN_E_BOUNDS);
      CHECK(strstr(cairn_last_error(), "tensor 'b' ends at byte") && strstr(cairn_last_error(), "truncated")); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 0 }, { "b", 1, { 8 }, CAIRN_TYPE_F32, 16 } };  /* overlap */
      T_EXPECT(t, 16, 64, CAIRN_E_OVERLAP); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 32 }, { "b", 1, { 16 }, CAIRN_TYPE_F32, 0 } };  /* b contains a */
      T_EXPECT(t, 32, 64, CAIRN_E_OVERLAP); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 0 }, { "b", 1, { 8 }, CAIRN_TYPE_F32, 0 } };    /* same offset */
      T_EXPECT(t, 32, 64, CAIRN_E_OVERLAP); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 0 }, { "a", 1, { 8 }, CAIRN_TYPE_F32, 32 } };
      T_EXPECT(t, 32, 64, CAIRN_E_TENSOR); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 16 } }; T_EXPECT(t, 32, 64, CAIRN_E_ALIGNMENT); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 16 } }; T_EXPECT(t, 16, 64, CAIRN_OK); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, 1024 } }; T_EXPECT(t, 32, 64, CAIRN_E_BOUNDS); }
    { ti t[] = { { "a", 1, { 8 }, CAIRN_TYPE_F32, UINT64_MAX - 31 } }; T_EXPECT(t, 32, 64, CAIRN_E_OVERFLOW); }
    { ti t[] = { { "a", 5, { 1, 1, 1, 1, 1 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR); }
    { ti t[] = { { "a", 0, { 0 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR); }
    { ti t[] = { { "a", 4, { 2, 2, 2, 2 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_OK); }
    { ti t[] = { { "a", 2, { 8, 0 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR); }
    { ti t[] = { { "a", 2, { 1ull << 32, 1ull << 32 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_OVERFLOW); }
    { ti t[] = { { "a", 2, { 1ull << 31, 1ull << 31 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_OVERFLOW); } /* 2^62*4 */
    { ti t[] = { { "a", 2, { 1ull << 31, 1ull << 30 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_BOUNDS); }
    { ti t[] = { { "a", 1, { 16 }, CAIRN_TYPE_Q8_0, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR); }      /* ne0 % 32 */
    { ti t[] = { { "a", 1, { 32 }, CAIRN_TYPE_Q4_K, 0 } }; T_EXPECT(t, 32, 256, CAIRN_E_TENSOR); }     /* ne0 % 256 */
    { ti t[] = { { "a", 1, { 256 }, CAIRN_TYPE_Q4_K, 0 } }; T_EXPECT(t, 32, 144, CAIRN_OK); }
    { ti t[] = { { "a", 1, { 32 }, CAIRN_TYPE_Q8_1, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR_TYPE); }
    { ti t[] = { { "a", 1, { 32 }, 99, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR_TYPE); }
    { ti t[] = { { "a", 1, { 32 }, 0xFFFFFFFFu, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR_TYPE); }
    { ti t[] = { { "", 1, { 8 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR); }
    { char n64[65]; memset(n64, 'n', 64); n64[64] = 0;
      ti t[] = { { n64, 1, { 8 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR);
      n64[63] = 0;
      ti u[] = { { n64, 1, { 8 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(u, 32, 64, CAIRN_OK); }
    { ti t[] = { { "a\xff", 1, { 8 }, CAIRN_TYPE_F32, 0 } }; T_EXPECT(t, 32, 64, CAIRN_E_TENSOR); }
    /* tensor name with a huge length */
    { buf x = {0}; hdr(&x, 3, 1, 0); u64(&x, UINT64_MAX); zeros(&x, 40); EXPECT(&x, CAIRN_E_TENSOR); free(x.b); }
    /* truncated inside the padding before the data section */
    { buf x = {0}; const uint64_t ne[1] = { 8 };
      hdr(&x, 3, 1, 0); tinfo(&x, "a", 1, ne, CAIRN_TYPE_F32, 0); EXPECT(&x, CAIRN_E_TRUNCATED); free(x.b); }
}

/* The caps themselves: 65,536 keys and 65,536 tensors parse (hash tables, overlap sort). */
static void test_caps(void) {
    buf x = {0};
    char k[32];
    hdr(&x, 3, 65536, 65536);
    for (int i = 0; i < 65536; i++) { snprintf(k, sizeof k, "k%d", i); str(&x, k); u32(&x, CAIRN_GGUF_U8); u8(&x, (uint8_t)i); }
    const uint64_t ne[1] = { 8 };
    for (int i = 0; i < 65536; i++) { snprintf(k, sizeof k, "t%d", i); tinfo(&x, k, 1, ne, CAIRN_TYPE_F32, (uint64_t)(65535 - i) * 32); }
    pad(&x, 32);
    zeros(&x, 65536u * 32);
    cairn_gguf *g = NULL;
    CHECK(cairn_gguf_open_memory(x.b, x.n, &g) == CAIRN_OK);
    CHECK(cairn_gguf_find_key(g, "k65535") == 65535 && cairn_gguf_get_u64(g, 300) == (300 & 0xff));
    CHECK(cairn_gguf_find_tensor(g, "t12345") == 12345);
    cairn_gguf_free(g);
    free(x.b);
}

static void test_open_path(void) {
    cairn_gguf *g = NULL;
    CHECK(cairn_gguf_open("/nonexistent/x.gguf", &g) == CAIRN_E_IO && g == NULL);
    CHECK(cairn_gguf_open("/tmp", &g) == CAIRN_E_NOT_FILE && g == NULL);
    CHECK(cairn_gguf_open("/dev/null", &g) == CAIRN_E_NOT_FILE);
    CHECK(cairn_gguf_open("", &g) == CAIRN_E_ARG);
    char path[64];
    snprintf(path, sizeof path, "/tmp/cairn-test-gguf-%d.gguf", (int)getpid());
    buf x = valid_file();
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(x.b, 1, x.n, f) == x.n);
    if (f) fclose(f);
    CHECK(cairn_gguf_open(path, &g) == CAIRN_OK && g);
    if (g) {
        CHECK(cairn_gguf_file_size(g) == x.n && cairn_gguf_n_tensors(g) == 2);
        CHECK(((const uint8_t *)cairn_gguf_tensor_data(g, 1))[1] == 101);
        cairn_gguf_free(g);
    }
    /* the tensor data moved into anonymous memory: same bytes, same alignment, elsewhere */
    CHECK(cairn_gguf_open(path, &g) == CAIRN_OK && g);
    if (g) {
        const uint8_t *before[2];
        for (int t = 0; t < 2; t++) before[t] = cairn_gguf_tensor_data(g, t);
        bool huge = true;
#if defined(__linux__)
        CHECK(cairn_gguf_copy_data(g, true, NULL, NULL, &huge) == CAIRN_OK);
        for (int t = 0; t < 2; t++) {
            const uint8_t *now = cairn_gguf_tensor_data(g, t);
            CHECK(now != before[t] && memcmp(now, x.b + cairn_gguf_tensor_offset(g, t), cairn_gguf_tensor_size(g, t)) == 0);
            CHECK((uintptr_t)now % (2u << 20) == cairn_gguf_tensor_offset(g, t) % (2u << 20));
        }
        CHECK(cairn_gguf_copy_data(g, true, NULL, NULL, &huge) == CAIRN_E_ARG && !huge); /* only once */
        CHECK(((const uint8_t *)cairn_gguf_tensor_data(g, 1))[1] == 101);
#else
        CHECK(cairn_gguf_copy_data(g, true, NULL, NULL, &huge) == CAIRN_E_ARG && !huge);
#endif
        cairn_gguf_free(g);
    }
    CHECK(cairn_gguf_open_memory(x.b, x.n, &g) == CAIRN_OK && g);
    if (g) { CHECK(cairn_gguf_copy_data(g, false, NULL, NULL, NULL) == CAIRN_E_ARG); cairn_gguf_free(g); } /* nothing mapped */
    /* a truncated file on disk names the file */
    f = fopen(path, "wb");
    if (f) { fwrite(x.b, 1, x.n - 1, f); fclose(f); }
    CHECK(cairn_gguf_open(path, &g) == CAIRN_E_BOUNDS && strstr(cairn_last_error(), path) && strstr(cairn_last_error(), "b.weight"));
    f = fopen(path, "wb");
    if (f) fclose(f);
    CHECK(cairn_gguf_open(path, &g) == CAIRN_E_TRUNCATED);
    unlink(path);
    free(x.b);
}

int main(void) {
    test_valid();
    test_header();
    test_kv();
    test_tensors();
    test_caps();
    test_open_path();
    printf("test-gguf: %d checks, %d failed\n", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
