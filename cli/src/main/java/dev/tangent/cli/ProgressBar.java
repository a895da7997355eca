package dev.tangent.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second, shown only when stderr is a terminal and
 * the job is large enough to be worth watching. Thread-safe: workers report from their own threads.
 */
final class ProgressBar implements AutoCloseable {
    private final PrintWriter err;
    private final String label;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter err, String label, boolean worthShowing) {
        this.err = err;
        this.label = label;
        this.enabled = worthShowing && isTerminal();
    }

    static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    synchronized void update(long done, long total, String unit) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        double frac = total == 0 ? 1 : (double) done / total;
        int width = 30;
        int filled = (int) Math.round(frac * width);
        double elapsed = (now - start) / 1e9;
        String eta = frac > 0 && done < total ? String.format(Locale.ROOT, ", ETA %.0f s", elapsed / frac - elapsed) : "";
        err.printf(Locale.ROOT, "\r%s [%s%s] %3.0f%% %d/%d %s, %.1f s%s  ", label, "#".repeat(filled),
                ".".repeat(width - filled), 100 * frac, done, total, unit, elapsed, eta);
        err.flush();
        drawn = true;
    }

    @Override
    public synchronized void close() {
        if (drawn) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
