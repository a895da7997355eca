package dev.tangent.kernel;

import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled, fused, vectorised Gram builder against the scalar recursion of spec §3.2. Every entry is judged against an
 * absolute bound from the error analysis of its dot product and its map ({@link RoundingBounds#gramEntry}), never relative to
 * itself: an entry far below max|K| (a cosine near the ReLU kernel's zero) is as accurate as its neighbours in
 * absolute terms, not in relative ones.
 */
class GramBuilderTest {
    private static final Backend JAVA = new JavaBackend(2);

    @ParameterizedTest
    @CsvSource({"NTK,0,1.0,0.0", "NTK,1,1.0,0.0", "NTK,2,1.0,0.0", "NTK,3,1.3,0.5", "NNGP,1,1.0,0.0", "NNGP,3,0.8,0.2"})
    void entriesMatchScalarRecursion(KernelSpec.Kind kind, int depth, double sw, double sb) {
        KernelSpec spec = new KernelSpec(kind, depth, sw, sb);
        int d = 53;
        try (Matrix x = TestData.uniform(37, d, DType.F64, 11); Matrix y = TestData.uniform(29, d, DType.F64, 12)) {
            GramBuilder gb = new GramBuilder(JAVA, 2, 8, GramBuilder.Progress.NONE);
            try (Matrix k = gb.build(spec, x); Matrix kxy = gb.build(spec, x, y)) {
                for (int i = 0; i < x.rows(); i++) {
                    for (int j = 0; j < x.rows(); j++) {
                        assertWithinBound(spec, x.row(i), x.row(j), k, i, j);
                    }
                    for (int j = 0; j < y.rows(); j++) {
                        assertWithinBound(spec, x.row(i), y.row(j), kxy, i, j);
                    }
                }
            }
        }
    }

    @Test
    void singlePrecisionMatchesDoubleReference() {
        KernelSpec spec = KernelSpec.ntk(2);
        try (Matrix x = TestData.uniform(45, 784, DType.F32, 3)) {
            try (Matrix k = new GramBuilder(JAVA, 2, 16, GramBuilder.Progress.NONE).build(spec, x)) {
                for (int i = 0; i < x.rows(); i++) {
                    for (int j = 0; j < x.rows(); j++) {
                        assertWithinBound(spec, x.row(i), x.row(j), k, i, j);
                    }
                }
            }
        }
    }

    private static void assertWithinBound(KernelSpec spec, double[] xi, double[] yj, Matrix k, int i, int j) {
        double expected = NtkRecursion.pair(spec, xi, yj).of(spec.kind());
        double err = Math.abs(k.get(i, j) - expected);
        double tol = RoundingBounds.gramEntry(spec, xi, yj, k.dtype());
        assertTrue(err <= tol, "K[" + i + "][" + j + "] = " + k.get(i, j) + ", expected " + expected + " (error " + err
                + ", bound " + tol + ")");
    }

    @Test
    void symmetricGramIsExactlySymmetric() {
        for (DType t : DType.values()) {
            try (Matrix x = TestData.uniform(300, 31, t, 5);
                 Matrix k = new GramBuilder(JAVA, 2, 64, GramBuilder.Progress.NONE).build(KernelSpec.ntk(3), x)) {
                for (int i = 0; i < 300; i++) {
                    for (int j = 0; j < i; j++) {
                        assertEquals(k.get(i, j), k.get(j, i), 0.0, t + " K[" + i + "][" + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void crossGramIsTheBlockOfTheJointGram() {
        KernelSpec spec = new KernelSpec(KernelSpec.Kind.NTK, 2, 1.0, 0.1);
        try (Matrix all = TestData.uniform(70, 20, DType.F64, 9)) {
            GramBuilder gb = new GramBuilder(JAVA, 2, 16, GramBuilder.Progress.NONE);
            try (Matrix k = gb.build(spec, all); Matrix kxy = gb.build(spec, all.rows(0, 30), all.rows(30, 40))) {
                for (int i = 0; i < 30; i++) {
                    for (int j = 0; j < 40; j++) {
                        // the two builds run different GEMM blockings: each lies within the bound of the exact value
                        double bound = 2 * RoundingBounds.gramEntry(spec, all.row(i), all.row(30 + j), DType.F64);
                        assertEquals(k.get(i, 30 + j), kxy.get(i, j), bound, "K[" + i + "][" + (30 + j) + "]");
                    }
                }
            }
        }
    }

    @Test
    void gramPlusJitterHasCholeskyFactor() {
        int n = 500;
        try (Matrix x = TestData.uniform(n, 784, DType.F64, 21);
             Matrix k = new GramBuilder(JAVA, 2).build(KernelSpec.ntk(2), x)) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += k.get(i, i) / n;
            }
            for (int i = 0; i < n; i++) {
                k.set(i, i, k.get(i, i) + 1e-10 * mean);
            }
            assertEquals(0, JAVA.potrf(k), "Cholesky info");
            for (int i = 0; i < n; i++) {
                assertTrue(k.get(i, i) > 0);
            }
        }
    }

    @Test
    void zeroNormRowsGiveFiniteValues() {
        for (double sb : new double[] {0.0, 0.5}) {
            KernelSpec spec = new KernelSpec(KernelSpec.Kind.NTK, 3, 1.0, sb);
            try (Matrix x = TestData.uniform(20, 9, DType.F64, 2)) {
                for (int j = 0; j < 9; j++) {
                    x.set(0, j, 0);
                    x.set(13, j, 0);
                }
                for (DType t : DType.values()) {
                    try (Matrix xt = x.copy(t); Matrix k = new GramBuilder(JAVA, 1, 8, GramBuilder.Progress.NONE).build(spec, xt)) {
                        for (int i = 0; i < 20; i++) {
                            for (int j = 0; j < 20; j++) {
                                assertTrue(Double.isFinite(k.get(i, j)), t + " sb=" + sb + " K[" + i + "][" + j + "]");
                            }
                        }
                        // the limit: with σ_b = 0 a zero input has zero kernel with everything
                        if (sb == 0) {
                            assertEquals(0.0, k.get(0, 5), 0.0);
                            assertEquals(0.0, k.get(13, 13), 0.0);
                        } else {
                            double ref = NtkRecursion.pair(spec, x.row(0), x.row(5)).ntk();
                            assertEquals(ref, k.get(0, 5), Math.abs(ref) * (t == DType.F64 ? 1e-12 : 1e-5));
                        }
                    }
                }
            }
        }
    }
}
