package dev.tangent.compute;

import dev.tangent.GpuTest;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.verify.IntervalKernel;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA provider against the CPU provider on a machine with an NVIDIA GPU (the {@code gpu} tier:
 * scripts/gpu-check.sh, or {@code mvn verify -Pgpu}; skipped elsewhere). Every GPU result is compared with the CPU
 * provider's within 1e-10 (f64) or 1e-4 (f32) of the largest entry: the device computes the same inner products in
 * another summation order (relative differences of the order of d·ε) and the same rules with the device's atan2 and
 * sqrt (an ulp), so a correct device stays many orders below these bounds and a wrong index or layout does not.
 */
class CudaProviderGpuTest {
    static final int THREADS = 4;

    @TempDir
    Path dir;

    private static CudaProvider cuda() {
        return (CudaProvider) KernelProviders.select("cuda", THREADS).provider();
    }

    private static Matrix points(int n, int d, DType dt, long seed, boolean nonNegative) {
        SplittableRandom r = new SplittableRandom(seed);
        Matrix x = Matrix.allocate(n, d, dt);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x.set(i, j, nonNegative ? r.nextDouble() : r.nextDouble(-1, 1));
            }
        }
        if (n > 3) {
            for (int j = 0; j < d; j++) {
                x.set(1, j, 0); // a zero point
                x.set(2, j, -x.get(0, j)); // an antipodal pair
            }
        }
        return x;
    }

    private static double tol(DType dt) {
        return dt == DType.F64 ? 1e-10 : 1e-4;
    }

    /** max |a − b| ≤ tol·max|b| over two host matrices, and exact symmetry of {@code a} when asked. */
    private static void assertClose(Matrix a, Matrix b, double tol, boolean symmetric, String what) {
        double[] dm = CudaTimings.difference(a, b);
        assertTrue(!symmetric || dm[2] == 1, what + ": K(X, X) exactly symmetric");
        assertTrue(dm[0] <= tol * dm[1], what + ": max |GPU - CPU| = " + dm[0] + " of max |K| = " + dm[1]);
        System.out.printf("%s: max |GPU - CPU| = %.2e of max |K| = %.3e (%.1e)%n", what, dm[0], dm[1], dm[0] / dm[1]);
    }

    private static Matrix host(KernelMatrix k) {
        Matrix m = Matrix.allocate(k.rows(), k.cols(), k.dtype());
        k.copyRows(0, m);
        return m;
    }

    @GpuTest
    void gramsAgreeWithTheCpuProvider() {
        CudaProvider gpu = cuda();
        KernelProvider cpu = gpu.host();
        String[] specs = {"ntk:dense,relu,dense", "ntk:dense,relu,dense,relu,dense", "nngp:dense,relu,dense,relu,dense,relu,dense",
                "ntk:dense(1.3,0.2),relu,dense(0.9,0.4),relu,dense", "nngp:dense(1,0.3),erf,dense", "ntk:dense,leaky_relu(0.1),dense",
                "ntk2", "rf2", "poly(1,3)"};
        for (String s : specs) {
            KernelSpec spec = KernelSpec.parse(s);
            for (DType dt : DType.values()) {
                for (int[] nd : new int[][] {{1, 3}, {31, 5}, {100, 9}, {257, 784}, {1000, 40}}) {
                    try (Matrix x = points(nd[0], nd[1], dt, 31L * nd[0] + nd[1], s.startsWith("ntk:dense,relu,dense,"));
                         Matrix y = points(77, nd[1], dt, 5, false)) {
                        for (boolean resident : new boolean[] {true, false}) {
                            String what = spec + " " + dt + " n = " + nd[0] + ", d = " + nd[1] + (resident ? " resident" : " panels");
                            try (KernelMatrix kg = gpu.gram(spec, x, null, dt, KernelProvider.Progress.NONE, resident, null);
                                 KernelMatrix kc = cpu.gram(spec, x, null, dt, KernelProvider.Progress.NONE);
                                 Matrix a = host(kg); Matrix b = host(kc)) {
                                assertEquals(resident, kg instanceof CudaKernelMatrix, what + ": kept on the device when resident");
                                assertClose(a, b, tol(dt), true, what + " K(X, X)");
                            }
                            try (KernelMatrix kg = gpu.gram(spec, x, y, dt, KernelProvider.Progress.NONE, resident, null);
                                 KernelMatrix kc = cpu.gram(spec, x, y, dt, KernelProvider.Progress.NONE);
                                 Matrix a = host(kg); Matrix b = host(kc)) {
                                assertClose(a, b, tol(dt), false, what + " K(X, Y)");
                            }
                        }
                    }
                }
            }
        }
    }

    @GpuTest
    void panelsOfEveryHeightGiveTheResidentGram() {
        CudaProvider gpu = cuda();
        KernelSpec spec = KernelSpec.ntk(2);
        for (DType dt : DType.values()) {
            try (Matrix x = points(1111, 50, dt, 3, true);
                 KernelMatrix resident = gpu.gram(spec, x, null, dt, KernelProvider.Progress.NONE, true, null);
                 Matrix want = host(resident)) {
                for (int h : new int[] {32, 96, 512, 1120}) {
                    try (Matrix out = Matrix.allocate(1111, 1111, dt)) {
                        CudaMaps.Tables t = CudaMaps.tables(spec, CpuProvider.homogeneous(spec), PanelGram.squaredNorms(x),
                                PanelGram.squaredNorms(x), 50, dt);
                        synchronized (gpu.device()) {
                            gpu.device().enter();
                            CudaPlan plan = new CudaPlan(false, h, (1111 + h - 1) / h, 0, 0);
                            CudaGram.panels(gpu.device(), t, x, null, out, plan, THREADS, KernelProvider.Progress.NONE);
                        }
                        // the same products in other blocks: GEMM vs SYRK rounding, nothing more
                        assertClose(out, want, dt == DType.F64 ? 1e-13 : 1e-6, true, spec + " " + dt + " panels of " + h);
                    }
                }
            }
        }
    }

    @GpuTest
    void writeGramStreamsIntoTheNpyFile() {
        CudaProvider gpu = cuda();
        KernelSpec spec = KernelSpec.parse("ntk:dense(1,0.1),relu,dense(1,0.1),relu,dense");
        for (DType dt : DType.values()) {
            Path f = dir.resolve("K-" + dt + ".npy");
            try (Matrix x = points(3000, 20, dt, 9, false)) {
                gpu.writeGram(spec, x, null, dt, f, KernelProvider.Progress.NONE);
                try (Matrix a = Npy.readMatrix(f, dt, "--out"); KernelMatrix kc = gpu.host().gram(spec, x, null, dt, KernelProvider.Progress.NONE);
                     Matrix b = host(kc)) {
                    assertClose(a, b, tol(dt), true, spec + " " + dt + " written by panels");
                }
            }
        }
    }

    @GpuTest
    void aKernelOnTheDeviceServesRowsGathersAndProducts() {
        CudaProvider gpu = cuda();
        KernelSpec spec = KernelSpec.ntk(1);
        for (DType dt : DType.values()) {
            try (Matrix x = points(600, 30, dt, 17, false);
                 KernelMatrix kg = gpu.gram(spec, x, null, dt, KernelProvider.Progress.NONE);
                 KernelMatrix kc = gpu.host().gram(spec, x, null, dt, KernelProvider.Progress.NONE)) {
                assertTrue(kg instanceof CudaKernelMatrix);
                double max = Math.abs(kc.get(0, 0));
                double tol = tol(dt) * 1e2 * max; // K ≤ its diagonal scale: 1e2·K(0, 0) bounds max|K| for these points
                for (int i : new int[] {0, 599, 17, 0, 333, 17, 598, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
                    MemorySegment rg = kg.row(i);
                    MemorySegment rc = kc.row(i);
                    MemorySegment prev = kg.row(i == 0 ? 1 : i - 1);
                    assertEquals(600L * dt.bytes(), rg.byteSize());
                    for (int j = 0; j < 600; j += 7) {
                        double g = dt == DType.F64 ? rg.getAtIndex(ValueLayout.JAVA_DOUBLE, j) : rg.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                        double c = dt == DType.F64 ? rc.getAtIndex(ValueLayout.JAVA_DOUBLE, j) : rc.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                        assertEquals(c, g, tol, "row " + i + ", column " + j + " (the previous row's segment is still valid)");
                        assertEquals(kg.get(i, j), g, 0.0);
                    }
                    assertTrue(prev.byteSize() > 0);
                }
                int[] rs = {5, 0, 599, 5};
                int[] cs = {598, 3, 3, 0, 250};
                try (Matrix gg = Matrix.allocate(4, 5, DType.F64); Matrix gc = Matrix.allocate(4, 5, DType.F64)) {
                    kg.gather(rs, cs, gg);
                    kc.gather(rs, cs, gc);
                    assertClose(gg, gc, tol(dt), false, dt + " gather");
                }
                double[] v = new SplittableRandom(2).doubles(600, -1, 1).toArray();
                double[] og = new double[600];
                double[] oc = new double[600];
                kg.multiply(v, og);
                kc.multiply(v, oc);
                try (Matrix a = Matrix.of(600, 1, DType.F64, og); Matrix b = Matrix.of(600, 1, DType.F64, oc)) {
                    assertClose(a, b, tol(dt), false, dt + " K·v");
                }
                try (Matrix vv = points(600, 7, DType.F64, 4, false); Matrix og2 = Matrix.allocate(600, 7, DType.F64);
                     Matrix oc2 = Matrix.allocate(600, 7, DType.F64)) {
                    kg.multiply(vv, og2);
                    kc.multiply(vv, oc2);
                    assertClose(og2, oc2, tol(dt), false, dt + " K·V");
                }
                try (Matrix part = Matrix.allocate(10, 600, DType.F64); Matrix want = Matrix.allocate(10, 600, DType.F64)) {
                    kg.copyRows(123, part);
                    kc.copyRows(123, want);
                    assertClose(part, want, tol(dt), false, dt + " copyRows with conversion");
                }
            }
        }
    }

    @GpuTest
    void shiftedSolvesAgreeWithTheHostsCholesky() {
        CudaProvider gpu = cuda();
        KernelSpec spec = KernelSpec.ntk(2);
        for (DType dt : DType.values()) {
            try (Matrix x = points(700, 25, dt, 8, false);
                 KernelMatrix kg = gpu.gram(spec, x, null, dt, KernelProvider.Progress.NONE);
                 KernelMatrix kc = gpu.host().gram(spec, x, null, dt, KernelProvider.Progress.NONE);
                 Matrix bg = points(700, 3, DType.F64, 6, false); Matrix bc = bg.copy(DType.F64)) {
                assertEquals(0, gpu.solveShifted(kg, 0.1, bg));
                assertEquals(0, gpu.host().solveShifted(kc, 0.1, bc));
                // κ(K + 0.1·I) ≤ (λ_max + 0.1)/0.1 ≈ 1e4 here: agreement to 1e-10 of max|x| (f64 K) needs no more than that;
                // an f32 K differs from the host's by 1e-7 relative, amplified by κ
                assertClose(bg, bc, dt == DType.F64 ? 1e-10 : 1e-2, false, dt + " (K + 0.1 I) \\ B");
                // not positive definite: both report the order of the failing minor
                try (Matrix b1 = Matrix.allocate(700, 1, DType.F64); Matrix b2 = Matrix.allocate(700, 1, DType.F64)) {
                    int ig = gpu.solveShifted(kg, -1e6, b1);
                    int ic = gpu.host().solveShifted(kc, -1e6, b2);
                    assertEquals(ic, ig, "info of a matrix that is not positive definite");
                    assertTrue(ig > 0);
                }
            }
            try (Matrix k = Matrix.of(2, 2, dt, 2, 1, 1, 2); KernelMatrix km = gpu.adopt(k); Matrix b = Matrix.of(2, 1, DType.F64, 1, 1)) {
                assertEquals(0, gpu.solveShifted(km, 1, b)); // (K + I) x = 1: x = 1/4
                assertEquals(0.25, b.get(0, 0), 1e-15);
                assertEquals(0.25, b.get(1, 0), 1e-15);
            }
        }
    }

    @GpuTest
    void intervalBoundsAndMarginsAreIntervalKernels() {
        CudaProvider gpu = cuda();
        int d = 784;
        int m = 40;
        int n = 1500;
        SplittableRandom r = new SplittableRandom(12);
        for (String s : new String[] {"ntk:dense,relu,dense", "ntk:dense,relu,dense,relu,dense", "nngp:dense(1.2,0.3),relu,dense"}) {
            KernelSpec spec = KernelSpec.parse(s);
            boolean two = IntervalKernel.isTwoLayerNtk(spec);
            for (IntervalKernel.NanMode mode : two ? IntervalKernel.NanMode.values() : new IntervalKernel.NanMode[] {IntervalKernel.NanMode.SOUND}) {
                int dm = !two ? CudaIntervals.RECURSION : mode == IntervalKernel.NanMode.SOUND ? CudaIntervals.TWO_LAYER_SOUND
                        : CudaIntervals.TWO_LAYER_REFERENCE;
                CudaIntervals ci = new CudaIntervals(gpu.device(), spec, dm, 1, d);
                double[] xx = new double[m];
                double[] delta = new double[m];
                double[] sign = new double[m];
                double[] norm = new double[n];
                double[] alpha = new double[n];
                for (int i = 0; i < n; i++) {
                    norm[i] = r.nextDouble(1, 12);
                    alpha[i] = r.nextDouble(-1, 1);
                }
                try (Matrix dots = Matrix.allocate(m, n, DType.F64); Matrix lo = Matrix.allocate(m, n, DType.F64);
                     Matrix hi = Matrix.allocate(m, n, DType.F64)) {
                    for (int p = 0; p < m; p++) {
                        xx[p] = r.nextDouble(5, 120);
                        delta[p] = p % 5 == 0 ? 0 : Math.pow(10, r.nextDouble(-4, -0.5));
                        sign[p] = p % 2 == 0 ? 1 : -1;
                        for (int i = 0; i < n; i++) {
                            dots.set(p, i, r.nextDouble(-1, 1) * norm[i] * Math.sqrt(xx[p]));
                        }
                    }
                    ci.bounds(dots, xx, delta, norm, lo, hi);
                    double[] margins = ci.margins(dots, xx, delta, sign, norm, alpha, 0.3);
                    for (int p = 0; p < m; p++) {
                        double[] l = new double[n];
                        double[] h = new double[n];
                        IntervalKernel.bounds(spec, mode, xx[p], delta[p], d, dots.row(p), norm, n, l, h);
                        double g = 0.3;
                        double scale = 0;
                        for (int i = 0; i < n; i++) {
                            double sc = Math.max(Math.max(Math.abs(l[i]), Math.abs(h[i])), Math.sqrt(xx[p]) * norm[i] / d);
                            assertEquals(l[i], lo.get(p, i), 1e-12 * sc, spec + " " + mode + " lo at " + p + ", " + i);
                            assertEquals(h[i], hi.get(p, i), 1e-12 * sc, spec + " " + mode + " hi at " + p + ", " + i);
                            double a = alpha[i];
                            g += a * ((sign[p] > 0) == (a > 0) ? l[i] : h[i]);
                            scale += Math.abs(a) * Math.max(Math.abs(l[i]), Math.abs(h[i]));
                        }
                        // the device sums in another order: n·ε of Σ|α_i K_i|
                        assertEquals(sign[p] * g, margins[p], n * 1.2e-16 * scale + 1e-15, spec + " " + mode + " margin of point " + p);
                    }
                }
            }
        }
    }
}
