package dev.tangent.kernel;

/**
 * The state a kernel's layers pass along for one pair (x, x′), in neural-tangents' terms: the covariance
 * c = Σ(x, x′), the two variances q = Σ(x, x) and q′ = Σ(x′, x′), and the tangent kernel Θ(x, x′). Mutable: each
 * {@link Layer#step(Cov)} updates it in place.
 */
public final class Cov {
    public double c;
    public double q;
    public double qp;
    public double th;

    public Cov(double c, double q, double qp, double th) {
        this.c = c;
        this.q = q;
        this.qp = qp;
        this.th = th;
    }

    /** The value of a kernel of this kind: Σ for NNGP, Θ for NTK. */
    public double of(KernelSpec.Kind kind) {
        return kind == KernelSpec.Kind.NTK ? th : c;
    }

    /**
     * The same state with forward-mode derivatives with respect to the two inputs that vary with the first point:
     * d = ⟨x, x′⟩ (suffix 1) and xx = ‖x‖² (suffix 2). x′ is fixed, so q′ carries none.
     */
    public static final class Grad {
        public double c, c1, c2;
        public double q, q1, q2;
        public double qp;
        public double th, t1, t2;

        /** {value, ∂/∂⟨x,x′⟩, ∂/∂‖x‖²} of the kernel of this kind. */
        public double[] of(KernelSpec.Kind kind) {
            return kind == KernelSpec.Kind.NTK ? new double[] {th, t1, t2} : new double[] {c, c1, c2};
        }
    }

    /**
     * The state as intervals: every quantity between its lower and upper bound, for all pairs (x″, x′) with x″ in a box
     * around x. Layers map boxes to boxes soundly (up to floating-point rounding, which the caller covers with a margin).
     */
    public static final class Box {
        public double cl, cu;
        public double ql, qu;
        public double qpl, qpu;
        public double tl, tu;

        public double lo(KernelSpec.Kind kind) {
            return kind == KernelSpec.Kind.NTK ? tl : cl;
        }

        public double hi(KernelSpec.Kind kind) {
            return kind == KernelSpec.Kind.NTK ? tu : cu;
        }
    }
}
