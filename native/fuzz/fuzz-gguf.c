/* fuzz-gguf.c — libFuzzer harness for the GGUF reader (built by scripts/fuzz.mjs with
 * -fsanitize=fuzzer,address,undefined). Opens the input with cairn_gguf_open_memory, then
 * walks every accessor and checks the reader's promises; a broken promise traps. */
#include "gguf-impl.h"

#include <stdlib.h>

#define PROMISE(c) do { if (!(c)) __builtin_trap(); } while (0)

static void walk(const cairn_gguf *g, const uint8_t *data, size_t size) {
    PROMISE(cairn_gguf_file_size(g) == size);
    PROMISE(cairn_gguf_version(g) == 2 || cairn_gguf_version(g) == 3);
    const uint32_t a = cairn_gguf_alignment(g);
    PROMISE(a >= 1 && a <= 65536 && (a & (a - 1)) == 0);
    PROMISE(cairn_gguf_data_offset(g) % a == 0);

    const int64_t n_kv = cairn_gguf_n_kv(g);
    PROMISE(n_kv >= 0 && n_kv <= 65536);
    for (int64_t i = -1; i <= n_kv; i++) {
        const char *k = cairn_gguf_key(g, i);
        if (i < 0 || i == n_kv) { PROMISE(k == NULL); continue; }
        PROMISE(k && *k && strlen(k) <= 256);
        PROMISE(cairn_gguf_find_key(g, k) == i);
        const int32_t t = cairn_gguf_kv_type(g, i);
        PROMISE(t >= 0 && t <= CAIRN_GGUF_F64);
        volatile uint64_t sink = cairn_gguf_get_u64(g, i) + (uint64_t)cairn_gguf_get_i64(g, i);
        volatile double fs = cairn_gguf_get_f64(g, i);
        (void)sink; (void)fs;
        const uint64_t sl = cairn_gguf_get_str(g, i, NULL, 0);
        if (sl) {
            uint8_t *b = malloc(sl);
            PROMISE(b && cairn_gguf_get_str(g, i, b, sl) == sl);
            free(b);
        }
        const int32_t at = cairn_gguf_arr_type(g, i);
        const uint64_t n = cairn_gguf_arr_len(g, i);
        if (t != CAIRN_GGUF_ARRAY) { PROMISE(at == -1 && n == 0); continue; }
        PROMISE(at >= 0 && at <= CAIRN_GGUF_F64 && at != CAIRN_GGUF_ARRAY && n <= (1u << 28));
        if (at == CAIRN_GGUF_STRING) {
            const uint64_t total = cairn_gguf_arr_strs(g, i, NULL, NULL, 0);
            uint32_t *offs = malloc((size_t)(n + 1) * sizeof *offs);
            uint8_t *b = malloc(total ? total : 1);
            PROMISE(offs && b);
            PROMISE(cairn_gguf_arr_strs(g, i, offs, b, total) == total && offs[n] == total);
            uint8_t small[4];
            cairn_gguf_arr_strs(g, i, offs, small, sizeof small);  /* short buffer */
            for (uint64_t j = 0; j < n; j++) {
                PROMISE(offs[j] <= offs[j + 1]);
                PROMISE(cairn_gguf_arr_str(g, i, j, small, sizeof small) == offs[j + 1] - offs[j]);
            }
            PROMISE(cairn_gguf_arr_str(g, i, n, small, sizeof small) == 0);
            free(offs); free(b);
        } else {
            const uint64_t need = cairn_gguf_arr_data(g, i, NULL, 0);
            uint8_t *b = malloc(need ? need : 1);
            PROMISE(b && cairn_gguf_arr_data(g, i, b, need) == need);
            free(b);
        }
    }
    PROMISE(cairn_gguf_find_key(g, "") == -1);

    const int64_t nt = cairn_gguf_n_tensors(g);
    PROMISE(nt >= 0 && nt <= 65536);
    for (int64_t t = -1; t <= nt; t++) {
        const char *name = cairn_gguf_tensor_name(g, t);
        if (t < 0 || t == nt) { PROMISE(name == NULL && cairn_gguf_tensor_data(g, t) == NULL); continue; }
        PROMISE(name && *name && strlen(name) <= 63 && cairn_gguf_find_tensor(g, name) == t);
        PROMISE(cairn_type_name(cairn_gguf_tensor_type(g, t)) != NULL);
        const uint32_t nd = cairn_gguf_tensor_n_dims(g, t);
        PROMISE(nd >= 1 && nd <= 4);
        for (uint32_t d = 0; d < 5; d++) PROMISE(d < 4 ? cairn_gguf_tensor_ne(g, t, d) >= 1 : cairn_gguf_tensor_ne(g, t, d) == 0);
        const uint64_t off = cairn_gguf_tensor_offset(g, t), sz = cairn_gguf_tensor_size(g, t);
        PROMISE(off >= cairn_gguf_data_offset(g) && off <= size && sz <= size - off && sz > 0);
        PROMISE((off - cairn_gguf_data_offset(g)) % a == 0);
        const uint8_t *p = cairn_gguf_tensor_data(g, t);
        PROMISE(p == data + off);
        volatile uint8_t first = p[0], last = p[sz - 1]; /* ASan checks these lie in the input */
        (void)first; (void)last;
    }

    /* the loader's typed getters must never crash whatever the key's type */
    uint32_t u; float f; bool b; const char *s; uint64_t l; const cairn_gguf_kv *kv;
    static const char *const keys[] = { "general.alignment", "general.architecture", "llama.block_count",
                                        "llama.rope.freq_base", "tokenizer.ggml.tokens" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        cairn_gguf_get_u32_req(g, keys[i], &u);
        cairn_gguf_get_u32_opt(g, keys[i], 1, &u);
        cairn_gguf_get_f32_req(g, keys[i], &f);
        cairn_gguf_get_f32_opt(g, keys[i], 1, &f);
        cairn_gguf_get_bool_opt(g, keys[i], false, &b);
        if (cairn_gguf_get_str_opt(g, keys[i], &s, &l) == CAIRN_OK && s) PROMISE(s[l] == 0);
        if (cairn_gguf_get_arr_opt(g, keys[i], -1, &kv) == CAIRN_OK && kv && kv->arr_type == CAIRN_GGUF_STRING && kv->n) {
            const uint8_t *e; uint64_t el;
            PROMISE(cairn_gguf_arr_str_at(kv, kv->n - 1, &e, &el) && e >= data && el <= size && e + el <= data + size);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cairn_gguf *g = NULL;
    const cairn_status s = cairn_gguf_open_memory(data, size, &g);
    if (s == CAIRN_OK) {
        PROMISE(g != NULL);
        walk(g, data, size);
        cairn_gguf_free(g);
    } else {
        /* a rejection has a named status and a message, and no handle */
        PROMISE(g == NULL && s > CAIRN_OK && s <= CAIRN_E_VOCAB && cairn_last_error()[0] != 0);
    }
    return 0;
}
