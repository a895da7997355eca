package dev.tangent.experiment;

import dev.tangent.compute.Backend;
import dev.tangent.compute.KernelProvider;

/**
 * What every workflow gets besides its own parameters: where it computes (a {@link KernelProvider}, whose backend the
 * networks use), what its run.json records ({@link Provenance}), and whom it tells ({@link Reporter}).
 */
public record Context(KernelProvider provider, Provenance provenance, Reporter reporter) {
    /** A context without provenance or reports (Java API, tests). */
    public static Context of(KernelProvider provider) {
        return new Context(provider, Provenance.NONE, Reporter.SILENT);
    }

    /** The provider's dense algebra on host matrices (networks, data transforms). */
    public Backend backend() {
        return provider.backend();
    }

    public int threads() {
        return provider.threads();
    }
}
