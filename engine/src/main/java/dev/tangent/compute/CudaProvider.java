package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The CUDA provider: kernel matrices computed on an NVIDIA GPU (cuBLAS SYRK/GEMM for the inner products, the fused map
 * kernels of native/ for the kernel values and the mirror, {@link CudaGram}) and kept in device memory
 * ({@link CudaKernelMatrix}) when they fit, else streamed in row panels into host memory ({@link CudaPlan}); shifted
 * solves by cuSOLVER's Cholesky on the device. What it does not run on the device it hands to a host provider (the CPU
 * provider {@code auto} picks): the dense algebra of networks and data transforms ({@link #backend()}), kernel specs
 * with a layer the device kernels do not know, and solves larger than the device's memory.
 *
 * <p>It is only offered after a self-test: small Grams (homogeneous and layered maps, both dtypes, resident and in
 * panels) and a solve are compared with the host provider when the device is first opened; a device that disagrees is
 * reported as unavailable with the discrepancy, so {@code auto} never picks a provider that computes wrong values.
 */
final class CudaProvider implements KernelProvider {
    private static String selfTest;

    private final CudaDevice dev;
    private final KernelProvider host;

    private CudaProvider(CudaDevice dev, KernelProvider host) {
        this.dev = dev;
        this.host = host;
    }

    /**
     * The provider on this machine's GPU with {@code host} for host-side work.
     *
     * @throws CudaDevice.CudaException with the reason when there is no usable GPU (no driver, no device, no cuBLAS or
     *                                  cuSOLVER, a failed self-test)
     */
    static CudaProvider open(KernelProvider host) {
        CudaDevice dev = CudaDevice.get();
        CudaProvider p = new CudaProvider(dev, host);
        synchronized (CudaProvider.class) {
            if (selfTest == null) {
                try {
                    selfTest = p.selfTest();
                } catch (RuntimeException e) {
                    selfTest = "the self-test failed: " + e.getMessage();
                }
            }
            if (!selfTest.isEmpty()) {
                throw new CudaDevice.CudaException(dev.name + ": " + selfTest, -1);
            }
        }
        return p;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "CUDA on " + dev.describe() + "; host work on " + host.description();
    }

    @Override
    public int threads() {
        return host.threads();
    }

    @Override
    public Backend backend() {
        return host.backend();
    }

    CudaDevice device() {
        return dev;
    }

    KernelProvider host() {
        return host;
    }

    /** The map tables of K(X, Y) in {@code dtype} (x, y already in it), or null when the spec has no device program. */
    private CudaMaps.Tables tables(KernelSpec spec, Matrix x, Matrix y, DType dtype) {
        double[] nx = squaredNorms(x);
        double[] ny = y == null ? nx : squaredNorms(y);
        HomogeneousMap hom = KernelProviders.vectorApiReadable() ? CpuProvider.homogeneous(spec) : null;
        return CudaMaps.tables(spec, hom, nx, ny, x.cols(), dtype);
    }

    /** {@link PanelGram#squaredNorms} in row blocks on the host threads (the one O(n·d) step of a Gram on the host). */
    private double[] squaredNorms(Matrix x) {
        int n = x.rows();
        int block = 1024;
        int blocks = (n + block - 1) / block;
        double[] out = new double[n];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Parallel.run(Math.min(threads(), Math.max(blocks, 1)), "tangent-cuda-norms", () -> {
            for (int b; (b = next.getAndIncrement()) < blocks; ) {
                int r0 = b * block;
                int h = Math.min(block, n - r0);
                System.arraycopy(PanelGram.squaredNorms(x.rows(r0, h)), 0, out, r0, h);
            }
        });
        return out;
    }

    private static void checkShapes(Matrix x, Matrix y) {
        if (y != null && x.cols() != y.cols()) {
            throw new TangentException("feature counts differ: " + x.cols() + " and " + y.cols());
        }
    }

    @Override
    public KernelMatrix gram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Progress progress) {
        return gram(spec, x, y, dtype, progress, true, null);
    }

    /**
     * @param allowResident false forces the panels (the self-test and the tests of the panel path)
     * @param deviceMs      receives the device time of a resident Gram, or null
     */
    KernelMatrix gram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Progress progress, boolean allowResident, float[] deviceMs) {
        checkShapes(x, y);
        Matrix xx = x.dtype() == dtype ? x : x.copy(dtype);
        Matrix yy = y == null || y == x ? null : y.dtype() == dtype ? y : y.copy(dtype);
        try {
            CudaMaps.Tables t = tables(spec, xx, yy, dtype);
            if (t == null) {
                return host.gram(spec, xx, yy, dtype, progress);
            }
            int n = xx.rows();
            int m = yy == null ? n : yy.rows();
            synchronized (dev) {
                dev.enter();
                CudaPlan r = allowResident ? CudaPlan.resident(n, m, xx.cols(), dtype, yy == null, t.layers(), dev.memory()[0]) : null;
                if (r != null) {
                    try {
                        KernelMatrix k = CudaGram.resident(dev, t, xx, yy, deviceMs);
                        progress.done(1, 1);
                        return k;
                    } catch (CudaDevice.CudaException e) {
                        if (!e.outOfMemory()) {
                            throw e;
                        }
                        // another process took the memory since the plan: stream the panels to the host instead
                    }
                }
            }
            Matrix out = Matrix.allocate(n, m, dtype);
            try {
                gramInto(spec, xx, yy, out, progress, t, allowResident ? 0 : 32);
            } catch (RuntimeException e) {
                out.close();
                throw e;
            }
            return host.adopt(out);
        } finally {
            if (xx != x) {
                xx.close();
            }
            if (yy != null && yy != y) {
                yy.close();
            }
        }
    }

    @Override
    public KernelMatrix adopt(Matrix k) {
        synchronized (dev) {
            dev.enter();
            long bytes = (long) k.rows() * k.cols() * k.dtype().bytes();
            if (bytes + CudaPlan.RESERVE > dev.memory()[0]) {
                return host.adopt(k);
            }
            return new CudaKernelMatrix(dev, CudaGram.upload(dev, k), k.rows(), k.cols(), k.dtype(), k);
        }
    }

    @Override
    public int panelRows() {
        return host.panelRows();
    }

    /** Row blocks of a block Gram run on the host provider (their bits are the host's, not the device's). */
    @Override
    public void gramPanelsInto(KernelSpec spec, Matrix x, int from, int to, Matrix out, Progress progress) {
        host.gramPanelsInto(spec, x, from, to, out, progress);
    }

    @Override
    public void gramInto(KernelSpec spec, Matrix x, Matrix y, Matrix out, Progress progress) {
        checkShapes(x, y);
        Matrix xx = x.dtype() == out.dtype() ? x : x.copy(out.dtype());
        Matrix yy = y == null || y == x ? null : y.dtype() == out.dtype() ? y : y.copy(out.dtype());
        try {
            PanelGram.check(xx, yy, out);
            CudaMaps.Tables t = tables(spec, xx, yy, out.dtype());
            if (t == null) {
                host.gramInto(spec, xx, yy, out, progress);
                return;
            }
            gramInto(spec, xx, yy, out, progress, t, 0);
        } finally {
            if (xx != x) {
                xx.close();
            }
            if (yy != null && yy != y) {
                yy.close();
            }
        }
    }

    /**
     * A kernel the device does not run goes to the host provider (row panels streamed in bounded memory); one it runs is
     * built whole in host memory from the device's panels ({@link #gramInto}; its size checked first), then written:
     * temp file, rename.
     */
    @Override
    public void writeGram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Path file, Progress progress) {
        checkShapes(x, y);
        if (CudaMaps.program(spec) == null) {
            host.writeGram(spec, x, y, dtype, file, progress);
            return;
        }
        int m = y == null ? x.rows() : y.rows();
        MemoryBudget.require(Matrix.byteSize(x.rows(), m, dtype),
                String.format(Locale.ROOT, "the %d x %d %s Gram written to %s", x.rows(), m, dtype, file));
        try (Matrix out = Matrix.allocate(x.rows(), m, dtype)) {
            gramInto(spec, x, y, out, progress);
            Npy.write(file, out);
        }
    }

    /** @param panel rows per panel, or 0 for as many as memory allows */
    private void gramInto(KernelSpec spec, Matrix x, Matrix y, Matrix out, Progress progress, CudaMaps.Tables t, int panel) {
        int n = x.rows();
        int m = y == null ? n : y.rows();
        synchronized (dev) {
            dev.enter();
            CudaPlan plan = CudaPlan.panels(n, m, x.cols(), out.dtype(), y == null, t.layers(), dev.memory()[0], CudaPlan.STAGING);
            if (panel > 0 && panel < plan.panel()) {
                plan = new CudaPlan(false, panel, (n + panel - 1) / panel, plan.deviceBytes(), plan.stagingBytes());
            }
            CudaGram.panels(dev, t, x, y, out, plan, threads(), progress);
        }
    }

    @Override
    public int solveShifted(KernelMatrix k, double shift, Matrix b) {
        if (k.rows() != k.cols() || b.rows() != k.rows()) {
            throw new TangentException("solve: K is " + k.rows() + " x " + k.cols() + " and the right-hand side has " + b.rows() + " rows");
        }
        int n = k.rows();
        int m = b.cols();
        if (n == 0 || m == 0) {
            return 0;
        }
        synchronized (dev) {
            dev.enter();
            long need = 8L * n * n + 16L * n * m;
            if (need + CudaPlan.RESERVE + (k instanceof CudaKernelMatrix ? 0 : (long) n * n * k.dtype().bytes()) > dev.memory()[0]) {
                return host.solveShifted(k, shift, b);
            }
            try (CudaDevice.Buffer a = dev.alloc(8L * n * n);
                 CudaDevice.Buffer rhs = dev.alloc(8L * n * m);
                 CudaDevice.Buffer col = dev.alloc(8L * n * m);
                 Matrix b64 = b.dtype() == DType.F64 ? null : b.copy(DType.F64)) {
                if (k instanceof CudaKernelMatrix ck && ck.dev == dev) {
                    dev.kernels.shifted(ck.dtype() == DType.F64, ck.k.ptr, n, a.ptr, n, n, n, shift);
                } else {
                    try (Matrix h = Matrix.allocate(n, n, DType.F64)) {
                        k.copyRows(0, h);
                        dev.copyIn(a.ptr, h.segment(), 8L * n * n);
                    }
                    dev.kernels.shifted(true, a.ptr, n, a.ptr, n, n, n, shift);
                }
                Matrix bb = b64 == null ? b : b64;
                dev.copy2D(false, rhs.ptr, 8L * m, bb.segment().asSlice(bb.offset()), bb.ld() * 8, 8L * m, n, dev.stream);
                dev.kernels.transpose(rhs.ptr, m, col.ptr, n, n, m); // row-major n × m → column-major n × m
                int info = dev.choleskySolve(n, a.ptr, m, col.ptr);
                if (info != 0) {
                    return info;
                }
                dev.kernels.transpose(col.ptr, n, rhs.ptr, m, m, n);
                dev.copy2D(true, rhs.ptr, 8L * m, bb.segment().asSlice(bb.offset()), bb.ld() * 8, 8L * m, n, dev.stream);
                dev.sync();
                if (b64 != null) {
                    b64.copyInto(b);
                }
                return 0;
            }
        }
    }

    /**
     * Compares small Grams and a solve with the host provider: "" when they agree within 1e-10 (f64) and 1e-4 (f32) of
     * the largest entry (the tolerances of the GPU tests; a correct device differs by rounding, about 1e-15 and 1e-7),
     * else what disagreed.
     */
    private String selfTest() {
        SplittableRandom r = new SplittableRandom(20261124);
        int n = 100;
        int d = 9;
        try (Matrix x = Matrix.allocate(n, d, DType.F64); Matrix z = Matrix.allocate(37, d, DType.F64)) {
            for (int i = 0; i < n - 1; i++) { // the last point is zero
                for (int j = 0; j < d; j++) {
                    x.set(i, j, r.nextDouble(-1, 1));
                }
            }
            for (int i = 0; i < z.rows(); i++) {
                for (int j = 0; j < d; j++) {
                    z.set(i, j, r.nextDouble(-1, 1));
                }
            }
            for (String s : new String[] {"ntk:dense,relu,dense,relu,dense", "nngp:dense(1.2,0.3),erf,dense,leaky_relu(0.1),dense(1,0.1)"}) {
                KernelSpec spec = KernelSpec.parse(s);
                for (DType dt : DType.values()) {
                    double tol = dt == DType.F64 ? 1e-10 : 1e-4;
                    for (boolean resident : new boolean[] {true, false}) {
                        String bad = compare(spec, x, null, dt, resident, tol);
                        bad = bad.isEmpty() ? compare(spec, x, z, dt, resident, tol) : bad;
                        if (!bad.isEmpty()) {
                            return bad;
                        }
                    }
                }
            }
            KernelSpec spec = KernelSpec.ntk(2);
            try (KernelMatrix kd = gram(spec, x, null, DType.F64, Progress.NONE);
                 KernelMatrix kh = host.gram(spec, x, null, DType.F64, Progress.NONE);
                 Matrix b1 = Matrix.allocate(n, 3, DType.F64); Matrix b2 = Matrix.allocate(n, 3, DType.F64)) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < 3; j++) {
                        double v = r.nextDouble(-1, 1);
                        b1.set(i, j, v);
                        b2.set(i, j, v);
                    }
                }
                int i1 = solveShifted(kd, 0.5, b1);
                int i2 = host.solveShifted(kh, 0.5, b2);
                double[] dm = CudaTimings.difference(b1, b2);
                // the solve's condition number here is below 1e3 (shift 0.5, λ_max(K) < 200): 1e-9 of max leaves room
                if (i1 != i2 || !(dm[0] <= 1e-9 * dm[1])) {
                    return "a shifted solve differs from the host's by " + dm[0] + " (max |x| " + dm[1] + ", info " + i1 + " vs " + i2 + ")";
                }
            }
        }
        return "";
    }

    private String compare(KernelSpec spec, Matrix x, Matrix y, DType dt, boolean resident, double tol) {
        try (KernelMatrix kd = gram(spec, x, y, dt, Progress.NONE, resident, null);
             KernelMatrix kh = host.gram(spec, x, y, dt, Progress.NONE);
             Matrix a = Matrix.allocate(kd.rows(), kd.cols(), DType.F64);
             Matrix b = Matrix.allocate(kh.rows(), kh.cols(), DType.F64)) {
            kd.copyRows(0, a);
            kh.copyRows(0, b);
            double[] dm = CudaTimings.difference(a, b);
            String what = spec + " " + dt + (resident ? " resident" : " in panels") + (y == null ? " K(X, X)" : " K(X, Y)");
            if (y == null && dm[2] == 0) {
                return what + " is not exactly symmetric";
            }
            return dm[0] <= tol * dm[1] ? "" : what + ": max |GPU - host| = " + dm[0] + " of max |K| = " + dm[1];
        }
    }

    @Override
    public String toString() {
        return "CudaProvider[" + dev.describe() + "]";
    }
}
