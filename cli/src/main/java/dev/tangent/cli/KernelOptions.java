package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.Layers;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * What kernel: {@code --kernel SPEC} (a stax-style layer list or a preset), or the fully-connected ReLU network's
 * shorthand {@code --depth L [--weight-std SW] [--bias-std SB]} (stax conventions); {@code --kind} chooses the output.
 */
final class KernelOptions {
    @Option(names = "--kernel", paramLabel = "SPEC",
            description = {"Kernel as layers, e.g. ntk:dense,relu,dense or nngp:dense(1.2,0.1),erf,dense, or a preset: ntk2 or rf2",
                    "(paper B's two-layer NTK and ReLU random-features kernel, without the 1/d) or poly(c,p) ((c + <x,z>/sqrt(d))^p).",
                    "Layers: input(mean|sum|sqrt) (first only), dense(w,b), relu, abrelu(a,b), leaky_relu(a), erf(a,b,c), poly(c,p).",
                    "Instead of --depth, --weight-std and --bias-std."})
    String kernel;

    @Option(names = "--depth", paramLabel = "L",
            description = "Hidden ReLU layers of the network whose kernel is used: paper A's hidden_layer + 1 (1 = the two-layer network).")
    Integer depth;

    @Option(names = "--kind", paramLabel = "KIND", converter = Converters.Kinds.class, completionCandidates = Converters.Kinds.class,
            description = "Kernel, one of ${COMPLETION-CANDIDATES}: the tangent kernel or the output covariance (default: ntk, or the kind "
                    + "a --kernel spec names).")
    KernelSpec.Kind kind;

    @Option(names = "--weight-std", paramLabel = "SW", description = "With --depth: weight standard deviation sigma_w (default: 1).")
    Double weightStd;

    @Option(names = "--bias-std", paramLabel = "SB", description = "With --depth: bias standard deviation sigma_b (default: 0, bias-free as in the papers).")
    Double biasStd;

    /** The kernel; without --kernel or --depth, {@code defaultDepth}, or a missing-option error when that is null. */
    KernelSpec spec(BaseCommand cmd, Integer defaultDepth) {
        if (kernel != null) {
            String other = depth != null ? "--depth" : weightStd != null ? "--weight-std" : biasStd != null ? "--bias-std" : null;
            if (other != null) {
                throw new TangentException("--kernel and " + other + " exclude each other: " + other + " belongs to the --depth shorthand; "
                        + "write the layers in the --kernel spec instead");
            }
            KernelSpec s = KernelSpec.parse(kernel);
            return kind == null ? s : s.withKind(kind);
        }
        Integer d = depth != null ? depth : defaultDepth;
        if (d == null) {
            throw new ParameterException(cmd.spec.commandLine(), "Missing required option: '--depth=L' or '--kernel=SPEC' (layers: "
                    + Layers.names() + ")");
        }
        return KernelSpec.fc(kind == null ? KernelSpec.Kind.NTK : kind, d, weightStd == null ? 1 : weightStd, biasStd == null ? 0 : biasStd);
    }
}
