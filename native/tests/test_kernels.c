/*
 * C tests of the bitnet4j kernels.
 *
 *   b4j_test --isa NAME    every kernel of variant NAME against (a) this file's own oracles, built from
 *                          the logical weights/trits (not from the library's decoders), and (b) the
 *                          library's scalar variant. Integer-derived results must match bit for bit;
 *                          float-weight GEMMs within a relative tolerance. Exit 77 (skip) if this CPU
 *                          cannot run NAME or it is not built for this target.
 *   b4j_test --fp16        the library's fp16 conversions against the compiler's _Float16.
 *   b4j_test --dispatch    ABI version, ISA list, b4j_set_isa.
 *   b4j_test --gguf DIR    every variant on the ternary tensors that bitnet.cpp / llama.cpp quantized
 *                          (DIR = shared/testdata/reference); skipped (77) when the files are absent.
 *   b4j_test --bench [ISA] rough single-thread timing of the GEMVs (not run by ctest).
 *
 * Buffers are allocated at their exact size (so ASan sees any overread) and weights at an odd address
 * (so any aligned load in a SIMD kernel faults or is caught).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitnet4j.h"

/* from native/src/common/fp16.c, compiled into this test */
float b4j_fp16_to_fp32(uint16_t h);
uint16_t b4j_fp32_to_fp16(float f);

static int g_failures;
static long g_checks;
static const char *g_isa;

#define FAIL(...) do { if (g_failures < 30) { fprintf(stderr, "FAIL [%s] ", g_isa); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } g_failures++; } while (0)

/* ---------------------------------------------------------------- random numbers */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd64(void) {
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static int rndi(int lo, int hi) { return lo + (int)(rnd64() % (uint64_t)(hi - lo + 1)); } /* inclusive */
static float rndf(void) { return (float)((rnd64() >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f; } /* [-1,1) */
static float rnd_normal(void) {
    float s = 0; for (int i = 0; i < 4; i++) s += rndf();
    return s;
}

/* ---------------------------------------------------------------- buffers */

typedef struct { uint8_t *base; void *p; } buf_t;
/* n bytes at a 64-byte-aligned address (odd = 0) or at 64k+1 (odd = 1), ending exactly at the end of
 * the allocation, so that ASan reports any read past the buffer */
static buf_t buf_alloc(size_t n, int odd) {
    buf_t b;
    void *base = NULL;
    if (posix_memalign(&base, 64, n + (size_t)(odd ? 1 : 0) + (n == 0)) != 0) { perror("posix_memalign"); exit(2); }
    b.base = (uint8_t *)base;
    b.p = b.base + (odd ? 1 : 0);
    return b;
}
static void buf_free(buf_t b) { free(b.base); }

/* ---------------------------------------------------------------- fp16 helpers (independent) */

static uint16_t h_from_f(float f) { _Float16 h = (_Float16)f; uint16_t u; memcpy(&u, &h, 2); return u; }
static float f_from_h(uint16_t u) { _Float16 h; memcpy(&h, &u, 2); return (float)h; }
static float f_from_bf(uint16_t u) { uint32_t x = (uint32_t)u << 16; float f; memcpy(&f, &x, 4); return f; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static int same_float(float a, float b) { return fbits(a) == fbits(b) || (a != a && b != b); }

/* ---------------------------------------------------------------- packers (from the header's layout text) */

/* codes[r*k + i] in {0,1,2,3} -> I2_S rows */
static void pack_i2s(const uint8_t *codes, int64_t rows, int64_t k, uint8_t *w) {
    memset(w, 0, (size_t)(rows * k / 4));
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < k; i++) {
            int64_t g = i / 128, j = i % 128;
            w[r * k / 4 + g * 32 + j % 32] |= (uint8_t)(codes[r * k + i] << (6 - 2 * (j / 32)));
        }
}

/* trits[r*k + i] in {0,1,2} (value trit-1), d per block -> TQ2_0 rows */
static void pack_tq2(const uint8_t *trits, const uint16_t *d, int64_t rows, int64_t k, uint8_t *w) {
    const int64_t nb = k / 256;
    memset(w, 0, (size_t)(rows * nb * 66));
    for (int64_t r = 0; r < rows; r++)
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *blk = w + (r * nb + b) * 66;
            for (int i = 0; i < 256; i++) {
                int half = i / 128, rem = i % 128, l = rem / 32, m = rem % 32;
                blk[half * 32 + m] |= (uint8_t)(trits[r * k + b * 256 + i] << (2 * l));
            }
            memcpy(blk + 64, &d[r * nb + b], 2);
        }
}

/* TQ1_0: base-3 digits, first element most significant, byte = ceil(v*256/243) (llama.cpp's encoder) */
static void pack_tq1(const uint8_t *trits, const uint16_t *d, int64_t rows, int64_t k, uint8_t *w) {
    const int64_t nb = k / 256;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *blk = w + (r * nb + b) * 54;
            const uint8_t *t = trits + r * k + b * 256;
            for (int m = 0; m < 32; m++) {
                unsigned v = 0;
                for (int n = 0; n < 5; n++) v = v * 3 + t[m + n * 32];
                blk[m] = (uint8_t)((v * 256 + 242) / 243);
            }
            for (int m = 0; m < 16; m++) {
                unsigned v = 0;
                for (int n = 0; n < 5; n++) v = v * 3 + t[160 + m + n * 16];
                blk[32 + m] = (uint8_t)((v * 256 + 242) / 243);
            }
            for (int j = 0; j < 4; j++) {
                unsigned v = 0;
                for (int n = 0; n < 4; n++) v = v * 3 + t[240 + j + n * 4];
                v *= 3;
                blk[48 + j] = (uint8_t)((v * 256 + 242) / 243);
            }
            memcpy(blk + 52, &d[r * nb + b], 2);
        }
}

/* Q8_K block writer from given qs and d; bsums computed here */
static void make_q8k(const int8_t *qs, const float *d, int64_t ntok, int64_t k, uint8_t *y) {
    const int64_t nb = k / 256;
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *blk = y + (t * nb + b) * 292;
            memcpy(blk, &d[t * nb + b], 4);
            memcpy(blk + 4, qs + t * k + b * 256, 256);
            for (int j = 0; j < 16; j++) {
                int16_t s = 0;
                for (int i = 0; i < 16; i++) s = (int16_t)(s + qs[t * k + b * 256 + j * 16 + i]);
                memcpy(blk + 4 + 256 + 2 * j, &s, 2);
            }
        }
}

/* ---------------------------------------------------------------- switching variants */

static void use(const char *isa) {
    if (b4j_set_isa(isa) != 0) { fprintf(stderr, "cannot switch to %s\n", isa); exit(2); }
}

/* Output buffers: ntok*stride floats filled with a sentinel; check that exactly [row0,row1) x ntok changed. */
#define SENTINEL 12345.678f
static float *out_alloc(int64_t ntok, int64_t stride) {
    float *o = (float *)malloc((size_t)(ntok * stride) * sizeof(float));
    for (int64_t i = 0; i < ntok * stride; i++) o[i] = SENTINEL;
    return o;
}
static void check_untouched(const char *what, const float *o, int64_t ntok, int64_t stride, int64_t row0, int64_t row1) {
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t r = 0; r < stride; r++)
            if ((r < row0 || r >= row1) && fbits(o[t * stride + r]) != fbits(SENTINEL)) {
                FAIL("%s: wrote outside the row range at t=%lld r=%lld", what, (long long)t, (long long)r);
                return;
            }
}
static void check_exact(const char *what, const float *got, const float *want, int64_t ntok, int64_t stride,
                        int64_t row0, int64_t row1) {
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t r = row0; r < row1; r++) {
            g_checks++;
            float g = got[t * stride + r], w = want[t * stride + r];
            if (!same_float(g, w)) {
                FAIL("%s: t=%lld r=%lld got %.9g want %.9g", what, (long long)t, (long long)r, g, w);
                return;
            }
        }
}

/* ---------------------------------------------------------------- quantize_i8 */

static void oracle_quantize_i8(const float *x, int64_t k, int8_t *q, float *s, int32_t *sum) {
    double mx = 1e-5;
    for (int64_t i = 0; i < k; i++) if (fabs((double)x[i]) > mx) mx = fabs((double)x[i]);
    float sc = (float)(127.0 / mx);
    int32_t su = 0;
    for (int64_t i = 0; i < k; i++) {
        float p = x[i] * sc;
        long v = lrintf(p); /* default rounding mode: to nearest, ties to even */
        if (v > 127) v = 127;
        if (v < -128) v = -128;
        q[i] = (int8_t)v;
        su += (int32_t)v;
    }
    *s = sc;
    *sum = su;
}

static void test_quantize_i8_case(const char *name, const float *x, int64_t ntok, int64_t k) {
    int8_t *q = malloc((size_t)(ntok * k)), *qo = malloc((size_t)k);
    float *s = malloc((size_t)ntok * 4);
    int32_t *su = malloc((size_t)ntok * 4);
    b4j_quantize_i8(x, ntok, k, q, s, su);
    for (int64_t t = 0; t < ntok; t++) {
        float so; int32_t suo;
        oracle_quantize_i8(x + t * k, k, qo, &so, &suo);
        g_checks++;
        if (!same_float(so, s[t]) || suo != su[t] || memcmp(qo, q + t * k, (size_t)k) != 0) {
            int64_t i = 0;
            while (i < k && qo[i] == q[t * k + i]) i++;
            FAIL("quantize_i8 %s k=%lld t=%lld: scale %.9g/%.9g sum %d/%d first q diff at %lld",
                 name, (long long)k, (long long)t, s[t], so, su[t], suo, (long long)i);
        }
    }
    free(q); free(qo); free(s); free(su);
}

