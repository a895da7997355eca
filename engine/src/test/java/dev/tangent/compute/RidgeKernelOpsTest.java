package dev.tangent.compute;

import dev.tangent.TestData;
import dev.tangent.data.ReferencePython;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider operations kernel ridge regression needs (issue 15), on every provider and both dtypes: Cholesky factors
 * in place (K in the upper triangle, the factor in the lower), the matrix-free kernel against the stored one, products
 * in f64 from an f32 kernel, and the backends' symmetric eigendecomposition. Bounds are Higham's: a dot product of n
 * terms in any order errs by at most γ_n·Σ|a_k b_k|; a Cholesky solve is backward stable with |ΔA| ≤ γ_{3n+1}|L||Lᵀ|,
 * which we bound normwise by γ_{3n+1}·n·max|A| (|L||Lᵀ| has entries ≤ √(a_ii a_jj) ≤ max|A|).
 */
class RidgeKernelOpsTest {
    @TempDir
    Path dir;

    static Stream<Arguments> providersAndTypes() {
        List<Arguments> out = new ArrayList<>();
        for (KernelProvider p : Providers.all(2, 8)) {
            for (DType t : DType.values()) {
                out.add(Arguments.of(Named.of(p.toString(), p), t));
            }
        }
        return out.stream();
    }

    private static double u(DType t) {
        return t == DType.F32 ? RoundingBounds.U32 : RoundingBounds.U;
    }

    /** Σ_j |K_ij||V_jc|, per entry: the scale of a product's rounding. */
    private static double[][] absProduct(Matrix k, Matrix v) {
        double[][] s = new double[k.rows()][v.cols()];
        for (int i = 0; i < k.rows(); i++) {
            for (int j = 0; j < k.cols(); j++) {
                double kij = Math.abs(k.get(i, j));
                for (int c = 0; c < v.cols(); c++) {
                    s[i][c] += kij * Math.abs(v.get(j, c));
                }
            }
        }
        return s;
    }

