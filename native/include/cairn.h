/*
 * cairn.h — the whole public C API of Cairn's native engine.
 *
 * Conventions
 *   - Opaque handles, <noun>_<verb> names, init/free pairs.
 *   - Every fallible call returns a cairn_status; on failure the calling thread's
 *     error text (cairn_last_error) names the file, the field and the offset.
 *   - The engine never exits or aborts on bad input.
 *   - KV cache and logits live in memory the caller provides (a Wasm actor's linear
 *     memory): the caller passes a base pointer plus a cairn_state_layout, the engine
 *     checks every offset against layout.size and copies nothing (cairn_model_bytes_copied
 *     counts the copies of the one mode that does: CAIRN_FORWARD_COPY_STATE).
 */
#ifndef CAIRN_H
#define CAIRN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define CAIRN_API __declspec(dllexport)
#else
#  define CAIRN_API __attribute__((visibility("default")))
#endif

/* ---- status ------------------------------------------------------------ */

/* Every status, in value order: X(name, value, meaning). The enum below, cairn_status_name
 * (error.c) and the TypeScript binding's list (electron/engine/native.ts, checked against
 * cairn_status_name when the library loads) all come from this one list. */
#define CAIRN_STATUS_LIST(X) \
    X(CAIRN_OK,               0,  "success") \
    X(CAIRN_E_ARG,            1,  "bad argument from the caller") \
    X(CAIRN_E_IO,             2,  "open/stat/mmap failed") \
    X(CAIRN_E_NOT_FILE,       3,  "not a regular file") \
    X(CAIRN_E_MAGIC,          4,  "not a GGUF file") \
    X(CAIRN_E_ENDIAN,         5,  "GGUF written with the other byte order") \
    X(CAIRN_E_VERSION,        6,  "GGUF version other than 2 or 3") \
    X(CAIRN_E_TRUNCATED,      7,  "a read ran past the end of the file") \
    X(CAIRN_E_LIMIT,          8,  "a count or length above the reader's caps") \
    X(CAIRN_E_KEY,            9,  "empty, overlong or non-UTF-8 key") \
    X(CAIRN_E_DUP_KEY,        10, "the same key twice") \
    X(CAIRN_E_VALUE_TYPE,     11, "unknown value type, nested array, bad bool") \
    X(CAIRN_E_ALIGNMENT,      12, "general.alignment invalid / tensor misaligned") \
    X(CAIRN_E_TENSOR,         13, "bad tensor name, dims or duplicate name") \
    X(CAIRN_E_TENSOR_TYPE,    14, "tensor type not implemented") \
    X(CAIRN_E_OVERFLOW,       15, "size arithmetic overflowed") \
    X(CAIRN_E_BOUNDS,         16, "tensor data outside the file") \
    X(CAIRN_E_OVERLAP,        17, "two tensors' data overlap") \
    X(CAIRN_E_ARCH,           18, "architecture missing or not supported") \
    X(CAIRN_E_HPARAMS,        19, "hyperparameters missing, mistyped, inconsistent") \
    X(CAIRN_E_MISSING_TENSOR, 20, "an expected tensor is absent") \
    X(CAIRN_E_SHAPE,          21, "a tensor has the wrong shape or type") \
    X(CAIRN_E_NOMEM,          22, "allocation failed or the model would not fit") \
    X(CAIRN_E_LAYOUT,         23, "caller-provided state layout is invalid") \
    X(CAIRN_E_CANCELLED,      24, "the cancel flag was raised") \
    X(CAIRN_E_CONTEXT,        25, "position + tokens exceed the context") \
    X(CAIRN_E_TOKEN,          26, "token id outside the vocabulary") \
    X(CAIRN_E_VOCAB,          27, "tokenizer metadata inconsistent")

typedef enum {
#define CAIRN_STATUS_ENUM(name, value, meaning) name = value,
    CAIRN_STATUS_LIST(CAIRN_STATUS_ENUM)
#undef CAIRN_STATUS_ENUM
} cairn_status;

