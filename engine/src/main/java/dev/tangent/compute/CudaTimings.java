package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The GPU benchmark of issue 18's first acceptance line: the CUDA provider's Gram K(X, X) against the bare cuBLAS SYRK
 * of the same X on the same device, and its agreement with the CPU provider. Timed, after warm-up, alternating the two:
 * <ul>
 *   <li>{@code gram}: the provider's {@code gram} from host X to K resident on the device, wall clock (norms and tables
 *   on the host, the upload of X, SYRK, the fused map and mirror);</li>
 *   <li>{@code gramDevice}: the device part of it alone (SYRK + map), by CUDA events;</li>
 *   <li>{@code syrk}: cuBLAS SYRK of X already on the device into the lower triangle of K, by CUDA events;</li>
 *   <li>{@code syrkUpload}: the upload of X plus that SYRK, wall clock (what a caller holding X on the host pays for
 *   the bare SYRK).</li>
 * </ul>
 * TFLOP/s count n²·d flops (SYRK does n(n+1)/2·d multiply-adds of 2 flops each). {@code maxDiff} is the
 * largest |GPU − CPU| over {@code checkRows} evenly spaced rows ({@link #sampledRows}; K(X_S, X) on the CPU provider)
 * and {@code maxAbs} the largest |K| there.
 * Used by bench/CudaGramBenchmark (scripts/gpu-check.sh); needs a GPU.
 */
public final class CudaTimings {
    private CudaTimings() {
    }

    public record Result(String device, int n, int d, String kernel, DType dtype, double[] gram, double[] gramDevice, double[] syrk,
                         double[] syrkUpload, double maxDiff, double maxAbs, int checkedRows) {
        public static double median(double[] s) {
            double[] c = s.clone();
            Arrays.sort(c);
            int k = c.length;
            return k == 0 ? Double.NaN : k % 2 == 1 ? c[k / 2] : (c[k / 2 - 1] + c[k / 2]) / 2;
        }

        /** n²·d flops over seconds, in TFLOP/s. */
        public double tflops(double seconds) {
            return (double) n * n * d / seconds / 1e12;
        }
    }

    /**
     * @param x points of the Gram (n × d, in {@code dtype}); null for uniform [0, 1) data from {@code seed}
     */
    public static Result gramVsSyrk(KernelProvider provider, KernelSpec spec, Matrix x, int n, int d, DType dtype, int warmup, int reps,
                                    long seed, int checkRows, Path rowsOut) {
        if (!(provider instanceof CudaProvider cuda)) {
            throw new TangentException("the GPU benchmark needs --backend cuda, found " + provider.name());
        }
        CudaDevice dev = cuda.device();
        Matrix own = null;
        if (x == null) {
            own = Matrix.allocate(n, d, dtype);
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    own.set(i, j, r.nextDouble());
                }
            }
            x = own;
        }
        n = x.rows();
        d = x.cols();
        boolean f64 = dtype == DType.F64;
        double[] gram = new double[reps];
        double[] gramDevice = new double[reps];
        double[] syrk = new double[reps];
        double[] syrkUpload = new double[reps];
        double maxDiff = 0;
        double maxAbs = 0;
        try {
            for (int k = 0; k < warmup + reps; k++) {
                float[] ms = new float[1];
                long t0 = System.nanoTime();
                KernelMatrix km = cuda.gram(spec, x, null, dtype, KernelProvider.Progress.NONE, true, ms);
                long t1 = System.nanoTime();
                if (!(km instanceof CudaKernelMatrix)) {
                    km.close();
                    throw new TangentException("a " + n + " x " + n + " " + dtype + " Gram does not fit the GPU's memory; choose a smaller n");
                }
                if (k == warmup + reps - 1) {
                    double[] diff = check(cuda, spec, x, dtype, km, checkRows, rowsOut);
                    maxDiff = diff[0];
                    maxAbs = diff[1];
                }
                km.close();
                double[] s = syrk(dev, x, f64);
                if (k >= warmup) {
                    gram[k - warmup] = (t1 - t0) / 1e9;
                    gramDevice[k - warmup] = ms[0] / 1e3;
                    syrk[k - warmup] = s[0];
                    syrkUpload[k - warmup] = s[1];
                }
            }
        } finally {
            if (own != null) {
                own.close();
            }
        }
        return new Result(dev.describe(), n, d, spec.toString(), dtype, gram, gramDevice, syrk, syrkUpload, maxDiff, maxAbs,
                Math.min(checkRows, n));
    }

    /** {SYRK seconds by events with X on the device, upload + SYRK seconds by wall clock}. */
    private static double[] syrk(CudaDevice dev, Matrix x, boolean f64) {
        int n = x.rows();
        int d = x.cols();
        synchronized (dev) {
            dev.enter();
            long t0 = System.nanoTime();
            try (CudaDevice.Buffer bx = CudaGram.upload(dev, x); CudaDevice.Buffer k = dev.alloc((long) n * n * x.dtype().bytes())) {
                MemorySegment e0 = dev.event();
                MemorySegment e1 = dev.event();
                try {
                    dev.record(e0, dev.stream);
                    dev.syrkLower(f64, n, d, bx.ptr, d, k.ptr, n);
                    dev.record(e1, dev.stream);
                    dev.sync();
                    long t1 = System.nanoTime();
                    return new double[] {dev.elapsed(e0, e1) / 1e3, (t1 - t0) / 1e9};
                } finally {
                    dev.destroy(e0);
                    dev.destroy(e1);
                }
            }
        }
    }

    /**
     * {max |a − b|, max |b|} over two matrices of one shape, and whether {@code a} is exactly symmetric (1) or not (0)
     * when it is square: how every GPU result is judged against the CPU provider's {@code b}.
     */
    public static double[] difference(Matrix a, Matrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException("shapes differ: " + a + " and " + b);
        }
        double max = 0;
        double diff = 0;
        boolean symmetric = a.rows() == a.cols();
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                max = Math.max(max, Math.abs(b.get(i, j)));
                diff = Math.max(diff, Math.abs(a.get(i, j) - b.get(i, j)));
                symmetric &= a.rows() != a.cols() || a.get(i, j) == a.get(j, i);
            }
        }
        return new double[] {diff, max, symmetric ? 1 : 0};
    }

    /** The rows the benchmarks compare: {@code rows} evenly spaced rows, ⌊a·n/rows⌋ (bench/peers use the same). */
    public static int[] sampledRows(int n, int rows) {
        rows = Math.min(rows, n);
        int[] idx = new int[rows];
        for (int a = 0; a < rows; a++) {
            idx[a] = (int) ((long) a * n / rows);
        }
        return idx;
    }

    /**
     * {max |GPU − CPU|, max |K|} over the sampled rows, the CPU side from the provider's host provider; the device's
     * rows are written to {@code rowsOut} (a .npy) when it is not null.
     */
    private static double[] check(CudaProvider cuda, KernelSpec spec, Matrix x, DType dtype, KernelMatrix km, int rows, Path rowsOut) {
        int n = x.rows();
        int[] idx = sampledRows(n, rows);
        rows = idx.length;
        if (rows == 0) {
            return new double[] {0, 0};
        }
        double diff = 0;
        double max = 0;
        try (Matrix xs = Matrix.allocate(rows, x.cols(), dtype); Matrix dev = Matrix.allocate(rows, n, dtype);
             Matrix cpu = Matrix.allocate(rows, n, dtype)) {
            for (int a = 0; a < rows; a++) {
                x.rows(idx[a], 1).copyInto(xs.rows(a, 1));
                km.copyRows(idx[a], dev.rows(a, 1));
            }
            cuda.host().gramInto(spec, xs, x, cpu, KernelProvider.Progress.NONE);
            if (rowsOut != null) {
                Npy.write(rowsOut, dev);
            }
            double[] dm = difference(dev, cpu);
            return new double[] {dm[0], dm[1]};
        }
    }
}
