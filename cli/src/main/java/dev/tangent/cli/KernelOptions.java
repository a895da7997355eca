package dev.tangent.cli;

import dev.tangent.kernel.KernelSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The analytic kernel: hidden ReLU layers, kind, and the weight and bias standard deviations (stax conventions). */
final class KernelOptions {
    @Option(names = "--depth", paramLabel = "L",
            description = "Hidden ReLU layers of the network whose kernel is used: paper A's hidden_layer + 1 (1 = the two-layer network).")
    Integer depth;

    @Option(names = "--kind", paramLabel = "KIND", defaultValue = "ntk", converter = Converters.Kinds.class,
            completionCandidates = Converters.Kinds.class,
            description = "Kernel, one of ${COMPLETION-CANDIDATES}: the tangent kernel or the output covariance (default: ${DEFAULT-VALUE}).")
    KernelSpec.Kind kind;

    @Option(names = "--weight-std", paramLabel = "SW", defaultValue = "1", description = "Weight standard deviation sigma_w (default: ${DEFAULT-VALUE}).")
    double weightStd;

    @Option(names = "--bias-std", paramLabel = "SB", defaultValue = "0",
            description = "Bias standard deviation sigma_b (default: ${DEFAULT-VALUE}, bias-free as in the papers).")
    double biasStd;

    /** The kernel; without --depth, {@code defaultDepth}, or a missing-option error when that is null. */
    KernelSpec spec(BaseCommand cmd, Integer defaultDepth) {
        Integer d = depth != null ? depth : defaultDepth;
        if (d == null) {
            throw new ParameterException(cmd.spec.commandLine(), "Missing required option: '--depth=L'");
        }
        return new KernelSpec(kind, d, weightStd, biasStd);
    }
}