/* Stable name of a status ("CAIRN_E_TRUNCATED"); never NULL. */
CAIRN_API const char * cairn_status_name(cairn_status s);
/* Text of the last error on the calling thread ("" if none); valid until the next call. */
CAIRN_API const char * cairn_last_error(void);
/* Library version string: package.json's version (defined by scripts/build-native.mjs). */
CAIRN_API const char * cairn_version(void);

/* ---- tensor types (numbering = ggml's, so GGUF files carry them as-is) ------ */

typedef enum {
    CAIRN_TYPE_F32  = 0,
    CAIRN_TYPE_F16  = 1,
    CAIRN_TYPE_Q4_0 = 2,
    CAIRN_TYPE_Q4_1 = 3,
    CAIRN_TYPE_Q5_0 = 6,
    CAIRN_TYPE_Q5_1 = 7,
    CAIRN_TYPE_Q8_0 = 8,
    CAIRN_TYPE_Q8_1 = 9,   /* activations only */
    CAIRN_TYPE_Q4_K = 12,
    CAIRN_TYPE_Q5_K = 13,
    CAIRN_TYPE_Q6_K = 14,
    CAIRN_TYPE_Q8_K = 15,  /* activations only */
    CAIRN_TYPE_BF16 = 30,
    CAIRN_TYPE_COUNT = 31
} cairn_type;

/* Name of a type ("q4_K") or NULL if the engine does not implement it for weights. */
CAIRN_API const char * cairn_type_name(int32_t type);

/* ---- GGUF reader --------------------------------------------------------- */

typedef struct cairn_gguf cairn_gguf;

/* GGUF metadata value types (as in the file). */
typedef enum {
    CAIRN_GGUF_U8 = 0, CAIRN_GGUF_I8 = 1, CAIRN_GGUF_U16 = 2, CAIRN_GGUF_I16 = 3,
    CAIRN_GGUF_U32 = 4, CAIRN_GGUF_I32 = 5, CAIRN_GGUF_F32 = 6, CAIRN_GGUF_BOOL = 7,
    CAIRN_GGUF_STRING = 8, CAIRN_GGUF_ARRAY = 9, CAIRN_GGUF_U64 = 10, CAIRN_GGUF_I64 = 11,
    CAIRN_GGUF_F64 = 12
} cairn_gguf_type;

/* Maps and validates a GGUF file (every check of RELIABILITY.md). *out is NULL on failure. */
CAIRN_API cairn_status cairn_gguf_open   (const char *path, cairn_gguf **out);
/* Same checks over a caller-owned buffer (fuzzing, tests); the buffer must outlive the handle. */
CAIRN_API cairn_status cairn_gguf_open_memory(const void *data, uint64_t size, cairn_gguf **out);
CAIRN_API void         cairn_gguf_free   (cairn_gguf *g);

CAIRN_API uint32_t     cairn_gguf_version    (const cairn_gguf *g);
CAIRN_API uint64_t     cairn_gguf_file_size  (const cairn_gguf *g);
CAIRN_API uint32_t     cairn_gguf_alignment  (const cairn_gguf *g);
CAIRN_API uint64_t     cairn_gguf_data_offset(const cairn_gguf *g);

/* Metadata: keys are indexed 0..n_kv-1. find_key returns -1 if absent. */
CAIRN_API int64_t      cairn_gguf_n_kv       (const cairn_gguf *g);
CAIRN_API int64_t      cairn_gguf_find_key   (const cairn_gguf *g, const char *key);
CAIRN_API const char * cairn_gguf_key        (const cairn_gguf *g, int64_t i);
CAIRN_API int32_t      cairn_gguf_kv_type    (const cairn_gguf *g, int64_t i);
/* Scalars: the value widened to the return type; 0 if i is out of range or not a scalar. */
CAIRN_API uint64_t     cairn_gguf_get_u64    (const cairn_gguf *g, int64_t i);
CAIRN_API int64_t      cairn_gguf_get_i64    (const cairn_gguf *g, int64_t i);
CAIRN_API double       cairn_gguf_get_f64    (const cairn_gguf *g, int64_t i);
/* Strings: length in bytes (may be 0); copies min(len, cap) bytes to buf when buf != NULL. */
CAIRN_API uint64_t     cairn_gguf_get_str    (const cairn_gguf *g, int64_t i, uint8_t *buf, uint64_t cap);
/* Arrays: element type and count (0 if not an array). */
CAIRN_API int32_t      cairn_gguf_arr_type   (const cairn_gguf *g, int64_t i);
CAIRN_API uint64_t     cairn_gguf_arr_len    (const cairn_gguf *g, int64_t i);
/* Copies the whole numeric array (elements of the file's type, little endian) into buf of cap bytes;
 * returns bytes needed. */
