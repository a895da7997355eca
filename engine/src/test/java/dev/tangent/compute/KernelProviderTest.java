package dev.tangent.compute;

import dev.tangent.TestData;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared provider tests, run against every provider this machine has (the CPU provider on the Java and OpenBLAS
 * GEMMs, and the scalar provider): Gram entries of every kind of layer stack against the layers' own scalar rules,
 * exact symmetry, zero inputs, and the kernel-matrix operations consumers use (rows, gathers, products, shifted
 * solves). Small sizes, so that the scalar provider takes part. Paper A's networks are also held to derived rounding
 * bounds entry by entry ({@link GramRoundingBoundsTest}).
 */
class KernelProviderTest {
    /** Every provider, with a small tile so that panels, chunks and tails all occur. */
    static Stream<Named<KernelProvider>> providers() {
        return Providers.all(2, 8).stream().map(p -> Named.of(p.toString(), p));
    }

    /** The kernels every provider must agree on: paper A's networks with and without bias, and the other layers. */
    static List<KernelSpec> specs() {
        return List.of(KernelSpec.ntk(0), KernelSpec.ntk(1), KernelSpec.ntk(2),
                KernelSpec.fc(KernelSpec.Kind.NTK, 3, 1.3, 0.5), KernelSpec.fc(KernelSpec.Kind.NNGP, 1, 1.0, 0.0),
                KernelSpec.fc(KernelSpec.Kind.NNGP, 3, 0.8, 0.2), KernelSpec.parse("ntk:dense,leaky_relu(0.1),dense,relu,dense"), KernelSpec.parse("ntk2"), KernelSpec.parse("rf2"),
                KernelSpec.parse("poly(0.5,3)"));
    }

    static Stream<Arguments> providersAndSpecs() {
        List<Arguments> out = new ArrayList<>();
        for (Named<KernelProvider> p : providers().toList()) {
            for (KernelSpec s : specs()) {
                out.add(Arguments.of(p, s));
            }
        }
        return out.stream();
    }

