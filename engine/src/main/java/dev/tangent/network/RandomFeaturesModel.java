package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.List;

/**
 * Paper B's random-features model ({@code model='rf'}, spec §7.3): a frozen first layer W (d × N) whose columns are
 * numpy {@code RandomState(seed).normal(size=(d, N))} normalised to unit ℓ2 norm (uniform on the sphere), and a trained
 * linear read-out with intercept:
 * <pre>
 *   ŷ(x) = σ(xW)·a + c,     a ∈ ℝ^{N×C} (init 0, "layer2"),  c ∈ ℝ^{1×C} (init 0, "layer2_bias")
 * </pre>
 * The first-order regulariser is ρ‖a‖²/2 ({@code tf.nn.l2_loss(at)}); c is not penalised there (the CG path penalises
 * both, see {@link NormalEquationsCg}). The model is linear in (a, c) and 0 at initialisation.
 */
public final class RandomFeaturesModel extends ModelBase {
    private final Matrix w;
    private final Matrix a;
    private final Matrix c;
    private Matrix lastFeatures;

    private RandomFeaturesModel(Matrix w, int outputs) {
        super(w.rows(), w.cols(), outputs, w.dtype());
        this.w = w;
        this.a = Matrix.allocate(width, outputs, dtype);
        this.c = Matrix.allocate(1, outputs, dtype);
        this.params = List.of(new Parameter("layer2", a, 1, 1), new Parameter("layer2_bias", c, 0, 1));
        this.owned = List.of(w);
    }

    /** The model with W from {@code RandomState(seed)} (the reference's seed is 1990) and a = 0, c = 0. */
    public static RandomFeaturesModel init(int d, int width, int outputs, DType dtype, long seed) {
        check(d, width, outputs);
        return new RandomFeaturesModel(unitColumns(new NumpyRandom(seed), d, width, dtype), outputs);
    }

    static void check(int d, int width, int outputs) {
        if (d < 1 || width < 1 || outputs < 1) {
            throw new TangentException("model needs d >= 1, --width >= 1 and at least one output, found d " + d + ", width " + width
                    + ", outputs " + outputs);
        }
    }

    /**
     * {@code W = rng.normal(size=(d, n)); W /= np.linalg.norm(W, axis=0, keepdims=True)}: draws in row-major order,
     * each column's norm summed over rows in order (numpy's reduction along axis 0), the division in double, then the
     * cast to {@code dtype}.
     */
    static Matrix unitColumns(NumpyRandom rng, int d, int n, DType dtype) {
        double[] v = new double[Math.multiplyExact(d, n)];
        rng.fillGaussian(v);
        double[] sq = new double[n];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < n; j++) {
                double t = v[i * n + j];
                sq[j] += t * t;
            }
        }
        Matrix m = Matrix.allocate(d, n, dtype);
        for (int j = 0; j < n; j++) {
            sq[j] = Math.sqrt(sq[j]);
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < n; j++) {
                m.set(i, j, v[i * n + j] / sq[j]);
            }
        }
        return m;
    }

    @Override
    public String kind() {
        return "rf";
    }

    @Override
    public boolean linear() {
        return true;
    }

    /** The frozen first layer W (d × N); shared, not copied. */
    public Matrix firstLayer() {
        return w;
    }

    /** σ(XW) for the rows of x: the random features φ(x) (n × N). */
    @Override
    public Matrix frozenFeatures(Backend backend, Matrix x) {
        requireInput(x, d, dtype);
        Matrix h = Matrix.allocate(x.rows(), width, dtype);
        backend.gemm(false, false, 1.0, x, w, 0.0, h);
        Elementwise.biasRelu(h, null, h, 1.0);
        return h;
    }

    @Override
    public Matrix forward(Backend backend, Matrix x, Matrix frozen) {
        requireInput(x, d, dtype);
        int b = x.rows();
        Matrix h = frozen;
        if (h == null) {
            h = work.get("h", b, width);
            backend.gemm(false, false, 1.0, x, w, 0.0, h);
            Elementwise.biasRelu(h, null, h, 1.0);
        }
        lastFeatures = h;
        Matrix y = work.get("yhat", b, outputs);
        backend.gemm(false, false, 1.0, h, a, 0.0, y);
        Elementwise.addRow(y, c);
        return y;
    }

    @Override
    public void backward(Backend backend, Matrix dOut, List<Matrix> grads) {
        backend.gemm(true, false, 1.0, lastFeatures, dOut, 0.0, grads.get(0));
        Elementwise.setRow(grads.get(1), Elementwise.columnSums(dOut));
    }

    static void requireInput(Matrix x, int d, DType dtype) {
        if (x.cols() != d || x.dtype() != dtype) {
            throw new TangentException("model input must be " + dtype + " with " + d + " features, found " + x);
        }
    }

}