CAIRN_API uint64_t     cairn_gguf_arr_data   (const cairn_gguf *g, int64_t i, void *buf, uint64_t cap);
/* One string element of a string array, as cairn_gguf_get_str. */
CAIRN_API uint64_t     cairn_gguf_arr_str    (const cairn_gguf *g, int64_t i, uint64_t j, uint8_t *buf, uint64_t cap);
/* All strings of a string array at once: writes n+1 uint32 offsets into offs (offs[n] = total)
 * and the concatenated bytes into buf; returns total bytes (call with buf=NULL to size). */
CAIRN_API uint64_t     cairn_gguf_arr_strs   (const cairn_gguf *g, int64_t i, uint32_t *offs, uint8_t *buf, uint64_t cap);

/* Tensors: indexed 0..n_tensors-1. find_tensor returns -1 if absent. */
CAIRN_API int64_t      cairn_gguf_n_tensors  (const cairn_gguf *g);
CAIRN_API int64_t      cairn_gguf_find_tensor(const cairn_gguf *g, const char *name);
CAIRN_API const char * cairn_gguf_tensor_name(const cairn_gguf *g, int64_t t);
CAIRN_API int32_t      cairn_gguf_tensor_type(const cairn_gguf *g, int64_t t);
CAIRN_API uint32_t     cairn_gguf_tensor_n_dims(const cairn_gguf *g, int64_t t);
CAIRN_API uint64_t     cairn_gguf_tensor_ne  (const cairn_gguf *g, int64_t t, uint32_t dim);
/* Offset of the tensor's data from the start of the file, and its size in bytes. */
CAIRN_API uint64_t     cairn_gguf_tensor_offset(const cairn_gguf *g, int64_t t);
CAIRN_API uint64_t     cairn_gguf_tensor_size  (const cairn_gguf *g, int64_t t);
/* Pointer to the tensor's bytes (read-only): inside the mapping, or, for a model's handle whose
 * weights were copied (CAIRN_WEIGHTS_COPY), inside that copy. */
CAIRN_API const void * cairn_gguf_tensor_data  (const cairn_gguf *g, int64_t t);

/* ---- model --------------------------------------------------------------- */

typedef struct cairn_model cairn_model;

typedef enum {
    CAIRN_BACKEND_AUTO      = 0,  /* Metal on macOS arm64 builds with a GPU, else the best CPU kernels */
    CAIRN_BACKEND_REFERENCE = 1,  /* plain scalar reference path    */
    CAIRN_BACKEND_AVX2      = 2,
    CAIRN_BACKEND_AVX512    = 3,
    CAIRN_BACKEND_NEON      = 4,
    CAIRN_BACKEND_AMX       = 5,  /* AVX-512 plus Intel AMX tiles for batched (prefill) products */
    CAIRN_BACKEND_METAL     = 6,  /* the Apple GPU (metal/); CAIRN_E_ARG where not built or no device */
    CAIRN_BACKEND_CPU       = 7   /* the best CPU kernels, never the GPU                            */
} cairn_backend;

/* Where the weights are read from during inference. */
typedef enum {
    CAIRN_WEIGHTS_AUTO = 0,  /* COPY where transparent huge pages are enabled, else MAP           */
    CAIRN_WEIGHTS_MAP  = 1,  /* in place in the file mapping (4 KiB page-cache pages)             */
    CAIRN_WEIGHTS_COPY = 2,  /* copied once at load into anonymous memory, huge pages requested;
                              * the file's pages are dropped from the process as they are copied,
                              * so one copy is resident. Falls back to MAP where there is no file
                              * mapping to copy (memory handles, non-Linux)                     */
    CAIRN_WEIGHTS_HUGE = 3   /* (reported only) COPY, and the kernel accepted the huge-page advice */
} cairn_weights_mode;