static void test_quantize_i8(void) {
    const int64_t ks[] = {1, 7, 33, 128, 130, 256, 2560, 6912};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        const int64_t k = ks[ki];
        const int64_t ntok = 3;
        float *x = malloc((size_t)(ntok * k) * 4);
        for (int64_t i = 0; i < ntok * k; i++) x[i] = rnd_normal();
        test_quantize_i8_case("normal", x, ntok, k);
        for (int64_t i = 0; i < ntok * k; i++) x[i] = rnd_normal() * 1e30f;
        test_quantize_i8_case("huge", x, ntok, k);
        for (int64_t i = 0; i < ntok * k; i++) x[i] = rnd_normal() * 1e-7f; /* below the 1e-5 floor */
        test_quantize_i8_case("tiny", x, ntok, k);
        for (int64_t i = 0; i < ntok * k; i++) x[i] = 0.0f;
        test_quantize_i8_case("zero", x, ntok, k);
        for (int64_t i = 0; i < ntok * k; i++) x[i] = (i % 5 == 0) ? -3.0f : rnd_normal() * 0.01f; /* one dominant */
        test_quantize_i8_case("outlier", x, ntok, k);
        free(x);
    }
    /* ties: max 127 gives s = 1 exactly, so x = n + 0.5 tests the rounding rule (half to even) */
    {
        const int64_t k = 128;
        float x[128];
        for (int i = 0; i < k; i++) x[i] = (float)((i % 40) - 20) + 0.5f;
        x[0] = 127.0f;
        x[1] = -126.5f;
        int8_t q[128]; float s; int32_t su;
        b4j_quantize_i8(x, 1, k, q, &s, &su);
        g_checks++;
        if (s != 1.0f || q[1] != -126 || q[2] != -18 /* -17.5 -> -18 */ || q[3] != -16 /* -16.5 -> -16 */)
            FAIL("quantize_i8 ties: s=%g q1=%d q2=%d q3=%d", s, q[1], q[2], q[3]);
        test_quantize_i8_case("ties", x, 1, k);
    }
    /* zero vector: the 1e-5 floor gives s = 127/1e-5 and q = 0 */
    {
        float x[256] = {0}; int8_t q[256]; float s; int32_t su;
        b4j_quantize_i8(x, 1, 256, q, &s, &su);
        g_checks++;
        if (s != (float)(127.0 / 0.00001) || su != 0) FAIL("quantize_i8 zero: s=%g sum=%d", s, su);
    }
}

/* ---------------------------------------------------------------- quantize_q8_k */

static void oracle_q8k_block(const float *x, uint8_t *blk) {
    float amax = 0, mx = 0;
    for (int j = 0; j < 256; j++) if (fabsf(x[j]) > amax) { amax = fabsf(x[j]); mx = x[j]; }
    int8_t qs[256] = {0};
    int16_t bs[16] = {0};
    float d = 0;
    if (amax != 0) {
        float is = -127.f / mx;
        for (int j = 0; j < 256; j++) { long v = lrintf(is * x[j]); qs[j] = (int8_t)(v < 127 ? v : 127); }
        for (int j = 0; j < 16; j++) { int s = 0; for (int i = 0; i < 16; i++) s += qs[j * 16 + i]; bs[j] = (int16_t)s; }
        d = 1 / is;
    }
    memcpy(blk, &d, 4); memcpy(blk + 4, qs, 256); memcpy(blk + 260, bs, 32);
}

static void test_quantize_q8_k(void) {
    const int64_t ks[] = {256, 512, 2560, 6912};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        const int64_t k = ks[ki], ntok = 3, nb = k / 256;
        for (int kind = 0; kind < 5; kind++) {
            float *x = malloc((size_t)(ntok * k) * 4);
            for (int64_t i = 0; i < ntok * k; i++) {
                switch (kind) {
                case 0: x[i] = rnd_normal(); break;
                case 1: x[i] = rnd_normal() * 1e30f; break;
                case 2: x[i] = rnd_normal() * 1e-30f; break;
                case 3: x[i] = (i / 256) % 2 ? 0.0f : rnd_normal(); break; /* every other block all zero */
                default: x[i] = (float)rndi(-3, 3); break;                /* +a and -a ties: first wins */
                }
            }
            buf_t y = buf_alloc((size_t)(ntok * nb * 292), 0);
            memset(y.p, 0xAB, (size_t)(ntok * nb * 292));
            b4j_quantize_q8_k(x, ntok, k, y.p);
            uint8_t want[292];
            for (int64_t b = 0; b < ntok * nb; b++) {
                oracle_q8k_block(x + b * 256, want);
                g_checks++;
                if (memcmp(want, (uint8_t *)y.p + b * 292, 292) != 0) {
                    int i = 0; while (want[i] == ((uint8_t *)y.p)[b * 292 + i]) i++;
                    FAIL("quantize_q8_k kind=%d k=%lld block=%lld: first byte diff at %d", kind, (long long)k, (long long)b, i);
                    break;
                }
            }
            buf_free(y);
            free(x);
        }
    }
}

/* ---------------------------------------------------------------- quantize_q8_0 */

static void test_quantize_q8_0(void) {
    const int64_t ks[] = {32, 64, 2560, 6912};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        const int64_t k = ks[ki], ntok = 2, nb = k / 32;
        for (int kind = 0; kind < 3; kind++) {
            float *x = malloc((size_t)(ntok * k) * 4);
            for (int64_t i = 0; i < ntok * k; i++)
                x[i] = kind == 0 ? rnd_normal() : kind == 1 ? ((i / 32) % 3 ? rnd_normal() * 1e-3f : 0.0f)
                                                            : (float)rndi(-254, 254) * 0.5f;
            buf_t y = buf_alloc((size_t)(ntok * nb * 34), 0);
            b4j_quantize_q8_0(x, ntok, k, y.p);
            for (int64_t b = 0; b < ntok * nb; b++) {
                const float *xb = x + b * 32;
                float amax = 0;
                for (int j = 0; j < 32; j++) if (fabsf(xb[j]) > amax) amax = fabsf(xb[j]);
                /* ggml-cpu's x86 quantize_row_q8_0: id = 127/amax, half to even */
                float d = amax / 127, id = amax != 0.0f ? 127.f / amax : 0.0f;
                uint8_t want[34];
                uint16_t dh = h_from_f(d);
                memcpy(want, &dh, 2);
                for (int j = 0; j < 32; j++) want[2 + j] = (uint8_t)(int8_t)rintf(xb[j] * id);
                g_checks++;
                if (memcmp(want, (uint8_t *)y.p + b * 34, 34) != 0) {
                    FAIL("quantize_q8_0 kind=%d k=%lld block %lld differs", kind, (long long)k, (long long)b);
                    break;
                }
            }
            buf_free(y);
            free(x);
        }
    }
}

/* ---------------------------------------------------------------- I2_S + TL */

enum { W_RANDOM, W_RAW, W_MINUS, W_ZERO, W_PLUS };
static const char *wname[] = {"random", "raw-bytes", "all-1", "all0", "all+1"};
enum { A_RANDOM, A_MIN, A_MAX, A_ZERO };
static const char *aname[] = {"random", "all-128", "all127", "zero"};

static void fill_codes(uint8_t *codes, int64_t n, int wk) {
    for (int64_t i = 0; i < n; i++)
        codes[i] = (uint8_t)(wk == W_RANDOM ? rndi(0, 2) : wk == W_RAW ? rndi(0, 3) : wk == W_MINUS ? 0 : wk == W_ZERO ? 1 : 2);
}
static void fill_act(int8_t *a, int64_t n, int ak) {
    for (int64_t i = 0; i < n; i++)
        a[i] = (int8_t)(ak == A_RANDOM ? rndi(-128, 127) : ak == A_MIN ? -128 : ak == A_MAX ? 127 : 0);
}

