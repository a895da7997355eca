package dev.tangent.data.rng;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The natural logarithm rounded to nearest, as glibc's {@code log} (which numpy's random C code calls) returns it.
 * {@link Math#log} and {@link StrictMath#log} are faithful but not correctly rounded: they differ from glibc in about
 * one call in a thousand, which would break numpy's Gaussian and exponential streams.
 *
 * <p>Method: x = 2ᵉ·t with t in [0.75, 1.5); c = 1 + j/128 is the table point nearest t; then
 * ln x = e·ln 2 + ln c + 2 atanh(u) with u = (t − c)/(t + c), |u| &lt; 2⁻⁸·⁶, in double-double arithmetic.
 * The error before the final rounding is below 2⁻⁹⁰ relative, so a result differs from the correctly rounded one
 * only for inputs within 2⁻³⁷ ulp of a rounding boundary.
 */
final class CorrectlyRoundedLog {
    private static final int STEPS = 128;
    private static final int J_MIN = -32;
    private static final int J_MAX = 64;
    private static final double[] LOG_C_HI = new double[J_MAX - J_MIN + 1];
    private static final double[] LOG_C_LO = new double[J_MAX - J_MIN + 1];
    private static final double LN2_HI;
    private static final double LN2_LO;
    private static final double TWO_THIRDS_HI = 2.0 / 3.0;
    private static final double TWO_THIRDS_LO;

    static {
        MathContext mc = new MathContext(50);
        for (int j = J_MIN; j <= J_MAX; j++) {
            BigDecimal c = BigDecimal.ONE.add(BigDecimal.valueOf(j).divide(BigDecimal.valueOf(STEPS), mc), mc);
            BigDecimal ln = lnExact(c, mc);
            LOG_C_HI[j - J_MIN] = ln.doubleValue();
            LOG_C_LO[j - J_MIN] = ln.subtract(new BigDecimal(ln.doubleValue()), mc).doubleValue();
        }
        BigDecimal ln2 = lnExact(BigDecimal.valueOf(2), mc);
        LN2_HI = ln2.doubleValue();
        LN2_LO = ln2.subtract(new BigDecimal(LN2_HI), mc).doubleValue();
        BigDecimal twoThirds = BigDecimal.valueOf(2).divide(BigDecimal.valueOf(3), mc);
        TWO_THIRDS_LO = twoThirds.subtract(new BigDecimal(TWO_THIRDS_HI), mc).doubleValue();
    }

    private CorrectlyRoundedLog() {
    }

    /** ln c = 2 atanh((c − 1)/(c + 1)) by its series, to the precision of {@code mc} (c in [0.5, 2]). */
    private static BigDecimal lnExact(BigDecimal c, MathContext mc) {
        BigDecimal w = c.subtract(BigDecimal.ONE).divide(c.add(BigDecimal.ONE), mc);
        BigDecimal w2 = w.multiply(w, mc);
        BigDecimal power = w;
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal eps = new BigDecimal("1e-45");
        for (int k = 1; power.abs().compareTo(eps) > 0; k += 2) {
            sum = sum.add(power.divide(BigDecimal.valueOf(k), mc), mc);
            power = power.multiply(w2, mc);
        }
        return sum.add(sum, mc);
    }

    /** ln x rounded to nearest, for x &gt; 0 finite (other inputs as {@link Math#log}). */
    static double log(double x) {
        if (!(x > 0) || x == Double.POSITIVE_INFINITY) {
            return Math.log(x);
        }
        int scale = 0;
        if (x < Double.MIN_NORMAL) {
            x *= 0x1p54;
            scale = -54;
        }
        long bits = Double.doubleToRawLongBits(x);
        int e = (int) (bits >>> 52) - 1023 + scale;
        double t = Double.longBitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (t >= 1.5) {
            t *= 0.5;
            e++;
        }
        int j = (int) Math.rint((t - 1.0) * STEPS);
        double c = 1.0 + (double) j / STEPS;
        // u = (t − c)/(t + c) as uh + ul: t − c is exact (Sterbenz), t + c is a two-sum.
        double d = t - c;
        double sh = t + c;
        double sl = (t - (sh - (sh - t))) + (c - (sh - t));
        double uh = d / sh;
        double ul = (Math.fma(-uh, sh, d) - uh * sl) / sh;
        // ln(t/c) = 2u + u³·P(u²), P(v) = 2/3 + 2v/5 + 2v²/7 + 2v³/9 + 2v⁴/11: u³ and 2/3 in double-double.
        double v = uh * uh;
        double s = 2.0 / 5 + v * (2.0 / 7 + v * (2.0 / 9 + v * (2.0 / 11)));
        double ph = TWO_THIRDS_HI;
        double pl = TWO_THIRDS_LO + v * s;
        double u2h = v;
        double u2l = Math.fma(uh, uh, -v) + 2 * uh * ul;
        double u3h = u2h * uh;
        double u3l = Math.fma(u2h, uh, -u3h) + u2h * ul + u2l * uh;
        double th = u3h * ph;
        double tl = Math.fma(u3h, ph, -th) + u3h * pl + u3l * ph;
        // Sum e·ln2 + ln c + 2u + tail, exact two-sums on the leading parts, errors collected in err.
        double ah = e * LN2_HI;
        double err = Math.fma(e, LN2_HI, -ah) + e * LN2_LO;
        int k = j - J_MIN;
        double sum = ah;
        double next = LOG_C_HI[k];
        double r = sum + next;
        err += twoSumError(sum, next, r) + LOG_C_LO[k];
        sum = r;
        next = 2 * uh;
        r = sum + next;
        err += twoSumError(sum, next, r) + 2 * ul;
        sum = r;
        r = sum + th;
        err += twoSumError(sum, th, r) + tl;
        return r + err;
    }

    /** The exact error a + b − fl(a + b) of a floating-point sum (Knuth's two-sum). */
    private static double twoSumError(double a, double b, double s) {
        double bb = s - a;
        return (a - (s - bb)) + (b - bb);
    }
}
