/*
 * llama-capi.c — llama.cpp speed yardstick through its C API (node-llama-cpp's prebuilt libllama),
 * without node-llama-cpp's JS layer.
 *
 *   llama-capi --model PATH [--threads N] [--prefill P] [--decode D] [--reps R] [--warmup W]
 *              [--backend auto|NAME|/path/libggml-cpu-NAME.so] [--flash-attn auto|on|off]
 *              [--ubatch U] [--verbose]
 *
 * Per repetition: the KV cache is cleared, P tokens are evaluated as one batch (prefill, logits for
 * the last token only), then D tokens one at a time (decode, logits for each). Prints one JSON
 * object with tokens/s (median, min, max and every run) and the ggml CPU backend in use.
 *
 * CPU backend: the prebuilt ggml ships one libggml-cpu-<variant>.so per x86 microarchitecture.
 * node-llama-cpp calls ggml_backend_load_all_from_path(<bins dir>), which dlopens every variant,
 * asks each for ggml_backend_score() and keeps the highest (ggml_backend_load_best). "auto" does the
 * same here (so the choice is recorded); NAME (e.g. haswell) or a path forces one variant.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-backend.h"
#include "llama.h"

static int g_verbose = 0;

static void log_cb(enum ggml_log_level level, const char *text, void *ud) {
    (void)ud;
    if (g_verbose || level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n) {
    double *s = malloc(sizeof(double) * (size_t)n);
    memcpy(s, v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), cmp_dbl);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { fputc('\\', f); fputc(c, f); }
        else if (c == '\n') fputs("\\n", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_stats(FILE *f, const char *name, const double *v, int n) {
    double mn = v[0], mx = v[0];
    for (int i = 1; i < n; i++) { if (v[i] < mn) mn = v[i]; if (v[i] > mx) mx = v[i]; }
    fprintf(f, "  \"%s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f, \"runs\": [", name, median(v, n), mn, mx);
    for (int i = 0; i < n; i++) fprintf(f, "%s%.3f", i ? ", " : "", v[i]);
    fputs("]}", f);
}

/* Directory holding libllama (where the libggml-cpu-*.so variants live). */
static void lib_dir(char *out, size_t n) {
    Dl_info info;
    out[0] = 0;
    if (dladdr((void *)&llama_backend_init, &info) && info.dli_fname) {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", info.dli_fname);
        char real[PATH_MAX];
        if (realpath(tmp, real)) snprintf(tmp, sizeof tmp, "%s", real);
        snprintf(out, n, "%s", dirname(tmp));
    }
}

typedef int (*score_fn)(void);

/* Mirrors ggml_backend_load_best("cpu", …, dir): the highest-scoring libggml-cpu-*.so. */
static int best_cpu_variant(const char *dir, char *best, size_t n, int *best_score) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    *best_score = 0;
    best[0] = 0;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        size_t len = strlen(nm);
        if (strncmp(nm, "libggml-cpu", 11) != 0 || len < 3 || strcmp(nm + len - 3, ".so") != 0) continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) { if (g_verbose) fprintf(stderr, "dlopen %s: %s\n", path, dlerror()); continue; }
        score_fn f = (score_fn)dlsym(h, "ggml_backend_score");
        int s = f ? f() : 0;
        if (g_verbose) fprintf(stderr, "llama-capi: %s score %d\n", nm, s);
        if (s > *best_score) { *best_score = s; snprintf(best, n, "%s", path); }
        dlclose(h);
    }
    closedir(d);
    return best[0] != 0;
}