static void test_i2s_case(int64_t k, int64_t rows, int64_t row0, int64_t row1, int64_t ntok, int wk, int ak) {
    const int64_t stride = rows + 3;
    uint8_t *codes = malloc((size_t)(rows * k));
    fill_codes(codes, rows * k, wk);
    buf_t w = buf_alloc((size_t)(rows * k / 4), 1);
    pack_i2s(codes, rows, k, (uint8_t *)w.p);
    buf_t act = buf_alloc((size_t)(ntok * k), 0);
    fill_act((int8_t *)act.p, ntok * k, ak);
    float *scales = malloc((size_t)ntok * 4);
    int32_t *sums = malloc((size_t)ntok * 4);
    for (int64_t t = 0; t < ntok; t++) {
        int32_t s = 0;
        for (int64_t i = 0; i < k; i++) s += ((int8_t *)act.p)[t * k + i];
        sums[t] = s;
        scales[t] = 127.0f / (0.5f + 4.0f * (rndf() + 1.0f));
    }
    const float w_scale = 0.75f + 0.5f * rndf();

    /* oracle: the exact integer dot of the logical codes, then bitnet.cpp's epilogue grouping:
     * ((float)dot - (float)sum) / act_scale * w_scale */
    float *want = out_alloc(ntok, stride);
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t r = row0; r < row1; r++) {
            int64_t dot = 0;
            for (int64_t i = 0; i < k; i++) dot += (int64_t)codes[r * k + i] * ((int8_t *)act.p)[t * k + i];
            want[t * stride + r] = ((float)(int32_t)dot - (float)sums[t]) / scales[t] * w_scale;
        }

    char what[160];
    snprintf(what, sizeof what, "gemm_i2s k=%lld rows=[%lld,%lld) ntok=%lld w=%s a=%s", (long long)k,
             (long long)row0, (long long)row1, (long long)ntok, wname[wk], aname[ak]);
    float *got = out_alloc(ntok, stride);
    b4j_gemm_i2s_i8((const uint8_t *)w.p, k, row0, row1, w_scale, (const int8_t *)act.p, scales, sums, ntok, got, stride);
    check_exact(what, got, want, ntok, stride, row0, row1);
    check_untouched(what, got, ntok, stride, row0, row1);

    free(codes); free(scales); free(sums); free(want); free(got);
    buf_free(w); buf_free(act);
}

static void test_i2s(void) {
    const int64_t ks[] = {128, 256, 384, 2560, 6912};
    const int64_t ntoks[] = {1, 2, 3, 7, 8, 9, 16};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        const int64_t k = ks[ki];
        const int big = k >= 2560;
        for (size_t ni = 0; ni < sizeof ntoks / sizeof ntoks[0]; ni++) {
            const int64_t nt = ntoks[ni];
            if (big && nt != 1 && nt != 9) continue;
            test_i2s_case(k, 16, 3, 10, nt, W_RANDOM, A_RANDOM);
            test_i2s_case(k, big ? 40 : 70, 0, big ? 40 : 70, nt, W_RAW, A_RANDOM);
        }
        for (int wk = W_MINUS; wk <= W_PLUS; wk++)
            for (int ak = A_RANDOM; ak <= A_ZERO; ak++) test_i2s_case(k, 33, 1, 33, big ? 1 : 3, wk, ak);
        test_i2s_case(k, 64, 33, 64, 2, W_RAW, A_MIN);
        test_i2s_case(k, 16, 5, 5, 2, W_RANDOM, A_RANDOM); /* empty row range: nothing written */
        test_i2s_case(k, 200, 37, 190, 1, W_RANDOM, A_RANDOM); /* several TL tile groups, ragged ends */
        test_i2s_case(k, 64, 31, 33, 1, W_RAW, A_RANDOM);
    }
}

/* ---------------------------------------------------------------- TQ2_0 / TQ1_0 */

static int g_tq_fused = 1;   /* the order test_tq_case checks: set per run by test_tq */

static void test_tq_case(int tq1, int64_t k, int64_t rows, int64_t row0, int64_t row1, int64_t ntok, int wk, int ak) {
    const int64_t nb = k / 256, stride = rows + 5;
    uint8_t *trits = malloc((size_t)(rows * k));
    for (int64_t i = 0; i < rows * k; i++)
        trits[i] = (uint8_t)(wk == W_MINUS ? 0 : wk == W_ZERO ? 1 : wk == W_PLUS ? 2 : rndi(0, 2));
    uint16_t *d = malloc((size_t)(rows * nb) * 2);
    for (int64_t i = 0; i < rows * nb; i++) d[i] = h_from_f((0.5f + rndf() * 0.25f) * (i % 7 == 3 ? -1.0f : 1.0f));
    const int64_t wbytes = rows * nb * (tq1 ? 54 : 66);
    buf_t w = buf_alloc((size_t)wbytes, 1);
    if (tq1) pack_tq1(trits, d, rows, k, (uint8_t *)w.p); else pack_tq2(trits, d, rows, k, (uint8_t *)w.p);
    int8_t *qs = malloc((size_t)(ntok * k));
    fill_act(qs, ntok * k, ak);
    float *dy = malloc((size_t)(ntok * nb) * 4);
    for (int64_t i = 0; i < ntok * nb; i++) dy[i] = (rndf() + 1.5f) * 0.01f;
    buf_t act = buf_alloc((size_t)(ntok * nb * 292), 0);
    make_q8k(qs, dy, ntok, k, (uint8_t *)act.p);

    /* oracle: llama.cpp's AVX2 order from the logical trits: per block 8 int lanes, lane L = Σ trit*q over
     * positions i with (i % 32) / 4 == L minus Σ q over [32L, 32L + 32); acc[L] = fma((float)lane, dy * dx,
     * acc[L]) when fused (gcc's contraction), else (float)lane * (dy * dx) + acc[L]; hsum_float_8 at the end */
    float *want = out_alloc(ntok, stride);
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t r = row0; r < row1; r++) {
            float acc[8] = {0};
            for (int64_t b = 0; b < nb; b++) {
                const int8_t *qb = qs + t * k + b * 256;
                const uint8_t *tb = trits + r * k + b * 256;
                const float db = dy[t * nb + b] * f_from_h(d[r * nb + b]);
                for (int L = 0; L < 8; L++) {
                    int32_t lane = 0;
                    for (int i = 0; i < 256; i++)
                        if ((i % 32) / 4 == L) lane += tb[i] * qb[i];
                    for (int i = 32 * L; i < 32 * L + 32; i++) lane -= qb[i];
                    if (g_tq_fused) acc[L] = fmaf((float)lane, db, acc[L]);
                    else { const float v = (float)lane * db; acc[L] = v + acc[L]; }
                }
            }
            want[t * stride + r] = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
        }
    char what[160];
    snprintf(what, sizeof what, "gemm_tq%d_0 k=%lld rows=[%lld,%lld) ntok=%lld w=%s a=%s", tq1 ? 1 : 2, (long long)k,
             (long long)row0, (long long)row1, (long long)ntok, wname[wk], aname[ak]);
    float *got = out_alloc(ntok, stride);
    if (tq1) b4j_gemm_tq1_0_q8_k((const uint8_t *)w.p, k, row0, row1, (const uint8_t *)act.p, ntok, got, stride, g_tq_fused);
    else b4j_gemm_tq2_0_q8_k((const uint8_t *)w.p, k, row0, row1, (const uint8_t *)act.p, ntok, got, stride, g_tq_fused);
    check_exact(what, got, want, ntok, stride, row0, row1);
    check_untouched(what, got, ntok, stride, row0, row1);

    /* arbitrary bytes (TQ1_0 bytes > 242, TQ2_0 code 3) and bsums that do not match qs (every variant
     * must use the stored bsums pair by pair): variant must still equal the scalar variant */
    for (int64_t i = 0; i < wbytes; i++) {
        int in_d = tq1 ? (i % 54) >= 52 : (i % 66) >= 64;
        if (!in_d) ((uint8_t *)w.p)[i] = (uint8_t)rnd64();
    }
    for (int64_t b = 0; b < ntok * nb; b++) {
        uint8_t *bs = (uint8_t *)act.p + b * 292 + 4 + 256;
        for (int j = 0; j < 16; j++) {
            int16_t v;
            memcpy(&v, bs + 2 * j, 2);
            v = (int16_t)(v + rndi(-300, 300));
            memcpy(bs + 2 * j, &v, 2);
        }
    }
    const char *isa = b4j_isa();
    float *ref = out_alloc(ntok, stride);
    use("scalar");
    if (tq1) b4j_gemm_tq1_0_q8_k((const uint8_t *)w.p, k, row0, row1, (const uint8_t *)act.p, ntok, ref, stride, g_tq_fused);
    else b4j_gemm_tq2_0_q8_k((const uint8_t *)w.p, k, row0, row1, (const uint8_t *)act.p, ntok, ref, stride, g_tq_fused);
    use(isa);
    if (tq1) b4j_gemm_tq1_0_q8_k((const uint8_t *)w.p, k, row0, row1, (const uint8_t *)act.p, ntok, got, stride, g_tq_fused);
    else b4j_gemm_tq2_0_q8_k((const uint8_t *)w.p, k, row0, row1, (const uint8_t *)act.p, ntok, got, stride, g_tq_fused);
    char w2[200];
    snprintf(w2, sizeof w2, "%s (raw bytes vs scalar)", what);
    check_exact(w2, got, ref, ntok, stride, row0, row1);

    free(trits); free(d); free(qs); free(dy); free(want); free(got); free(ref);
    buf_free(w); buf_free(act);
}

static void test_tq_order(void);

static void test_tq(void) {
    for (g_tq_fused = 1; g_tq_fused >= 0; g_tq_fused--) test_tq_order();
    g_tq_fused = 1;
}

