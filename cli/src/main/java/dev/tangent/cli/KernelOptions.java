package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.Layers;
import picocli.CommandLine.Option;

/**
 * What kernel: {@code --kernel SPEC} (a stax-style layer list or a preset), or the fully-connected ReLU network's
 * shorthand {@code --depth L [--weight-std SW] [--bias-std SB]}; {@code --kind} chooses the output of either.
 */
final class KernelOptions {
    @Option(names = "--kernel", paramLabel = "SPEC",
            description = {"Kernel as layers, e.g. ntk:dense,relu,dense or nngp:dense(1.2,0.1),relu,dense, or a preset:",
                    "ntk2 and rf2 (paper B's two-layer NTK and ReLU random-features kernel, no 1/d), poly(c,p) ((c + <x,z>/sqrt(d))^p).",
                    "Layers: input(mean|sum|sqrt) (first only), dense(w,b), relu, abrelu(a,b), leaky_relu(a), poly(c,p).",
                    "Instead of --depth/--weight-std/--bias-std."})
    String kernel;

    @Option(names = "--depth", paramLabel = "L",
            description = "Hidden ReLU layers of the network Dense, (ReLU, Dense) x L (paper A's hidden_layer + 1; 1 = the two-layer network).")
    Integer depth;

    @Option(names = "--weight-std", paramLabel = "SW", description = "With --depth: weight std sigma_w (default: 1).")
    Double weightStd;

    @Option(names = "--bias-std", paramLabel = "SB", description = "With --depth: bias std sigma_b (default: 0, bias-free).")
    Double biasStd;

    @Option(names = "--kind", paramLabel = "ntk|nngp", converter = Converters.Kind.class,
            description = "ntk (tangent kernel) or nngp (output covariance) (default: ntk, or the kind a --kernel spec names).")
    KernelSpec.Kind kind;

    /** The kernel the options describe; {@code defaultDepth} (or null: required) when neither --kernel nor --depth is given. */
    KernelSpec spec(Integer defaultDepth) {
        if (kernel != null) {
            String other = depth != null ? "--depth" : weightStd != null ? "--weight-std" : biasStd != null ? "--bias-std" : null;
            if (other != null) {
                throw new TangentException("--kernel and " + other + " both given: " + other + " belongs to the --depth shorthand; "
                        + "write the layers in the --kernel spec instead");
            }
            KernelSpec s = KernelSpec.parse(kernel);
            return kind == null ? s : s.withKind(kind);
        }
        Integer d = depth != null ? depth : defaultDepth;
        if (d == null) {
            throw new TangentException("--depth L or --kernel SPEC is required (layers: " + Layers.names() + ")");
        }
        return KernelSpec.fc(kind == null ? KernelSpec.Kind.NTK : kind, d, weightStd == null ? 1 : weightStd, biasStd == null ? 0 : biasStd);
    }
}
