package dev.tangent.compute;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vector loops of {@link NetworkKernels} against plain scalar loops written here from their definitions, on odd
 * lengths (1, 7, 207, 1,031, 2,053: tails, one vector, several vectors, several 1,024-element blocks) and with zeros in
 * the inputs (the kink). The element-wise results are the same IEEE operations, so they must agree exactly; the sums
 * of squares and column sums differ only in summation order: 1e-12 (f64) and 1e-5 (f32, float lanes within a block)
 * relative to the sum of the absolute terms.
 */
class NetworkKernelsTest {
    private static final int[] SIZES = {1, 7, 207, 1031, 2053};
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private static double[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 5 == 0 ? 0.0 : r.nextDouble(-2, 2);
        }
        return v;
    }

    private static MemorySegment seg(Arena a, double[] v, boolean f32) {
        MemorySegment s = a.allocate((long) v.length * (f32 ? 4 : 8) + 8, 64).asSlice(f32 ? 4 : 8); // misaligned on purpose
        for (int i = 0; i < v.length; i++) {
            if (f32) {
                s.set(F, 4L * i, (float) v[i]);
            } else {
                s.set(D, 8L * i, v[i]);
            }
        }
        return s;
    }

    private static double get(MemorySegment s, int i, boolean f32) {
        return f32 ? s.get(F, 4L * i) : s.get(D, 8L * i);
    }

    @Test
    void elementwiseStepsEqualTheirDefinitions() {
        for (boolean f32 : new boolean[] {true, false}) {
            for (int n : SIZES) {
                try (Arena a = Arena.ofConfined()) {
                    double[] z = values(n, 1);
                    double[] b = values(n, 2);
                    double[] d = values(n, 3);
                    MemorySegment zs = seg(a, z, f32);
                    MemorySegment bs = seg(a, b, f32);
                    MemorySegment hs = seg(a, new double[n], f32);
                    MemorySegment ds = seg(a, d, f32);
                    if (f32) {
                        NetworkKernels.biasRelu32(n, zs, 0, bs, 0, hs, 0, 0.25f);
                        NetworkKernels.maskScale32(n, ds, 0, zs, 0, 3f);
                    } else {
                        NetworkKernels.biasRelu64(n, zs, 0, bs, 0, hs, 0, 0.25);
                        NetworkKernels.maskScale64(n, ds, 0, zs, 0, 3);
                    }
                    for (int i = 0; i < n; i++) {
                        double zi = f32 ? (float) ((float) z[i] + (float) b[i]) : z[i] + b[i];
                        double di = f32 ? (float) d[i] : d[i];
                        assertEquals(zi, get(zs, i, f32), 0.0, "z + b at " + i + " of " + n);
                        assertEquals(zi > 0 ? (f32 ? (float) zi * 0.25f : zi * 0.25) : 0.0, get(hs, i, f32), 0.0, "relu at " + i);
                        assertEquals(zi > 0 ? (f32 ? 3f * (float) di : 3 * di) : 0.0, get(ds, i, f32), 0.0, "mask at " + i);
                    }
                }
            }
        }
    }

    @Test
    void columnSumsAndOptimiserUpdatesEqualTheirDefinitions() {
        for (boolean f32 : new boolean[] {true, false}) {
            for (int n : SIZES) {
                try (Arena a = Arena.ofConfined()) {
                    int rows = 37;
                    double[] m = values(rows * n, 4);
                    MemorySegment ms = seg(a, m, f32);
                    double[] sums = new double[n];
                    if (f32) {
                        NetworkKernels.addColumnSums32(rows, n, ms, 0, n, sums);
                    } else {
                        NetworkKernels.addColumnSums64(rows, n, ms, 0, n, sums);
                    }
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        double abs = 0;
                        for (int i = 0; i < rows; i++) {
                            s += get(ms, i * n + j, f32);
                            abs += Math.abs(get(ms, i * n + j, f32));
                        }
                        assertEquals(s, sums[j], (f32 ? 1e-5 : 1e-12) * abs, "column " + j + " of " + n);
                    }
                    double[] th = values(n, 5);
                    double[] g = values(n, 6);
                    double[] st = values(n, 7);
                    double[] st2 = new double[n];
                    for (int i = 0; i < n; i++) {
                        st2[i] = Math.abs(st[i]);
                    }
                    // momentum
                    MemorySegment t1 = seg(a, th, f32);
                    MemorySegment acc = seg(a, st, f32);
                    double sq = f32 ? NetworkKernels.momentum32(n, t1, seg(a, g, f32), acc, 3f, 0.1f, 0.01f, 0.9f)
                            : NetworkKernels.momentum64(n, t1, seg(a, g, f32), acc, 3, 0.1, 0.01, 0.9);
                    double expectSq = 0;
                    double abs = 0;
                    for (int i = 0; i < n; i++) {
                        if (f32) {
                            float w = (float) th[i];
                            float gi = 3f * ((float) g[i] + 0.1f * w);
                            float ai = (float) st[i] * 0.9f + gi;
                            assertEquals(ai, get(acc, i, true), 0.0, "accum at " + i);
                            assertEquals(w - ai * 0.01f, get(t1, i, true), 0.0, "theta at " + i);
                            expectSq += (double) w * w;
                        } else {
                            double gi = 3 * (g[i] + 0.1 * th[i]);
                            double ai = st[i] * 0.9 + gi;
                            assertEquals(ai, get(acc, i, false), 0.0, "accum at " + i);
                            assertEquals(th[i] - ai * 0.01, get(t1, i, false), 0.0, "theta at " + i);
                            expectSq += th[i] * th[i];
                        }
                        abs += th[i] * th[i];
                    }
                    assertEquals(expectSq, sq, (f32 ? 1e-5 : 1e-12) * abs);
                    // Adam
                    MemorySegment t2 = seg(a, th, f32);
                    MemorySegment mm = seg(a, st, f32);
                    MemorySegment vv = seg(a, st2, f32);
                    if (f32) {
                        NetworkKernels.adam32(n, t2, seg(a, g, f32), mm, vv, 2f, 0.1f, 0.001f, 0.9f, 0.999f, 1e-8f);
                    } else {
                        NetworkKernels.adam64(n, t2, seg(a, g, f32), mm, vv, 2, 0.1, 0.001, 0.9, 0.999, 1e-8);
                    }
                    for (int i = 0; i < n; i++) {
                        if (f32) {
                            float w = (float) th[i];
                            float gi = 2f * ((float) g[i] + 0.1f * w);
                            float mi = (float) st[i] + (gi - (float) st[i]) * (1f - 0.9f);
                            float vi = (float) st2[i] + (gi * gi - (float) st2[i]) * (1f - 0.999f);
                            assertEquals(mi, get(mm, i, true), 0.0, "m at " + i);
                            assertEquals(vi, get(vv, i, true), 0.0, "v at " + i);
                            assertEquals(w - mi * 0.001f / ((float) Math.sqrt(vi) + 1e-8f), get(t2, i, true), 0.0, "theta at " + i);
                        } else {
                            double gi = 2 * (g[i] + 0.1 * th[i]);
                            double mi = st[i] + (gi - st[i]) * (1 - 0.9);
                            double vi = st2[i] + (gi * gi - st2[i]) * (1 - 0.999);
                            assertEquals(mi, get(mm, i, false), 0.0, "m at " + i);
                            assertEquals(vi, get(vv, i, false), 0.0, "v at " + i);
                            assertEquals(th[i] - mi * 0.001 / (Math.sqrt(vi) + 1e-8), get(t2, i, false), 0.0, "theta at " + i);
                        }
                    }
                }
            }
        }
    }
}
