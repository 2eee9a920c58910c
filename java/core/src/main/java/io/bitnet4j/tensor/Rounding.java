package io.bitnet4j.tensor;

/** C's roundf/lroundf: round half away from zero (Java's Math.round rounds half up, which differs at −x.5). */
final class Rounding {
    private Rounding() {}

    /** lroundf(v) for |v| < 2^31; NaN → 0. Exact: |v| + 0.5 is exact in double for any float below 2^29. */
    static int roundf(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -a : a);
    }
}
