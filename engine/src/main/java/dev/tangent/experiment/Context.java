package dev.tangent.experiment;

import dev.tangent.compute.Backend;

/**
 * What every workflow gets besides its own parameters: where it computes (backend, threads), what its run.json
 * records ({@link Provenance}), and whom it tells ({@link Reporter}).
 */
public record Context(Backend backend, int threads, Provenance provenance, Reporter reporter) {
    /** A context without provenance or reports (Java API, tests). */
    public static Context of(Backend backend, int threads) {
        return new Context(backend, threads, Provenance.NONE, Reporter.SILENT);
    }
}
