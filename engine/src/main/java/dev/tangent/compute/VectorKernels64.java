package dev.tangent.compute;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API loops of the Java backend in double precision. {@code VectorKernels32} is the same file in single
 * precision (generated from this one by scripts/gen-f32.sh; edit this file, then regenerate).
 *
 * <p>All offsets are in bytes, all strides in elements. The GEMM core computes C = alpha·A·Bᵀ + beta·C with A (m×k) and
 * B (n×k) row-major, i.e. every output is a dot product of two contiguous rows: a 4×3 register block keeps twelve
 * vector accumulators (the CPU has two FMA pipes), loads each A and B vector once per step, and reduces the lanes once
 * per block. B is walked in panels that stay in L2; k is split in blocks that keep the seven rows in L1.
 */
final class VectorKernels64 {
    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int ES = 8;
    static final ValueLayout.OfDouble E = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Rows of B per L2 panel. */
    static final int NC = 96;
    /** Elements of k per L1 block. */
    static final int KC = 768;
    /** Lane rotations by L/2, L/4, …, 1: the steps of {@link #sum}. */
    private static final VectorShuffle<Double>[] FOLDS = folds();

    private VectorKernels64() {
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Double>[] folds() {
        VectorShuffle<Double>[] f = new VectorShuffle[Integer.numberOfTrailingZeros(L)];
        for (int s = 0, h = L / 2; h > 0; s++, h /= 2) {
            f[s] = VectorShuffle.iota(S, h, 1, true);
        }
        return f;
    }

    /**
     * The sum of v's lanes in a fixed order: lane i plus lane i + L/2, then the same on the lower half, down to one lane.
     * Not {@code reduceLanes(ADD)}, whose order is unspecified (the interpreter adds the lanes in turn, C2 pairwise): a
     * GEMM gives the same bits whether or not the JIT has compiled it yet.
     */
    static double sum(DoubleVector v) {
        for (VectorShuffle<Double> f : FOLDS) {
            v = v.add(v.rearrange(f));
        }
        return v.lane(0);
    }

    /** C[0..m)[0..n) = alpha·A·Bᵀ + beta·C for row-major A (m×k, stride lda), B (n×k, stride ldb). */
    static void gemmNT(int m, int n, int k, double alpha, MemorySegment a, long aOff, long lda,
                       MemorySegment b, long bOff, long ldb, double beta, MemorySegment c, long cOff, long ldc) {
        if (k == 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            double bt = p0 == 0 ? beta : 1;
            long aO = aOff + (long) p0 * ES;
            long bO = bOff + (long) p0 * ES;
            for (int j0 = 0; j0 < n; j0 += NC) {
                int jEnd = Math.min(n, j0 + NC);
                int i = 0;
                for (; i + 4 <= m; i += 4) {
                    int j = j0;
                    for (; j + 3 <= jEnd; j += 3) {
                        micro43(kc, alpha, a, aO + i * lda * ES, lda * ES, b, bO + j * ldb * ES, ldb * ES,
                                bt, c, cOff + (i * ldc + j) * ES, ldc * ES);
                    }
                    for (; j < jEnd; j++) {
                        for (int r = 0; r < 4; r++) {
                            one(kc, alpha, a, aO + (i + r) * lda * ES, b, bO + j * ldb * ES, bt, c, cOff + ((i + r) * ldc + j) * ES);
                        }
                    }
                }
                for (; i < m; i++) {
                    for (int j = j0; j < jEnd; j++) {
                        one(kc, alpha, a, aO + i * lda * ES, b, bO + j * ldb * ES, bt, c, cOff + (i * ldc + j) * ES);
                    }
                }
            }
        }
    }

    static void scale(int m, int n, double beta, MemorySegment c, long cOff, long ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long at = cOff + (i * ldc + j) * ES;
                c.set(E, at, beta == 0 ? 0 : beta * c.get(E, at));
            }
        }
    }

    private static void store(MemorySegment c, long at, double alpha, double s, double beta) {
        c.set(E, at, beta == 0 ? alpha * s : alpha * s + beta * c.get(E, at));
    }

    /** One output: a single dot product. */
    private static void one(int k, double alpha, MemorySegment a, long ao, MemorySegment b, long bo,
                            double beta, MemorySegment c, long co) {
        store(c, co, alpha, dot(k, a, ao, b, bo), beta);
    }

    /** Dot product of k contiguous elements at byte offsets ao and bo. */
    static double dot(int k, MemorySegment a, long ao, MemorySegment b, long bo) {
        int kv = S.loopBound(k);
        DoubleVector s0 = DoubleVector.zero(S);
        DoubleVector s1 = DoubleVector.zero(S);
        int p = 0;
        for (; p + 2 * L <= kv; p += 2 * L) {
            long o = (long) p * ES;
            s0 = DoubleVector.fromMemorySegment(S, a, ao + o, NO).fma(DoubleVector.fromMemorySegment(S, b, bo + o, NO), s0);
            s1 = DoubleVector.fromMemorySegment(S, a, ao + o + L * ES, NO)
                    .fma(DoubleVector.fromMemorySegment(S, b, bo + o + L * ES, NO), s1);
        }
        for (; p < kv; p += L) {
            long o = (long) p * ES;
            s0 = DoubleVector.fromMemorySegment(S, a, ao + o, NO).fma(DoubleVector.fromMemorySegment(S, b, bo + o, NO), s0);
        }
        double s = sum(s0.add(s1));
        for (; p < k; p++) {
            s += a.get(E, ao + (long) p * ES) * b.get(E, bo + (long) p * ES);
        }
        return s;
    }

    /** The 4×3 register block: twelve dot products of A rows a0..a3 with B rows b0..b2 (strides in bytes). */
    private static void micro43(int k, double alpha, MemorySegment a, long a0, long sa, MemorySegment b, long b0, long sb,
                                double beta, MemorySegment c, long c0, long sc) {
        long a1 = a0 + sa;
        long a2 = a1 + sa;
        long a3 = a2 + sa;
        long b1 = b0 + sb;
        long b2 = b1 + sb;
        DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
        DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
        DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
        DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S), c32 = DoubleVector.zero(S);
        int kv = S.loopBound(k);
        for (int p = 0; p < kv; p += L) {
            long o = (long) p * ES;
            DoubleVector vb0 = DoubleVector.fromMemorySegment(S, b, b0 + o, NO);
            DoubleVector vb1 = DoubleVector.fromMemorySegment(S, b, b1 + o, NO);
            DoubleVector vb2 = DoubleVector.fromMemorySegment(S, b, b2 + o, NO);
            DoubleVector va = DoubleVector.fromMemorySegment(S, a, a0 + o, NO);
            c00 = va.fma(vb0, c00);
            c01 = va.fma(vb1, c01);
            c02 = va.fma(vb2, c02);
            va = DoubleVector.fromMemorySegment(S, a, a1 + o, NO);
            c10 = va.fma(vb0, c10);
            c11 = va.fma(vb1, c11);
            c12 = va.fma(vb2, c12);
            va = DoubleVector.fromMemorySegment(S, a, a2 + o, NO);
            c20 = va.fma(vb0, c20);
            c21 = va.fma(vb1, c21);
            c22 = va.fma(vb2, c22);
            va = DoubleVector.fromMemorySegment(S, a, a3 + o, NO);
            c30 = va.fma(vb0, c30);
            c31 = va.fma(vb1, c31);
            c32 = va.fma(vb2, c32);
        }
        double s00 = sum(c00), s01 = sum(c01);
        double s02 = sum(c02), s10 = sum(c10);
        double s11 = sum(c11), s12 = sum(c12);
        double s20 = sum(c20), s21 = sum(c21);
        double s22 = sum(c22), s30 = sum(c30);
        double s31 = sum(c31), s32 = sum(c32);
        for (int p = kv; p < k; p++) {
            long o = (long) p * ES;
            double x0 = a.get(E, a0 + o), x1 = a.get(E, a1 + o), x2 = a.get(E, a2 + o), x3 = a.get(E, a3 + o);
            double y0 = b.get(E, b0 + o), y1 = b.get(E, b1 + o), y2 = b.get(E, b2 + o);
            s00 += x0 * y0;
            s01 += x0 * y1;
            s02 += x0 * y2;
            s10 += x1 * y0;
            s11 += x1 * y1;
            s12 += x1 * y2;
            s20 += x2 * y0;
            s21 += x2 * y1;
            s22 += x2 * y2;
            s30 += x3 * y0;
            s31 += x3 * y1;
            s32 += x3 * y2;
        }
        long r1 = c0 + sc;
        long r2 = r1 + sc;
        long r3 = r2 + sc;
        store(c, c0, alpha, s00, beta);
        store(c, c0 + ES, alpha, s01, beta);
        store(c, c0 + 2 * ES, alpha, s02, beta);
        store(c, r1, alpha, s10, beta);
        store(c, r1 + ES, alpha, s11, beta);
        store(c, r1 + 2 * ES, alpha, s12, beta);
        store(c, r2, alpha, s20, beta);
        store(c, r2 + ES, alpha, s21, beta);
        store(c, r2 + 2 * ES, alpha, s22, beta);
        store(c, r3, alpha, s30, beta);
        store(c, r3 + ES, alpha, s31, beta);
        store(c, r3 + 2 * ES, alpha, s32, beta);
    }

    /** y[0..n) += s·x[0..n) (contiguous, byte offsets). */
    static void axpy(int n, double s, MemorySegment x, long xo, MemorySegment y, long yo) {
        int nv = S.loopBound(n);
        DoubleVector vs = DoubleVector.broadcast(S, s);
        int p = 0;
        for (; p < nv; p += L) {
            long o = (long) p * ES;
            DoubleVector.fromMemorySegment(S, x, xo + o, NO).fma(vs, DoubleVector.fromMemorySegment(S, y, yo + o, NO))
                    .intoMemorySegment(y, yo + o, NO);
        }
        for (; p < n; p++) {
            long o = (long) p * ES;
            y.set(E, yo + o, y.get(E, yo + o) + s * x.get(E, xo + o));
        }
    }

    /** {@link #transpose} in scalar code (16×16 blocks), for the time before C2 has compiled the vector one. */
    static void transposeScalar(int rows, int cols, MemorySegment src, long so, long ls, MemorySegment dst, long d0, long ld) {
        for (int i0 = 0; i0 < rows; i0 += 16) {
            int iEnd = Math.min(rows, i0 + 16);
            for (int j0 = 0; j0 < cols; j0 += 16) {
                int jEnd = Math.min(cols, j0 + 16);
                for (int i = i0; i < iEnd; i++) {
                    long srow = so + i * ls * ES;
                    for (int j = j0; j < jEnd; j++) {
                        dst.set(E, d0 + (j * ld + i) * ES, src.get(E, srow + (long) j * ES));
                    }
                }
            }
        }
    }

    /** Transposes the rows×cols block at {@code src} (stride ls) into dst (stride ld): dst[j][i] = src[i][j]. */
    static void transpose(int rows, int cols, MemorySegment src, long so, long ls, MemorySegment dst, long d0, long ld) {
        long lsb = ls * ES;
        long ldb = ld * ES;
        int r4 = rows & ~3;
        int c4 = cols & ~3;
        // 4×4 blocks in registers: two rounds of two-source shuffles (pairs, then halves)
        for (int i = 0; i < r4; i += 4) {
            for (int j = 0; j < c4; j += 4) {
                long o = so + i * lsb + (long) j * ES;
                DoubleVector a = DoubleVector.fromMemorySegment(T4, src, o, NO);
                DoubleVector b = DoubleVector.fromMemorySegment(T4, src, o + lsb, NO);
                DoubleVector c = DoubleVector.fromMemorySegment(T4, src, o + 2 * lsb, NO);
                DoubleVector d = DoubleVector.fromMemorySegment(T4, src, o + 3 * lsb, NO);
                DoubleVector t0 = a.rearrange(EVEN, b);
                DoubleVector t1 = a.rearrange(ODD, b);
                DoubleVector t2 = c.rearrange(EVEN, d);
                DoubleVector t3 = c.rearrange(ODD, d);
                long q = d0 + j * ldb + (long) i * ES;
                t0.rearrange(LOW, t2).intoMemorySegment(dst, q, NO);
                t1.rearrange(LOW, t3).intoMemorySegment(dst, q + ldb, NO);
                t0.rearrange(HIGH, t2).intoMemorySegment(dst, q + 2 * ldb, NO);
                t1.rearrange(HIGH, t3).intoMemorySegment(dst, q + 3 * ldb, NO);
            }
        }
        for (int i = 0; i < rows; i++) {
            long srow = so + i * lsb;
            long dcol = d0 + (long) i * ES;
            for (int j = i < r4 ? c4 : 0; j < cols; j++) {
                dst.set(E, dcol + j * ldb, src.get(E, srow + (long) j * ES));
            }
        }
    }

    /** Four-lane species and the shuffles of {@link #transpose}: a two-source index ≥ 4 picks from the second vector. */
    private static final VectorSpecies<Double> T4 = DoubleVector.SPECIES_256;
    private static final VectorShuffle<Double> EVEN = VectorShuffle.fromValues(T4, 0, 4, 2, 6);
    private static final VectorShuffle<Double> ODD = VectorShuffle.fromValues(T4, 1, 5, 3, 7);
    private static final VectorShuffle<Double> LOW = VectorShuffle.fromValues(T4, 0, 1, 4, 5);
    private static final VectorShuffle<Double> HIGH = VectorShuffle.fromValues(T4, 2, 3, 6, 7);

    /** Copies the strict upper triangle of the n×n block at {@code a} (stride la) onto its strict lower triangle. */
    static void mirrorUpper(int n, MemorySegment a, long ao, long la) {
        final int bs = 64;
        long lab = la * ES;
        for (int i0 = 0; i0 < n; i0 += bs) {
            int iEnd = Math.min(n, i0 + bs);
            for (int j0 = i0; j0 < n; j0 += bs) {
                int jEnd = Math.min(n, j0 + bs);
                for (int i = i0; i < iEnd; i++) {
                    long srow = ao + i * lab;
                    long dcol = ao + (long) i * ES;
                    for (int j = Math.max(j0, i + 1); j < jEnd; j++) {
                        a.set(E, dcol + j * lab, a.get(E, srow + (long) j * ES));
                    }
                }
            }
        }
    }

    /**
     * Cholesky (lower, row-major, in place) of the n×n matrix at {@code a}: L[i][j] = (A[i][j] − ⟨L_i, L_j⟩) / L[j][j]
     * over row prefixes, which are contiguous. Returns LAPACK's info.
     */
    static int potrf(int n, MemorySegment a, long ao, long lda) {
        for (int i = 0; i < n; i++) {
            long ri = ao + i * lda * ES;
            for (int j = 0; j < i; j++) {
                long rj = ao + j * lda * ES;
                double v = a.get(E, ri + (long) j * ES) - dot(j, a, ri, a, rj);
                a.set(E, ri + (long) j * ES, v / a.get(E, rj + (long) j * ES));
            }
            double d = a.get(E, ri + (long) i * ES) - dot(i, a, ri, a, ri);
            if (!(d > 0)) {
                return i + 1;
            }
            a.set(E, ri + (long) i * ES, (double) Math.sqrt(d));
        }
        return 0;
    }

    /** Solves L·Lᵀ·X = B in place of B (n×k, stride ldb) for lower L (stride ldl). */
    static void potrs(int n, int k, MemorySegment l, long lo, long ldl, MemorySegment b, long bo, long ldb) {
        for (int i = 0; i < n; i++) {
            long bi = bo + i * ldb * ES;
            for (int j = 0; j < i; j++) {
                axpy(k, -l.get(E, lo + (i * ldl + j) * ES), b, bo + j * ldb * ES, b, bi);
            }
            scaleRow(k, 1.0 / l.get(E, lo + (i * ldl + i) * ES), b, bi);
        }
        for (int i = n - 1; i >= 0; i--) {
            long bi = bo + i * ldb * ES;
            for (int j = i + 1; j < n; j++) {
                axpy(k, -l.get(E, lo + (j * ldl + i) * ES), b, bo + j * ldb * ES, b, bi);
            }
            scaleRow(k, 1.0 / l.get(E, lo + (i * ldl + i) * ES), b, bi);
        }
    }

    private static void scaleRow(int k, double s, MemorySegment b, long bo) {
        for (int p = 0; p < k; p++) {
            long o = bo + (long) p * ES;
            b.set(E, o, b.get(E, o) * s);
        }
    }
}