    /**
     * An in-place factor solves like a factor on a copy (the same potrf on the same values: bit for bit), its solution
     * has the backward error of a Cholesky solve, K's products stay within the rounding of a product while the factor
     * occupies the lower triangle, and closing restores every entry of K exactly.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndTypes")
    void inPlaceFactorSolvesLikeACopyAndRestoresK(KernelProvider p, DType t) {
        int n = 90;
        try (Matrix x = TestData.uniform(n, 7, t, 3); Matrix v = TestData.uniform(n, 3, DType.F64, 4);
             Matrix before = Matrix.allocate(n, 3, DType.F64); Matrix during = Matrix.allocate(n, 3, DType.F64);
             KernelMatrix k = p.gram(KernelSpec.parse("ntk2"), x, null, t, KernelProvider.Progress.NONE);
             Matrix kCopy = Matrix.allocate(n, n, t)) {
            k.copyRows(0, kCopy);
            k.multiply(v, before);
            double[][] scale = absProduct(kCopy, v);
            double max = 0;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, Math.abs(kCopy.get(i, i)));
            }
            for (double shift : new double[] {0.5, 3.0}) {
                try (ShiftedCholesky inPlace = p.cholesky(k, true); ShiftedCholesky copy = p.cholesky(k, false);
                     Matrix b1 = v.copy(DType.F64); Matrix b2 = v.copy(DType.F64)) {
                    assertEquals(0, copy.factor(shift)); // (a copy reads K's rows: before the factor takes the lower triangle)
                    assertEquals(0, inPlace.factor(0.1)); // then refactored: restore, factor again
                    assertEquals(0, inPlace.factor(shift));
                    assertTrue(inPlace.inPlace());
                    inPlace.solve(b1);
                    copy.solve(b2);
                    for (int i = 0; i < n; i++) {
                        for (int c = 0; c < 3; c++) {
                            assertEquals(b2.get(i, c), b1.get(i, c), 0.0, "in place and copy at (" + i + ", " + c + ")");
                        }
                    }
                    // backward error: ‖(K + sI)x − v‖ ≤ γ_{3n+1}·n·(max|K| + s)·‖x‖ + u_t‖v‖ (v rounded to the factor's dtype)
                    double gamma = RoundingBounds.gamma(3 * n + 1, u(t));
                    for (int c = 0; c < 3; c++) {
                        double rr = 0;
                        double xx = 0;
                        double vv = 0;
                        for (int i = 0; i < n; i++) {
                            double s = shift * b1.get(i, c) - v.get(i, c);
                            for (int j = 0; j < n; j++) {
                                s += kCopy.get(i, j) * b1.get(j, c);
                            }
                            rr += s * s;
                            xx += b1.get(i, c) * b1.get(i, c);
                            vv += v.get(i, c) * v.get(i, c);
                        }
                        double bound = gamma * n * (max + shift) * Math.sqrt(xx) + 2 * u(t) * Math.sqrt(vv);
                        assertTrue(Math.sqrt(rr) <= bound, "residual " + Math.sqrt(rr) + " > " + bound);
                    }
                    assertThrows(IllegalStateException.class, () -> k.row(0), "rows are not served while a factor is in place");
                    // products from the upper triangle: both are f64 sums of the same terms in different orders
                    k.multiply(v, during);
                    double gn = RoundingBounds.gamma(n + 2, RoundingBounds.U);
                    for (int i = 0; i < n; i++) {
                        for (int c = 0; c < 3; c++) {
                            assertEquals(before.get(i, c), during.get(i, c), 2 * gn * scale[i][c], "K·V while factored at (" + i + ", " + c + ")");
                        }
                    }
                }
                for (int i = 0; i < n; i++) { // closed: K whole again, bit for bit
                    for (int j = 0; j < n; j++) {
                        assertEquals(kCopy.get(i, j), k.get(i, j), 0.0, "K[" + i + "][" + j + "] after close");
                    }
                }
            }
        }
    }

    /**
     * The matrix-free kernel (several recomputed panels, with and without stored rows) against the stored Gram: every
     * entry within the two computations' rounding bounds (each within {@link RoundingBounds#gramEntry} of the scalar
     * recursion), and K·V within Σ_j 2·b_ij|v_j| plus both products' own rounding, 2γ_n Σ_j|K_ij||v_j| in f64.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndTypes")
    void matrixFreeKernelEqualsTheStoredOne(KernelProvider p, DType t) {
        int n = 70;
        KernelSpec spec = KernelSpec.ntk(1); // paper A's network, whose entries RoundingBounds bounds
        try (Matrix x = TestData.uniform(n, 6, t, 5); Matrix v = TestData.uniform(n, 4, DType.F64, 6);
             Matrix ref = Matrix.allocate(n, 4, DType.F64); Matrix got = Matrix.allocate(n, 4, DType.F64);
             KernelMatrix stored = p.gram(spec, x, null, t, KernelProvider.Progress.NONE);
             Matrix ks = Matrix.allocate(n, n, t)) {
            stored.copyRows(0, ks);
            stored.multiply(v, ref);
            double[][] b = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    b[i][j] = 2 * RoundingBounds.gramEntry(spec, x.row(i), x.row(j), t);
                }
            }
            double[][] scale = absProduct(ks, v);
            double gn = RoundingBounds.gamma(n + 2, RoundingBounds.U);
            for (int storedRows : new int[] {0, 25}) {
                try (KernelMatrix mf = Providers.implicit(p, spec, x, null, t, storedRows, 16); Matrix kr = Matrix.allocate(n, n, t)) {
                    mf.copyRows(0, kr);
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(ks.get(i, j), kr.get(i, j), b[i][j], "entry (" + i + ", " + j + "), stored rows " + storedRows);
                        }
                    }
                    assertEquals(ks.get(5, 5), mf.get(5, 5), b[5][5]);
                    mf.multiply(v, got);
                    for (int i = 0; i < n; i++) {
                        for (int c = 0; c < 4; c++) {
                            double bound = 2 * gn * scale[i][c];
                            for (int j = 0; j < n; j++) {
                                bound += b[i][j] * Math.abs(v.get(j, c));
                            }
                            assertEquals(ref.get(i, c), got.get(i, c), bound, "K·V at (" + i + ", " + c + "), stored rows " + storedRows);
                        }
                    }
                }
            }
            // a cross kernel K(X, Y), matrix-free, against the stored one
            try (Matrix y = TestData.uniform(33, 6, t, 7); KernelMatrix kc = p.gram(spec, y, x, t, KernelProvider.Progress.NONE);
                 KernelMatrix mc = Providers.implicit(p, spec, y, x, t, 0, 10); Matrix a = Matrix.allocate(33, 4, DType.F64);
                 Matrix c2 = Matrix.allocate(33, 4, DType.F64)) {
                kc.multiply(v, a);
                mc.multiply(v, c2);
                for (int i = 0; i < 33; i++) {
                    for (int c = 0; c < 4; c++) {
                        double bound = 0;
                        for (int j = 0; j < n; j++) {
                            double kij = Math.abs(kc.get(i, j));
                            bound += (2 * RoundingBounds.gramEntry(spec, y.row(i), x.row(j), t) + 2 * gn * kij) * Math.abs(v.get(j, c));
                        }
                        assertEquals(a.get(i, c), c2.get(i, c), bound, "cross K·V at (" + i + ", " + c + ")");
                    }
                }
            }
        }
    }

    /**
     * f64 products of an f32 kernel are exact f64 sums of the widened entries: against plain double loops on the same
     * f32 values, within γ_n Σ|K||v| of f64 (not of f32), through tiles of every shape (n is not a multiple of the tile).
     */
    @Test
    void productsOfAnF32KernelAccumulateInF64() {
        KernelProvider p = Providers.auto(2);
        int n = WideProduct.TILE_COLS + 77;
        try (Matrix x = TestData.uniform(n, 5, DType.F32, 8); Matrix v = TestData.uniform(n, 3, DType.F64, 9);
             Matrix got = Matrix.allocate(n, 3, DType.F64); KernelMatrix k = p.gram(KernelSpec.parse("ntk2"), x, null, DType.F32,
                KernelProvider.Progress.NONE); Matrix kk = Matrix.allocate(n, n, DType.F32)) {
            k.copyRows(0, kk);
            k.multiply(v, got);
            double gn = RoundingBounds.gamma(n + 2, RoundingBounds.U);
            for (int i = 0; i < n; i += 7) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    double a = 0;
                    for (int j = 0; j < n; j++) {
                        s += kk.get(i, j) * v.get(j, c);
                        a += Math.abs(kk.get(i, j) * v.get(j, c));
                    }
                    assertEquals(s, got.get(i, c), 2 * gn * a, "(" + i + ", " + c + ")");
                }
            }
        }
    }

    static Stream<Named<Backend>> backends() {
        List<Named<Backend>> out = new ArrayList<>();
        out.add(Named.of("java", new JavaBackend(2)));
        out.add(Named.of("scalar", ScalarBackend.INSTANCE));
        Backends.Selection blas = Backends.select("auto", 2);
        if (!blas.fellBack()) {
            out.add(Named.of("openblas", blas.backend()));
        }
        return out.stream();
    }

    /**
     * syevd on each backend, f64 and f32, against numpy's eigvalsh: a backward-stable symmetric eigensolver returns
     * eigenvalues within c·n·u·‖A‖ of the exact ones (Weyl), c = 10 here for both sides; the eigenvectors are checked by
     * their own residuals ‖A q − λ q‖ and orthonormality, at the same scale.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void symmetricEigendecompositionMatchesNumpy(Backend b) throws Exception {
        int n = 57;
        for (DType t : DType.values()) {
            try (Matrix r = TestData.uniform(n, n, DType.F64, 11); Matrix a = Matrix.allocate(n, n, t)) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j <= i; j++) {
                        double s = r.get(i, j) + r.get(j, i);
                        a.set(i, j, s);
                        a.set(j, i, s);
                    }
                }
                Npy.write(dir.resolve("a.npy"), a);
                String[] ref = ReferencePython.run("import numpy as np\nfor w in np.linalg.eigvalsh(np.load("
                        + ReferencePython.quote(dir.resolve("a.npy")) + ").astype(np.float64)): print(repr(w))").split("\n");
                double norm = 0;
                for (String s : ref) {
                    norm = Math.max(norm, Math.abs(Double.parseDouble(s.trim())));
                }
                try (Matrix q = a.copy(t)) {
                    double[] w = new double[n];
                    assertEquals(0, b.syevd(q, w));
                    double tol = 10 * n * u(t) * norm;
                    for (int j = 0; j < n; j++) {
                        assertEquals(Double.parseDouble(ref[j].trim()), w[j], tol, t + " eigenvalue " + j);
                        double res = 0;
                        for (int i = 0; i < n; i++) {
                            double s = -w[j] * q.get(j, i);
                            for (int k = 0; k < n; k++) {
                                s += a.get(i, k) * q.get(j, k);
                            }
                            res = Math.max(res, Math.abs(s));
                        }
                        assertTrue(res <= tol, t + " residual of eigenvector " + j + ": " + res + " > " + tol);
                        for (int l = 0; l <= j; l++) {
                            double dot = 0;
                            for (int i = 0; i < n; i++) {
                                dot += q.get(j, i) * q.get(l, i);
                            }
                            assertEquals(l == j ? 1 : 0, dot, 10 * n * u(t), t + " q_" + j + "·q_" + l);
                        }
                    }
                }
            }
        }
    }
}
