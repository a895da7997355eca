package dev.tangent.data.rng;

import dev.tangent.TangentException;

/**
 * A bit-exact port of numpy's legacy {@code RandomState} (spec §11.2): MT19937 seeded by {@code init_genrand}, the
 * 53-bit doubles of {@code random_sample}, the polar Box–Muller {@code gauss} with its cached second value,
 * {@code standard_exponential}, and the masked rejection of {@code randint}/{@code choice}.
 *
 * <p>Every method advances the one stream exactly as the numpy call named in its comment does, so interleaved calls
 * reproduce a numpy script that makes the same calls in the same order. The Gaussian cache survives the other
 * methods, as in numpy. Not thread-safe.
 */
public final class NumpyRandom {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] key = new int[N];
    private int pos;
    private boolean hasGauss;
    private double gauss;

    /**
     * Which logarithm the Gaussian and exponential draws use: the C library's (as numpy) or, where it cannot be
     * linked, a correctly rounded Java one that differs from glibc's in about 4 draws in 10 000.
     */
    public static String logSource() {
        return SystemLog.source();
    }

    /** {@code np.random.RandomState(seed)}: seeds 0 .. 2³² − 1, as numpy accepts. */
    public NumpyRandom(long seed) {
        if (seed < 0 || seed > 0xFFFFFFFFL) {
            throw new TangentException("seed " + seed + " is out of range: numpy's legacy RandomState takes 0 .. 4294967295");
        }
        int s = (int) seed;
        for (int i = 0; i < N; i++) {
            key[i] = s;
            s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
        }
        pos = N;
    }

    private void generate() {
        int i = 0;
        for (; i < N - M; i++) {
            int y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
            key[i] = key[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
        }
        for (; i < N - 1; i++) {
            int y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
            key[i] = key[i + (M - N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
        }
        int y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
        key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
        pos = 0;
    }

    private int next32() {
        if (pos == N) {
            generate();
        }
        int y = key[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** The next tempered 32-bit output, unsigned (numpy: {@code randint(0, 2**32, dtype=np.uint64)}). */
    public long nextInt32() {
        return next32() & 0xFFFFFFFFL;
    }

    /** Two 32-bit outputs, the first in the high half (numpy's {@code mt19937_next64}). */
    private long next64() {
        long hi = nextInt32();
        return hi << 32 | nextInt32();
    }

    /** A double in [0, 1) with 53 random bits ({@code random_sample}). */
    public double nextDouble() {
        int a = next32() >>> 5;
        int b = next32() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** A standard normal ({@code standard_normal}): polar Box–Muller, the second value cached for the next call. */
    public double nextGaussian() {
        if (hasGauss) {
            hasGauss = false;
            double g = gauss;
            gauss = 0.0;
            return g;
        }
        double x1;
        double x2;
        double r2;
        do {
            x1 = 2.0 * nextDouble() - 1.0;
            x2 = 2.0 * nextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.sqrt(-2.0 * SystemLog.log(r2) / r2);
        gauss = f * x1;
        hasGauss = true;
        return f * x2;
    }

    /** Fills {@code out} in index order ({@code standard_normal(size)} in C order). */
    public void fillGaussian(double[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = nextGaussian();
        }
    }

    /** An exponential with scale 1 ({@code standard_exponential}): −ln(1 − U). */
    public double nextExponential() {
        return -SystemLog.log(1.0 - nextDouble());
    }

    /**
     * An integer uniform on [0, n) ({@code randint(0, n)}, int64): with m = n − 1 and mask the smallest 2ᵏ − 1 ≥ m,
     * draws are masked and rejected while above m, 32-bit draws when m &lt; 2³², 64-bit draws otherwise; n = 1 draws
     * nothing.
     */
    public long nextBounded(long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("nextBounded needs n >= 1, found " + n);
        }
        long max = n - 1;
        if (max == 0) {
            return 0;
        }
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        mask |= mask >>> 32;
        long v;
        if (max <= 0xFFFFFFFFL) {
            do {
                v = nextInt32() & mask;
            } while (v > max);
        } else {
            do {
                v = next64() & mask;
            } while (v > max);
        }
        return v;
    }

    /** {@code choice(n, size)} with replacement and uniform weights: {@code size} draws of {@link #nextBounded}. */
    public int[] choice(int n, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("choice needs size >= 0, found " + size);
        }
        if (n <= 0 && size > 0) {
            throw new IllegalArgumentException("choice from " + n + " items: need at least one unless no samples are taken");
        }
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = (int) nextBounded(n);
        }
        return out;
    }
}
