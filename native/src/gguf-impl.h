/* gguf-impl.h — the GGUF reader's parsed structures and typed getters for the engine
 * (model.c, tokenizer). The public, index-based accessors are in cairn.h.
 *
 * Everything here is filled and validated by cairn_gguf_open*: once a handle exists,
 * every tensor lies inside the file, is aligned, does not overlap another, and has a
 * type the engine implements; every metadata value has been bounds-checked.
 */
#ifndef CAIRN_GGUF_IMPL_H
#define CAIRN_GGUF_IMPL_H

#include "cairn-impl.h"

/* Reader caps (RELIABILITY.md). */
#define CAIRN_GGUF_MAX_TENSORS    65536u
#define CAIRN_GGUF_MAX_KV         65536u
#define CAIRN_GGUF_MAX_KEY        256u                    /* bytes                         */
#define CAIRN_GGUF_MAX_STRING     (1u << 20)              /* bytes of one string value     */
#define CAIRN_GGUF_MAX_ARRAY      (1u << 28)              /* elements of one array         */
#define CAIRN_GGUF_MAX_METADATA   (256ull << 20)          /* bytes of the key/value section */
#define CAIRN_GGUF_MAX_NAME       63u                     /* bytes of a tensor name        */
#define CAIRN_GGUF_MAX_DIMS       4u
#define CAIRN_GGUF_MAX_ALIGNMENT  65536u
#define CAIRN_GGUF_DEFAULT_ALIGNMENT 32u

typedef struct cairn_gguf_tensor {
    const char    *name;       /* NUL-terminated, 1..63 bytes, valid UTF-8              */
    uint32_t       name_len;
    int32_t        type;       /* cairn_type, weight_ok                                  */
    uint32_t       n_dims;     /* 1..4                                                   */
    uint32_t       _pad;
    uint64_t       ne[4];      /* elements per dim, ne[0] fastest; unused dims are 1     */
    uint64_t       n_elements; /* product of ne (fits int64)                             */
    uint64_t       offset;     /* absolute byte offset of the data in the file           */
    uint64_t       size;       /* bytes of data                                          */
    const uint8_t *data;       /* base + offset                                          */
} cairn_gguf_tensor;

typedef struct cairn_gguf_kv {
    const char    *key;        /* NUL-terminated, 1..256 bytes, valid UTF-8              */
    uint32_t       key_len;
    int32_t        type;       /* cairn_gguf_type                                        */
    int32_t        arr_type;   /* element type when type == ARRAY, else -1               */
    uint32_t       _pad;
    uint64_t       n;          /* ARRAY: element count; STRING: byte length              */
    union { uint64_t u; int64_t i; double f; } v; /* scalar value (BOOL as 0/1)          */
    const uint8_t *p;          /* STRING: bytes; ARRAY: first element (in the mapping)   */
    char          *str;        /* STRING: NUL-terminated copy (may contain inner NULs)   */
    uint32_t      *str_offs;   /* ARRAY of STRING: offset from p of element j's u64 len  */
} cairn_gguf_kv;

struct cairn_gguf {
    const uint8_t     *base;       /* file bytes                                  */
    uint64_t           size;
    void              *map;        /* mmap base (NULL for memory / empty files)   */
    size_t             map_len;
    uint8_t           *owned;      /* heap copy (platforms without mmap)          */
    void              *arena_map;  /* anonymous copy of the tensor data (or NULL) */
    size_t             arena_map_len;
    char               label[160]; /* file name for messages, or "<memory>"       */
    uint32_t           version;
    uint32_t           alignment;
    uint64_t           data_offset;
    int64_t            n_kv;
    int64_t            n_tensors;
    cairn_gguf_kv     *kv;
    uint64_t           kv_cap;     /* slots allocated in kv                        */
    cairn_gguf_tensor *tensors;
    char              *names;      /* storage for keys and tensor names           */
    int32_t           *kv_hash;    /* open addressing, index + 1, 0 = empty       */
    int32_t           *t_hash;
    uint32_t           kv_hash_mask, t_hash_mask;
};

