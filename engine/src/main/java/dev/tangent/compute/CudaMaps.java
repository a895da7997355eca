package dev.tangent.compute;

import dev.tangent.kernel.ABRelu;
import dev.tangent.kernel.Dense;
import dev.tangent.kernel.Erf;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.Layer;
import dev.tangent.kernel.Poly;
import dev.tangent.memory.DType;

/**
 * What the device kernel maps need, prepared on the host: a kernel spec as a layer program (the encoding that
 * native/tangent_kernel_math.cuh reads, {@link #STRIDE} doubles per layer), and per Gram the tables of the map — the
 * fitted coefficients and the inverse norms of the one-step {@link HomogeneousMap}, or the variances entering each layer
 * of the layered map — plus the exact diagonal of K(X, X). The fit, the norms, the variances and the diagonal are the
 * CPU provider's own (one implementation of each), only laid out for upload.
 */
final class CudaMaps {
    static final int DENSE = 0;
    static final int ABRELU = 1;
    static final int ERF = 2;
    static final int POLY = 3;
    static final int STRIDE = 6;

    private CudaMaps() {
    }

    /**
     * The layer program of {@code spec}, or null when a layer has no device rule (an activation added to the engine
     * after the kernels; the provider then computes that spec on the host).
     */
    static double[] program(KernelSpec spec) {
        double[] p = new double[STRIDE * spec.layers().size()];
        int k = 0;
        for (Layer l : spec.layers()) {
            int o = STRIDE * k++;
            switch (l) {
                case Dense d -> {
                    p[o] = DENSE;
                    p[o + 1] = d.weightStd() * d.weightStd();
                    p[o + 2] = d.biasStd() * d.biasStd();
                }
                case ABRelu r -> {
                    p[o] = ABRELU;
                    p[o + 1] = (r.a() - r.b()) * (r.a() - r.b()) * (1 / (2 * Math.PI));
                    p[o + 2] = (r.a() * r.a() + r.b() * r.b()) / 2;
                    p[o + 3] = r.a() == 0 && r.b() == 1 ? 1 : 0;
                    p[o + 4] = r.a();
                    p[o + 5] = r.b();
                }
                case Erf e -> {
                    p[o] = ERF;
                    p[o + 1] = e.a();
                    p[o + 2] = e.b();
                    p[o + 3] = e.c();
                }
                case Poly q -> {
                    p[o] = POLY;
                    p[o + 1] = q.bias();
                    p[o + 2] = q.degree();
                }
                default -> {
                    return null;
                }
            }
        }
        return p;
    }

    /**
     * The program for interval bounds (certificates), or null: the device has the interval rules of Dense and of the
     * ABReLU family with non-negative slopes (the stacks {@code IntervalKernel.recursion} certifies on the CPU).
     */
    static double[] intervalProgram(KernelSpec spec) {
        for (Layer l : spec.layers()) {
            if (!(l instanceof Dense) && !(l instanceof ABRelu r && r.a() >= 0 && r.b() >= 0)) {
                return null;
            }
        }
        return program(spec);
    }

    /**
     * The tables of one Gram's map. {@code hom} is the fitted one-step map (null: the layered map), norms and variances
     * are indexed by point; {@code diag} is K(x_i, x_i) for K(X, X).
     */
    record Tables(HomogeneousMap hom, DType dtype, double scale, double[] prog, boolean ntk, int layers,
                  double[] rowNorms, double[] colNorms, double[] qa, double[] qb, double[] diag) {

        /** {pe, po, ne, no}: the monomial coefficients in the output's precision (as double values). */
        double[] coefficients() {
            boolean f64 = dtype == DType.F64;
            int t = f64 ? hom.pe.length : hom.pe32.length;
            double[] c = new double[4 * t];
            for (int k = 0; k < t; k++) {
                c[k] = f64 ? hom.pe[k] : hom.pe32[k];
                c[t + k] = f64 ? hom.po[k] : hom.po32[k];
                c[2 * t + k] = f64 ? hom.ne[k] : hom.ne32[k];
                c[3 * t + k] = f64 ? hom.no[k] : hom.no32[k];
            }
            return c;
        }

        int terms() {
            return dtype == DType.F64 ? hom.pe.length : hom.pe32.length;
        }

        /** ‖x‖ of every point (double): r = 1/‖x‖ (0 for a zero point), s = scale·‖x‖, as {@link HomogeneousMap.Norms}. */
        static double[][] norms(double[] squared, double scale) {
            HomogeneousMap.Norms n = new HomogeneousMap.Norms(squared);
            double[] s = new double[squared.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = n.n[i] * scale;
            }
            return new double[][] {n.n, n.r, s};
        }
    }

    /**
     * The tables for K(X, Y) of {@code spec} in {@code dtype}; {@code ny == nx} for K(X, X). Null when the spec has no
     * device program.
     *
     * @param hom the fitted one-step map when the spec is homogeneous and the fit is accurate, else null
     */
    static Tables tables(KernelSpec spec, HomogeneousMap hom, double[] nx, double[] ny, int d, DType dtype) {
        double[] prog = program(spec);
        if (prog == null) {
            return null;
        }
        double scale = spec.input().scale(d);
        int layers = spec.layers().size();
        double[] qa = null;
        double[] qb = null;
        if (hom == null) {
            qa = variances(spec, nx, d);
            qb = ny == nx ? qa : variances(spec, ny, d);
        }
        double[] diag = null;
        if (ny == nx) {
            diag = new double[nx.length];
            for (int i = 0; i < diag.length; i++) {
                diag[i] = spec.value(nx[i], nx[i], nx[i], d);
            }
        }
        return new Tables(hom, dtype, scale, prog, spec.kind() == KernelSpec.Kind.NTK, layers, nx, ny, qa, qb, diag);
    }

    /** q entering layer k for point i at k·n + i ({@link KernelSpec#variances}). */
    static double[] variances(KernelSpec spec, double[] squared, int d) {
        int n = squared.length;
        double[] q = new double[spec.layers().size() * n];
        for (int i = 0; i < n; i++) {
            double[] v = spec.variances(squared[i], d);
            for (int k = 0; k < v.length; k++) {
                q[k * n + i] = v[k];
            }
        }
        return q;
    }
}
