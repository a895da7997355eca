package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProviders;
import picocli.CommandLine.Option;

/** {@code --backend} and {@code --threads}, shared by every command that computes. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "BACKEND", defaultValue = "auto", converter = Converters.Backends.class,
            completionCandidates = Converters.Backends.class,
            description = "Where kernels run, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: the NVIDIA GPU when its driver, "
                    + "cuBLAS and cuSOLVER load, else OpenBLAS GEMM with the Vector API kernel maps when both load, else the Vector API "
                    + "GEMM, else plain Java loops; cuda: the GPU, or an error saying why not; scalar: plain Java loops, the reference).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the available processors, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** Selects the provider (the Gram's tile edge: {@code tile}). */
    KernelProviders.Selection select(int tile) {
        if (threads < 1) {
            throw new TangentException("--threads must be >= 1, found " + threads);
        }
        return KernelProviders.select(backend, threads, tile);
    }

    KernelProviders.Selection select() {
        return select(256);
    }
}
