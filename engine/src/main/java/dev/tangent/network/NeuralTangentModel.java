package dev.tangent.network;

import dev.tangent.compute.Backend;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.List;

/**
 * Paper B's neural-tangent model ({@code model='2layerNTK'}, spec §7.3): the first-order Taylor expansion of a
 * two-layer ReLU network around a random initialisation, plus the random-features part. With the same frozen
 * unit-norm W as {@link RandomFeaturesModel} (the same draw) and a₀ (C × N) drawn next from the same stream:
 * <pre>
 *   ŷ_k(x) = Σ_j σ(⟨w_j, x⟩)·a_jk + c_k + Σ_j s_j(x)·a₀_kj·⟨G_j, x⟩,    s_j(x) = (sign(⟨w_j, x⟩) + 1)/2
 * </pre>
 * with trainable a (N × C, "layer2"), c (1 × C, "layer2_bias") and G (N × d, "layer1_var"), all 0 at initialisation.
 * The first-order regulariser is ρ‖G‖²/2 only. Per batch: P = X·Gᵀ (one B × d × N GEMM), the gate, and two thin
 * GEMMs; backward M = s ⊙ (dOut·a₀), ∂G = Mᵀ·X (one N × B × d GEMM).
 */
public final class NeuralTangentModel extends ModelBase {
    private final Matrix w;
    private final Matrix a0;
    private final Matrix a;
    private final Matrix c;
    private final Matrix g;
    private Matrix lastX;
    private Matrix lastZ;
    private Matrix lastH;

    private NeuralTangentModel(Matrix w, Matrix a0) {
        super(w.rows(), w.cols(), a0.rows(), w.dtype());
        this.w = w;
        this.a0 = a0;
        this.a = Matrix.allocate(width, outputs, dtype);
        this.c = Matrix.allocate(1, outputs, dtype);
        this.g = Matrix.allocate(width, d, dtype);
        this.params = List.of(new Parameter("layer2", a, 0, 1), new Parameter("layer2_bias", c, 0, 1),
                new Parameter("layer1_var", g, 1, 1));
        this.owned = List.of(w, a0);
    }

    /**
     * The model with W then {@code a0 = normal(size=(1, C, N))} from {@code RandomState(seed)} (the reference's seed is
     * 1990) and a = c = G = 0.
     */
    public static NeuralTangentModel init(int d, int width, int outputs, DType dtype, long seed) {
        RandomFeaturesModel.check(d, width, outputs);
        NumpyRandom rng = new NumpyRandom(seed);
        Matrix w = RandomFeaturesModel.unitColumns(rng, d, width, dtype);
        Matrix a0 = Matrix.allocate(outputs, width, dtype);
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < width; j++) {
                a0.set(k, j, rng.nextGaussian());
            }
        }
        return new NeuralTangentModel(w, a0);
    }

    @Override
    public String kind() {
        return "nt";
    }

    @Override
    public boolean linear() {
        return true;
    }

    /** The frozen first layer W (d × N); shared. */
    public Matrix firstLayer() {
        return w;
    }

    /** The fixed second layer a₀ of the linearisation (C × N); shared. */
    public Matrix secondLayerAtInit() {
        return a0;
    }

    /** The pre-activations XW (n × N): the gates and the random features both follow from them. */
    @Override
    public Matrix frozenFeatures(Backend backend, Matrix x) {
        RandomFeaturesModel.requireInput(x, d, dtype);
        Matrix z = Matrix.allocate(x.rows(), width, dtype);
        backend.gemm(false, false, 1.0, x, w, 0.0, z);
        return z;
    }

    @Override
    public Matrix forward(Backend backend, Matrix x, Matrix frozen) {
        RandomFeaturesModel.requireInput(x, d, dtype);
        int b = x.rows();
        Matrix z = frozen;
        if (z == null) {
            z = work.get("z", b, width);
            backend.gemm(false, false, 1.0, x, w, 0.0, z);
        }
        Matrix h = work.get("h", b, width);
        Elementwise.biasRelu(z, null, h, 1.0);
        Matrix p = work.get("p", b, width);
        backend.gemm(false, true, 1.0, x, g, 0.0, p);
        Elementwise.gate(z, p);
        Matrix y = work.get("yhat", b, outputs);
        backend.gemm(false, false, 1.0, h, a, 0.0, y);
        backend.gemm(false, true, 1.0, p, a0, 1.0, y);
        Elementwise.addRow(y, c);
        lastX = x;
        lastZ = z;
        lastH = h;
        return y;
    }

    @Override
    public void backward(Backend backend, Matrix dOut, List<Matrix> grads) {
        backend.gemm(true, false, 1.0, lastH, dOut, 0.0, grads.get(0));
        Elementwise.setRow(grads.get(1), Elementwise.columnSums(dOut));
        Matrix m = work.get("m", dOut.rows(), width);
        backend.gemm(false, false, 1.0, dOut, a0, 0.0, m);
        Elementwise.gate(lastZ, m);
        backend.gemm(true, false, 1.0, m, lastX, 0.0, grads.get(2));
    }

}
