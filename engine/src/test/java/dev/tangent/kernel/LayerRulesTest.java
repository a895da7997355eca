package dev.tangent.kernel;

import dev.tangent.TangentException;
import dev.tangent.TestData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layers beyond paper A's ReLU against sources other than their own code: closed forms written out here from the
 * papers (Williams 1997 for erf, spec §7.5 for paper B's kernels), spec §9's golden values, Monte-Carlo estimates from
 * the finite networks the layers define, and finite differences of their scalar rules.
 */
class LayerRulesTest {
    static double rel(double a, double e) {
        return TestData.relErr(a, e);
    }

    /**
     * erf at tabulated points (Abramowitz &amp; Stegun Table 7.1, 16 digits from mpmath), within 2e-15: the series is a
     * sum of up to ~200 positive terms (a few ulps in practice) times one exp (1 ulp).
     */
    @Test
    void erfMatchesTables() {
        double[][] t = {{0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
                {2, 0.9953222650189527}, {3, 0.9999779095030014}, {4.5, 0.9999999998033839}};
        for (double[] p : t) {
            assertEquals(p[1], Erf.erf(p[0]), 2e-15, "erf(" + p[0] + ")");
            assertEquals(-p[1], Erf.erf(-p[0]), 2e-15, "erf(" + -p[0] + ")");
        }
        assertEquals(0.0, Erf.erf(0), 0.0);
        assertEquals(1.0, Erf.erf(7), 0.0);
    }

    /**
     * The erf network's NNGP and NTK (spec nngp:dense,erf,dense) against Williams' arcsine formula written here:
     * Σ = (2/π)·arcsin(2c/√((1+2q)(1+2q′))), Θ = Σ + (4/π)/√((1+2q)(1+2q′) − 4c²)·c, with c, q, q′ after the first Dense.
     */
    @Test
    void erfKernelEqualsWilliamsClosedForm() {
        double[][] p = TestData.goldenPair();
        double dot = 0, xx = 0, zz = 0;
        for (int k = 0; k < 784; k++) {
            dot += p[0][k] * p[1][k];
            xx += p[0][k] * p[0][k];
            zz += p[1][k] * p[1][k];
        }
        for (double w : new double[] {0.5, 1, 2}) {
            KernelSpec spec = KernelSpec.parse("ntk:dense(" + w + ",0),erf,dense");
            double c = w * w * dot / 784, q = w * w * xx / 784, qp = w * w * zz / 784;
            double a = (1 + 2 * q) * (1 + 2 * qp);
            double nngp = 2 / Math.PI * Math.asin(2 * c / Math.sqrt(a));
            double ntk = nngp + 4 / Math.PI / Math.sqrt(a - 4 * c * c) * c;
            Cov s = spec.evaluate(dot, xx, zz, 784);
            assertTrue(rel(s.c, nngp) <= 1e-14, "nngp w=" + w + ": " + s.c + " vs " + nngp);
            assertTrue(rel(s.th, ntk) <= 1e-14, "ntk w=" + w + ": " + s.th + " vs " + ntk);
        }
    }

    /**
     * The same kernels against a Monte-Carlo estimate of the finite network the layer defines, f(x) = Σ_j a_j φ(w_j·x/√d)/√m
     * with (w_j, a_j) ~ N(0, I): NNGP = E[φ(u)φ(v)], NTK = E[φ(u)φ(v)] + E[a²]E[φ′(u)φ′(v)]·⟨x,z⟩/d. With m = 400,000
     * draws the standard errors are below 2e-3 of the kernels' scale; the tolerance is 5 standard errors, estimated from
     * the samples themselves.
     */
    @Test
    void erfKernelEqualsMonteCarloOfTheFiniteNetwork() {
        Erf erf = new Erf(1.3, 0.8, 0.1);
        KernelSpec spec = new KernelSpec(KernelSpec.Kind.NTK, KernelSpec.Input.MEAN, List.of(Dense.STANDARD, erf, Dense.STANDARD));
        SplittableRandom r = new SplittableRandom(5);
        int d = 6;
        double[] x = {0.3, -1.2, 0.8, 0.1, -0.4, 0.9};
        double[] z = {-0.5, -0.7, 0.2, 1.1, 0.6, -0.3};
        double dot = 0, xx = 0, zz = 0;
        for (int k = 0; k < d; k++) {
            dot += x[k] * z[k];
            xx += x[k] * x[k];
            zz += z[k] * z[k];
        }
        int m = 400_000;
        double sN = 0, sN2 = 0, sT = 0, sT2 = 0;
        for (int j = 0; j < m; j++) {
            double u = 0, v = 0;
            for (int k = 0; k < d; k++) {
                double w = r.nextGaussian();
                u += w * x[k];
                v += w * z[k];
            }
            u /= Math.sqrt(d);
            v /= Math.sqrt(d);
            double a = r.nextGaussian();
            double nn = erf.apply(u) * erf.apply(v);
            double th = nn + a * a * erf.derivative(u) * erf.derivative(v) * dot / d;
            sN += nn;
            sN2 += nn * nn;
            sT += th;
            sT2 += th * th;
        }
        double mN = sN / m, mT = sT / m;
        double seN = Math.sqrt((sN2 / m - mN * mN) / m), seT = Math.sqrt((sT2 / m - mT * mT) / m);
        Cov s = spec.evaluate(dot, xx, zz, d);
        assertEquals(mN, s.c, 5 * seN, "nngp vs Monte-Carlo (se " + seN + ")");
        assertEquals(mT, s.th, 5 * seT, "ntk vs Monte-Carlo (se " + seT + ")");
    }

    /** Paper B's two-layer kernels (spec §7.5): the golden values of §9 and their closed forms written out here. */
    @Test
    void paperBKernelsEqualSpecGoldenValuesAndClosedForms() {
        double[][] p = TestData.goldenPair();
        NtkRecursion.Value ntk2 = NtkRecursion.pair(KernelSpec.parse("ntk2"), p[0], p[1]);
        NtkRecursion.Value rf2 = NtkRecursion.pair(KernelSpec.parse("rf2"), p[0], p[1]);
        assertTrue(rel(ntk2.ntk(), 5.178586864923e+01) <= 1e-12, "NTK2 " + ntk2.ntk());
        assertTrue(rel(rf2.nngp(), 3.552824115435e+01) <= 1e-12, "RFK2 " + rf2.nngp());
        // rf2 = d × paper A's two-layer NNGP, ntk2 = d × its NTK
        NtkRecursion.Value a = NtkRecursion.pair(KernelSpec.ntk(1), p[0], p[1]);
        assertTrue(rel(rf2.nngp(), 784 * a.nngp()) <= 1e-13);
        assertTrue(rel(ntk2.ntk(), 784 * a.ntk()) <= 1e-13);
        SplittableRandom r = new SplittableRandom(2);
        for (int t = 0; t < 200; t++) {
            double[] x = r.doubles(30, -1, 1).toArray();
            double[] z = r.doubles(30, -1, 1).toArray();
            double nx = Math.sqrt(dot(x, x)), nz = Math.sqrt(dot(z, z));
            double u = Math.max(-1, Math.min(1, dot(x, z) / (nx * nz)));
            double rfk = nx * nz / 2 * (u * Math.asin(u) / Math.PI + u / 2 + Math.sqrt(1 - u * u) / Math.PI);
            double ntk = nx * nz * (u * (1 - Math.acos(u) / Math.PI) + Math.sqrt(1 - u * u) / (2 * Math.PI));
            assertEquals(rfk, NtkRecursion.pair(KernelSpec.parse("rf2"), x, z).nngp(), 1e-13 * nx * nz);
            assertEquals(ntk, NtkRecursion.pair(KernelSpec.parse("ntk2"), x, z).ntk(), 1e-13 * nx * nz);
            double poly = Math.pow(0.5 + dot(x, z) / Math.sqrt(30), 3);
            assertEquals(poly, NtkRecursion.pair(KernelSpec.parse("poly(0.5,3)"), x, z).nngp(), 1e-13 * Math.max(1, Math.abs(poly)));
            double lin = 2 + dot(x, z) / Math.sqrt(30);
            assertEquals(lin, NtkRecursion.pair(KernelSpec.parse("poly(2,1)"), x, z).nngp(), 1e-14 * Math.max(1, Math.abs(lin)));
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * The forward-mode gradients of every layer against central differences of the scalar rules: relative step 1e-6,
     * so the truncation error (∝ h²) and the rounding error (∝ ε/h) are both ≈ 1e-10 of the derivative's scale; the
     * tolerance 1e-6 leaves four orders for curvature. Pairs are kept away from collinear (|cos| ≤ 0.9), where ReLU's
     * derivative is singular.
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        List<String> specs = List.of("ntk:dense,relu,dense", "nngp:dense(1.3,0.4),relu,dense,relu,dense", "ntk:dense,leaky_relu(0.2),dense",
                "ntk:dense(1.2,0.3),erf(1.1,0.7,0.2),dense", "nngp:dense,erf,dense,relu,dense", "ntk:dense,relu,dense,poly(0.5,2),dense",
                "ntk2", "rf2", "poly(0.3,3)");
        SplittableRandom r = new SplittableRandom(4);
        for (String str : specs) {
            KernelSpec spec = KernelSpec.parse(str);
            for (int t = 0; t < 20; t++) {
                int d = 5;
                double xx = r.nextDouble(0.5, 3), yy = r.nextDouble(0.5, 3);
                double dot = r.nextDouble(-0.9, 0.9) * Math.sqrt(xx * yy);
                double[] g = spec.gradient(dot, xx, yy, d);
                assertEquals(spec.value(dot, xx, yy, d), g[0], 0.0, str);
                double h1 = 1e-6 * Math.sqrt(xx * yy);
                double h2 = 1e-6 * xx;
                double fd1 = (spec.value(dot + h1, xx, yy, d) - spec.value(dot - h1, xx, yy, d)) / (2 * h1);
                double fd2 = (spec.value(dot, xx + h2, yy, d) - spec.value(dot, xx - h2, yy, d)) / (2 * h2);
                double scale = Math.abs(g[0]) / Math.sqrt(xx * yy) + Math.abs(fd1) + Math.abs(fd2);
                assertEquals(fd1, g[1], 1e-6 * scale, str + " d/d<x,x'>");
                assertEquals(fd2, g[2], 1e-6 * scale, str + " d/d|x|^2");
            }
        }
    }

    @Test
    void specStringsRoundTripAndNameWhatIsWrong() {
        for (String s : List.of("ntk:dense(1,0),relu,dense(1,0)", "nngp:input(sum),dense(1,0),relu", "ntk:dense(1.5,0.25),erf(1,2,0.5),dense(1,0)",
                "nngp:input(sqrt),poly(0.5,3)", "ntk:dense(1,0),abrelu(-0.5,1),dense(1,0)")) {
            assertEquals(s, KernelSpec.parse(s).toString());
            assertEquals(KernelSpec.parse(s), KernelSpec.parse(KernelSpec.parse(s).toString()));
        }
        assertEquals(KernelSpec.ntk(2), KernelSpec.parse("dense,relu,dense,relu,dense"));
        assertEquals(KernelSpec.ntk(2), KernelSpec.parse(" NTK: Dense, ReLU, Dense, ReLU, Dense "));
        assertEquals(KernelSpec.parse("ntk:dense(1,0),leaky_relu(0.1),dense"), KernelSpec.parse("ntk:dense,abrelu(0.1,1),dense"));
        assertEquals(KernelSpec.Input.SUM, KernelSpec.parse("ntk2").input());
        assertEquals(KernelSpec.ntk(3).fullyConnected().orElseThrow(), new KernelSpec.FullyConnected(3, 1, 0));
        assertTrue(KernelSpec.parse("ntk2").fullyConnected().isEmpty());
        String[][] bad = {{"ntk:dense,tanh,dense", "unknown layer 'tanh'"}, {"ntk:dense(1,2,3)", "dense: 0 to 2 arguments"},
                {"ntk:dense(-1)", "weight std"}, {"nngp:relu", "nngp"}, {"ntk:relu", "needs a dense layer"},
                {"ntk:dense,,relu", "empty layer"}, {"ntk:dense(1,relu", "unbalanced"}, {"ntk:dense(x)", "'x' is not a number"},
                {"ntk:dense,input(sum)", "input(...) may only come first"}, {"ntk:input(max),dense", "input(max)"},
                {"poly(1,2.5)", "integer"}, {"foo:dense", "expected ntk or nngp"}, {"", "empty"}};
        for (String[] b : bad) {
            if (b[1].equals("nngp")) {
                assertEquals(KernelSpec.Kind.NNGP, KernelSpec.parse(b[0]).kind()); // a layer list without dense is a valid nngp
                continue;
            }
            TangentException e = assertThrows(TangentException.class, () -> KernelSpec.parse(b[0]), b[0]);
            assertTrue(e.getMessage().contains(b[1]), b[0] + ": " + e.getMessage());
        }
    }
}