static void usage(void) {
    fprintf(stderr,
        "usage: llama-capi --model PATH [--threads N] [--prefill P] [--decode D] [--reps R] [--warmup W]\n"
        "                  [--backend auto|NAME|PATH] [--flash-attn auto|on|off] [--ubatch U] [--verbose]\n");
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *backend = "auto", *fa = "auto";
    int n_threads = 2, n_prefill = 512, n_decode = 128, reps = 3, warmup = 1, n_ubatch = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (ARG("--model")) model_path = v;
        else if (ARG("--threads")) n_threads = atoi(v);
        else if (ARG("--prefill")) n_prefill = atoi(v);
        else if (ARG("--decode")) n_decode = atoi(v);
        else if (ARG("--reps")) reps = atoi(v);
        else if (ARG("--warmup")) warmup = atoi(v);
        else if (ARG("--backend")) backend = v;
        else if (ARG("--flash-attn")) fa = v;
        else if (ARG("--ubatch")) n_ubatch = atoi(v);
        else if (strcmp(a, "--verbose") == 0) g_verbose = 1;
        else { usage(); return 2; }
#undef ARG
    }
    if (!model_path || n_threads < 1 || n_prefill < 1 || n_decode < 0 || reps < 1 || warmup < 0) { usage(); return 2; }

    llama_log_set(log_cb, NULL);

    /* ---- CPU backend ---- */
    char dir[PATH_MAX], path[PATH_MAX];
    int score = -1;
    lib_dir(dir, sizeof dir);
    if (strcmp(backend, "auto") == 0) {
        if (!best_cpu_variant(dir, path, sizeof path, &score)) {
            fprintf(stderr, "llama-capi: no usable libggml-cpu-*.so in %s\n", dir);
            return 1;
        }
    } else if (strchr(backend, '/')) {
        snprintf(path, sizeof path, "%s", backend);
    } else {
        snprintf(path, sizeof path, "%s/libggml-cpu-%s.so", dir, backend);
    }
    if (score < 0) {
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) { fprintf(stderr, "llama-capi: cannot load %s: %s\n", path, dlerror()); return 1; }
        score_fn f = (score_fn)dlsym(h, "ggml_backend_score");
        score = f ? f() : -1;
        dlclose(h);
        if (score == 0) { fprintf(stderr, "llama-capi: %s is not supported by this CPU (score 0)\n", path); return 1; }
    }
    ggml_backend_reg_t reg = ggml_backend_load(path);
    if (!reg) { fprintf(stderr, "llama-capi: ggml_backend_load(%s) failed\n", path); return 1; }
    char variant[256];
    {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", path);
        const char *b = basename(tmp);
        const char *p = strncmp(b, "libggml-cpu-", 12) == 0 ? b + 12 : b;
        snprintf(variant, sizeof variant, "%s", p);
        char *dot = strstr(variant, ".so");
        if (dot) *dot = 0;
    }

    llama_backend_init();

    /* ---- model + context ---- */
    double t0 = now_s();
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model *model = llama_model_load_from_file(model_path, mp);
    if (!model) { fprintf(stderr, "llama-capi: failed to load %s\n", model_path); return 1; }
    double load_s = now_s() - t0;

    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);

    struct llama_context_params cp = llama_context_default_params();
    int n_ctx = ((n_prefill + n_decode + 16 + 255) / 256) * 256;
    cp.n_ctx = (uint32_t)n_ctx;
    cp.n_batch = (uint32_t)(n_prefill > 512 ? n_prefill : 512);
    cp.n_ubatch = (uint32_t)(n_ubatch > 0 ? n_ubatch : (n_prefill > 512 ? n_prefill : 512));
    cp.n_seq_max = 1;
    cp.n_threads = n_threads;
    cp.n_threads_batch = n_threads;
    cp.no_perf = true;
    cp.flash_attn_type = strcmp(fa, "on") == 0 ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                       : strcmp(fa, "off") == 0 ? LLAMA_FLASH_ATTN_TYPE_DISABLED : LLAMA_FLASH_ATTN_TYPE_AUTO;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "llama-capi: failed to create a context\n"); return 1; }
    llama_memory_t mem = llama_get_memory(ctx);

    /* deterministic pseudo-random tokens */
    int n_tok = n_prefill + n_decode;
    llama_token *toks = malloc(sizeof(llama_token) * (size_t)n_tok);
    uint32_t s = 12345;
    for (int i = 0; i < n_tok; i++) { s = s * 1664525u + 1013904223u; toks[i] = (llama_token)((s >> 8) % (uint32_t)n_vocab); }

    struct llama_batch batch = llama_batch_init(n_prefill > 1 ? n_prefill : 1, 0, 1);
    double *pre = calloc((size_t)reps, sizeof(double)), *dec = calloc((size_t)reps, sizeof(double));
    double checksum = 0;

    for (int r = -warmup; r < reps; r++) {
        llama_memory_clear(mem, true);
        batch.n_tokens = n_prefill;
        for (int i = 0; i < n_prefill; i++) {
            batch.token[i] = toks[i]; batch.pos[i] = i; batch.n_seq_id[i] = 1; batch.seq_id[i][0] = 0;
            batch.logits[i] = i == n_prefill - 1;
        }
        double a = now_s();
        if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "llama-capi: prefill decode failed\n"); return 1; }
        llama_synchronize(ctx);
        double b = now_s();
        checksum += llama_get_logits_ith(ctx, -1)[0];
        for (int i = 0; i < n_decode; i++) {
            batch.n_tokens = 1;
            batch.token[0] = toks[n_prefill + i]; batch.pos[0] = n_prefill + i; batch.n_seq_id[0] = 1;
            batch.seq_id[0][0] = 0; batch.logits[0] = 1;
            if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "llama-capi: decode failed at %d\n", i); return 1; }
            llama_synchronize(ctx);
            checksum += llama_get_logits_ith(ctx, -1)[0];
        }
        double c = now_s();
        if (r >= 0) {
            pre[r] = n_prefill / (b - a);
            dec[r] = n_decode > 0 ? n_decode / (c - b) : 0;
        }
        if (g_verbose) fprintf(stderr, "llama-capi: rep %d prefill %.2f tok/s decode %.2f tok/s\n", r, n_prefill / (b - a), n_decode / (c - b));
    }

    /* ---- report ---- */
    char desc[256];
    llama_model_desc(model, desc, sizeof desc);
    FILE *f = stdout;
    fputs("{\n  \"engine\": \"llama.cpp\",\n  \"model\": ", f); json_str(f, model_path);
    fputs(",\n  \"model_desc\": ", f); json_str(f, desc);
    fprintf(f, ",\n  \"model_size\": %llu, \"model_n_params\": %llu, \"n_vocab\": %d",
            (unsigned long long)llama_model_size(model), (unsigned long long)llama_model_n_params(model), n_vocab);
    fprintf(f, ",\n  \"threads\": %d, \"prefill\": %d, \"decode\": %d, \"reps\": %d, \"warmup\": %d, \"n_ctx\": %d, \"n_ubatch\": %u",
            n_threads, n_prefill, n_decode, reps, warmup, n_ctx, cp.n_ubatch);
    fputs(",\n  \"flash_attn\": ", f); json_str(f, fa);
    fprintf(f, ", \"use_extra_bufts\": %s, \"load_mode\": ", mp.use_extra_bufts ? "true" : "false");
    json_str(f, llama_load_mode_name(mp.load_mode));
    fputs(",\n  \"backend\": {\"variant\": ", f); json_str(f, variant);
    fputs(", \"path\": ", f); json_str(f, path);
    fprintf(f, ", \"score\": %d, \"forced\": %s, \"features\": {", score, strcmp(backend, "auto") ? "true" : "false");
    ggml_backend_get_features_t gf = (ggml_backend_get_features_t)ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features");
    if (gf) {
        int k = 0;
        for (struct ggml_backend_feature *ft = gf(reg); ft && ft->name; ft++, k++) {
            if (k) fputs(", ", f);
            json_str(f, ft->name); fputs(": ", f); json_str(f, ft->value);
        }
    }
    fputs("}}", f);
    fputs(",\n  \"system_info\": ", f); json_str(f, llama_print_system_info());
    fprintf(f, ",\n  \"load_s\": %.4f,\n", load_s);
    json_stats(f, "prefill_tps", pre, reps); fputs(",\n", f);
    json_stats(f, "decode_tps", dec, reps);
    fprintf(f, ",\n  \"checksum\": %.6g\n}\n", checksum);

    llama_batch_free(batch);
    free(toks); free(pre); free(dec);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