static void test_tq_order(void) {
    const int64_t ks[] = {256, 512, 2560, 6912};
    const int64_t ntoks[] = {1, 2, 3, 7, 8, 9, 16};
    for (int tq1 = 0; tq1 <= 1; tq1++)
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            const int64_t k = ks[ki];
            const int big = k >= 2560;
            for (size_t ni = 0; ni < sizeof ntoks / sizeof ntoks[0]; ni++) {
                if (big && ntoks[ni] != 1 && ntoks[ni] != 9) continue;
                test_tq_case(tq1, k, 16, 3, 10, ntoks[ni], W_RANDOM, A_RANDOM);
            }
            for (int wk = W_MINUS; wk <= W_PLUS; wk++)
                for (int ak = A_RANDOM; ak <= A_ZERO; ak++) test_tq_case(tq1, k, 12, 0, 12, big ? 1 : 3, wk, ak);
            test_tq_case(tq1, k, 37, 1, 36, 2, W_RANDOM, A_MIN);
            test_tq_case(tq1, k, 12, 5, 5, 3, W_RANDOM, A_RANDOM); /* empty row range */
        }
    /* a very long row (520 blocks): kernels that stage per-block activation data take another path */
    for (int tq1 = 0; tq1 <= 1; tq1++) test_tq_case(tq1, 256 * 520, 3, 0, 3, 2, W_RANDOM, A_RANDOM);
}

/* ---------------------------------------------------------------- Q8_0 */

static void test_q8_0(void) {
    const int64_t ks[] = {32, 64, 2560, 6912};
    const int64_t ntoks[] = {1, 2, 3, 8, 9};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
        for (size_t ni = 0; ni < sizeof ntoks / sizeof ntoks[0]; ni++)
            for (int ak = A_RANDOM; ak <= A_MIN; ak++) {
                const int64_t k = ks[ki], nb = k / 32, ntok = ntoks[ni], rows = 13, row0 = 2, row1 = 13, stride = 15;
                buf_t w = buf_alloc((size_t)(rows * nb * 34), 1), a = buf_alloc((size_t)(ntok * nb * 34), 0);
                uint8_t *wp = (uint8_t *)w.p, *ap = (uint8_t *)a.p;
                for (int64_t b = 0; b < rows * nb; b++) {
                    uint16_t dh = h_from_f(rndf() * 0.01f);
                    memcpy(wp + b * 34, &dh, 2);
                    for (int j = 0; j < 32; j++) wp[b * 34 + 2 + j] = (uint8_t)rndi(-128, 127);
                }
                for (int64_t b = 0; b < ntok * nb; b++) {
                    uint16_t dh = h_from_f(rndf() * 0.1f);
                    memcpy(ap + b * 34, &dh, 2);
                    /* activations as b4j_quantize_q8_0 makes them: |q| <= 127 (weights may hold -128) */
                    for (int j = 0; j < 32; j++) ap[b * 34 + 2 + j] = (uint8_t)(ak == A_MIN ? -127 : rndi(-127, 127));
                }
                float *want = out_alloc(ntok, stride), *got = out_alloc(ntok, stride);
                for (int64_t t = 0; t < ntok; t++)
                    for (int64_t r = row0; r < row1; r++) {
                        /* llama.cpp's x86 order: eight lanes of four products, fused multiply-add per block */
                        float acc[8] = {0};
                        for (int64_t b = 0; b < nb; b++) {
                            const uint8_t *x = wp + (r * nb + b) * 34, *y = ap + (t * nb + b) * 34;
                            uint16_t xd, yd; memcpy(&xd, x, 2); memcpy(&yd, y, 2);
                            const float d = f_from_h(xd) * f_from_h(yd);
                            for (int l = 0; l < 8; l++) {
                                int lane = 0;
                                for (int j = 4 * l; j < 4 * l + 4; j++) lane += (int8_t)x[2 + j] * (int8_t)y[2 + j];
                                acc[l] = fmaf(d, (float)lane, acc[l]);
                            }
                        }
                        want[t * stride + r] = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
                    }
                b4j_gemm_q8_0_q8_0(wp, k, row0, row1, ap, ntok, got, stride);
                char what[120];
                snprintf(what, sizeof what, "gemm_q8_0 k=%lld ntok=%lld a=%s", (long long)k, (long long)ntok, aname[ak]);
                check_exact(what, got, want, ntok, stride, row0, row1);
                check_untouched(what, got, ntok, stride, row0, row1);
                free(want); free(got); buf_free(w); buf_free(a);
            }
}

/* ---------------------------------------------------------------- Q1_0 / Q2_0 x Q8_0 */

/* One case: every variant bit for bit against the scalar reference on the same bytes, which in turn must
 * agree with the logical weights (Σ value*y*dy in double, to float rounding) so that the layout is checked
 * independently of the float order. wk: W_RANDOM raw bits/codes with random d, W_ZERO zero scales,
 * W_PLUS d = +inf in one block; ak: activation bytes (A_MIN = all -128, which negates to itself). */
static void test_q12_case(int q2, int64_t k, int64_t rows, int64_t row0, int64_t row1, int64_t ntok, int wk, int ak) {
    const int64_t qk = q2 ? 64 : 128, nb = k / qk, nab = k / 32, stride = rows + 3;
    buf_t w = buf_alloc((size_t)(rows * nb * 18), 1), a = buf_alloc((size_t)(ntok * nab * 34), 0);
    uint8_t *wp = (uint8_t *)w.p, *ap = (uint8_t *)a.p;
    for (int64_t b = 0; b < rows * nb; b++) {
        uint16_t dh = h_from_f(wk == W_ZERO ? 0.0f : rndf() * 0.05f);
        if (wk == W_PLUS && b == 1) dh = 0x7c00;
        memcpy(wp + b * 18, &dh, 2);
        for (int j = 0; j < 16; j++) wp[b * 18 + 2 + j] = (uint8_t)rndi(0, 255);
    }
    for (int64_t b = 0; b < ntok * nab; b++) {
        uint16_t dh = h_from_f(rndf() * 0.1f);
        memcpy(ap + b * 34, &dh, 2);
        for (int j = 0; j < 32; j++)
            ap[b * 34 + 2 + j] = (uint8_t)(ak == A_RANDOM ? rndi(-128, 127) : ak == A_MIN ? -128 : ak == A_MAX ? 127 : 0);
    }
    char what[120];
    snprintf(what, sizeof what, "gemm_q%d_0 k=%lld ntok=%lld rows=[%lld,%lld) w=%d a=%d", q2 ? 2 : 1, (long long)k,
             (long long)ntok, (long long)row0, (long long)row1, wk, ak);
    const char *isa = b4j_isa();
    float *want = out_alloc(ntok, stride), *got = out_alloc(ntok, stride);
    use("scalar");
    if (q2) b4j_gemm_q2_0_q8_0(wp, k, row0, row1, ap, ntok, want, stride);
    else b4j_gemm_q1_0_q8_0(wp, k, row0, row1, ap, ntok, want, stride);
    use(isa);
    if (q2) b4j_gemm_q2_0_q8_0(wp, k, row0, row1, ap, ntok, got, stride);
    else b4j_gemm_q1_0_q8_0(wp, k, row0, row1, ap, ntok, got, stride);
    check_exact(what, got, want, ntok, stride, row0, row1);
    check_untouched(what, got, ntok, stride, row0, row1);
    if (wk != W_PLUS)
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t r = row0; r < row1; r++) {
                double exact = 0, mag = 0;
                for (int64_t i = 0; i < k; i++) {
                    const uint8_t *x = wp + (r * nb + i / qk) * 18, *y = ap + (t * nab + i / 32) * 34;
                    uint16_t xd, yd; memcpy(&xd, x, 2); memcpy(&yd, y, 2);
                    const int j = (int)(i % qk);
                    int v = q2 ? ((x[2 + j / 4] >> (2 * (j % 4))) & 3) - 1 : ((x[2 + j / 8] >> (j % 8)) & 1) ? 1 : -1;
                    int yq = (int8_t)y[2 + i % 32];
                    if (!q2 && v < 0 && yq == -128) { v = 1; } /* the int8 negation of -128 is -128 */
                    const double p = (double)v * yq * f_from_h(xd) * f_from_h(yd);
                    exact += p; mag += fabs(p);
                }
                g_checks++;
                if (fabs(want[t * stride + r] - exact) > 1e-5 * mag + 1e-30)
                    FAIL("%s: t=%lld r=%lld scalar %.9g, logical weights give %.9g", what, (long long)t, (long long)r,
                         want[t * stride + r], exact);
            }
    free(want); free(got); buf_free(w); buf_free(a);
}

static void test_q12(void) {
    const int64_t ks[] = {128, 384, 1152, 4096};
    const int64_t ntoks[] = {1, 2, 3, 5, 9};
    for (int q2 = 0; q2 <= 1; q2++)
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            const int64_t k = q2 && ks[ki] == 1152 ? 1344 : ks[ki]; /* Q2_0: 21 blocks, an odd count */
            for (size_t ni = 0; ni < sizeof ntoks / sizeof ntoks[0]; ni++) {
                test_q12_case(q2, k, 13, 2, 13, ntoks[ni], W_RANDOM, A_RANDOM);
                test_q12_case(q2, k, 7, 1, 6, ntoks[ni], W_RANDOM, A_RANDOM);
            }
            /* enough rows for the wide GEMV paths (8 rows for Q1_0, 16 for Q2_0 on AVX-512) plus a remainder */
            test_q12_case(q2, k, 40, 3, 40, 1, W_RANDOM, A_RANDOM);
            test_q12_case(q2, k, 35, 0, 32, 4, W_RANDOM, A_RANDOM);
            for (int ak = A_RANDOM; ak <= A_ZERO; ak++) test_q12_case(q2, k, 17, 0, 17, 1, W_RANDOM, ak);
            test_q12_case(q2, k, 16, 0, 16, 1, W_ZERO, A_RANDOM);
            if (k >= 256) test_q12_case(q2, k, 18, 1, 18, 1, W_PLUS, A_RANDOM);
            for (int ak = A_RANDOM; ak <= A_ZERO; ak++) test_q12_case(q2, k, 6, 0, 6, 2, W_RANDOM, ak);
            test_q12_case(q2, k, 6, 0, 6, 3, W_ZERO, A_RANDOM);
            if (k >= 256) test_q12_case(q2, k, 5, 0, 5, 2, W_PLUS, A_RANDOM);
            test_q12_case(q2, k, 9, 4, 4, 3, W_RANDOM, A_RANDOM); /* empty row range */
        }
}

