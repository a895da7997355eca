package dev.tangent.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every layer's interval step is sound: for random boxes of states (c, q, q′, Θ), 10⁴ states sampled inside each box
 * (uniformly, and at its corners, where bounds are tight) land, after the layer's scalar step, inside the box the
 * interval step returns, up to a rounding margin of 1e-12 of the state's scale.
 */
class IntervalStepTest {
    static final int SAMPLES = 10_000;

    static List<Layer> layers() {
        return List.of(Dense.STANDARD, new Dense(1.7, 0.3), ABRelu.RELU, new ABRelu(0.2, 1), new ABRelu(0.5, 2),
                new Erf(1, 1, 0), new Erf(1.3, 0.7, 0.2), new Poly(0.5, 2), new Poly(1, 3), new Poly(0, 1));
    }

    @Test
    void intervalStepsContainTheScalarStepOfEveryStateOfTheBox() {
        SplittableRandom r = new SplittableRandom(9);
        int checked = 0;
        for (Layer layer : layers()) {
            for (int box = 0; box < 12; box++) {
                double ql = r.nextDouble(0.05, 2), qu = ql + r.nextDouble(0, 1);
                double qpl = r.nextDouble(0.05, 2), qpu = box % 3 == 0 ? qpl : qpl + r.nextDouble(0, 1);
                double rho = r.nextDouble(-1, 1);
                double w = r.nextDouble(0, 0.8);
                double cMid = rho * Math.sqrt(ql * qpl);
                double cl = cMid - w * Math.sqrt(ql * qpl), cu = cMid + w * Math.sqrt(ql * qpl);
                double tl = r.nextDouble(-1, 1), tu = tl + r.nextDouble(0, 1);
                Cov.Box b = new Cov.Box();
                b.cl = cl;
                b.cu = cu;
                b.ql = ql;
                b.qu = qu;
                b.qpl = qpl;
                b.qpu = qpu;
                b.tl = tl;
                b.tu = tu;
                layer.step(b);
                for (int s = 0; s < SAMPLES; s++) {
                    boolean vertex = s % 2 == 1;
                    double q = pick(r, ql, qu, vertex), qp = pick(r, qpl, qpu, vertex), th = pick(r, tl, tu, vertex);
                    double c = pick(r, cl, cu, vertex);
                    double lim = Math.sqrt(q * qp);
                    if (Math.abs(c) > lim) { // not a covariance of these variances: clamp as a valid state
                        c = Math.copySign(lim, c);
                    }
                    Cov st = new Cov(c, q, qp, th);
                    layer.step(st);
                    double scale = 1 + Math.abs(st.c) + Math.abs(st.th) + st.q + st.qp;
                    double m = 1e-12 * scale;
                    String what = layer.token() + " box " + box + " sample " + s;
                    assertTrue(st.c >= b.cl - m && st.c <= b.cu + m, what + ": c " + st.c + " not in [" + b.cl + ", " + b.cu + "]");
                    assertTrue(st.th >= b.tl - m && st.th <= b.tu + m, what + ": th " + st.th + " not in [" + b.tl + ", " + b.tu + "]");
                    assertTrue(st.q >= b.ql - m && st.q <= b.qu + m, what + ": q " + st.q + " not in [" + b.ql + ", " + b.qu + "]");
                    assertTrue(st.qp >= b.qpl - m && st.qp <= b.qpu + m, what + ": q' " + st.qp);
                    checked++;
                }
            }
        }
        assertTrue(checked == layers().size() * 12 * SAMPLES);
    }

    private static double pick(SplittableRandom r, double lo, double hi, boolean vertex) {
        return vertex ? (r.nextBoolean() ? lo : hi) : (hi > lo ? r.nextDouble(lo, hi) : lo);
    }
}