typedef struct {
    int32_t  n_threads;     /* 0 = number of cores                                   */
    int32_t  backend;       /* cairn_backend                                         */
    uint64_t mem_available; /* 0 = ask the OS; bytes the load may use (refuse above) */
    int32_t  weights;       /* cairn_weights_mode (AUTO, MAP or COPY)                */
    int32_t  _pad;
} cairn_model_params;

typedef struct {
    uint32_t n_vocab, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_ctx_train;
    float    rope_base, norm_eps;
    uint32_t has_rope_freqs, tied_output;
    int32_t  backend;           /* backend actually selected */
    int32_t  n_threads;
    uint64_t weights_bytes;     /* bytes of tensor data mapped */
    uint64_t file_size;
    int32_t  ftype_main;        /* most common weight type among matrices */
    int32_t  weights;           /* cairn_weights_mode in effect: MAP, COPY or HUGE */
} cairn_model_info;

CAIRN_API cairn_status cairn_model_load (const char *path, const cairn_model_params *p, cairn_model **out);
CAIRN_API void         cairn_model_free (cairn_model *m);
CAIRN_API cairn_status cairn_model_info_get(const cairn_model *m, cairn_model_info *out);
/* The model's GGUF handle (metadata, tokenizer); owned by the model. */
CAIRN_API const cairn_gguf * cairn_model_gguf(const cairn_model *m);

/* ---- state in caller memory ------------------------------------------------
 * All offsets are bytes from `base`. Regions must lie inside [0, size), be aligned
 * to 64 bytes and not overlap.
 *   logits : f32 [logits_rows][n_vocab]
 *   k, v   : f16 [n_layer][n_ctx][n_head_kv * head_dim]   (row of position p of layer l
 *            at k_off + ((l * n_ctx + p) * kv_dim) * 2)
 */
typedef struct {
    uint64_t size;
    uint64_t logits_off;
    uint32_t logits_rows;
    uint32_t n_ctx;
    uint64_t k_off;
    uint64_t v_off;
    uint32_t kv_type;   /* CAIRN_TYPE_F16 */
    uint32_t _pad;
} cairn_state_layout;

/* Fills a layout for n_ctx positions and logits_rows rows starting at byte `start`;
 * *end receives the first byte after it. */
CAIRN_API cairn_status cairn_layout_plan(const cairn_model *m, uint32_t n_ctx, uint32_t logits_rows,
                                         uint64_t start, cairn_state_layout *out, uint64_t *end);

enum {
    CAIRN_FORWARD_ALL_LOGITS  = 1,
    /* The copy baseline (for measurement, never the default): the conventional host, whose engine
     * owns the KV cache and logits. The forward copies the K/V rows of positions [0, pos) from
     * base into an engine-owned buffer laid out as `layout`, runs there, and copies the K/V rows
     * [0, pos + n) and the logits rows it wrote back into base. Results are bit for bit those of
     * the in-place forward. Bytes copied per call, added to cairn_model_bytes_copied:
     *   2 · n_layer · (2·pos + n) · n_head_kv · head_dim · 2  +  rows · n_vocab · 4
     * (rows = n with ALL_LOGITS, else 1; nothing is copied back when the call fails). The buffer
     * (layout.size bytes, pages committed as written) is kept until the model is freed. */
    CAIRN_FORWARD_COPY_STATE  = 2
};

/* Runs tokens[0..n) at positions pos..pos+n-1. Writes K/V rows of those positions and
 * logits (last token into row 0, or every token into rows 0..n-1 with ALL_LOGITS) into
 * base + layout offsets. `cancel` (may be NULL) is read between layers; when it becomes
 * non-zero the call returns CAIRN_E_CANCELLED (K/V rows of this call are then undefined). */
CAIRN_API cairn_status cairn_forward(cairn_model *m, void *base, const cairn_state_layout *layout,
                                     const int32_t *tokens, uint32_t n, uint32_t pos,
                                     uint32_t flags, const volatile int32_t *cancel);