/* ---------------------------------------------------------------- float weights */

/* The header's float gemm order, written out independently: slot i % S an fma chain over the full chunks,
 * the reduction, then the vec_dot tail (f32: float fma; f16: float products in double). */
static float halving(const float *x, int w);

static float oracle_float_dot(int dot, int f16, const float *w, const float *x, int64_t k) {
    const int w8 = dot == B4J_DOT_TINYBLAS16 || dot == B4J_DOT_VEC16 ? 16 : 8;
    int vec = dot == B4J_DOT_VEC8 || dot == B4J_DOT_VEC16;
    if (!vec && k % w8 != 0) vec = 1;   /* tinyBLAS declines: ggml's vec_dot of the same width */
    const int64_t S = vec ? 4 * w8 : w8, full = vec ? k - k % S : k;
    float s[64] = {0}, x16[16];
    for (int64_t i = 0; i < full; i++) s[i % S] = fmaf(w[i], x[i], s[i % S]);
    float r;
    if (vec) {
        for (int l = 0; l < w8; l++) x16[l] = (s[l] + s[2 * w8 + l]) + (s[w8 + l] + s[3 * w8 + l]);
        r = w8 == 8 ? ((x16[0] + x16[4]) + (x16[1] + x16[5])) + ((x16[2] + x16[6]) + (x16[3] + x16[7])) : halving(x16, 16);
    } else {
        r = halving(s, w8);
    }
    if (f16) {
        double d = r;
        for (int64_t i = full; i < k; i++) d += (double)(w[i] * x[i]);
        return (float)d;
    }
    for (int64_t i = full; i < k; i++) r = fmaf(w[i], x[i], r);
    return r;
}

static void test_float_case(int kind /* 0 f32, 1 f16, 2 bf16 */, int64_t k, int64_t ntok, int special, int dot) {
    const int64_t rows = 11, row0 = 2, row1 = 11, stride = 13;
    const size_t esz = kind == 0 ? 4 : 2;
    buf_t w = buf_alloc((size_t)(rows * k) * esz, 0);
    float *wf = malloc((size_t)(rows * k) * 4);
    for (int64_t i = 0; i < rows * k; i++) {
        float v = special == 1 ? 1.0f : special == 2 ? rndf() * 6e-5f /* f16 subnormals */ : rndf();
        if (kind == 0) { ((float *)w.p)[i] = v; wf[i] = v; }
        else if (kind == 1) { uint16_t h = h_from_f(v); ((uint16_t *)w.p)[i] = h; wf[i] = f_from_h(h); }
        else { uint32_t u = fbits(v); uint16_t h = (uint16_t)(u >> 16); ((uint16_t *)w.p)[i] = h; wf[i] = f_from_bf(h); }
    }
    buf_t x = buf_alloc((size_t)(ntok * k) * 4, 0);
    float *xp = (float *)x.p;
    for (int64_t i = 0; i < ntok * k; i++) xp[i] = special == 1 ? (i % 2 ? 1e4f : -1e4f) : rnd_normal();
    float *got = out_alloc(ntok, stride);
    if (kind == 0) b4j_gemm_f32((const float *)w.p, k, row0, row1, xp, ntok, got, stride, dot);
    else if (kind == 1) b4j_gemm_f16((const uint16_t *)w.p, k, row0, row1, xp, ntok, got, stride, dot);
    else b4j_gemm_bf16((const uint16_t *)w.p, k, row0, row1, xp, ntok, got, stride);
    static const char *kn[] = {"f32", "f16", "bf16"};
    char what[100];
    snprintf(what, sizeof what, "gemm_%s k=%lld ntok=%lld special=%d dot=%d", kn[kind], (long long)k, (long long)ntok,
             special, dot);
    if (kind < 2) {
        float *want = out_alloc(ntok, stride);
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t r = row0; r < row1; r++)
                want[t * stride + r] = oracle_float_dot(dot, kind == 1, wf + r * k, xp + t * k, k);
        check_exact(what, got, want, ntok, stride, row0, row1);
        free(want);
    } else {
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t r = row0; r < row1; r++) {
                double exact = 0, mag = 0;
                for (int64_t i = 0; i < k; i++) {
                    double p = (double)wf[r * k + i] * xp[t * k + i];
                    exact += p; mag += fabs(p);
                }
                double err = fabs((double)got[t * stride + r] - exact);
                g_checks++;
                if (!(err <= 3e-5 * mag + 1e-30)) {
                    FAIL("%s: t=%lld r=%lld got %.9g want %.9g (rel err %.3g)", what, (long long)t, (long long)r,
                         got[t * stride + r], exact, err / (mag > 0 ? mag : 1));
                    break;
                }
            }
        check_untouched(what, got, ntok, stride, row0, row1);
    }
    free(got); free(wf); buf_free(w); buf_free(x);
}

static void test_float(void) {
    const int64_t ks[] = {1, 7, 16, 33, 64, 72, 256, 2560};
    const int64_t ntoks[] = {1, 2, 3, 8, 9};
    for (int dot = B4J_DOT_TINYBLAS8; dot <= B4J_DOT_VEC16; dot++)
        for (int kind = 0; kind < 3; kind++)
            for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
                for (size_t ni = 0; ni < sizeof ntoks / sizeof ntoks[0]; ni++)
                    test_float_case(kind, ks[ki], ntoks[ni], 0, dot);
    for (int dot = B4J_DOT_TINYBLAS8; dot <= B4J_DOT_VEC16; dot++) {
        for (int kind = 0; kind < 3; kind++) {
            test_float_case(kind, 6912, 1, 0, dot);
            test_float_case(kind, 2560, 3, 1, dot); /* exact cancellation: the sum is 0 */
        }
        test_float_case(1, 256, 2, 2, dot);
    }
}

/* ---------------------------------------------------------------- attention */

static float ld_h(const void *base, int64_t i) { uint16_t u; memcpy(&u, (const uint8_t *)base + 2 * i, 2); return f_from_h(u); }
static float ld_f(const void *base, int64_t i) { float f; memcpy(&f, (const uint8_t *)base + 4 * i, 4); return f; }

/* ggml_v_expf's AVX2 polynomial for one lane, as ggml writes it (vec.h), for the eight-lane order. */
static float oracle_ggml_expf(float x) {
    const float r = 0x1.8p23f, z = fmaf(x, 0x1.715476p+0f, r), n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    uint32_t zb; memcpy(&zb, &z, 4);
    const uint32_t e = zb << 23, kb = e + 0x3f800000u;
    float k; memcpy(&k, &kb, 4);
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         0x1.ffffecp-1f * b);
    if (!(fabsf(n) > 126)) return fmaf(j, k, k);
    const uint32_t d = n <= 0 ? 0x82000000u : 0, s1b = d + 0x7f000000u, s2b = e - d;
    float s1, s2; memcpy(&s1, &s1b, 4); memcpy(&s2, &s2b, 4);
    return fabsf(n) > 192 ? s1 * s1 : fmaf(s2, j, s2) * s1;
}

/* ggml_v_expf's AVX-512 polynomial for one lane (ggml.c of bitnet.cpp's fork): the constant in the last fma,
 * then _mm512_scalef_ps (j * 2^n, one rounding); 0 / inf past |n| > 192 */
static float oracle_expf512(float x) {
    const float r = 0x1.8p23f, z = fmaf(x, 0x1.715476p+0f, r), n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    if (fabsf(n) > 192) return n <= 0 ? 0.0f : INFINITY;
    return (float)((double)j * exp2((double)n));   /* exact in double, one rounding to float (normal range) */
}

/* a w-lane register summed by halving: tinyBLAS's hsum, _mm512_reduce_add_ps */
static float halving(const float *x, int w) {
    float y[16];
    memcpy(y, x, (size_t)w * sizeof(float));
    for (int h = w / 2; h >= 1; h /= 2)
        for (int i = 0; i < h; i++) y[i] += y[i + h];
    return y[0];
}

/* The header's dots on float vectors a, b of n elements. kind: 'T' tinyBLAS, 'V' ggml_vec_dot_f16; w lanes. */
static float oracle_dot(char kind, int w, const float *a, const float *b, int64_t n) {
    const int64_t slots = kind == 'T' ? w : 4 * w, np = kind == 'T' ? n : n - n % slots;
    float s[64] = {0}, x[16];
    for (int64_t i = 0; i < np; i++) s[i % slots] = fmaf(a[i], b[i], s[i % slots]);
    float r;
    if (kind == 'T') {
        r = halving(s, w);
    } else {
        for (int l = 0; l < w; l++) x[l] = (s[l] + s[2 * w + l]) + (s[w + l] + s[3 * w + l]);
        r = w == 8 ? ((x[0] + x[4]) + (x[1] + x[5])) + ((x[2] + x[6]) + (x[3] + x[7])) : halving(x, 16);
    }
    double sum = r;
    for (int64_t i = np; i < n; i++) sum += (double)(a[i] * b[i]);
    return (float)sum;
}

