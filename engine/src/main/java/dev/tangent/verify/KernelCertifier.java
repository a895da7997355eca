package dev.tangent.verify;

import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.Parallel;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.machine.KernelMachine;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The certificate of a kernel machine f(x) = Σ_i α_i K(x, x_i) + b (spec §6.3): with s the sign of the clean score,
 * f is certified at radius δ when s·f_bound(δ) ≥ 0, where f_bound takes each term's kernel bound in the worst
 * direction (K_L for s·α_i &gt; 0, K_U for s·α_i &lt; 0) from {@link IntervalKernel}. Terms with α_i = 0 are dropped at
 * construction, so a sparse SVM costs only its support vectors. The largest certified δ is found by
 * {@link BinarySearch}; test points are certified in parallel, one point per task, after their inner products with
 * the support vectors come from the provider (the inner-product kernel of a block of points).
 */
public final class KernelCertifier implements AutoCloseable {
    private final KernelSpec spec;
    private final IntervalKernel.NanMode mode;
    private final double bias;
    private final int d;
    /** support vectors (α_i ≠ 0), f64 */
    private final Matrix sv;
    private final double[] alpha;
    private final double[] norm;
    private final double[] sq;

    public KernelCertifier(KernelMachine km, IntervalKernel.NanMode mode) {
        this(km.spec(), mode, km.alpha(), km.xTrain(), km.b());
    }

    public KernelCertifier(KernelSpec spec, IntervalKernel.NanMode mode, double[] alphaAll, Matrix xTrain, double bias) {
        this.spec = spec;
        this.mode = mode;
        this.bias = bias;
        this.d = xTrain.cols();
        int n = 0;
        for (double a : alphaAll) {
            n += a != 0 ? 1 : 0;
        }
        alpha = new double[n];
        norm = new double[n];
        sq = new double[n];
        sv = Matrix.allocate(Math.max(n, 1), d, DType.F64);
        int k = 0;
        for (int i = 0; i < alphaAll.length; i++) {
            if (alphaAll[i] != 0) {
                alpha[k] = alphaAll[i];
                double s = 0;
                for (int j = 0; j < d; j++) {
                    double v = xTrain.get(i, j);
                    sv.set(k, j, v);
                    s += v * v;
                }
                sq[k] = s;
                norm[k] = Math.sqrt(s);
                k++;
            }
        }
    }

    /** Number of support vectors (α_i ≠ 0). */
    public int supportVectors() {
        return alpha.length;
    }

    /**
     * The clean score f(x) from the inner products {@code dots} with the support vectors and ‖x‖²: paper A's closed form
     * (cosine clipped to [−1, 1]) for the two-layer NTK, the scalar recursion otherwise.
     */
    public double score(double[] dots, double xx) {
        double g = 0;
        boolean two = IntervalKernel.isTwoLayerNtk(spec);
        double w4 = two ? IntervalKernel.twoLayerScale(spec) : 1;
        for (int i = 0; i < alpha.length; i++) {
            double k = two ? w4 * NtkRecursion.twoLayerClosedForm(dots[i], xx, sq[i], d)
                    : NtkRecursion.pair(spec, dots[i], xx, sq[i], d).of(spec.kind());
            g += alpha[i] * k;
        }
        return g + bias;
    }

    /** s·f_bound(δ): the certified margin at radius δ (lo, hi: scratch of length {@link #supportVectors()}). */
    public double margin(double[] dots, double xx, double sign, double delta, double[] lo, double[] hi) {
        IntervalKernel.bounds(spec, mode, xx, delta, d, dots, norm, alpha.length, lo, hi);
        double g = bias;
        if (sign > 0) {
            for (int i = 0; i < alpha.length; i++) {
                double a = alpha[i];
                g += a * (a > 0 ? lo[i] : hi[i]);
            }
        } else {
            for (int i = 0; i < alpha.length; i++) {
                double a = alpha[i];
                g += a * (a > 0 ? hi[i] : lo[i]);
            }
        }
        return sign * g;
    }