/* Moves the tensor data of a file-mapped handle into anonymous memory: copies the data section
 * (window by window, dropping each window's file pages from the mapping after its copy, so the
 * process never holds both copies), then points every tensor at its copy; with `huge`, asks for
 * transparent huge pages (*huge_ok says whether madvise accepted). The bytes are the ones the
 * reader validated, unchanged. CAIRN_E_ARG if the handle is not a mapped file (or is already
 * copied, or this is not Linux); CAIRN_E_NOMEM if the memory cannot be had (nothing changed). */
/* `run(arg, fn, ctx)`, when given, calls fn(ctx, ith, nth) on nth threads and returns when all
 * are done (the engine's thread pool); without it one thread copies. */
typedef void (*cairn_gguf_run_fn)(void *arg, void (*fn)(void *ctx, int ith, int nth), void *ctx);
cairn_status cairn_gguf_copy_data(cairn_gguf *g, bool huge, cairn_gguf_run_fn run, void *arg, bool *huge_ok);

/* Parsed entries by index; NULL if out of range. */
const cairn_gguf_tensor *cairn_gguf_tensor_at(const cairn_gguf *g, int64_t t);
const cairn_gguf_kv     *cairn_gguf_kv_at    (const cairn_gguf *g, int64_t i);
/* Entries by name; NULL if absent. */
const cairn_gguf_tensor *cairn_gguf_tensor_by_name(const cairn_gguf *g, const char *name);
const cairn_gguf_kv     *cairn_gguf_kv_by_key     (const cairn_gguf *g, const char *key);
/* Name of a metadata value type ("uint32", "array") or "unknown". */
const char              *cairn_gguf_type_name(int32_t type);

/* Typed getters for the loader. All return CAIRN_OK or CAIRN_E_HPARAMS with a message
 * naming the file, the key and the value's actual type.
 *   _req : the key must exist.  _opt : an absent key gives dflt (a present key of the
 *   wrong type is still an error).
 *   u32  : any integer type whose value fits in uint32.
 *   f32  : F32, F64 (finite, in float range) or any integer type.
 *   bool : BOOL only.
 *   str  : STRING; *s is NUL-terminated and owned by the handle, *len its byte length
 *          (absent with _opt: *s = NULL, *len = 0). */
cairn_status cairn_gguf_get_u32_req (const cairn_gguf *g, const char *key, uint32_t *out);
cairn_status cairn_gguf_get_u32_opt (const cairn_gguf *g, const char *key, uint32_t dflt, uint32_t *out);
cairn_status cairn_gguf_get_f32_req (const cairn_gguf *g, const char *key, float *out);
cairn_status cairn_gguf_get_f32_opt (const cairn_gguf *g, const char *key, float dflt, float *out);
cairn_status cairn_gguf_get_bool_opt(const cairn_gguf *g, const char *key, bool dflt, bool *out);
cairn_status cairn_gguf_get_str_req (const cairn_gguf *g, const char *key, const char **s, uint64_t *len);
cairn_status cairn_gguf_get_str_opt (const cairn_gguf *g, const char *key, const char **s, uint64_t *len);
/* An ARRAY whose elements have type elem_type (-1 = any); *kv receives the entry,
 * or NULL when absent (_opt). */
cairn_status cairn_gguf_get_arr_req (const cairn_gguf *g, const char *key, int32_t elem_type, const cairn_gguf_kv **kv);
cairn_status cairn_gguf_get_arr_opt (const cairn_gguf *g, const char *key, int32_t elem_type, const cairn_gguf_kv **kv);
/* Element j of a string array (bounds-checked): pointer into the mapping and its length;
 * false if kv is not a string array or j is out of range. */
bool         cairn_gguf_arr_str_at  (const cairn_gguf_kv *kv, uint64_t j, const uint8_t **s, uint64_t *len);

#endif
