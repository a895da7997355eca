package dev.tangent.experiment;

import dev.tangent.TangentException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A regularisation grid ({@code --regs}): a comma-separated list, {@code lo:hi:count} (count values log-spaced from lo
 * to hi, numpy's {@code 10**linspace(log10 lo, log10 hi, count)}), or a named grid of the papers (spec §7.5, §4.5).
 */
public record RegGrid(String spec, double[] values) {
    /** The papers' grids by name, with their definitions (exponents of 10 as numpy's linspace). */
    public static final Map<String, String> NAMED = named();

    private static Map<String, String> named() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("fmnist", "10^linspace(-1, 5, 20): paper B's FMNIST/NFMNIST kernels (ntk2, rf2, poly)");
        m.put("fmnist-deep", "10^linspace(-4, 3, 20): paper B's FMNIST/NFMNIST NTK of 3 or more layers");
        m.put("cifar10", "10^linspace(-6, 1, 20): paper B's CIFAR-10");
        m.put("cifar2", "10^linspace(-2, 4, 20) then 10^linspace(4.2, 10, 20): paper B's CIFAR-2 (40 values)");
        m.put("synth", "10^linspace(0, 6, 10): paper B's synthetic data");
        m.put("paper-a", "0, 0.001, 0.01, 0.1, 1, 10, 100, 1000: paper A's lambda grid (spec 4.5)");
        return m;
    }

    public static RegGrid parse(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        double[] v = switch (t) {
            case "fmnist" -> pow10(-1, 5, 20);
            case "fmnist-deep" -> pow10(-4, 3, 20);
            case "cifar10" -> pow10(-6, 1, 20);
            case "cifar2" -> concat(pow10(-2, 4, 20), pow10(4.2, 10, 20));
            case "synth" -> pow10(0, 6, 10);
            case "paper-a" -> new double[] {0, 0.001, 0.01, 0.1, 1, 10, 100, 1000};
            default -> t.contains(":") ? range(s) : list(s);
        };
        check(v, "--regs " + s);
        return new RegGrid(s, v);
    }

    /** A grid must hold at least one value, every one finite and >= 0; {@code what} names it in the error. */
    public static void check(double[] v, String what) {
        if (v.length == 0) {
            throw new TangentException(what + ": no values");
        }
        for (double x : v) {
            if (!(x >= 0) || Double.isInfinite(x)) {
                throw new TangentException(what + ": every value must be finite and >= 0, found " + x);
            }
        }
    }

    /** 10^linspace(lo, hi, count) as numpy computes it (start + i·step, the last value exactly hi). */
    static double[] pow10(double lo, double hi, int count) {
        double[] out = new double[count];
        double step = count > 1 ? (hi - lo) / (count - 1) : 0;
        for (int i = 0; i < count; i++) {
            double e = i == count - 1 && count > 1 ? hi : lo + i * step;
            out[i] = Math.pow(10, e);
        }
        return out;
    }

    private static double[] range(String s) {
        String[] p = s.strip().split(":");
        if (p.length != 3) {
            throw new TangentException("--regs " + s + ": expected lo:hi:count (count values log-spaced from lo to hi), a "
                    + "comma-separated list or a named grid (" + String.join(", ", NAMED.keySet()) + ")");
        }
        double lo = number(p[0], s);
        double hi = number(p[1], s);
        int count;
        try {
            count = Integer.parseInt(p[2].strip());
        } catch (NumberFormatException e) {
            throw new TangentException("--regs " + s + ": the count '" + p[2] + "' is not a whole number");
        }
        if (!(lo > 0) || !(hi > 0) || count < 1) {
            throw new TangentException("--regs " + s + ": lo:hi:count needs lo > 0, hi > 0 and count >= 1 (log-spaced)");
        }
        return pow10(Math.log10(lo), Math.log10(hi), count);
    }

    private static double[] list(String s) {
        List<Double> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(number(p, s));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double number(String p, String s) {
        try {
            return Double.parseDouble(p.strip());
        } catch (NumberFormatException e) {
            throw new TangentException("--regs " + s + ": '" + p.strip() + "' is not a number; expected a comma-separated list, "
                    + "lo:hi:count or a named grid (" + String.join(", ", NAMED.keySet()) + ")");
        }
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