/* The header's formula, written out here independently of the library. order: B4J_ATTN_*. */
static void oracle_attention(const float *q, const void *kc, const void *vc, int f16, int64_t hs, int64_t kvh_n,
                             int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1, int order, float *out) {
    const int64_t q_dim = kvh_n * group * hs, kv_dim = kvh_n * hs;
    const int bitnet = order == B4J_ATTN_BITNET_CPP_BATCH || order == B4J_ATTN_BITNET_CPP_SINGLE;
    const int w = bitnet ? 16 : 8;
    const char qk_kind = order == B4J_ATTN_TINYBLAS && hs % 8 == 0 ? 'T' : 'V';
    const char pv_kind = order == B4J_ATTN_TINYBLAS || order == B4J_ATTN_BITNET_CPP_BATCH ? 'T' : 'V';
    const int rw = f16 && order != B4J_ATTN_BITNET_CPP_BATCH;
    const int64_t pad = bitnet ? 32 : 256;
    for (int64_t row = row0; row < row1; row++) {
        const int64_t t = row / kvh_n, h = row % kvh_n, len = pos0 + t + 1;
        /* the engines' padded KV length: masked positions weigh 0 (and add nothing to any sum) */
        const int64_t n_kv = (len + pad - 1) / pad * pad;
        float *qv = malloc((size_t)hs * 4), *kv = malloc((size_t)hs * 4), *p = calloc((size_t)n_kv, 4), *vv = calloc((size_t)n_kv, 4);
        for (int64_t g = 0; g < group; g++) {
            const float *qh = q + t * q_dim + (h * group + g) * hs;
            for (int64_t i = 0; i < hs; i++) qv[i] = f16 ? f_from_h(h_from_f(qh[i])) : qh[i];
            for (int64_t j = 0; j < len; j++) {
                for (int64_t i = 0; i < hs; i++) kv[i] = f16 ? ld_h(kc, j * kv_dim + h * hs + i) : ld_f(kc, j * kv_dim + h * hs + i);
                p[j] = oracle_dot(qk_kind, w, qv, kv, hs) * scale;
            }
            float mx = -INFINITY;
            for (int64_t j = 0; j < len; j++) if (p[j] > mx) mx = p[j];
            double S = 0;
            for (int64_t j0 = 0; j0 < len; j0 += w) {
                float blk[16] = {0};
                for (int l = 0; l < w && j0 + l < len; l++)
                    blk[l] = p[j0 + l] = bitnet ? oracle_expf512(p[j0 + l] - mx) : oracle_ggml_expf(p[j0 + l] - mx);
                S += (double)halving(blk, w);
            }
            const float inv = (float)(1.0 / S);
            for (int64_t j = 0; j < len; j++) { p[j] = p[j] * inv; if (rw) p[j] = f_from_h(h_from_f(p[j])); }
            float *o = out + t * q_dim + (h * group + g) * hs;
            for (int64_t i = 0; i < hs; i++) {
                for (int64_t j = 0; j < len; j++)
                    vv[j] = f16 ? ld_h(vc, j * kv_dim + h * hs + i) : ld_f(vc, j * kv_dim + h * hs + i);
                o[i] = oracle_dot(pv_kind, w, p, vv, n_kv);
            }
        }
        free(qv); free(kv); free(p); free(vv);
    }
}

static void test_attention_case(int f16, int64_t hs, int64_t kvh_n, int64_t group, int64_t pos0, int64_t ntok,
                                int64_t row0, int64_t row1, int order, float qmag) {
    const int64_t q_dim = kvh_n * group * hs, kv_dim = kvh_n * hs, ctx = pos0 + ntok;
    const size_t esz = f16 ? 2 : 4;
    buf_t q = buf_alloc((size_t)(ntok * q_dim) * 4, 0);
    buf_t k = buf_alloc((size_t)(ctx * kv_dim) * esz, 1), v = buf_alloc((size_t)(ctx * kv_dim) * esz, 1);
    const int64_t t_max = (row1 - 1) / kvh_n;
    buf_t scratch = buf_alloc((size_t)((group + 1) * hs + group * (pos0 + t_max + 1) + 64 * group * hs + 64) * 4, 0);
    for (int64_t i = 0; i < ntok * q_dim; i++) ((float *)q.p)[i] = rnd_normal() * qmag;
    for (int64_t i = 0; i < ctx * kv_dim; i++) {
        float a = rnd_normal(), b = rnd_normal();
        if (f16) {
            uint16_t ha = h_from_f(a), hb = h_from_f(b);
            memcpy((uint8_t *)k.p + 2 * i, &ha, 2);
            memcpy((uint8_t *)v.p + 2 * i, &hb, 2);
        } else {
            memcpy((uint8_t *)k.p + 4 * i, &a, 4);
            memcpy((uint8_t *)v.p + 4 * i, &b, 4);
        }
    }
    const float scale = 1.0f / sqrtf((float)hs);
    float *got = out_alloc(ntok, q_dim), *want = out_alloc(ntok, q_dim);
    b4j_attention((const float *)q.p, k.p, v.p, f16, hs, kvh_n, group, scale, pos0, row0, row1, order, (float *)scratch.p, got);
    oracle_attention((const float *)q.p, k.p, v.p, f16, hs, kvh_n, group, scale, pos0, row0, row1, order, want);
    char what[160];
    snprintf(what, sizeof what, "attention %s hs=%lld kvh=%lld group=%lld pos0=%lld ntok=%lld rows=[%lld,%lld) order=%d",
             f16 ? "f16" : "f32", (long long)hs, (long long)kvh_n, (long long)group, (long long)pos0, (long long)ntok,
             (long long)row0, (long long)row1, order);
    /* every element, written or not: unwritten ones must still be the sentinel in both */
    check_exact(what, got, want, 1, ntok * q_dim, 0, ntok * q_dim);
    free(got); free(want); buf_free(q); buf_free(k); buf_free(v); buf_free(scratch);
}

static void test_attention(void) {
    static const int64_t hss[] = {8, 24, 40, 64, 80, 128};
    static const int64_t groups[] = {1, 2, 3, 4, 5, 8};
    for (int order = B4J_ATTN_BITNET_CPP_BATCH; order <= B4J_ATTN_GGML_VEC_DOT; order++)
        for (int f16 = 0; f16 < 2; f16++)
            for (size_t hi = 0; hi < sizeof hss / sizeof hss[0]; hi++)
                for (size_t gi = 0; gi < sizeof groups / sizeof groups[0]; gi++) {
                    const int64_t kvh = 1 + (int64_t)((hi + gi) % 3);
                    test_attention_case(f16, hss[hi], kvh, groups[gi], 0, 1, 0, kvh, order, 1.0f);
                    test_attention_case(f16, hss[hi], kvh, groups[gi], 37, 1, 0, kvh, order, 1.0f);
                    test_attention_case(f16, hss[hi], kvh, groups[gi], 70, 1, 0, kvh, order, 1.0f);  /* a P·V tail past 64 */
                    test_attention_case(f16, hss[hi], kvh, groups[gi], 5, 4, 1, 4 * kvh, order, 1.0f);
                }
    for (int order = B4J_ATTN_BITNET_CPP_BATCH; order <= B4J_ATTN_GGML_VEC_DOT; order++) {
        test_attention_case(1, 128, 5, 4, 200, 3, 0, 15, order, 1.0f);   /* the 2B-4T shape */
        test_attention_case(1, 128, 8, 4, 300, 1, 0, 8, order, 1.0f);    /* the Qwen3-8B shape, one token */
        test_attention_case(1, 128, 5, 4, 0, 16, 3, 77, order, 1.0f);    /* a prompt chunk, partial row range */
        test_attention_case(1, 64, 2, 2, 50, 2, 0, 4, order, 30.0f);     /* large scores: softmax near one-hot */
        test_attention_case(1, 64, 2, 2, 50, 2, 0, 4, order, 0.0f);      /* equal scores: uniform weights */
        test_attention_case(0, 64, 2, 2, 50, 2, 0, 4, order, 30.0f);
        test_attention_case(1, 36, 3, 2, 21, 2, 0, 6, order, 2.0f);      /* head size with a tail past eight */
    }
}

/* ---------------------------------------------------------------- non-finite input */

/* NaN / Inf activations: results are unspecified, but every quantizer must terminate and stay inside
 * its buffers (ASan build), for each position of the bad value within a vector / block. */
