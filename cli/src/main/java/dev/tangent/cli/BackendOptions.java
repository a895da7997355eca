package dev.tangent.cli;

import dev.tangent.compute.KernelProviders;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code --backend} and {@code --threads}, shared by every command that computes. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "auto|openblas|java|scalar", defaultValue = "auto",
            description = "Where kernels run (default: ${DEFAULT-VALUE}: OpenBLAS GEMM with the Vector API kernel maps when both load, "
                    + "else the Vector API GEMM, else plain Java loops; scalar: plain Java loops, the reference).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the available processors, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** Selects the provider; says why on stderr when it fell back (or always, when verbose). */
    KernelProviders.Selection select(PrintWriter err, String command, boolean verbose) {
        return select(err, command, verbose, 256);
    }

    /** The same with the Gram's tile edge. */
    KernelProviders.Selection select(PrintWriter err, String command, boolean verbose, int tile) {
        if (threads < 1) {
            throw new dev.tangent.TangentException("--threads must be >= 1, found " + threads);
        }
        KernelProviders.Selection sel = KernelProviders.select(backend, threads, tile);
        if (sel.fellBack() || verbose) {
            err.println("tangent " + command + ": " + sel.reason());
        }
        return sel;
    }
}
