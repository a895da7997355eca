package dev.tangent.verify;

import dev.tangent.TangentException;

import java.util.Locale;

/**
 * Paper A's search for the largest certified ℓ∞ radius (spec §6.4), as a small state machine so that one point at a
 * time (kernel machines) and whole batches in lock step (IBP over GEMMs) drive the same rules:
 * <pre>
 *   δ = δ0, [lo, hi]; repeat at most T times:
 *     v = s·bound(δ)                         (the certified margin at δ)
 *     if v ≥ 0: remember δ; if v &lt; marginStop: stop
 *     if v &gt; 0: lo = δ else hi = δ           (v = 0 and NaN move hi, as the reference)
 *     δ = (lo + hi)/2
 * </pre>
 * plus, beyond the reference, a δ-tolerance stop (hi − lo &lt; deltaTol), because the margin test alone never fires
 * when the margin jumps over [0, marginStop). The result is the largest certified δ, or 0 with
 * {@link Status#NONE} when no probe was certified (where the reference crashes).
 */
public final class BinarySearch {
    /**
     * @param delta0     first probe (paper: 0.05 for kernel machines, 0.01 for networks)
     * @param lo         lower end of the bracket (0)
     * @param hi         upper end (0.3)
     * @param maxIter    T, the most probes per point (1000)
     * @param marginStop stop once a certified margin is below this (1e-3, in output units)
     * @param deltaTol   stop once hi − lo is below this (0 disables; default 1e-9)
     */
    public record Config(double delta0, double lo, double hi, int maxIter, double marginStop, double deltaTol) implements java.io.Serializable {
        public Config {
            if (!(lo >= 0) || !(hi > lo) || Double.isInfinite(hi)) {
                throw new TangentException(String.format(Locale.ROOT,
                        "--lo/--hi: expected 0 <= lo < hi < infinity, found lo %s, hi %s", lo, hi));
            }
            if (!(delta0 > lo && delta0 < hi)) {
                throw new TangentException(String.format(Locale.ROOT,
                        "--delta0 %s: expected a first radius strictly inside (--lo, --hi) = (%s, %s)", delta0, lo, hi));
            }
            if (maxIter < 1) {
                throw new TangentException("--max-iter must be >= 1 probe, found " + maxIter);
            }
            if (!(marginStop >= 0) || !(deltaTol >= 0)) {
                throw new TangentException(String.format(Locale.ROOT,
                        "--margin-stop and --delta-tol must be >= 0, found %s and %s", marginStop, deltaTol));
            }
        }

        /** Paper A's kernel-machine search: δ0 = 0.05 in [0, 0.3], T = 1000, margin stop 1e-3, δ tolerance 1e-9. */
        public static Config kernelDefaults() {
            return new Config(0.05, 0, 0.3, 1000, 1e-3, 1e-9);
        }

        /** Paper A's network search: δ0 = 0.01, otherwise as {@link #kernelDefaults}. */
        public static Config networkDefaults() {
            return new Config(0.01, 0, 0.3, 1000, 1e-3, 1e-9);
        }
    }

    /** How a point's search ended. */
    public enum Status {
        /** stopped on the margin test: the radius is within the margin tolerance of the certificate's boundary */
        CERTIFIED,
        /** stopped on the δ tolerance with a certified radius */
        TOLERANCE,
        /** T probes used up ("Not Find!" in the reference); the radius is the largest certified probe */
        EXHAUSTED,
        /** no probe was certified: radius 0 */
        NONE,
        /** the clean score is exactly 0, so there is no sign to certify (excluded from summaries) */
        UNCERTIFIABLE,
        /** not searched: misclassified and only correctly classified points were asked for */
        SKIPPED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @param radius largest certified δ (0 for NONE, NaN for UNCERTIFIABLE/SKIPPED); iterations = probes evaluated */
    public record Outcome(double radius, int iterations, Status status) implements java.io.Serializable {
    }

    private final Config cfg;
    private double delta;
    private double lo;
    private double hi;
    private double best = Double.NEGATIVE_INFINITY;
    private int iterations;
    private Outcome outcome;

    public BinarySearch(Config cfg) {
        this.cfg = cfg;
        this.delta = cfg.delta0();
        this.lo = cfg.lo();
        this.hi = cfg.hi();
    }

    /** The radius to probe next (valid while {@link #done()} is false). */
    public double delta() {
        return delta;
    }

    public boolean done() {
        return outcome != null;
    }

    /** The final outcome, once {@link #done()}. */
    public Outcome outcome() {
        return outcome;
    }

    /** Records the certified margin v = s·bound(δ) of the current probe; returns whether the search has ended. */
    public boolean report(double v) {
        if (outcome != null) {
            throw new IllegalStateException("search already ended");
        }
        iterations++;
        if (v >= 0) {
            best = Math.max(best, delta);
            if (v < cfg.marginStop()) {
                return finish(Status.CERTIFIED);
            }
        }
        if (v > 0) {
            lo = delta;
        } else {
            hi = delta;
        }
        delta = (lo + hi) / 2;
        if (iterations >= cfg.maxIter()) {
            return finish(Status.EXHAUSTED);
        }
        if (hi - lo < cfg.deltaTol()) {
            return finish(Status.TOLERANCE);
        }
        return false;
    }

    private boolean finish(Status s) {
        outcome = best == Double.NEGATIVE_INFINITY ? new Outcome(0, iterations, Status.NONE) : new Outcome(best, iterations, s);
        return true;
    }

    /** The margin at a radius: s·bound(δ). */
    @FunctionalInterface
    public interface Margin {
        double at(double delta);
    }

    /** Runs a whole search for one point. */
    public static Outcome run(Config cfg, Margin margin) {
        BinarySearch s = new BinarySearch(cfg);
        while (!s.report(margin.at(s.delta()))) {
            // next probe
        }
        return s.outcome();
    }
}
