/* TL (LUT) weight layout: sizes and the one-time repacking from I2_S. The layout (see internal.h) is
 * the same for every ISA variant, so these functions are not dispatched. */
#include "internal.h"

int64_t b4j_tl_packed_size(int64_t rows, int64_t k) {
    const int64_t tiles = (rows + B4J_TL_ROWS - 1) / B4J_TL_ROWS;
    return tiles * B4J_TL_TILE_BYTES(k);
}

int64_t b4j_tl_lut_size(int64_t k) {
    return (k / 8) * B4J_TL_LUT_BLOCK_BYTES;
}

static inline int i2s_code(const uint8_t *wr, int64_t i) {
    const uint8_t b = wr[(i / B4J_QK_I2S) * B4J_I2S_GROUP_BYTES + (i % 32)];
    return (b >> (6 - 2 * ((i % B4J_QK_I2S) / 32))) & 3;
}

void b4j_tl_pack(const uint8_t *w_i2s, int64_t rows, int64_t k, uint8_t *packed) {
    memset(packed, 0, (size_t)b4j_tl_packed_size(rows, k));
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *wr = w_i2s + r * (k / 4);
        uint8_t *tile = packed + (r / B4J_TL_ROWS) * B4J_TL_TILE_BYTES(k);
        const int j = (int)(r % B4J_TL_ROWS);
        const int shift = j >= 16 ? 4 : 0;
        for (int64_t p = 0; p < k / 2; p++) {
            const int n = (i2s_code(wr, 2 * p) << 2) | i2s_code(wr, 2 * p + 1);
            tile[p * 16 + (j & 15)] |= (uint8_t)(n << shift);
        }
    }
}
