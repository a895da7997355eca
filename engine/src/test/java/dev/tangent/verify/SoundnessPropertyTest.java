package dev.tangent.verify;

import dev.tangent.compute.Providers;
import dev.tangent.compute.JavaBackend;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded property tests of the certificates' soundness: the kernel value of points sampled in the ℓ∞ ball (uniformly
 * and at vertices, where bounds are tight) lies in the interval bounds; the network output at points of the box lies in
 * the IBP bounds; and PGD never flips a point inside its certified radius.
 */
class SoundnessPropertyTest {
    static final int SAMPLES = 10_000;

    /** A point x′ of the ball: a uniform point, or (every other draw) a random vertex. */
    static double[] sample(SplittableRandom r, double[] x, double delta, boolean vertex) {
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            y[j] = x[j] + (vertex ? (r.nextBoolean() ? delta : -delta) : r.nextDouble(-delta, delta));
        }
        return y;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void kernelIntervalsContainTheKernelOfEveryPointOfTheBall(int depth) {
        SplittableRandom r = new SplittableRandom(100 + depth);
        KernelSpec[] specs = {KernelSpec.ntk(depth), KernelSpec.nngp(depth), KernelSpec.fc(KernelSpec.Kind.NTK, depth, 1.3, 0.5),
                KernelSpec.fc(KernelSpec.Kind.NTK, depth, 0.7, 0)};
        int checked = 0;
        for (int trial = 0; trial < 6; trial++) {
            int d = trial % 3 == 0 ? 784 : 3 + r.nextInt(20);
            int n = 6;
            double low = trial % 2 == 0 ? -0.2 : -1; // mostly positive (pixels) or mixed-sign features
            double[][] xs = new double[n][d];
            for (double[] row : xs) {
                for (int j = 0; j < d; j++) {
                    row[j] = r.nextDouble(low, 1);
                }
            }
            double[] x = new double[d];
            for (int j = 0; j < d; j++) {
                x[j] = r.nextDouble(low, 1);
            }
            if (trial % 3 == 1) { // a test point nearly collinear with a training point
                for (int j = 0; j < d; j++) {
                    x[j] = 1.01 * xs[0][j] + 1e-6 * r.nextDouble();
                }
            } else if (trial % 3 == 2) { // nearly opposite to one (cosines near −1, negative kernels, h's minimum)
                for (int j = 0; j < d; j++) {
                    x[j] = -0.9 * xs[1][j] + 0.05 * r.nextDouble();
                }
            }
            // radii from tiny to past ‖x‖/√d (where the norm's lower bound is 0)
            double delta = Math.pow(10, r.nextDouble(-4, 0.3)) * Math.sqrt(dot(x, x) / d);
            double[] norms = new double[n];
            double[] dots = new double[n];
            for (int i = 0; i < n; i++) {
                norms[i] = Math.sqrt(dot(xs[i], xs[i]));
                dots[i] = dot(x, xs[i]);
            }
            for (KernelSpec spec : specs) {
                double[] lo = new double[n];
                double[] hi = new double[n];
                double[] lo2 = new double[n];
                double[] hi2 = new double[n];
                IntervalKernel.bounds(spec, IntervalKernel.NanMode.SOUND, dot(x, x), delta, d, dots, norms, n, lo, hi);
                IntervalKernel.recursion(spec, dot(x, x), delta, d, dots, norms, n, lo2, hi2);
                for (int s = 0; s < SAMPLES; s++) {
                    double[] y = sample(r, x, delta, s % 2 == 0);
                    for (int i = 0; i < n; i++) {
                        double k = NtkRecursion.pair(spec, y, xs[i]).of(spec.kind());
                        String where = spec + " d " + d + " delta " + delta + " i " + i;
                        assertTrue(lo[i] <= k && k <= hi[i], where + ": " + k + " outside [" + lo[i] + ", " + hi[i] + "]");
                        assertTrue(lo2[i] <= k && k <= hi2[i], "recursion bound, " + where + ": " + k + " outside [" + lo2[i] + ", " + hi2[i] + "]");
                        checked++;
                    }
                }
            }
        }
        assertEquals(6 * specs.length * SAMPLES * 6, checked);
    }

