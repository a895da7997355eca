package dev.tangent.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress display on stderr: the phase, items done of the total, the rate and the time left. Drawn only
 * when stderr is a terminal and the run has lasted two seconds (short runs stay quiet), at most ten times a second.
 * Thread-safe: workers report from their own threads. {@link #status()} is what the interrupt line reports.
 */
final class ProgressBar implements AutoCloseable {
    /** Runs shorter than this show no progress. */
    static final double QUIET_SECONDS = 2.0;

    private final PrintWriter err;
    private final String label;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;
    private String phase;
    private String unit;
    private long done;
    private long total;
    private long phaseStart = System.nanoTime();

    ProgressBar(PrintWriter err, String label) {
        this(err, label, isTerminal());
    }

    ProgressBar(PrintWriter err, String label, boolean enabled) {
        this.err = err;
        this.label = label;
        this.enabled = enabled;
    }

    static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    synchronized void update(String phase, String unit, long done, long total) {
        long now = System.nanoTime();
        if (!phase.equals(this.phase)) {
            this.phase = phase;
            phaseStart = now;
        }
        this.unit = unit;
        this.done = done;
        this.total = total;
        if (!enabled || (now - start) / 1e9 < QUIET_SECONDS || (done < total && now - lastDraw < 100_000_000L)) {
            return;
        }
        lastDraw = now;
        err.print("\r" + line(label + ": " + phase, unit, done, total, (now - phaseStart) / 1e9) + "\033[K");
        err.flush();
        drawn = true;
    }

    /**
     * "tangent gram: gram [########............]  40% 12/30 blocks, 3.10 blocks/s, ETA 6 s"; the rate and the time left
     * appear once the phase has run for a second.
     */
    static String line(String what, String unit, long done, long total, double seconds) {
        double frac = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int width = 20;
        int filled = (int) Math.round(frac * width);
        String s = String.format(Locale.ROOT, "%s [%s%s] %3.0f%% %d/%d %s", what, "#".repeat(filled), ".".repeat(width - filled), 100 * frac,
                done, total, unit);
        double rate = seconds >= 1 ? done / seconds : 0;
        if (rate > 0 && Double.isFinite(rate)) {
            s += String.format(Locale.ROOT, ", %s %s/s", rate >= 100 ? String.format(Locale.ROOT, "%.0f", rate)
                    : String.format(Locale.ROOT, "%.3g", rate), unit);
            if (done < total) {
                s += ", ETA " + duration((total - done) / rate);
            }
        }
        return s;
    }

    static String duration(double s) {
        if (s < 90) {
            return String.format(Locale.ROOT, "%.0f s", s);
        }
        if (s < 5400) {
            return String.format(Locale.ROOT, "%.0f min", s / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", s / 3600);
    }

    /** Where the run stood, e.g. "gram 12/30 blocks", or null before any progress. */
    synchronized String status() {
        return phase == null ? null : phase + " " + done + "/" + total + " " + unit;
    }

    /** Seconds since the command started. */
    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Clears the line (before a message is printed). */
    synchronized void clear() {
        if (drawn) {
            err.print("\r\033[K");
            err.flush();
            drawn = false;
        }
    }

    @Override
    public void close() {
        clear();
    }
}
