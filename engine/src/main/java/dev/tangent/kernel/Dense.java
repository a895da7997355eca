package dev.tangent.kernel;

import dev.tangent.TangentException;

/**
 * A fully-connected layer in NTK parameterisation with weight std σ_w and bias std σ_b (spec §3.2):
 * c ← σ_w² c + σ_b², q ← σ_w² q + σ_b², and the tangent kernel gains the new covariance, Θ ← c + σ_w² Θ.
 */
public record Dense(double weightStd, double biasStd) implements Layer {
    /** Paper A's layer: σ_w = 1, no bias. */
    public static final Dense STANDARD = new Dense(1, 0);

    public Dense {
        if (!(weightStd > 0) || Double.isInfinite(weightStd)) {
            throw new TangentException("dense: weight std must be a finite number > 0, found " + weightStd);
        }
        if (!(biasStd >= 0) || Double.isInfinite(biasStd)) {
            throw new TangentException("dense: bias std must be a finite number >= 0, found " + biasStd);
        }
    }

    static Dense of(double... a) {
        Layers.arity("dense", a, 0, 2);
        return new Dense(a.length > 0 ? a[0] : 1, a.length > 1 ? a[1] : 0);
    }

    @Override
    public String token() {
        return "dense(" + Layers.num(weightStd) + "," + Layers.num(biasStd) + ")";
    }

    double w2() {
        return weightStd * weightStd;
    }

    double b2() {
        return biasStd * biasStd;
    }

    @Override
    public void step(Cov s) {
        double w2 = w2();
        double b2 = b2();
        s.c = w2 * s.c + b2;
        s.q = w2 * s.q + b2;
        s.qp = w2 * s.qp + b2;
        s.th = s.c + w2 * s.th;
    }

    @Override
    public double diagonal(double q) {
        return w2() * q + b2();
    }

    @Override
    public void step(Cov.Grad g) {
        double w2 = w2();
        double b2 = b2();
        g.c = w2 * g.c + b2;
        g.c1 *= w2;
        g.c2 *= w2;
        g.q = w2 * g.q + b2;
        g.q1 *= w2;
        g.q2 *= w2;
        g.qp = w2 * g.qp + b2;
        g.th = g.c + w2 * g.th;
        g.t1 = g.c1 + w2 * g.t1;
        g.t2 = g.c2 + w2 * g.t2;
    }

    @Override
    public void step(Cov.Box b) {
        double w2 = w2();
        double b2 = b2();
        b.cl = w2 * b.cl + b2;
        b.cu = w2 * b.cu + b2;
        b.ql = w2 * b.ql + b2;
        b.qu = w2 * b.qu + b2;
        b.qpl = w2 * b.qpl + b2;
        b.qpu = w2 * b.qpu + b2;
        b.tl = b.cl + w2 * b.tl;
        b.tu = b.cu + w2 * b.tu;
    }

    @Override
    public boolean homogeneous() {
        return biasStd == 0;
    }
}