static void test_nonfinite(void) {
    const int64_t k = 512;
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    buf_t x = buf_alloc((size_t)k * 4, 0), q = buf_alloc((size_t)k, 0), y = buf_alloc(2 * 292, 0), y0 = buf_alloc(16 * 34, 0);
    float scale; int32_t sum;
    static const int64_t positions[] = {0, 1, 7, 8, 15, 16, 31, 37, 100, 247, 248, 255, 256, 300, 504, 511};
    for (int b = 0; b < 3; b++)
        for (size_t pi = 0; pi < sizeof positions / sizeof positions[0]; pi++) {
            const int64_t pos = positions[pi];
            float *xp = (float *)x.p;
            for (int64_t i = 0; i < k; i++) xp[i] = rnd_normal();
            xp[pos] = bad[b];
            b4j_quantize_i8(xp, 1, k, (int8_t *)q.p, &scale, &sum);
            b4j_quantize_q8_k(xp, 1, k, y.p);
            b4j_quantize_q8_0(xp, 1, k, y0.p);
            g_checks++;
        }
    buf_free(x); buf_free(q); buf_free(y); buf_free(y0);
}

/* ---------------------------------------------------------------- modes */

/* ---------------------------------------------------------------- real files from the reference engines */

/* Just enough GGUF to find tensors: the reference files of ../shared/testdata/reference were quantized
 * by bitnet.cpp's and llama.cpp's own llama-quantize, and every ternary weight there is exactly
 * (1/32) * t with t in {-1, 0, +1}, also stored in an F32 file. So the kernels run on the engines'
 * own I2_S / TQ2_0 / TQ1_0 bytes must give exactly the integer dot of t recovered from F32. */
typedef struct { char name[96]; uint32_t type; int64_t ne0, ne1; const uint8_t *data; } gg_tensor;
typedef struct { uint8_t *buf; size_t len; int ntensors; gg_tensor t[128]; } gg_file;

static uint64_t rd64(const uint8_t **p) { uint64_t v; memcpy(&v, *p, 8); *p += 8; return v; }
static uint32_t rd32(const uint8_t **p) { uint32_t v; memcpy(&v, *p, 4); *p += 4; return v; }
static void skip_value(const uint8_t **p, uint32_t type) {
    static const int sz[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (type == 8) { uint64_t n = rd64(p); *p += n; return; }
    if (type == 9) {
        uint32_t et = rd32(p); uint64_t n = rd64(p);
        for (uint64_t i = 0; i < n; i++) skip_value(p, et);
        return;
    }
    *p += sz[type];
}
static int gg_load(const char *path, gg_file *f) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    fseek(fp, 0, SEEK_END);
    f->len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->buf = malloc(f->len);
    if (fread(f->buf, 1, f->len, fp) != f->len) { fclose(fp); return -1; }
    fclose(fp);
    const uint8_t *p = f->buf;
    if (memcmp(p, "GGUF", 4) != 0) return -1;
    p += 4;
    rd32(&p); /* version */
    uint64_t nt = rd64(&p), nkv = rd64(&p);
    uint32_t align = 32;
    for (uint64_t i = 0; i < nkv; i++) {
        uint64_t kl = rd64(&p);
        const char *key = (const char *)p;
        p += kl;
        uint32_t type = rd32(&p);
        if (kl == 17 && memcmp(key, "general.alignment", 17) == 0 && type == 4) { align = rd32(&p); continue; }
        skip_value(&p, type);
    }
    if (nt > 128) return -1;
    f->ntensors = (int)nt;
    uint64_t offs[128];
    for (uint64_t i = 0; i < nt; i++) {
        gg_tensor *t = &f->t[i];
        uint64_t nl = rd64(&p);
        snprintf(t->name, sizeof t->name, "%.*s", (int)nl, (const char *)p);
        p += nl;
        uint32_t nd = rd32(&p);
        t->ne0 = t->ne1 = 1;
        for (uint32_t d = 0; d < nd; d++) { uint64_t ne = rd64(&p); if (d == 0) t->ne0 = (int64_t)ne; else t->ne1 *= (int64_t)ne; }
        t->type = rd32(&p);
        offs[i] = rd64(&p);
    }
    size_t data = (size_t)(p - f->buf);
    data = (data + align - 1) / align * align;
    for (uint64_t i = 0; i < nt; i++) f->t[i].data = f->buf + data + offs[i];
    return 0;
}
static const gg_tensor *gg_find(const gg_file *f, const char *name) {
    for (int i = 0; i < f->ntensors; i++) if (strcmp(f->t[i].name, name) == 0) return &f->t[i];
    return NULL;
}

enum { GG_F32 = 0, GG_TQ1_0 = 34, GG_TQ2_0 = 35, GG_I2_S = 36 };

/* Check every ternary tensor of qpath against the F32 twin in fpath; returns the number of tensors checked. */
static int check_gguf_pair(const char *dir, const char *qname, const char *fname) {
    char qpath[1024], fpath[1024];
    snprintf(qpath, sizeof qpath, "%s/%s", dir, qname);
    snprintf(fpath, sizeof fpath, "%s/%s", dir, fname);
    gg_file *q = calloc(1, sizeof *q), *f = calloc(1, sizeof *f);
    if (gg_load(qpath, q) != 0 || gg_load(fpath, f) != 0) { FAIL("cannot read %s or %s", qpath, fpath); return 0; }
    int checked = 0;
    for (int i = 0; i < q->ntensors; i++) {
        const gg_tensor *tq = &q->t[i];
        if (tq->type != GG_I2_S && tq->type != GG_TQ2_0 && tq->type != GG_TQ1_0) continue;
        const gg_tensor *tf = gg_find(f, tq->name);
        if (!tf || tf->type != GG_F32 || tf->ne0 != tq->ne0 || tf->ne1 != tq->ne1) { FAIL("%s: no F32 twin of %s", qname, tq->name); continue; }
        const int64_t k = tq->ne0, rows = tq->ne1, ntok = 3;
        const float *wf = (const float *)(const void *)tf->data;
        /* the logical ternary weights: the F32 values are exactly t / 32 */
        int8_t *t = malloc((size_t)(rows * k));
        for (int64_t j = 0; j < rows * k; j++) {
            float v = wf[j] * 32.0f;
            t[j] = (int8_t)lrintf(v);
            if (v != (float)t[j] || t[j] < -1 || t[j] > 1) { FAIL("%s %s: weight %lld is not t/32", fname, tq->name, (long long)j); break; }
        }
        int8_t *qa = malloc((size_t)(ntok * k));
        fill_act(qa, ntok * k, A_RANDOM);
        float *got = out_alloc(ntok, rows);
        float *want = out_alloc(ntok, rows);
        if (tq->type == GG_I2_S) {
            float wscale;
            memcpy(&wscale, tq->data + rows * k / 4, 4);
            g_checks++;
            if (wscale != 1.0f / 32) FAIL("%s %s: I2_S scale %g, expected 1/32", qname, tq->name, wscale);
            float scales[3] = {1.0f, 1.0f, 1.0f};
            int32_t sums[3];
            for (int64_t tt = 0; tt < ntok; tt++) {
                int32_t su = 0;
                for (int64_t j = 0; j < k; j++) su += qa[tt * k + j];
                sums[tt] = su;
            }
            b4j_gemm_i2s_i8(tq->data, k, 0, rows, 1.0f, qa, scales, sums, ntok, got, rows);
            for (int64_t tt = 0; tt < ntok; tt++)
                for (int64_t r = 0; r < rows; r++) {
                    int32_t dot = 0;
                    for (int64_t j = 0; j < k; j++) dot += t[r * k + j] * qa[tt * k + j];
                    want[tt * rows + r] = (float)dot;
                }
        } else {
            const int64_t nb = k / 256, bb = tq->type == GG_TQ2_0 ? 66 : 54;
            float *dy = malloc((size_t)(ntok * nb) * 4);
            for (int64_t j = 0; j < ntok * nb; j++) dy[j] = 1.0f;
            uint8_t *y = malloc((size_t)ntok * (size_t)nb * 292u);
            make_q8k(qa, dy, ntok, k, y);
            if (tq->type == GG_TQ2_0) b4j_gemm_tq2_0_q8_k(tq->data, k, 0, rows, y, ntok, got, rows, 1);
            else b4j_gemm_tq1_0_q8_k(tq->data, k, 0, rows, y, ntok, got, rows, 1);
            for (int64_t tt = 0; tt < ntok; tt++)
                for (int64_t r = 0; r < rows; r++) {
                    float sumf = 0;
                    for (int64_t b = 0; b < nb; b++) {
                        uint16_t dh;
                        memcpy(&dh, tq->data + (r * nb + b) * bb + bb - 2, 2);
                        g_checks++;
                        if (f_from_h(dh) != 1.0f / 32) { FAIL("%s %s: block scale %g", qname, tq->name, f_from_h(dh)); break; }
                        int32_t sumi = 0;
                        for (int j = 0; j < 256; j++) sumi += t[r * k + b * 256 + j] * qa[tt * k + b * 256 + j];
                        sumf += (float)sumi * (f_from_h(dh) * 1.0f);
                    }
                    want[tt * rows + r] = sumf;
                }
            free(dy); free(y);
        }
        char what[200];
        snprintf(what, sizeof what, "%s %s (%lldx%lld)", qname, tq->name, (long long)rows, (long long)k);
        check_exact(what, got, want, ntok, rows, 0, rows);
        free(t); free(qa); free(got); free(want);
        checked++;
    }
    free(q->buf); free(f->buf); free(q); free(f);
    return checked;
}