    /** One point's result: its clean score and search outcome. */
    public record Point(double score, BinarySearch.Outcome outcome) implements java.io.Serializable {
    }

    /** Receives (points done, total). */
    @FunctionalInterface
    public interface Progress {
        void done(int points, int total);
    }

    /**
     * Test points per block of kernel rows for a model of {@code supportVectors}: at most 2048, the block's f64 kernel
     * rows at most 128 MiB. Points certified apart in parts that start on multiples of this (a cluster's partitions)
     * get the results of one run bit for bit (the same GEMM calls on the same rows).
     */
    public static int blockRows(int supportVectors) {
        return (int) Math.min(2048, (128L << 20) / (8L * Math.max(1, supportVectors)));
    }

    /**
     * Certifies every row of {@code x} (f64 or f32, the model's features).
     *
     * @param labels      ±1 targets, or null
     * @param onlyCorrect skip (status SKIPPED) points whose clean sign differs from their label
     * @param cfg         the search, or null for clean scores only (status NONE, radius NaN)
     */
    public Point[] certify(KernelProvider provider, int threads, Matrix x, double[] labels, boolean onlyCorrect, BinarySearch.Config cfg,
                           Progress progress) {
        int m = x.rows();
        int n = alpha.length;
        Point[] out = new Point[m];
        int block = Math.max(1, Math.min(m, blockRows(n)));
        AtomicInteger done = new AtomicInteger();
        try (Matrix xb = Matrix.allocate(block, d, DType.F64)) {
            for (int r0 = 0; r0 < m; r0 += block) {
                int rows = Math.min(block, m - r0);
                x.rows(r0, rows).copyInto(xb.rows(0, rows));
                KernelMatrix p = n > 0 ? provider.gram(KernelSpec.innerProduct(), xb.rows(0, rows), sv, DType.F64,
                        KernelProvider.Progress.NONE) : null;
                int base = r0;
                AtomicInteger next = new AtomicInteger();
                Runnable worker = () -> {
                    double[] dots = new double[n];
                    double[] lo = new double[n];
                    double[] hi = new double[n];
                    for (int i; (i = next.getAndIncrement()) < rows; ) {
                        double xx = 0;
                        for (int j = 0; j < d; j++) {
                            double v = xb.get(i, j);
                            xx += v * v;
                        }
                        for (int k = 0; k < n; k++) {
                            dots[k] = p.get(i, k);
                        }
                        out[base + i] = certifyOne(dots, xx, labels == null ? Double.NaN : labels[base + i], onlyCorrect, cfg, lo, hi);
                        if (progress != null) {
                            progress.done(done.incrementAndGet(), m);
                        }
                    }
                };
                try {
                    Parallel.run(threads, "tangent-certify", worker);
                } finally {
                    if (p != null) {
                        p.close();
                    }
                }
            }
        }
        return out;
    }

    Point certifyOne(double[] dots, double xx, double label, boolean onlyCorrect, BinarySearch.Config cfg, double[] lo, double[] hi) {
        double g0 = score(dots, xx);
        double s = Math.signum(g0);
        if (onlyCorrect && s != label) {
            return new Point(g0, new BinarySearch.Outcome(Double.NaN, 0, BinarySearch.Status.SKIPPED));
        }
        if (s == 0 || Double.isNaN(s)) {
            return new Point(g0, new BinarySearch.Outcome(Double.NaN, 0, BinarySearch.Status.UNCERTIFIABLE));
        }
        if (cfg == null) {
            return new Point(g0, new BinarySearch.Outcome(Double.NaN, 0, BinarySearch.Status.NONE));
        }
        return new Point(g0, BinarySearch.run(cfg, delta -> margin(dots, xx, s, delta, lo, hi)));
    }

    @Override
    public void close() {
        sv.close();
    }
}