    /**
     * Every entry equals the layers' scalar rules on the same inner product within 1e-12 of max|K|: f64 inner products
     * carry at most d·ε·‖x‖‖y‖ (d = 53: 6e-15 of the kernel's scale) and the maps a few ulps, so 1e-12 of the
     * largest entry leaves three orders for the conditioning of the cosine at these pairs' angles (|u| ≤ 0.7).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndSpecs")
    void entriesMatchTheScalarRecursion(KernelProvider provider, KernelSpec spec) {
        int d = 53;
        try (Matrix x = TestData.uniform(37, d, DType.F64, 11); Matrix y = TestData.uniform(29, d, DType.F64, 12);
             Matrix k = Providers.gram(provider, spec, x); Matrix kxy = Providers.gram(provider, spec, x, y)) {
            assertMatchesRecursion(spec, x, x, k, 1e-12);
            assertMatchesRecursion(spec, x, y, kxy, 1e-12);
        }
    }

    static void assertMatchesRecursion(KernelSpec spec, Matrix x, Matrix y, Matrix k, double rel) {
        double max = 0;
        double[][] ref = new double[x.rows()][y.rows()];
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < y.rows(); j++) {
                ref[i][j] = NtkRecursion.pair(spec, x.row(i), y.row(j)).of(spec.kind());
                max = Math.max(max, Math.abs(ref[i][j]));
            }
        }
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < y.rows(); j++) {
                double err = Math.abs(k.get(i, j) - ref[i][j]);
                assertTrue(err <= rel * max, spec + ": K[" + i + "][" + j + "] = " + k.get(i, j) + ", expected " + ref[i][j]
                        + " (error " + err / max + " of max|K|)");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void symmetricGramIsExactlySymmetric(KernelProvider provider) {
        for (DType t : DType.values()) {
            for (KernelSpec spec : List.of(KernelSpec.ntk(3), KernelSpec.parse("nngp:dense(1,0.3),relu,dense"))) {
                try (Matrix x = TestData.uniform(61, 31, t, 5); Matrix k = Providers.gram(provider, spec, x)) {
                    for (int i = 0; i < x.rows(); i++) {
                        for (int j = 0; j < i; j++) {
                            assertEquals(k.get(i, j), k.get(j, i), 0.0, t + " " + spec + " K[" + i + "][" + j + "]");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void zeroNormRowsGiveFiniteValues(KernelProvider provider) {
        for (double sb : new double[] {0.0, 0.5}) {
            KernelSpec spec = KernelSpec.fc(KernelSpec.Kind.NTK, 3, 1.0, sb);
            try (Matrix x = TestData.uniform(20, 9, DType.F64, 2)) {
                for (int j = 0; j < 9; j++) {
                    x.set(0, j, 0);
                    x.set(13, j, 0);
                }
                for (DType t : DType.values()) {
                    try (Matrix xt = x.copy(t); Matrix k = Providers.gram(provider, spec, xt)) {
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

    /** Rows, gathers and products of a provider's kernel matrix against its entries. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void kernelMatrixServesRowsBlocksAndProducts(KernelProvider provider) {
        for (DType t : DType.values()) {
            try (Matrix x = TestData.uniform(23, 7, t, 4); Matrix y = TestData.uniform(17, 7, t, 5);
                 KernelMatrix k = provider.gram(KernelSpec.ntk(1), x, y, t, KernelProvider.Progress.NONE)) {
                assertEquals(23, k.rows());
                assertEquals(17, k.cols());
                SplittableRandom r = new SplittableRandom(1);
                double[] v = r.doubles(17, -1, 1).toArray();
                double[] kv = new double[23];
                k.multiply(v, kv);
                for (int i = 0; i < 23; i++) {
                    MemorySegment row = k.row(i);
                    assertEquals(17L * t.bytes(), row.byteSize());
                    double s = 0;
                    for (int j = 0; j < 17; j++) {
                        double e = t == DType.F64 ? row.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, j)
                                : row.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, j);
                        assertEquals(k.get(i, j), e, 0.0);
                        s += e * v[j];
                    }
                    // the same products in another order: a few ulps of Σ|K_ij v_j|
                    assertEquals(s, kv[i], 1e-13 * Math.max(1, Math.abs(s)));
                }
                int[] rows = {22, 0, 5};
                int[] cols = {16, 3};
                try (Matrix g = Matrix.allocate(3, 2, t); Matrix blk = Matrix.allocate(4, 17, DType.F64)) {
                    k.gather(rows, cols, g);
                    k.copyRows(2, blk);
                    for (int a = 0; a < 3; a++) {
                        for (int b = 0; b < 2; b++) {
                            assertEquals(k.get(rows[a], cols[b]), g.get(a, b), 0.0);
                        }
                    }
                    for (int a = 0; a < 4; a++) {
                        for (int b = 0; b < 17; b++) {
                            assertEquals(k.get(2 + a, b), blk.get(a, b), 0.0);
                        }
                    }
                }
            }
        }
    }

    /**
     * (K + s·I)·a = b: the residual of the provider's solve is a few ulps of ‖K‖‖a‖ (a backward-stable Cholesky on a
     * well-conditioned matrix: K + I has eigenvalues ≥ 1), and a Gram with a repeated point and no shift is refused.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void shiftedSolveHasASmallResidualAndRefusesSingularGrams(KernelProvider provider) {
        try (Matrix x = TestData.uniform(40, 9, DType.F64, 8); KernelMatrix k = provider.gram(KernelSpec.ntk(2), x, null);
             Matrix b = Matrix.allocate(40, 2, DType.F64)) {
            SplittableRandom r = new SplittableRandom(3);
            double[][] rhs = new double[2][40];
            for (int i = 0; i < 40; i++) {
                for (int c = 0; c < 2; c++) {
                    rhs[c][i] = r.nextDouble(-1, 1);
                    b.set(i, c, rhs[c][i]);
                }
            }
            assertEquals(0, provider.solveShifted(k, 1.0, b));
            for (int c = 0; c < 2; c++) {
                double[] a = new double[40];
                for (int i = 0; i < 40; i++) {
                    a[i] = b.get(i, c);
                }
                double[] ka = new double[40];
                k.multiply(a, ka);
                for (int i = 0; i < 40; i++) {
                    assertEquals(rhs[c][i], ka[i] + a[i], 1e-12, "residual row " + i);
                }
            }
        }
        try (Matrix x = TestData.uniform(10, 3, DType.F64, 2)) {
            for (int j = 0; j < 3; j++) {
                x.set(9, j, x.get(4, j));
            }
            try (KernelMatrix k = provider.gram(KernelSpec.ntk(1), x, null); Matrix b = Matrix.allocate(10, 1, DType.F64)) {
                assertTrue(provider.solveShifted(k, 0, b) > 0, "a Gram with a repeated point is singular");
            }
        }
    }

    /** Paper A's bias-free kernels take the one-step map on the CPU provider; the fit is accurate for every depth tried. */
    @Test
    void homogeneousStacksUseTheFittedMap() {
        for (String s : List.of("ntk:dense,relu,dense", "nngp:dense,relu,dense,relu,dense", "ntk2", "rf2",
                "ntk:dense,leaky_relu(0.2),dense")) {
            KernelSpec spec = KernelSpec.parse(s);
            assertTrue(spec.homogeneous(), s);
            assertTrue(CpuProvider.homogeneous(spec) != null, s + ": the fitted one-step map should be accurate");
        }
        for (String s : List.of("ntk:dense(1,0.1),relu,dense", "poly(1,2)")) {
            assertTrue(CpuProvider.homogeneous(KernelSpec.parse(s)) == null, s);
        }
    }

