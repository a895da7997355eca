package dev.tangent.network;

import dev.tangent.compute.NetworkKernels;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The first-order optimisers of paper B's training (spec §7.4), in TensorFlow 1.x's arithmetic (the reference's), on
 * every parameter of a {@link FiniteWidthModel}. A step first forms each parameter's gradient
 * g = scale·(∇_pure + ρ·penalty·θ) (the regulariser's gradient, then the mean-field rescaling) and then updates:
 * <ul>
 *   <li>{@link Adam}: {@code tf.train.AdamOptimizer} defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8, with TensorFlow's
 *       placement of ε: α_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂),
 *       θ −= α_t·m/(√v + ε), the powers β^t kept as running products in the parameters' type;</li>
 *   <li>{@link Momentum}: {@code tf.train.MomentumOptimizer(momentum=0.9)}, not Nesterov: accum = μ·accum + g,
 *       θ −= lr·accum.</li>
 * </ul>
 * In f32 every element-wise operation is done in float, as TensorFlow's kernels.
 */
public sealed interface Optimizer extends AutoCloseable permits Optimizer.Adam, Optimizer.Momentum {

    /**
     * One update of every parameter with learning rate {@code lr}; {@code grads} are the pure loss's gradients.
     *
     * @return Σ penalty·‖θ_p‖²/2 before the update (times ρ: the regulariser the step's loss included), read in the
     *         same pass
     */
    double step(List<FiniteWidthModel.Parameter> params, List<Matrix> grads, double rho, double lr);

    /** {@code adam} or {@code momentum}. */
    String name();

    /** Steps taken so far. */
    long steps();

    /** The state a checkpoint saves, by name (the matrices are shared). */
    List<Matrix> state();

    /** Names of {@link #state()}'s matrices, for files. */
    List<String> stateNames();

    /** Restores the step count after the state matrices were filled from a checkpoint. */
    void restoreSteps(long steps);

    @Override
    void close();

    /** A contiguous matrix's elements as a segment starting at element 0. */
    private static MemorySegment seg(Matrix m) {
        if (!m.isContiguous()) {
            throw new IllegalArgumentException("optimiser state must be contiguous, found " + m);
        }
        return m.segment().asSlice(m.offset(), Matrix.byteSize(m.rows(), m.cols(), m.dtype()));
    }

    static Optimizer adam(FiniteWidthModel model) {
        return new Adam(model, 0.9, 0.999, 1e-8);
    }

    static Optimizer momentum(FiniteWidthModel model) {
        return new Momentum(model, 0.9);
    }

    /** TensorFlow's Adam. */
    final class Adam implements Optimizer {
        private final double beta1;
        private final double beta2;
        private final double epsilon;
        private final DType dtype;
        private final List<Matrix> m;
        private final List<Matrix> v;
        private final List<String> names = new ArrayList<>();
        private long t;

        Adam(FiniteWidthModel model, double beta1, double beta2, double epsilon) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
            this.dtype = model.dtype();
            this.m = model.zerosLike();
            this.v = model.zerosLike();
            for (FiniteWidthModel.Parameter p : model.parameters()) {
                names.add(p.name() + ".m");
            }
            for (FiniteWidthModel.Parameter p : model.parameters()) {
                names.add(p.name() + ".v");
            }
        }

        /** β^t as TensorFlow's running product variable (initial value β, multiplied by β after every step). */
        private double power(double beta, long steps) {
            double p = dtype == DType.F32 ? (float) beta : beta;
            for (long s = 1; s < steps; s++) {
                p = dtype == DType.F32 ? (float) ((float) p * (float) beta) : p * beta;
            }
            return p;
        }

        @Override
        public double step(List<FiniteWidthModel.Parameter> params, List<Matrix> grads, double rho, double lr) {
            t++;
            double penalty = 0;
            double b1p = power(beta1, t);
            double b2p = power(beta2, t);
            for (int q = 0; q < params.size(); q++) {
                FiniteWidthModel.Parameter p = params.get(q);
                Matrix th = p.value();
                long n = (long) th.rows() * th.cols();
                double decay = rho * p.penalty();
                if (dtype == DType.F64) {
                    double alpha = lr * Math.sqrt(1 - b2p) / (1 - b1p);
                    penalty += p.penalty() / 2 * NetworkKernels.adam64(n, seg(th), seg(grads.get(q)), seg(m.get(q)), seg(v.get(q)),
                            p.gradientScale(), decay, alpha,
                            beta1, beta2, epsilon);
                } else {
                    float alpha = (float) lr * (float) Math.sqrt(1f - (float) b2p) / (1f - (float) b1p);
                    penalty += p.penalty() / 2 * NetworkKernels.adam32(n, seg(th), seg(grads.get(q)), seg(m.get(q)), seg(v.get(q)),
                            (float) p.gradientScale(),
                            (float) decay, alpha, (float) beta1, (float) beta2, (float) epsilon);
                }
            }
            return penalty;
        }

        @Override
        public String name() {
            return "adam";
        }

        @Override
        public long steps() {
            return t;
        }

        @Override
        public List<Matrix> state() {
            List<Matrix> s = new ArrayList<>(m);
            s.addAll(v);
            return s;
        }

        @Override
        public List<String> stateNames() {
            return names;
        }

        @Override
        public void restoreSteps(long steps) {
            t = steps;
        }

        @Override
        public void close() {
            m.forEach(Matrix::close);
            v.forEach(Matrix::close);
        }
    }

    /** TensorFlow's momentum optimiser (heavy ball, not Nesterov). */
    final class Momentum implements Optimizer {
        private final double mu;
        private final DType dtype;
        private final List<Matrix> accum;
        private final List<String> names = new ArrayList<>();
        private long t;

        Momentum(FiniteWidthModel model, double mu) {
            this.mu = mu;
            this.dtype = model.dtype();
            this.accum = model.zerosLike();
            for (FiniteWidthModel.Parameter p : model.parameters()) {
                names.add(p.name() + ".accum");
            }
        }

        @Override
        public double step(List<FiniteWidthModel.Parameter> params, List<Matrix> grads, double rho, double lr) {
            t++;
            double penalty = 0;
            for (int q = 0; q < params.size(); q++) {
                FiniteWidthModel.Parameter p = params.get(q);
                Matrix th = p.value();
                long n = (long) th.rows() * th.cols();
                double decay = rho * p.penalty();
                if (dtype == DType.F64) {
                    penalty += p.penalty() / 2 * NetworkKernels.momentum64(n, seg(th), seg(grads.get(q)), seg(accum.get(q)), p.gradientScale(), decay, lr, mu);
                } else {
                    penalty += p.penalty() / 2 * NetworkKernels.momentum32(n, seg(th), seg(grads.get(q)), seg(accum.get(q)), (float) p.gradientScale(), (float) decay,
                            (float) lr, (float) mu);
                }
            }
            return penalty;
        }

        @Override
        public String name() {
            return "momentum";
        }

        @Override
        public long steps() {
            return t;
        }

        @Override
        public List<Matrix> state() {
            return accum;
        }

        @Override
        public List<String> stateNames() {
            return names;
        }

        @Override
        public void restoreSteps(long steps) {
            t = steps;
        }

        @Override
        public void close() {
            accum.forEach(Matrix::close);
        }
    }
}
