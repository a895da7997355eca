package dev.tangent.network;

import dev.tangent.compute.Backend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.List;

/**
 * Paper B's finite-width models of width N with C outputs (spec §7.3): {@link RandomFeaturesModel} (RF),
 * {@link NeuralTangentModel} (NT) and the mean-field {@link MeanFieldNetwork} (NN). A model is a list of trainable
 * {@link Parameter}s (off-heap, the model's dtype, in the reference's variable order) and a batched forward and backward
 * pass whose every product is a GEMM on the backend.
 *
 * <p>The passes share a workspace the model owns: {@link #forward} returns a view of it that stays valid until the next
 * forward, and {@link #backward} differentiates the most recent forward. Not thread-safe.
 */
public sealed interface FiniteWidthModel extends AutoCloseable permits ModelBase {

    /**
     * A trainable variable.
     *
     * @param name          the reference's variable name (e.g. {@code layer2}, {@code init/W})
     * @param value         its values; shared, not copied
     * @param penalty       its weight in the regulariser R(θ) = ρ·Σ penalty·‖θ_p‖²/2 of the first-order path (0: not
     *                      penalised)
     * @param gradientScale the factor the optimiser applies to its gradient (the mean-field learning-rate rescaling;
     *                      1 for RF and NT)
     */
    record Parameter(String name, Matrix value, double penalty, double gradientScale) {
    }

    /** {@code rf}, {@code nt} or {@code nn}, as {@code --model}. */
    String kind();

    int inputDim();

    /** N, the number of hidden units (features). */
    int width();

    /** C: 10 for one-hot classes, 1 for a real target. */
    int outputs();

    DType dtype();

    /** The trainable parameters, in the reference's order; shared, not copied. */
    List<Parameter> parameters();

    /** Whether ŷ is linear in the parameters with ŷ(θ = 0) = 0, so that ŷ = J·θ (the CG path needs it). */
    boolean linear();

    /**
     * What the model computes from the frozen first layer alone for the rows of {@code x} (n × d, the model's dtype), as
     * a new n × N matrix the caller owns, or null when the first layer is trained (NN). Passing its rows to
     * {@link #forward} saves the n × d × N product of every epoch: RF keeps σ(XW), NT keeps XW.
     */
    Matrix frozenFeatures(Backend backend, Matrix x);

    /**
     * ŷ for the rows of {@code x} (B × d), with their {@link #frozenFeatures} (B × N) or null (then computed here): a
     * B × C view of the workspace, valid until the next forward.
     */
    Matrix forward(Backend backend, Matrix x, Matrix frozen);

    /**
     * Gradients of Σ_ik dOut_ik·ŷ_ik with respect to every parameter at the most recent {@link #forward}, written into
     * {@code grads} (same shapes as {@link #parameters()}, overwritten). For a linear model this is Jᵀ·dOut.
     */
    void backward(Backend backend, Matrix dOut, List<Matrix> grads);

    /** The number of trainable values. */
    default long parameterCount() {
        long p = 0;
        for (Parameter q : parameters()) {
            p += (long) q.value().rows() * q.value().cols();
        }
        return p;
    }

    /** Σ penalty·‖θ_p‖²/2 over the parameters: the regulariser of the first-order path is ρ times this. */
    default double penalty() {
        double s = 0;
        for (Parameter q : parameters()) {
            if (q.penalty() != 0) {
                s += q.penalty() * Elementwise.sumOfSquares(q.value()) / 2;
            }
        }
        return s;
    }

    /** New zero matrices shaped like the parameters (gradient buffers, optimiser state), in the model's dtype. */
    default List<Matrix> zerosLike() {
        return parameters().stream().map(q -> Matrix.allocate(q.value().rows(), q.value().cols(), dtype())).toList();
    }

    @Override
    void close();
}