    /**
     * Row blocks of K(X, X) computed apart (as the executors of a cluster compute them) assemble into gram(X) bit for
     * bit: each block's upper trapezoid equals the same entries of the whole Gram (whose lower triangle is exactly its
     * transpose, which is how a reader fills the columns left of a block), for blocks of one and of several panels, a
     * last block shorter than a panel, both dtypes and both kinds of map (one-step and layered); a block that does not
     * start on a panel boundary is refused.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void rowPanelBlocksAssembleIntoTheWholeGramBitForBit(KernelProvider provider) {
        int n = 83; // panels of 16 rows (tile 8): 5 whole panels and a last one of 3 rows
        int p = provider.panelRows();
        assertEquals(16, p);
        for (DType dt : DType.values()) {
            for (KernelSpec spec : List.of(KernelSpec.ntk(2), KernelSpec.fc(KernelSpec.Kind.NTK, 2, 1.2, 0.3))) {
                try (Matrix x = TestData.uniform(n, 21, dt, 5); Matrix whole = Providers.gram(provider, spec, x)) {
                    int[] bounds = {0, p, 4 * p, 5 * p, n};
                    for (int b = 0; b + 1 < bounds.length; b++) {
                        int from = bounds[b];
                        int to = bounds[b + 1];
                        try (Matrix part = Matrix.allocate(to - from, n - from, dt)) {
                            provider.gramPanelsInto(spec, x, from, to, part, KernelProvider.Progress.NONE);
                            for (int i = 0; i < to - from; i++) {
                                for (int j = 0; j < n - from; j++) {
                                    assertEquals(Double.doubleToRawLongBits(whole.get(from + i, from + j)), Double.doubleToRawLongBits(part.get(i, j)),
                                            () -> spec + " " + dt + " block from " + from);
                                }
                            }
                        }
                    }
                }
            }
        }
        try (Matrix x = TestData.uniform(n, 5, DType.F64, 5); Matrix part = Matrix.allocate(p, n - 3, DType.F64)) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> provider.gramPanelsInto(KernelSpec.ntk(1), x, 3, 3 + p, part, KernelProvider.Progress.NONE));
        }
    }
}
