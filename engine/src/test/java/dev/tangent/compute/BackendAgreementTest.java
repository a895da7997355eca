package dev.tangent.compute;

import dev.tangent.TestData;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java (Vector API) backend against OpenBLAS/LAPACKE, on odd shapes, each within the rounding-error bound of the
 * operation (GEMM: γ_{k+2} of Σ|αa·b| + |βc| per backend; Gram entries: {@link RoundingBounds#gramEntry} per
 * backend). OpenBLAS must be installed (scripts/test.sh installs it); a missing library fails these tests rather than
 * skipping them.
 */
class BackendAgreementTest {
    private static final Backend JAVA = new JavaBackend(2);
    private static Backend blas;

    @BeforeAll
    static void loadBlas() {
        NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
        assertTrue(ob.available(), "OpenBLAS is required for this test: " + ob.load().detail());
        blas = BlasBackend.create(2);
    }

    static Stream<Arguments> gramShapes() {
        List<Arguments> out = new ArrayList<>();
        for (DType t : DType.values()) {
            for (int n : new int[] {1, 7, 207, 1000}) {
                for (int d : new int[] {1, 3, 784}) {
                    out.add(Arguments.of(t, n, d));
                }
            }
        }
        return out.stream();
    }

    /** Image-like inputs in [0, 1): cosines are positive, so every kernel value is positive and relative error is meaningful. */
    private static Matrix images(int n, int d, DType t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Matrix m = Matrix.allocate(n, d, t);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                m.set(i, j, r.nextDouble());
            }
        }
        return m;
    }

    @ParameterizedTest(name = "{0} n={1} d={2}")
    @MethodSource("gramShapes")
    void gramAgrees(DType t, int n, int d) {
        KernelSpec spec = KernelSpec.ntk(2);
        try (Matrix x = images(n, d, t, 100 + n + d); Matrix x2 = images(n / 2 + 3, d, t, 7 + n)) {
            for (Matrix y : new Matrix[] {null, x2}) {
                try (Matrix kj = Providers.gram(Providers.cpu(JAVA, 2, 64), spec, x, y);
                     Matrix kb = Providers.gram(Providers.cpu(blas, 2, 64), spec, x, y)) {
                    assertWithinBounds(spec, x, y == null ? x : y, kb, kj, (y == null ? "K(X,X) " : "K(X,X2) ") + t + " n=" + n + " d=" + d);
                }
            }
        }
    }

    /** Each backend lies within {@link RoundingBounds#gramEntry} of the exact value, so the two within twice that. */
    private static void assertWithinBounds(KernelSpec spec, Matrix x, Matrix y, Matrix expected, Matrix actual, String what) {
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.cols(), actual.cols());
        double[][] ys = new double[y.rows()][];
        for (int j = 0; j < ys.length; j++) {
            ys[j] = y.row(j);
        }
        for (int i = 0; i < expected.rows(); i++) {
            double[] xi = x.row(i);
            for (int j = 0; j < expected.cols(); j++) {
                double e = expected.get(i, j);
                double a = actual.get(i, j);
                double bound = 2 * RoundingBounds.gramEntry(spec, xi, ys[j], x.dtype());
                if (!(Math.abs(a - e) <= bound)) {
                    throw new AssertionError(what + ": [" + i + "][" + j + "] " + a + " vs " + e + " (bound " + bound + ")");
                }
            }
        }
    }

    @Test
    void gemmAllTransposeCombinations() {
        int[][] shapes = {{1, 1, 1}, {7, 3, 207}, {207, 7, 13}, {33, 65, 17}};
        for (DType t : DType.values()) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        try (Matrix a = TestData.uniform(ta ? k : m, ta ? m : k, t, 1);
                             Matrix b = TestData.uniform(tb ? n : k, tb ? k : n, t, 2);
                             Matrix cj = TestData.uniform(m, n, t, 3);
                             Matrix cb = cj.copy(t)) {
                            JAVA.gemm(ta, tb, 1.5, a, b, -0.5, cj);
                            blas.gemm(ta, tb, 1.5, a, b, -0.5, cb);
                            // signed data: each backend errs by at most γ_{k+2}·(Σ|αa||b| + |βc|) (any summation order)
                            double gamma = RoundingBounds.gamma(k + 2, t == DType.F64 ? RoundingBounds.U : RoundingBounds.U32);
                            for (int i = 0; i < m; i++) {
                                for (int j = 0; j < n; j++) {
                                    double scale = 0.5;
                                    for (int p = 0; p < k; p++) {
                                        scale += 1.5 * Math.abs((ta ? a.get(p, i) : a.get(i, p)) * (tb ? b.get(j, p) : b.get(p, j)));
                                    }
                                    double err = Math.abs(cj.get(i, j) - cb.get(i, j)) / scale;
                                    assertTrue(err <= 2 * gamma,
                                            t + " gemm " + ta + "," + tb + " " + m + "x" + n + "x" + k + " rel " + err);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * OpenBLAS's omatcopy (the Gram's mirror blocks when it is the backend) copies every value of views with strides
     * wider than their rows exactly: the bits of the Java transposition and of the source, signed zeros, subnormals and
     * infinities included; the Java backend has no such call and says so.
     */
    @Test
    void transposeCopiesEveryBit() {
        double[] special = {-0.0, 0.0, Double.MIN_VALUE, -Float.MIN_VALUE, 1e-310, Double.POSITIVE_INFINITY, -1e300, 3.0};
        SplittableRandom r = new SplittableRandom(11);
        for (DType t : DType.values()) {
            for (int[] shape : new int[][] {{1, 1}, {3, 17}, {256, 256}, {301, 45}}) {
                int m = shape[0];
                int n = shape[1];
                try (Matrix big = Matrix.allocate(m + 2, n + 5, t); Matrix out1 = Matrix.allocate(n + 3, m + 4, t);
                     Matrix out2 = Matrix.allocate(n + 3, m + 4, t)) {
                    for (int i = 0; i < big.rows(); i++) {
                        for (int j = 0; j < big.cols(); j++) {
                            big.set(i, j, (i + j) % 7 == 0 ? special[(i * 3 + j) % special.length] : r.nextDouble(-2, 2));
                        }
                    }
                    Matrix src = big.view(1, 2, m, n);
                    Matrix a = out1.view(2, 1, n, m);
                    Matrix b = out2.view(2, 1, n, m);
                    assertTrue(blas.serial().transpose(src, a), "OpenBLAS transposes");
                    Blocks.transposeInto(src, b);
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < m; j++) {
                            long want = Double.doubleToRawLongBits(src.get(j, i));
                            assertEquals(want, Double.doubleToRawLongBits(a.get(i, j)), t + " " + m + "x" + n + " (" + i + ", " + j + ")");
                            assertEquals(want, Double.doubleToRawLongBits(b.get(i, j)), t + " " + m + "x" + n + " (" + i + ", " + j + ")");
                        }
                    }
                    assertEquals(0.0, out1.get(0, 0), "outside the destination view untouched");
                }
            }
        }
        try (Matrix x = Matrix.allocate(2, 3, DType.F64); Matrix y = Matrix.allocate(3, 2, DType.F64)) {
            assertFalse(JAVA.transpose(x, y), "the Java backend has no transposition of its own");
        }
    }

    @Test
    void syrkUpperTriangle() {
        for (DType t : DType.values()) {
            for (int n : new int[] {1, 7, 207}) {
                try (Matrix a = images(n, 31, t, n); Matrix cj = Matrix.allocate(n, n, t); Matrix cb = Matrix.allocate(n, n, t)) {
                    JAVA.syrk(1.0, a, 0.0, cj);
                    blas.syrk(1.0, a, 0.0, cb);
                    for (int i = 0; i < n; i++) {
                        for (int j = i; j < n; j++) {
                            // positive terms: each backend's dot product is within γ_31 of the exact value, relatively
                            double err = Math.abs(cj.get(i, j) - cb.get(i, j)) / Math.abs(cb.get(i, j));
                            double gamma = RoundingBounds.gamma(31, t == DType.F64 ? RoundingBounds.U : RoundingBounds.U32);
                            assertTrue(err <= 2 * gamma, t + " syrk [" + i + "][" + j + "] rel " + err);
                        }
                        for (int j = 0; j < i; j++) {
                            assertEquals(0.0, cj.get(i, j), "strict lower triangle must not be touched");
                        }
                    }
                }
            }
        }
    }

    @Test
    void choleskyFactorAndSolve() {
        assertTrue(((BlasBackend) blas).hasLapacke(), "LAPACKE is required: " + NativeLibraries.lapacke().detail());
        for (DType t : DType.values()) {
            for (int n : new int[] {1, 7, 207}) {
                try (Matrix x = images(n, n + 5, t, 3 * n);
                     Matrix kj = Providers.gram(Providers.cpu(JAVA, 2), KernelSpec.ntk(1), x);
                     Matrix kb = kj.copy(t);
                     Matrix rhs = TestData.uniform(n, 3, t, 5);
                     Matrix sj = rhs.copy(t);
                     Matrix sb = rhs.copy(t)) {
                    for (int i = 0; i < n; i++) {
                        kj.set(i, i, kj.get(i, i) + 0.1);
                        kb.set(i, i, kb.get(i, i) + 0.1);
                    }
                    assertEquals(0, JAVA.potrf(kj));
                    assertEquals(0, blas.potrf(kb));
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j <= i; j++) {
                            double err = Math.abs(kj.get(i, j) - kb.get(i, j)) / Math.max(Math.abs(kb.get(i, i)), 1e-300);
                            assertTrue(err <= (t == DType.F64 ? 1e-12 : 1e-4), t + " L[" + i + "][" + j + "] " + err);
                        }
                    }
                    JAVA.potrs(kj, sj);
                    blas.potrs(kb, sb);
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < 3; j++) {
                            double err = Math.abs(sj.get(i, j) - sb.get(i, j)) / Math.max(Math.abs(sb.get(i, j)), 1e-3);
                            assertTrue(err <= (t == DType.F64 ? 1e-10 : 1e-3), t + " x[" + i + "][" + j + "] " + err);
                        }
                    }
                }
            }
        }
    }

    @Test
    void choleskyReportsNonPositiveDefinite() {
        try (Matrix a = Matrix.of(2, 2, DType.F64, 1, 2, 2, 1)) {
            try (Matrix b = a.copy(DType.F64)) {
                assertEquals(2, JAVA.potrf(a));
                assertEquals(2, blas.potrf(b));
            }
        }
    }
}