static int run_gguf(const char *dir) {
    g_isa = "gguf";
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/tiny-bitnet-b1.58-i2_s.gguf", dir);
    FILE *fp = fopen(probe, "rb");
    if (!fp) { printf("skip: no reference files in %s\n", dir); return 77; }
    fclose(fp);
    char list[256];
    snprintf(list, sizeof list, "%s", b4j_supported_isas());
    for (char *isa = strtok(list, ","); isa; isa = strtok(NULL, ",")) {
        use(isa);
        g_isa = isa;
        int n = check_gguf_pair(dir, "tiny-bitnet-b1.58-i2_s.gguf", "tiny-bitnet-b1.58-f32.gguf");    /* bitnet.cpp I2_S */
        n += check_gguf_pair(dir, "tiny-bitnet-b1.58-tq2_0.gguf", "tiny-bitnet-b1.58-f32.gguf");      /* bitnet.cpp TQ2_0 */
        n += check_gguf_pair(dir, "tiny-bitnet-tq2_0.gguf", "tiny-bitnet-f32.gguf");                  /* llama.cpp TQ2_0 */
        n += check_gguf_pair(dir, "tiny-bitnet-tq1_0.gguf", "tiny-bitnet-f32.gguf");                  /* llama.cpp TQ1_0 */
        printf("[%s] %d reference tensors checked\n", isa, n);
        if (n != 4 * 28) FAIL("expected 112 ternary tensors, checked %d", n);
    }
    printf("[gguf] %ld checks, %d failures\n", g_checks, g_failures);
    return g_failures ? 1 : 0;
}

static int contains_isa(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
    return 0;
}

static int run_isa(const char *isa) {
    g_isa = isa;
    if (!contains_isa(b4j_supported_isas(), isa)) {
        printf("skip: %s not supported here (supported: %s)\n", isa, b4j_supported_isas());
        return 77;
    }
    use(isa);
    test_quantize_i8();
    test_quantize_q8_k();
    test_quantize_q8_0();
    test_i2s();
    test_tq();
    test_q8_0();
    test_q12();
    test_float();
    test_attention();
    test_nonfinite();
    printf("[%s] %ld checks, %d failures\n", isa, g_checks, g_failures);
    return g_failures ? 1 : 0;
}

static int run_fp16(void) {
    g_isa = "fp16";
    for (uint32_t u = 0; u < 65536; u++) {
        float a = b4j_fp16_to_fp32((uint16_t)u), b = f_from_h((uint16_t)u);
        g_checks++;
        if (!same_float(a, b)) FAIL("fp16->fp32 %04x: %g vs %g", u, a, b);
    }
    for (long i = 0; i < 4000000; i++) {
        uint32_t u;
        if (i < 2000000) u = (uint32_t)rnd64();
        else u = (uint32_t)((i & 1 ? 0x80000000u : 0) | (0x33000000u + (uint32_t)(rnd64() % (0x47800000u - 0x33000000u))));
        float f; memcpy(&f, &u, 4);
        uint16_t a = b4j_fp32_to_fp16(f), b = h_from_f(f);
        g_checks++;
        if (a != b && !(f != f)) FAIL("fp32->fp16 %08x: %04x vs %04x", u, a, b);
        if (f != f && (a & 0x7c00) != 0x7c00) FAIL("fp32->fp16 NaN %08x gave %04x", u, a);
    }
    printf("[fp16] %ld checks, %d failures\n", g_checks, g_failures);
    return g_failures ? 1 : 0;
}

static int run_dispatch(void) {
    g_isa = "dispatch";
    const char *list = b4j_supported_isas();
    printf("supported: %s, active: %s\n", list, b4j_isa());
    if (b4j_abi_version() != B4J_ABI_VERSION) FAIL("abi version %d", b4j_abi_version());
    size_t n = strlen(list);
    if (n < 6 || strcmp(list + n - 6, "scalar") != 0) FAIL("scalar is not last in %s", list);
    if (strncmp(list, b4j_isa(), strlen(b4j_isa())) != 0) FAIL("active %s is not the best of %s", b4j_isa(), list);
    if (b4j_set_isa("no-such-isa") != -1) FAIL("set_isa accepted a bogus name");
    if (b4j_set_isa(NULL) != -1) FAIL("set_isa accepted NULL");
    if (b4j_set_isa("scalar") != 0 || strcmp(b4j_isa(), "scalar") != 0) FAIL("set_isa(scalar)");
    /* set by ctest where the (emulated) CPU is known: the variant chosen at load must be this one */
    const char *best = getenv("B4J_EXPECT_BEST");
    if (best && strncmp(list, best, strlen(best)) != 0) FAIL("expected %s to be chosen, got %s", best, list);
    return g_failures ? 1 : 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Rough single-thread timings on the 2560 x 6912 shape (BitNet b1.58 2B FFN down). NCOPY copies of the
 * weights are cycled through so that GEMVs stream from DRAM as in a real forward pass, not from L3. */
#define NCOPY 12
/* minimum over reps calls (the machine may be shared: the minimum is the least disturbed run) */
#define TIME_MIN(result, reps, stmt)                                          \
    do {                                                                      \
        double best_ = 1e30;                                                  \
        for (int i = 0; i < (reps); i++) {                                    \
            const double t_ = now_s();                                        \
            stmt;                                                             \
            const double d_ = now_s() - t_;                                   \
            if (d_ < best_) best_ = d_;                                       \
        }                                                                     \
        (result) = best_;                                                     \
    } while (0)
static void bench_isa(const char *isa) {
    if (b4j_set_isa(isa) != 0) return;
    const int64_t rows = 2560, k = 6912, nb = k / 256;
    const size_t i2s_bytes = (size_t)(rows * k / 4), tq2_bytes = (size_t)(rows * nb * 66), tq1_bytes = (size_t)(rows * nb * 54);
    uint8_t *w[NCOPY], *w2[NCOPY], *w1[NCOPY];
    for (int c = 0; c < NCOPY; c++) {
        w[c] = malloc(i2s_bytes); w2[c] = malloc(tq2_bytes); w1[c] = malloc(tq1_bytes);
        for (size_t i = 0; i < i2s_bytes; i++) w[c][i] = (uint8_t)(rnd64() & 0xAA); /* codes 0/2 */
        for (size_t i = 0; i < tq2_bytes; i++) w2[c][i] = (uint8_t)(i % 66 == 65 ? 0x20 : (rnd64() & 0x55));
        for (size_t i = 0; i < tq1_bytes; i++) w1[c][i] = (uint8_t)(i % 54 == 53 ? 0x20 : rnd64());
    }
    int8_t *a = malloc((size_t)(16 * k));
    for (int64_t i = 0; i < 16 * k; i++) a[i] = (int8_t)rndi(-127, 127);
    float *xf = malloc((size_t)(16 * k) * 4);
    for (int64_t i = 0; i < 16 * k; i++) xf[i] = rnd_normal();
    uint8_t *y = malloc((size_t)(16 * nb * 292));
    b4j_quantize_q8_k(xf, 16, k, y);
    float sc[16]; int32_t su[16];
    for (int i = 0; i < 16; i++) { sc[i] = 1.0f; su[i] = 0; }
    float *out = malloc((size_t)(16 * rows) * 4);
    const int reps = strcmp(isa, "scalar") == 0 ? NCOPY : 8 * NCOPY;
    double gemv, gemm16, tq2, tq1;
    TIME_MIN(gemv, reps, b4j_gemm_i2s_i8(w[i % NCOPY], k, 0, rows, 1.0f, a, sc, su, 1, out, rows));
    TIME_MIN(gemm16, reps / 4, b4j_gemm_i2s_i8(w[i % NCOPY], k, 0, rows, 1.0f, a, sc, su, 16, out, rows));
    TIME_MIN(tq2, reps, b4j_gemm_tq2_0_q8_k(w2[i % NCOPY], k, 0, rows, y, 1, out, rows, 1));
    TIME_MIN(tq1, reps, b4j_gemm_tq1_0_q8_k(w1[i % NCOPY], k, 0, rows, y, 1, out, rows, 1));
    printf("%-11s %lldx%lld  I2_S gemv %.3f ms (%.1f GB/s) | 16-token gemm %.3f ms/token"
           " | TQ2_0 gemv %.3f ms | TQ1_0 gemv %.3f ms\n",
           isa, (long long)rows, (long long)k, gemv * 1e3, i2s_bytes / gemv * 1e-9, gemm16 * 1e3 / 16,
           tq2 * 1e3, tq1 * 1e3);
    for (int c = 0; c < NCOPY; c++) { free(w[c]); free(w2[c]); free(w1[c]); }
    free(a); free(xf); free(y); free(out);
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--isa") == 0) return run_isa(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "--fp16") == 0) return run_fp16();
    if (argc >= 2 && strcmp(argv[1], "--dispatch") == 0) return run_dispatch();
    if (argc >= 3 && strcmp(argv[1], "--gguf") == 0) return run_gguf(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "--bench") == 0) {
        if (argc >= 3) { bench_isa(argv[2]); return 0; }
        char list[256];
        snprintf(list, sizeof list, "%s", b4j_supported_isas());
        for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) bench_isa(s);
        return 0;
    }
    fprintf(stderr, "usage: %s --isa NAME | --fp16 | --dispatch | --gguf DIR | --bench [ISA]\n", argv[0]);
    return 2;
}
