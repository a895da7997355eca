package dev.tangent.kernel;

import dev.tangent.TangentException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What kernel: a composition of layers in neural-tangents' {@code stax} manner, described by data. The input kernel is
 * c = s·⟨x, x′⟩, q = s·‖x‖², q′ = s·‖x′‖², Θ = 0 with s given by {@link Input} (stax: the mean over features,
 * s = 1/d); then each layer of {@link #layers()} updates (c, q, q′, Θ) in turn (see {@link Layer}); the kernel is the
 * final c (NNGP) or Θ (NTK).
 *
 * <p>Spec strings ({@link #parse}): {@code [ntk:|nngp:][input(mean|sum|sqrt),]layer,layer,...} with the layers of
 * {@link Layers}, e.g. {@code ntk:dense,relu,dense} (paper A's two-layer NTK) or
 * {@code nngp:dense(1.3,0.2),relu,dense}; or a preset: {@code ntk2} and {@code rf2} (paper B's two-layer NTK and ReLU
 * random-features kernel, without the 1/d, spec §7.5), {@code poly(c,p)} (paper B's (c + ⟨x,z⟩/√d)^p). The familiar
 * fully-connected ReLU network of depth L is {@link #fc}: Dense, (ReLU, Dense) × L.
 *
 * @param kind   the output: {@link Kind#NTK} (Θ) or {@link Kind#NNGP} (Σ)
 * @param input  the input kernel's normalisation
 * @param layers the layers, first to last
 */
public record KernelSpec(Kind kind, Input input, List<Layer> layers) {

    public enum Kind {
        NTK, NNGP;

        public static Kind parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "ntk" -> NTK;
                case "nngp" -> NNGP;
                default -> throw new TangentException("expected ntk or nngp, found '" + s + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The input kernel's scale s in c = s·⟨x, x′⟩. */
    public enum Input {
        /** s = 1/d (neural-tangents, paper A) */
        MEAN,
        /** s = 1 (paper B's two-layer kernels) */
        SUM,
        /** s = 1/√d (paper B's polynomial kernel) */
        SQRT;

        public double scale(int d) {
            return switch (this) {
                case MEAN -> 1.0 / d;
                case SUM -> 1.0;
                case SQRT -> 1 / Math.sqrt(d);
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public KernelSpec {
        if (kind == null || input == null || layers == null) {
            throw new TangentException("kernel spec: kind, input and layers are required");
        }
        layers = List.copyOf(layers);
        if (kind == Kind.NTK && layers.stream().noneMatch(l -> l instanceof Dense)) {
            throw new TangentException("kernel " + format(kind, input, layers) + ": an ntk kernel needs a dense layer (its tangent "
                    + "kernel is 0 without one); use nngp:");
        }
        if (layers.size() > 2001) {
            throw new TangentException("kernel spec of " + layers.size() + " layers is not plausible, expected at most 2001");
        }
    }

    /**
     * The fully-connected network of spec §3.2: Dense(σ_w, σ_b), then (ReLU, Dense(σ_w, σ_b)) × depth; {@code depth} is
     * the number of hidden ReLU layers (paper A's {@code hidden_layer} + 1), 0 the linear model.
     */
    public static KernelSpec fc(Kind kind, int depth, double weightStd, double biasStd) {
        if (kind == null) {
            throw new TangentException("kernel kind missing: expected ntk or nngp");
        }
        if (depth < 0) {
            throw new TangentException("depth (--depth) must be >= 0 hidden ReLU layers, found " + depth);
        }
        if (depth > 1000) {
            throw new TangentException("depth (--depth) of " + depth + " is not plausible, expected at most 1000");
        }
        if (!(weightStd > 0) || Double.isInfinite(weightStd)) {
            throw new TangentException("weight std (--weight-std) must be a finite number > 0, found " + weightStd);
        }
        if (!(biasStd >= 0) || Double.isInfinite(biasStd)) {
            throw new TangentException("bias std (--bias-std) must be a finite number >= 0, found " + biasStd);
        }
        Dense dense = new Dense(weightStd, biasStd);
        List<Layer> ls = new ArrayList<>();
        ls.add(dense);
        for (int l = 0; l < depth; l++) {
            ls.add(ABRelu.RELU);
            ls.add(dense);
        }
        return new KernelSpec(kind, Input.MEAN, ls);
    }

    /** Paper A's NTK: σ_w = 1, σ_b = 0. */
    public static KernelSpec ntk(int depth) {
        return fc(Kind.NTK, depth, 1.0, 0.0);
    }

    /** Paper A's NNGP: σ_w = 1, σ_b = 0. */
    public static KernelSpec nngp(int depth) {
        return fc(Kind.NNGP, depth, 1.0, 0.0);
    }

    /** The plain inner product ⟨x, x′⟩ (what certificates need of a test point and the training points). */
    public static KernelSpec innerProduct() {
        return new KernelSpec(Kind.NNGP, Input.SUM, List.of());
    }

    /** The shape (depth, σ_w, σ_b) when this is {@link #fc}'s ReLU network (or what it compares to), else empty. */
    public record FullyConnected(int depth, double weightStd, double biasStd) {
    }

    public Optional<FullyConnected> fullyConnected() {
        if (input != Input.MEAN || layers.isEmpty() || !(layers.get(0) instanceof Dense d0) || layers.size() % 2 == 0) {
            return Optional.empty();
        }
        for (int i = 1; i < layers.size(); i += 2) {
            if (!ABRelu.RELU.equals(layers.get(i)) || !d0.equals(layers.get(i + 1))) {
                return Optional.empty();
            }
        }
        return Optional.of(new FullyConnected(layers.size() / 2, d0.weightStd(), d0.biasStd()));
    }

    /** Elementwise layers in the stack (for {@link #fc} specs, the depth). */
    public int activations() {
        return (int) layers.stream().filter(l -> l instanceof Activation).count();
    }

    /** Every layer positively homogeneous and bias-free, with at least one activation: K = s‖x‖‖x′‖·G(cosine). */
    public boolean homogeneous() {
        return activations() > 0 && layers.stream().allMatch(Layer::homogeneous);
    }

    /** The same layers with another output kind. */
    public KernelSpec withKind(Kind k) {
        return new KernelSpec(k, input, layers);
    }

    // ---- scalar evaluation: the reference every fast path is tested against ----

    /** The state after the input kernel, before the first layer. */
    public Cov start(double dot, double xx, double yy, int d) {
        double s = input.scale(d);
        return new Cov(s * dot, s * xx, s * yy, 0);
    }

    /** The state after every layer, from ⟨x, x′⟩, ‖x‖², ‖x′‖² and the input dimension d. */
    public Cov evaluate(double dot, double xx, double yy, int d) {
        Cov s = start(dot, xx, yy, d);
        for (Layer l : layers) {
            l.step(s);
        }
        return s;
    }

    /** The kernel value of one pair. */
    public double value(double dot, double xx, double yy, int d) {
        return evaluate(dot, xx, yy, d).of(kind);
    }

    /** The kernel value and its derivatives with respect to ⟨x, x′⟩ and ‖x‖²: {K, ∂K/∂dot, ∂K/∂xx}. */
    public double[] gradient(double dot, double xx, double yy, int d) {
        double s = input.scale(d);
        Cov.Grad g = new Cov.Grad();
        g.c = s * dot;
        g.c1 = s;
        g.q = s * xx;
        g.q2 = s;
        g.qp = s * yy;
        for (Layer l : layers) {
            l.step(g);
        }
        return g.of(kind);
    }

    /** q entering each layer for a point of squared norm xx: element k belongs to layer k. */
    public double[] variances(double xx, int d) {
        double[] out = new double[layers.size()];
        double q = input.scale(d) * xx;
        for (int k = 0; k < out.length; k++) {
            out[k] = q;
            q = layers.get(k).diagonal(q);
        }
        return out;
    }

    // ---- spec strings ----

    /** Parses a spec string (see the class comment); the error names what was found and what is expected. */
    public static KernelSpec parse(String spec) {
        String s = spec == null ? "" : spec.strip().toLowerCase(Locale.ROOT).replace(" ", "");
        if (s.isEmpty()) {
            throw new TangentException("kernel spec is empty: expected e.g. ntk:dense,relu,dense, ntk2, rf2 or poly(1,2)");
        }
        switch (s) {
            case "ntk2":
                return new KernelSpec(Kind.NTK, Input.SUM, List.of(Dense.STANDARD, ABRelu.RELU, Dense.STANDARD));
            case "rf2":
                return new KernelSpec(Kind.NNGP, Input.SUM, List.of(Dense.STANDARD, ABRelu.RELU));
            default:
                break;
        }
        if (s.startsWith("poly(") && s.indexOf(',', s.indexOf(')')) < 0 && !s.contains(":")) {
            return new KernelSpec(Kind.NNGP, Input.SQRT, List.of(parseLayer(s)));
        }
        Kind kind = Kind.NTK;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            kind = Kind.parse(s.substring(0, colon));
            s = s.substring(colon + 1);
        }
        List<String> tokens = split(s);
        Input input = Input.MEAN;
        if (!tokens.isEmpty() && tokens.get(0).startsWith("input(")) {
            String arg = tokens.remove(0);
            arg = arg.substring("input(".length(), arg.length() - 1);
            input = switch (arg) {
                case "mean" -> Input.MEAN;
                case "sum" -> Input.SUM;
                case "sqrt" -> Input.SQRT;
                default -> throw new TangentException("input(" + arg + "): expected input(mean), input(sum) or input(sqrt)");
            };
        }
        List<Layer> layers = new ArrayList<>();
        for (String t : tokens) {
            if (t.startsWith("input(")) {
                throw new TangentException("kernel spec '" + spec + "': input(...) may only come first");
            }
            layers.add(parseLayer(t));
        }
        return new KernelSpec(kind, input, layers);
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
                if (depth < 0) {
                    throw new TangentException("kernel spec '" + s + "': unbalanced ')'");
                }
            } else if (ch == ',' && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new TangentException("kernel spec '" + s + "': unbalanced '('");
        }
        out.add(s.substring(start));
        for (String t : out) {
            if (t.isEmpty()) {
                throw new TangentException("kernel spec '" + s + "': empty layer between commas");
            }
        }
        return out;
    }

    private static Layer parseLayer(String t) {
        int open = t.indexOf('(');
        if (open < 0) {
            return Layers.create(t, new double[0]);
        }
        if (!t.endsWith(")")) {
            throw new TangentException("layer '" + t + "': expected name(arguments)");
        }
        String name = t.substring(0, open);
        String inner = t.substring(open + 1, t.length() - 1);
        String[] parts = inner.isEmpty() ? new String[0] : inner.split(",", -1);
        double[] args = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                args[i] = Double.parseDouble(parts[i]);
            } catch (NumberFormatException e) {
                throw new TangentException("layer '" + t + "': argument '" + parts[i] + "' is not a number");
            }
        }
        return Layers.create(name, args);
    }

    private static String format(Kind kind, Input input, List<Layer> layers) {
        StringBuilder b = new StringBuilder(kind.toString()).append(':');
        List<String> tokens = new ArrayList<>();
        if (input != Input.MEAN) {
            tokens.add("input(" + input + ")");
        }
        for (Layer l : layers) {
            tokens.add(l.token());
        }
        return b.append(String.join(",", tokens)).toString();
    }

    /** The canonical spec string, which {@link #parse} reads back to an equal spec. */
    @Override
    public String toString() {
        return format(kind, input, layers);
    }
}
