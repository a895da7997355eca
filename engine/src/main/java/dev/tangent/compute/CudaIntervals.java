package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Interval bounds of certificates on the device, for a block of test points at once: [K_L, K_U] ∋ K(x′, x_i) over the
 * ℓ∞ ball of radius δ_p around each test point x_p, for every training point x_i, from the inner products ⟨x_p, x_i⟩
 * and the norms; and the certified margins s_p·(b + Σ_i α_i·(K_L or K_U)) of a kernel machine. The same rules as
 * {@code dev.tangent.verify.IntervalKernel} (paper A's two-layer bound in its sound and reference modes, the layer
 * recursion on boxes for Dense/ABReLU stacks), in native/tangent_kernel_math.cuh. The certifier does not call these
 * yet (it computes its bounds on the host); they are tested against IntervalKernel on a GPU.
 */
final class CudaIntervals {
    /** Modes of the kernels (TK_INTERVAL_* in the .cuh). */
    static final int RECURSION = 0;
    static final int TWO_LAYER_SOUND = 1;
    static final int TWO_LAYER_REFERENCE = 2;

    private final CudaDevice dev;
    private final KernelSpec spec;
    private final int mode;
    private final double w4;
    private final int d;
    private final double[] program;

    /**
     * @param mode one of the modes; the two-layer modes apply to paper A's two-layer NTK (depth 1, no bias)
     * @param w4   σ_w⁴, the two-layer NTK's factor over paper A's σ_w = 1 (1 for the recursion)
     */
    CudaIntervals(CudaDevice dev, KernelSpec spec, int mode, double w4, int d) {
        this.dev = dev;
        this.spec = spec;
        this.mode = mode;
        this.w4 = w4;
        this.d = d;
        this.program = CudaMaps.intervalProgram(spec);
        if (program == null) {
            throw new TangentException("interval bounds on the GPU need Dense and non-decreasing ABReLU layers, found " + spec);
        }
    }

    private CudaKernels.Interval constants(long prog) {
        return new CudaKernels.Interval(d, mode, prog, spec.layers().size(), spec.kind() == KernelSpec.Kind.NTK, spec.input().scale(d),
                spec.activations() + 1, w4);
    }

    /**
     * lo/hi (m × n, f64) for the m rows of {@code dots} (f64, ⟨x_p, x_i⟩), ‖x_p‖² = xx[p], radius delta[p], and the
     * training norms ν_i = trainNorm[i].
     */
    void bounds(Matrix dots, double[] xx, double[] delta, double[] trainNorm, Matrix lo, Matrix hi) {
        int m = dots.rows();
        int n = dots.cols();
        check(dots, m, n, xx, delta, trainNorm);
        if (m == 0 || n == 0) {
            return;
        }
        synchronized (dev) {
            dev.enter();
            try (CudaDevice.Buffer bd = CudaGram.upload(dev, dots); CudaDevice.Buffer bxx = dev.upload(xx);
                 CudaDevice.Buffer bdelta = dev.upload(delta); CudaDevice.Buffer bv = dev.upload(trainNorm);
                 CudaDevice.Buffer prog = dev.upload(program);
                 CudaDevice.Buffer blo = dev.alloc(8L * m * n); CudaDevice.Buffer bhi = dev.alloc(8L * m * n)) {
                dev.kernels.intervalBounds(m, n, bd.ptr, n, bxx.ptr, bdelta.ptr, bv.ptr, constants(prog.ptr), blo.ptr, bhi.ptr, n);
                dev.copy2D(true, blo.ptr, 8L * n, lo.segment().asSlice(lo.offset()), lo.ld() * 8, 8L * n, m, dev.stream);
                dev.copy2D(true, bhi.ptr, 8L * n, hi.segment().asSlice(hi.offset()), hi.ld() * 8, 8L * n, m, dev.stream);
                dev.sync();
            }
        }
    }

    /** The certified margins of a kernel machine (α_i, bias) at radius delta[p] for the signs sign[p] of the clean scores. */
    double[] margins(Matrix dots, double[] xx, double[] delta, double[] sign, double[] trainNorm, double[] alpha, double bias) {
        int m = dots.rows();
        int n = dots.cols();
        check(dots, m, n, xx, delta, trainNorm);
        if (sign.length != m || alpha.length != n) {
            throw new IllegalArgumentException(sign.length + " signs for " + m + " points, " + alpha.length + " α for " + n);
        }
        double[] out = new double[m];
        if (m == 0) {
            return out;
        }
        synchronized (dev) {
            dev.enter();
            try (CudaDevice.Buffer bd = CudaGram.upload(dev, dots); CudaDevice.Buffer bxx = dev.upload(xx);
                 CudaDevice.Buffer bdelta = dev.upload(delta); CudaDevice.Buffer bs = dev.upload(sign);
                 CudaDevice.Buffer bv = dev.upload(trainNorm.length == 0 ? new double[1] : trainNorm);
                 CudaDevice.Buffer ba = dev.upload(alpha.length == 0 ? new double[1] : alpha);
                 CudaDevice.Buffer prog = dev.upload(program); CudaDevice.Buffer bm = dev.alloc(8L * m); Arena a = Arena.ofConfined()) {
                dev.kernels.intervalMargin(m, n, bd.ptr, n, bxx.ptr, bdelta.ptr, bs.ptr, bv.ptr, ba.ptr, bias, constants(prog.ptr), bm.ptr);
                MemorySegment h = a.allocate(ValueLayout.JAVA_DOUBLE, m);
                dev.copyOut(h, bm.ptr, 8L * m);
                MemorySegment.copy(h, ValueLayout.JAVA_DOUBLE, 0, out, 0, m);
            }
        }
        return out;
    }

    private static void check(Matrix dots, int m, int n, double[] xx, double[] delta, double[] trainNorm) {
        if (dots.dtype() != DType.F64 || xx.length != m || delta.length != m || trainNorm.length != n) {
            throw new IllegalArgumentException("dots " + dots + ", " + xx.length + " norms, " + delta.length + " radii, " + trainNorm.length
                    + " training norms");
        }
        if (m > 65535) {
            throw new IllegalArgumentException("at most 65,535 test points per launch, found " + m);
        }
    }
}