/* Context shift: drops positions [keep, keep + discard) from the K/V rows of every layer, in place.
 * Rows [keep + discard, n_past) move down to keep; the K cache holds rows after RoPE, so each moved
 * K row is rotated back by `discard` positions (computed in f32, stored as f16: the row RoPE would
 * write at its new position, to one f16 rounding); V rows move as they are. Rows
 * [n_past - discard, n_past) keep what they held (nothing reads rows past n_past; a caller that must
 * clear them zeroes them itself, as the actor host does at release). Logits are not touched (the
 * caller's last prediction stays usable), nor are token ids (the caller's). Returns CAIRN_E_ARG
 * unless discard >= 1 and keep + discard <= n_past <= layout->n_ctx, CAIRN_E_LAYOUT for a bad
 * layout; nothing is moved then. */
CAIRN_API cairn_status cairn_kv_shift(cairn_model *m, void *base, const cairn_state_layout *layout,
                                      uint32_t n_past, uint32_t keep, uint32_t discard);

/* Bytes the engine copied between caller memory and its own since the load: 0 unless a forward ran
 * with CAIRN_FORWARD_COPY_STATE (the in-place path copies nothing). */
CAIRN_API uint64_t     cairn_model_bytes_copied(const cairn_model *m);
/* Estimated bytes needed: mapped weights + KV for n_ctx + engine scratch. */
CAIRN_API uint64_t     cairn_model_estimate(const cairn_model *m, uint32_t n_ctx);

/* ---- hashing ---------------------------------------------------------------- */

/* XXH64 (seed 0), streaming: init, update with each piece in order, digest (any number of
 * times). The digest is the canonical form, big-endian, as `xxhsum -H1` prints it: the
 * data_xxh64 of a .cairn snapshot. The state is plain caller memory (no allocation). */
typedef struct { uint64_t v[4], total; uint8_t buf[32]; uint32_t nbuf, _pad; } cairn_xxh64;
CAIRN_API void cairn_xxh64_init  (cairn_xxh64 *s);
CAIRN_API void cairn_xxh64_update(cairn_xxh64 *s, const void *data, uint64_t len);
CAIRN_API void cairn_xxh64_digest(const cairn_xxh64 *s, uint8_t out[8]);

/* ---- file reads ------------------------------------------------------------- */

/* Reads the file bytes [file_off, file_off + Σ lengths) of fd into the (offset, length) regions
 * of base[0..base_size), in order; every range is checked first. With xxh64_out, the bytes read
 * are also hashed (as cairn_xxh64_regions would, on a helper thread that follows the read chunk
 * by chunk while the data is still in cache). For large reads into fresh memory another helper
 * faults the destination pages in ahead of the copy. CAIRN_E_IO / CAIRN_E_TRUNCATED on a failed
 * or short read (the regions are then partly written). POSIX only (CAIRN_E_ARG on Windows). */
CAIRN_API cairn_status cairn_read_file_regions(int32_t fd, uint64_t file_off, void *base, uint64_t base_size,
                                               const uint64_t *ranges, uint32_t n_ranges, uint8_t *xxh64_out);

/* Makes base[off, off + len) read as zeros and, where the OS allows (Linux: MADV_DONTNEED on the
 * whole pages inside the range), gives its physical pages back: resident memory drops at once.
 * For memory the caller owns and is done with (a released actor). */
CAIRN_API cairn_status cairn_discard_pages(void *base, uint64_t base_size, uint64_t off, uint64_t len);

/* ---- diagnostics ---------------------------------------------------------- */

/* Measures this machine's read bandwidth in bytes/second: n_threads threads sum a
 * `bytes`-sized buffer `reps` times in each of several read patterns (one linear stream per
 * thread, 4 and 8 interleaved streams) with the widest loads the CPU has; returns the fastest
 * pass. Used by the benchmark to express decode speed as a fraction of the memory-bandwidth
 * ceiling.
 * Returns 0 on allocation failure. */
CAIRN_API double       cairn_measure_read_bandwidth(uint64_t bytes, int32_t n_threads, int32_t reps);

#ifdef __cplusplus
}
#endif
#endif /* CAIRN_H */
