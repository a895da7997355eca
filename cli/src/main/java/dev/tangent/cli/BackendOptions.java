package dev.tangent.cli;

import dev.tangent.compute.Backends;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code --backend} and {@code --threads}, shared by every command that computes. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "auto|java|openblas|cuda", defaultValue = "auto",
            description = "Compute backend (default: ${DEFAULT-VALUE}: OpenBLAS when it loads, else the Java Vector API backend).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the available processors, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** Selects the backend; says why on stderr when it fell back (or always, when verbose). */
    Backends.Selection select(PrintWriter err, String command, boolean verbose) {
        if (threads < 1) {
            throw new dev.tangent.TangentException("--threads must be >= 1, found " + threads);
        }
        Backends.Selection sel = Backends.select(backend, threads);
        if (sel.fellBack() || verbose) {
            err.println("tangent " + command + ": " + sel.reason());
        }
        return sel;
    }
}
