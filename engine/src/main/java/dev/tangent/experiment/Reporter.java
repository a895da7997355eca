package dev.tangent.experiment;

/**
 * How a workflow tells its caller what it is doing (the engine never prints): progress of a phase, and one-line notes
 * (a stale temp file reclaimed, a warning). The CLI draws a progress bar on a terminal and prints notes on stderr.
 */
public interface Reporter {
    /**
     * @param phase what runs, e.g. "gram", "kernel machine", "network width 1000"
     * @param unit  what is counted, e.g. "chunks", "steps"
     */
    void progress(String phase, String unit, long done, long total);

    void note(String line);

    Reporter SILENT = new Reporter() {
        @Override
        public void progress(String phase, String unit, long done, long total) {
        }

        @Override
        public void note(String line) {
        }
    };
}
