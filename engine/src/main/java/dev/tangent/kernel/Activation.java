package dev.tangent.kernel;

/**
 * An elementwise layer φ: its kernel rules are three expectations over (u, v) ~ N(0, [[q, c], [c, q′]]) —
 * <pre>
 *   nngp(c, q, q′)      = E[φ(u)φ(v)]      the new covariance
 *   dotKernel(c, q, q′) = E[φ′(u)φ′(v)]    the factor of the tangent kernel: Θ ← dotKernel·Θ
 *   diagonal(q)         = E[φ(u)²]          the new variance
 * </pre>
 * — plus their partial derivatives (for forward-mode gradients), and the function itself with its derivative for a
 * finite network. The default {@link #step} methods compose these rules; the default interval rule evaluates the
 * expectations at the corners of the box, which is exact for functions that are monotone in each argument when the
 * others are fixed — on the whole box, valid covariances (|c| ≤ √(q q′)) or not, since the corners need not be valid
 * states (a layer for which that is not true overrides {@link #bounds}). {@link #diagonal} must be non-decreasing in q.
 *
 * <p>To add a layer: one record implementing this interface, and one line in {@link Layers}.
 */
public non-sealed interface Activation extends Layer {
    /** E[φ(u)φ(v)]. */
    double nngp(double c, double q, double qp);

    /** E[φ′(u)φ′(v)]. */
    double dotKernel(double c, double q, double qp);

    /**
     * Partial derivatives at (c, q, q′): {@code out = {∂nngp/∂c, ∂nngp/∂q, ∂dotKernel/∂c, ∂dotKernel/∂q, d diagonal/dq}}.
     * (Nothing with respect to q′: it belongs to the fixed point of a gradient.)
     */
    void partials(double c, double q, double qp, double[] out);

    /** φ(z), for a finite network. */
    double apply(double z);

    /** φ′(z), for a finite network. */
    double derivative(double z);

    @Override
    default boolean homogeneous() {
        return false;
    }

    @Override
    default void step(Cov s) {
        double k = dotKernel(s.c, s.q, s.qp);
        s.c = nngp(s.c, s.q, s.qp);
        s.th = k * s.th;
        s.q = diagonal(s.q);
        s.qp = diagonal(s.qp);
    }

    @Override
    default void step(Cov.Grad g) {
        double[] p = new double[5];
        partials(g.c, g.q, g.qp, p);
        double k = dotKernel(g.c, g.q, g.qp);
        double j = nngp(g.c, g.q, g.qp);
        double k1 = p[2] * g.c1 + p[3] * g.q1;
        double k2 = p[2] * g.c2 + p[3] * g.q2;
        g.t1 = k1 * g.th + k * g.t1;
        g.t2 = k2 * g.th + k * g.t2;
        g.th = k * g.th;
        double c1 = p[0] * g.c1 + p[1] * g.q1;
        double c2 = p[0] * g.c2 + p[1] * g.q2;
        g.c = j;
        g.c1 = c1;
        g.c2 = c2;
        g.q1 *= p[4];
        g.q2 *= p[4];
        g.q = diagonal(g.q);
        g.qp = diagonal(g.qp);
    }

    @Override
    default void step(Cov.Box b) {
        double[] f = new double[4];
        bounds(b, f);
        double a1 = f[2] * b.tl;
        double a2 = f[2] * b.tu;
        double a3 = f[3] * b.tl;
        double a4 = f[3] * b.tu;
        b.tl = Math.min(Math.min(a1, a2), Math.min(a3, a4));
        b.tu = Math.max(Math.max(a1, a2), Math.max(a3, a4));
        b.cl = f[0];
        b.cu = f[1];
        b.ql = diagonal(b.ql);
        b.qu = diagonal(b.qu);
        b.qpl = diagonal(b.qpl);
        b.qpu = diagonal(b.qpu);
    }

    /**
     * Bounds of the two expectations over the box: {@code out = {nngp lo, nngp hi, dotKernel lo, dotKernel hi}}. The
     * default takes the extremes of the rules' formulas over the eight corners (see the class comment).
     */
    default void bounds(Cov.Box b, double[] out) {
        double jl = Double.POSITIVE_INFINITY, jh = Double.NEGATIVE_INFINITY;
        double kl = Double.POSITIVE_INFINITY, kh = Double.NEGATIVE_INFINITY;
        for (int corner = 0; corner < 8; corner++) {
            double q = (corner & 2) == 0 ? b.ql : b.qu;
            double qp = (corner & 4) == 0 ? b.qpl : b.qpu;
            double c = (corner & 1) == 0 ? b.cl : b.cu;
            double j = nngp(c, q, qp);
            double k = dotKernel(c, q, qp);
            jl = Math.min(jl, j);
            jh = Math.max(jh, j);
            kl = Math.min(kl, k);
            kh = Math.max(kh, k);
        }
        out[0] = jl;
        out[1] = jh;
        out[2] = kl;
        out[3] = kh;
    }
}
