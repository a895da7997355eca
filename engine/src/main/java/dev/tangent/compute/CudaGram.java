package dev.tangent.compute;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Gram loop of the CUDA provider (callers hold the device's monitor and made its context current). The inner
 * products come from cuBLAS — SYRK for the diagonal blocks of K(X, X), GEMM elsewhere — into a device block that one
 * fused kernel turns into kernel values (the homogeneous one-step map or the layered map) and mirrors through shared
 * memory, so K(X, X) is computed once per pair and exactly symmetric, with the diagonal set from the squared norms.
 * <ul>
 *   <li>{@link #resident}: all of K on the device (one SYRK or GEMM, one map launch), kept there as a
 *   {@link CudaKernelMatrix};</li>
 *   <li>{@link #panels}: row panels streamed into host memory (an output file's mapping, a caller's matrix):
 *   compute on one stream, device-to-host copies into page-locked staging on another, two buffer sets, and the host
 *   copying panel p − 1 out of its staging while the device computes panel p.</li>
 * </ul>
 */
final class CudaGram {
    private CudaGram() {
    }

    /** The map tables on the device. */
    static final class DeviceTables implements AutoCloseable {
        final CudaMaps.Tables t;
        final List<CudaDevice.Buffer> owned = new ArrayList<>();
        long coef;
        long ra;
        long sa;
        long nb;
        long rb;
        long prog;
        long qa;
        long qb;
        long diag;

        DeviceTables(CudaDevice dev, CudaMaps.Tables t) {
            this.t = t;
            boolean f64 = t.dtype() == DType.F64;
            try {
                if (t.hom() != null) {
                    coef = up(dev, t.coefficients(), f64);
                    double[][] a = CudaMaps.Tables.norms(t.rowNorms(), t.scale());
                    ra = up(dev, a[1], f64);
                    sa = up(dev, a[2], f64);
                    double[][] b = t.colNorms() == t.rowNorms() ? a : CudaMaps.Tables.norms(t.colNorms(), t.scale());
                    nb = up(dev, b[0], f64);
                    rb = up(dev, b[1], f64);
                } else {
                    prog = up(dev, t.prog(), true);
                    qa = up(dev, t.qa(), true);
                    qb = t.qb() == t.qa() ? qa : up(dev, t.qb(), true);
                }
                if (t.diag() != null) {
                    diag = up(dev, t.diag(), f64);
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private long up(CudaDevice dev, double[] v, boolean f64) {
            if (v.length == 0) {
                return 0;
            }
            CudaDevice.Buffer b;
            if (f64) {
                b = dev.upload(v);
            } else {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = (float) v[i];
                }
                b = dev.upload(f);
            }
            owned.add(b);
            return b.ptr;
        }

        /** Launches the map on a block. */
        void map(CudaDevice dev, CudaKernels.Block b) {
            boolean f64 = t.dtype() == DType.F64;
            if (t.hom() != null) {
                dev.kernels.mapHomogeneous(f64, b, ra, sa, nb, rb, coef, t.terms());
            } else {
                dev.kernels.mapLayers(f64, b, prog, t.layers(), t.ntk(), t.scale(), qa, t.rowNorms().length, qb, t.colNorms().length);
            }
        }

        @Override
        public void close() {
            for (CudaDevice.Buffer b : owned) {
                b.close();
            }
            owned.clear();
        }
    }

    /** The rows of a host matrix (any leading dimension) as a dense row-major device matrix. */
    static CudaDevice.Buffer upload(CudaDevice dev, Matrix x) {
        long es = x.dtype().bytes();
        CudaDevice.Buffer b = dev.alloc(Math.max(1, (long) x.rows() * x.cols() * es));
        try {
            dev.copy2D(false, b.ptr, x.cols() * es, x.segment().asSlice(x.offset()), x.ld() * es, x.cols() * es, x.rows(), dev.stream);
            dev.sync();
            return b;
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /**
     * K(X, Y) (y null: K(X, X)) kept on the device. X and Y are in the tables' dtype.
     *
     * @param deviceMs when not null, receives the milliseconds of the device work (GEMM/SYRK and map) by events
     */
    static CudaKernelMatrix resident(CudaDevice dev, CudaMaps.Tables t, Matrix x, Matrix y, float[] deviceMs) {
        boolean sym = y == null;
        boolean f64 = t.dtype() == DType.F64;
        int n = x.rows();
        int m = sym ? n : y.rows();
        int d = x.cols();
        long es = t.dtype().bytes();
        try (CudaDevice.Buffer bx = upload(dev, x);
             CudaDevice.Buffer by = sym ? null : upload(dev, y);
             DeviceTables dt = new DeviceTables(dev, t)) {
            CudaDevice.Buffer k = dev.alloc(Math.max(1, (long) n * m * es));
            MemorySegment e0 = deviceMs == null ? null : dev.event();
            MemorySegment e1 = deviceMs == null ? null : dev.event();
            try {
                if (e0 != null) {
                    dev.record(e0, dev.stream);
                }
                if (n > 0 && m > 0) {
                    if (sym) {
                        dev.syrkLower(f64, n, d, bx.ptr, Math.max(d, 1), k.ptr, n);
                    } else {
                        dev.gemmABt(f64, n, m, d, bx.ptr, Math.max(d, 1), by.ptr, Math.max(d, 1), k.ptr, m);
                    }
                    dt.map(dev, new CudaKernels.Block(k.ptr, m, 0, 0, n, m, 0, 0, sym, dt.diag));
                }
                if (e1 != null) {
                    dev.record(e1, dev.stream);
                }
                dev.sync();
                if (deviceMs != null) {
                    deviceMs[0] = dev.elapsed(e0, e1);
                }
                return new CudaKernelMatrix(dev, k, n, m, t.dtype(), null);
            } catch (RuntimeException e) {
                k.close();
                throw e;
            } finally {
                if (e0 != null) {
                    dev.destroy(e0);
                    dev.destroy(e1);
                }
            }
        }
    }

    /**
     * K(X, Y) (y null: K(X, X)) into the host matrix {@code out} (rows of X × rows of Y, the tables' dtype) in the
     * plan's panels.
     */
    static void panels(CudaDevice dev, CudaMaps.Tables t, Matrix x, Matrix y, Matrix out, CudaPlan plan, int threads,
                       KernelProvider.Progress progress) {
        boolean sym = y == null;
        boolean f64 = t.dtype() == DType.F64;
        int n = x.rows();
        int m = sym ? n : y.rows();
        int d = x.cols();
        int lda = Math.max(d, 1);
        long es = t.dtype().bytes();
        int h = plan.panel();
        int panels = plan.panels();
        if (panels == 0 || m == 0) {
            return;
        }
        long cBytes = (long) h * m * es;
        long tBytes = sym ? (long) n * h * es : 0;
        List<AutoCloseable> owned = new ArrayList<>();
        MemorySegment[] staging = new MemorySegment[2];
        MemorySegment[] computed = new MemorySegment[2];
        MemorySegment[] copied = new MemorySegment[2];
        try {
            CudaDevice.Buffer bx = own(owned, upload(dev, x));
            CudaDevice.Buffer by = sym ? bx : own(owned, upload(dev, y));
            DeviceTables dt = own(owned, new DeviceTables(dev, t));
            CudaDevice.Buffer[] c = new CudaDevice.Buffer[2];
            CudaDevice.Buffer[] tt = new CudaDevice.Buffer[2];
            for (int s = 0; s < 2 && s < panels; s++) {
                c[s] = own(owned, dev.alloc(cBytes));
                tt[s] = sym ? own(owned, dev.alloc(Math.max(tBytes, 1))) : null;
                staging[s] = dev.allocHost(cBytes + tBytes);
                computed[s] = dev.event();
                copied[s] = dev.event();
            }
            for (int p = 0; p < panels; p++) {
                int s = p % 2;
                int i0 = plan.start(p);
                int hp = plan.height(p, n);
                int cols = sym ? i0 + hp : m;
                if (p >= 2) {
                    dev.await(dev.stream, copied[s]); // the copy of panel p − 2 has left these buffers
                }
                long xp = bx.ptr + (long) i0 * d * es;
                if (sym) {
                    if (i0 > 0) {
                        dev.gemmABt(f64, hp, i0, d, xp, lda, bx.ptr, lda, c[s].ptr, cols);
                    }
                    dev.syrkLower(f64, hp, d, xp, lda, c[s].ptr + i0 * es, cols);
                } else {
                    dev.gemmABt(f64, hp, m, d, xp, lda, by.ptr, lda, c[s].ptr, m);
                }
                dt.map(dev, new CudaKernels.Block(c[s].ptr, cols, sym ? tt[s].ptr : 0, hp, hp, cols, i0, 0, sym, dt.diag));
                dev.record(computed[s], dev.stream);
                dev.await(dev.copyStream, computed[s]);
                dev.copy2D(true, c[s].ptr, cols * es, staging[s], cols * es, cols * es, hp, dev.copyStream);
                if (sym && i0 > 0) {
                    dev.copy2D(true, tt[s].ptr, hp * es, staging[s].asSlice((long) hp * cols * es), hp * es, hp * es, i0, dev.copyStream);
                }
                dev.record(copied[s], dev.copyStream);
                if (p >= 1) {
                    drain(dev, plan, p - 1, n, m, sym, out, staging[(p - 1) % 2], copied[(p - 1) % 2], threads);
                    progress.done(p, panels);
                }
            }
            drain(dev, plan, panels - 1, n, m, sym, out, staging[(panels - 1) % 2], copied[(panels - 1) % 2], threads);
            progress.done(panels, panels);
        } finally {
            RuntimeException failure = null;
            try {
                dev.sync(dev.stream);
                dev.sync(dev.copyStream);
            } catch (RuntimeException e) {
                failure = e;
            }
            for (int s = 0; s < 2; s++) {
                if (staging[s] != null) {
                    dev.freeHost(staging[s]);
                }
                if (computed[s] != null) {
                    dev.destroy(computed[s]);
                    dev.destroy(copied[s]);
                }
            }
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (Exception e) {
                    failure = failure != null ? failure : new IllegalStateException(e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    private static <T extends AutoCloseable> T own(List<AutoCloseable> owned, T r) {
        owned.add(r);
        return r;
    }

    /** Waits for panel q's copy and moves it from its staging into {@code out}, rows split over the threads. */
    private static void drain(CudaDevice dev, CudaPlan plan, int q, int n, int m, boolean sym, Matrix out, MemorySegment staging,
                              MemorySegment copied, int threads) {
        dev.waitFor(copied);
        int i0 = plan.start(q);
        int hp = plan.height(q, n);
        int cols = sym ? i0 + hp : m;
        DType dt = out.dtype();
        long es = dt.bytes();
        Matrix left = Matrix.wrap(staging, 0, hp, cols, cols, dt);
        Matrix up = sym && i0 > 0 ? Matrix.wrap(staging, (long) hp * cols * es, i0, hp, hp, dt) : null;
        int chunk = 64;
        int leftChunks = (hp + chunk - 1) / chunk;
        int upChunks = up == null ? 0 : (i0 + chunk - 1) / chunk;
        AtomicInteger next = new AtomicInteger();
        Parallel.run(Math.min(threads, leftChunks + upChunks), "tangent-cuda-drain", () -> {
            for (int k; (k = next.getAndIncrement()) < leftChunks + upChunks; ) {
                if (k < leftChunks) {
                    int r = k * chunk;
                    int rr = Math.min(chunk, hp - r);
                    left.view(r, 0, rr, cols).copyInto(out.view(i0 + r, 0, rr, cols));
                } else {
                    int r = (k - leftChunks) * chunk;
                    int rr = Math.min(chunk, i0 - r);
                    up.view(r, 0, rr, hp).copyInto(out.view(r, i0, rr, hp));
                }
            }
        });
    }
}