    @Test
    void boundsShrinkToTheKernelAtRadiusZero() {
        SplittableRandom r = new SplittableRandom(7);
        int d = 30;
        double[] x = new double[d];
        double[] z = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = r.nextDouble();
            z[j] = r.nextDouble(-0.5, 1);
        }
        for (int depth = 1; depth <= 3; depth++) {
            KernelSpec spec = KernelSpec.ntk(depth);
            double k = NtkRecursion.pair(spec, x, z).ntk();
            double[] lo = new double[1];
            double[] hi = new double[1];
            IntervalKernel.recursion(spec, dot(x, x), 0, d, new double[] {dot(x, z)}, new double[] {Math.sqrt(dot(z, z))}, 1, lo, hi);
            assertEquals(k, lo[0], 1e-10 * Math.abs(k));
            assertEquals(k, hi[0], 1e-10 * Math.abs(k));
        }
    }

    @Test
    void referenceModeReproducesTheUnsoundZeroBoundAtLargeRadii() {
        // spec §6.2: once δ ≥ ‖x‖/√d the norm's lower bound is 0, cosines leave [−1, 1], h is NaN and the reference's
        // masks leave a bound at 0; the sound mode keeps a valid interval
        int d = 16;
        double[] x = new double[d];
        double[] z = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = 0.1 + 0.01 * j;
            z[j] = (j % 3) / 3.0;
        }
        double delta = 1.2 * Math.sqrt(dot(x, x) / d);
        double[] lo = new double[1];
        double[] hi = new double[1];
        double[] p = {dot(x, z)};
        double[] nz = {Math.sqrt(dot(z, z))};
        IntervalKernel.twoLayer(IntervalKernel.NanMode.REFERENCE, Math.sqrt(dot(x, x)), delta, d, p, nz, 1, lo, hi);
        assertTrue(lo[0] == 0 || hi[0] == 0, "reference bound [" + lo[0] + ", " + hi[0] + "] should have a NaN-zeroed end");
        // the kernel at x′ = x + δ·1 is positive, so an upper bound of 0 is unsound there
        double[] y = new double[d];
        for (int j = 0; j < d; j++) {
            y[j] = x[j] + delta;
        }
        double k = NtkRecursion.pair(KernelSpec.ntk(1), y, z).ntk();
        assertTrue(k > hi[0], "kernel " + k + " should exceed the reference's upper bound " + hi[0]);
        IntervalKernel.twoLayer(IntervalKernel.NanMode.SOUND, Math.sqrt(dot(x, x)), delta, d, p, nz, 1, lo, hi);
        assertTrue(lo[0] <= k && k <= hi[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void ibpBoundsContainTheNetworkOutputOnTheBox(int depth) {
        SplittableRandom r = new SplittableRandom(200 + depth);
        int d = 12;
        JavaBackend be = new JavaBackend(1);
        try (FullyConnected net = FullyConnected.init(d, 30, depth, DType.F64, 5 + depth); Ibp ibp = new Ibp(net)) {
            for (int trial = 0; trial < 10; trial++) {
                double[] x = new double[d];
                for (int j = 0; j < d; j++) {
                    x[j] = r.nextDouble();
                }
                double delta = Math.pow(10, r.nextDouble(-3, 0));
                double[] lo = new double[1];
                double[] hi = new double[1];
                try (Matrix xm = row(x); Ibp.Centres z = ibp.firstLayer(be, xm)) {
                    ibp.bounds(be, z, new double[] {delta}, lo, hi);
                }
                int batch = SAMPLES / 10;
                try (Matrix ys = Matrix.allocate(batch, d, DType.F64)) {
                    for (int s = 0; s < batch; s++) {
                        double[] y = sample(r, x, delta, s % 2 == 0);
                        for (int j = 0; j < d; j++) {
                            ys.set(s, j, y[j]);
                        }
                    }
                    for (double f : net.forward(be, ys)) {
                        double slack = 1e-12 * (Math.abs(lo[0]) + Math.abs(hi[0]));
                        assertTrue(lo[0] - slack <= f && f <= hi[0] + slack, "depth " + depth + ", delta " + delta + ": " + f
                                + " outside [" + lo[0] + ", " + hi[0] + "]");
                    }
                }
            }
        }
    }

    static Matrix row(double[] x) {
        Matrix m = Matrix.allocate(1, x.length, DType.F64);
        for (int j = 0; j < x.length; j++) {
            m.set(0, j, x[j]);
        }
        return m;
    }

    @Test
    void recursionGradientMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(3);
        for (int depth = 0; depth <= 3; depth++) {
            for (KernelSpec spec : new KernelSpec[] {KernelSpec.ntk(depth), KernelSpec.nngp(depth),
                    KernelSpec.fc(KernelSpec.Kind.NTK, depth, 0.8, 0.3)}) {
                for (int t = 0; t < 20; t++) {
                    double xx = r.nextDouble(0.5, 3);
                    double yy = r.nextDouble(0.5, 3);
                    double dot = r.nextDouble(-0.95, 0.95) * Math.sqrt(xx * yy);
                    double[] g = NtkRecursion.gradient(spec, dot, xx, yy, 7);
                    assertEquals(NtkRecursion.pair(spec, dot, xx, yy, 7).of(spec.kind()), g[0], 1e-14);
                    double h = 1e-6;
                    double fd1 = (NtkRecursion.pair(spec, dot + h, xx, yy, 7).of(spec.kind())
                            - NtkRecursion.pair(spec, dot - h, xx, yy, 7).of(spec.kind())) / (2 * h);
                    double fd2 = (NtkRecursion.pair(spec, dot, xx + h, yy, 7).of(spec.kind())
                            - NtkRecursion.pair(spec, dot, xx - h, yy, 7).of(spec.kind())) / (2 * h);
                    assertEquals(fd1, g[1], 1e-7 * (1 + Math.abs(fd1)), spec + " d/ddot");
                    assertEquals(fd2, g[2], 1e-7 * (1 + Math.abs(fd2)), spec + " d/dxx");
                }
            }
        }
    }

    @Test
    void pgdNeverFlipsAPointInsideItsCertifiedRadius() {
        SplittableRandom r = new SplittableRandom(11);
        int d = 10;
        int n = 30;
        JavaBackend be = new JavaBackend(1);
        try (Matrix xt = Matrix.allocate(n, d, DType.F64); Matrix test = Matrix.allocate(25, d, DType.F64)) {
            double[] alpha = new double[n];
            for (int i = 0; i < n; i++) {
                double c = i % 2 == 0 ? 1 : -1;
                alpha[i] = c * r.nextDouble(0.1, 1);
                for (int j = 0; j < d; j++) {
                    xt.set(i, j, r.nextDouble() + (j < 3 ? 0.3 * c : 0));
                }
            }
            for (int i = 0; i < 25; i++) {
                for (int j = 0; j < d; j++) {
                    test.set(i, j, r.nextDouble());
                }
            }
            int attacked = 0;
            for (int depth = 1; depth <= 2; depth++) {
                KernelSpec spec = KernelSpec.ntk(depth);
                try (KernelCertifier kc = new KernelCertifier(spec, IntervalKernel.NanMode.SOUND, alpha, xt, 0);
                     Pgd.KernelModel km = new Pgd.KernelModel(spec, be, xt, alpha, 0)) {
                    KernelCertifier.Point[] pts = kc.certify(Providers.cpu(be, 1), 1, test, null, false,
                            new BinarySearch.Config(0.05, 0, 0.3, 1000, 1e-4, 1e-9), null);
                    for (int i = 0; i < 25; i++) {
                        double[] x = new double[d];
                        for (int j = 0; j < d; j++) {
                            x[j] = test.get(i, j);
                        }
                        Pgd.Attack a = Pgd.radius(km, x, Math.signum(pts[i].score()), new Pgd.Config(30, 1.0, 1e-3));
                        assertTrue(pts[i].outcome().radius() <= a.radius(), "depth " + depth + " point " + i + ": certified "
                                + pts[i].outcome().radius() + " > attacked " + a.radius());
                        attacked += Double.isFinite(a.radius()) ? 1 : 0;
                    }
                }
            }
            assertTrue(attacked >= 25, "PGD should flip most points within radius 1, flipped " + attacked + " of 50");
        }
        try (FullyConnected theta0 = FullyConnected.init(d, 40, 2, DType.F64, 9); FullyConnected theta = theta0.copy();
             Matrix test = Matrix.allocate(25, d, DType.F64)) {
            for (int k = 0; k <= 2; k++) { // a "trained" network: θ₀ plus a perturbation
                Matrix w = theta.weight(k);
                for (int i = 0; i < w.rows(); i++) {
                    for (int j = 0; j < w.cols(); j++) {
                        w.set(i, j, w.get(i, j) + 0.5 * r.nextGaussian());
                    }
                }
            }
            for (int i = 0; i < 25; i++) {
                for (int j = 0; j < d; j++) {
                    test.set(i, j, r.nextDouble());
                }
            }
            try (NetworkCertifier nc = new NetworkCertifier(theta, theta0, NetworkCertifier.Center.SOUND)) {
                KernelCertifier.Point[] pts = nc.certify(be, test, null, false, new BinarySearch.Config(0.01, 0, 0.3, 1000, 1e-4, 1e-9), null);
                Pgd.NetworkModel nm = new Pgd.NetworkModel(theta, theta0, be);
                int certified = 0;
                for (int i = 0; i < 25; i++) {
                    double[] x = new double[d];
                    for (int j = 0; j < d; j++) {
                        x[j] = test.get(i, j);
                    }
                    Pgd.Attack a = Pgd.radius(nm, x, Math.signum(pts[i].score()), new Pgd.Config(30, 2.0, 1e-3));
                    assertTrue(pts[i].outcome().radius() <= a.radius(), "network point " + i + ": certified "
                            + pts[i].outcome().radius() + " > attacked " + a.radius());
                    certified += pts[i].outcome().radius() > 0 ? 1 : 0;
                }
                assertTrue(certified >= 20, "IBP should certify a positive radius for most points, did for " + certified);
            }
        }
    }
}
