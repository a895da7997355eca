package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.Backends;
import picocli.CommandLine.Option;

/** {@code --backend} and {@code --threads}, shared by every command that computes. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "BACKEND", defaultValue = "auto", converter = Converters.Backends.class,
            completionCandidates = Converters.Backends.class,
            description = "Compute backend, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: OpenBLAS when it loads, "
                    + "else the Java Vector API backend).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the available processors, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** Selects the backend. */
    Backends.Selection select() {
        if (threads < 1) {
            throw new TangentException("--threads must be >= 1, found " + threads);
        }
        return Backends.select(backend, threads);
    }
}
