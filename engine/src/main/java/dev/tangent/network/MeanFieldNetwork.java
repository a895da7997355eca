package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * Paper B's fully-connected network in mean-field scaling ({@code model='FullyConnected'}, spec §7.3) with L hidden
 * ReLU layers of width N:
 * <pre>
 *   h₁ = σ(xW₁ + b₁),   W₁ ~ N(0, 1/d) (d × N, "init/W"), b₁ = 0.01 ("init/bias")
 *   h_l = σ(h_{l−1}W_l + b_l) / N  (l = 2..L),   W_l ~ N(0, 1) (N × N, "layer_l/W"), b_l = 0.01
 *   ŷ = h_L·a / N + c,   a ~ N(0, 1) (N × C, "Softmax_layer"), c = 0 ("Softmax_bias")
 * </pre>
 * Regulariser ρ·[‖W₁‖²/2 + Σ_l ‖W_l‖²/(2√N)] (output layer and biases unpenalised). The mean-field learning-rate
 * rescaling multiplies the gradients of W₁ and b₁ by N, of W_l by N², of b_l by N, of a by N·C, and leaves c's
 * (spec §10 item 21): {@link Parameter#gradientScale()}.
 *
 * <p>Initialisation: the reference draws W₁ and the deeper W from numpy's global stream as it stands after the data
 * preparation, and a from TensorFlow's generator (graph seed 91), neither of which can be replayed here; this model
 * draws W₁, then each deeper W, then a, from numpy's {@code RandomState(seed)} in row-major order, so its runs are
 * statistically, not bitwise, comparable with the reference's.
 */
public final class MeanFieldNetwork extends ModelBase {
    /** The hidden biases' initial value. */
    public static final double BIAS_INIT = 0.01;

    private final int layers;
    private Matrix lastX;

    /** @param params W₁, b₁, W₂, b₂, …, a, c */
    private MeanFieldNetwork(int d, int width, int outputs, int layers, DType dtype, List<Parameter> params) {
        super(d, width, outputs, dtype);
        this.layers = layers;
        this.params = params;
        this.owned = List.of();
    }

    /** The network with L = {@code layers} hidden layers, initialised from {@code RandomState(seed)}. */
    public static MeanFieldNetwork init(int d, int width, int outputs, int layers, DType dtype, long seed) {
        RandomFeaturesModel.check(d, width, outputs);
        if (layers < 1) {
            throw new TangentException("--layers must be >= 1, found " + layers);
        }
        NumpyRandom rng = new NumpyRandom(seed);
        List<Parameter> ps = new ArrayList<>();
        double n = width;
        ps.add(new Parameter("init/W", gaussian(rng, d, width, 1.0 / Math.sqrt(d + 0.0), dtype), 1, n));
        ps.add(new Parameter("init/bias", filled(width, dtype), 0, n));
        for (int l = 2; l <= layers; l++) {
            ps.add(new Parameter("layer_" + l + "/W", gaussian(rng, width, width, 1.0, dtype), 1 / Math.sqrt(n), n * n));
            ps.add(new Parameter("layer_" + l + "/bias", filled(width, dtype), 0, n));
        }
        ps.add(new Parameter("Softmax_layer", gaussian(rng, width, outputs, 1.0, dtype), 0, n * outputs));
        ps.add(new Parameter("Softmax_bias", Matrix.allocate(1, outputs, dtype), 0, 1));
        return new MeanFieldNetwork(d, width, outputs, layers, dtype, List.copyOf(ps));
    }

    /** {@code rng.normal(size=(rows, cols)) * std}, then the cast. */
    private static Matrix gaussian(NumpyRandom rng, int rows, int cols, double std, DType dtype) {
        Matrix m = Matrix.allocate(rows, cols, dtype);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, rng.nextGaussian() * std);
            }
        }
        return m;
    }

    private static Matrix filled(int n, DType dtype) {
        Matrix m = Matrix.allocate(1, n, dtype);
        for (int j = 0; j < n; j++) {
            m.set(0, j, BIAS_INIT);
        }
        return m;
    }

    @Override
    public String kind() {
        return "nn";
    }

    /** L, the number of hidden layers. */
    public int layers() {
        return layers;
    }

    @Override
    public boolean linear() {
        return false;
    }

    @Override
    public Matrix frozenFeatures(Backend backend, Matrix x) {
        return null;
    }

    private Matrix weight(int l) {
        return params.get(2 * (l - 1)).value();
    }

    private Matrix bias(int l) {
        return params.get(2 * (l - 1) + 1).value();
    }

    @Override
    public Matrix forward(Backend backend, Matrix x, Matrix frozen) {
        RandomFeaturesModel.requireInput(x, d, dtype);
        int b = x.rows();
        Matrix in = x;
        for (int l = 1; l <= layers; l++) {
            Matrix z = work.get("z" + l, b, width);
            Matrix h = work.get("h" + l, b, width);
            backend.gemm(false, false, 1.0, in, weight(l), 0.0, z);
            Elementwise.biasRelu(z, bias(l), h, l == 1 ? 1.0 : 1.0 / width);
            in = h;
        }
        Matrix y = work.get("yhat", b, outputs);
        backend.gemm(false, false, 1.0 / width, in, params.get(2 * layers).value(), 0.0, y);
        Elementwise.addRow(y, params.get(2 * layers + 1).value());
        lastX = x;
        return y;
    }

    @Override
    public void backward(Backend backend, Matrix dOut, List<Matrix> grads) {
        int b = dOut.rows();
        double inv = 1.0 / width;
        Matrix hl = work.get("h" + layers, b, width);
        backend.gemm(true, false, inv, hl, dOut, 0.0, grads.get(2 * layers));
        Elementwise.setRow(grads.get(2 * layers + 1), Elementwise.columnSums(dOut));
        String name = "dhA";
        Matrix dh = work.get(name, b, width);
        backend.gemm(false, true, inv, dOut, params.get(2 * layers).value(), 0.0, dh);
        for (int l = layers; l >= 1; l--) {
            Matrix z = work.get("z" + l, b, width);
            // dZ_l = dH_l ⊙ 1[Z_l > 0], times 1/N for the deeper layers (h_l = σ(z_l)/N)
            double[] db = Elementwise.maskScaleColumnSums(dh, z, l == 1 ? 1.0 : inv);
            Elementwise.setRow(grads.get(2 * (l - 1) + 1), db);
            Matrix in = l == 1 ? lastX : work.get("h" + (l - 1), b, width);
            backend.gemm(true, false, 1.0, in, dh, 0.0, grads.get(2 * (l - 1)));
            if (l > 1) {
                name = name.equals("dhA") ? "dhB" : "dhA";
                Matrix next = work.get(name, b, width);
                backend.gemm(false, true, 1.0, dh, weight(l), 0.0, next);
                dh = next;
            }
        }
    }

}
