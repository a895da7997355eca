package dev.tangent.network;

import dev.tangent.compute.Backend;
import dev.tangent.machine.Loss;
import dev.tangent.memory.Matrix;

import java.util.List;

/**
 * Paper A's training of the centred network g_θ = f_θ − f_θ₀ (spec §4.2) by plain SGD on
 * (1/|B|)·Σ_{i∈B} l(g_θ(x_i), y_i) + R(w), with the regulariser on the output weights only:
 * {@code REFERENCE} R = (λ/2)‖w/√m‖² (the authors' code: negligible at large m), {@code PAPER} R = (λ/2)‖w‖² (the
 * theory: f decays at rate λ, but with centring g = f − f₀ that adds a drift −λ·f₀, since f₀ ≠ 0), or {@code MATCHED}
 * R = (λ/2)‖θ − θ₀‖² over all layers (beyond the paper: for the linearised network g = J·(θ − θ₀) the step shrinks g
 * itself by ηλ at every point, which is exactly what the kernel machine with decay ALL does, so the pair differs only
 * by the finite-width effects). The initial outputs f_θ₀(x_i) are passed in (cached once per point).
 */
public final class NetworkTrainer {
    private NetworkTrainer() {
    }

    public enum Regularizer { REFERENCE, PAPER, MATCHED }

    public record Config(Loss loss, double lambda, double lr, Regularizer reg) {
    }

    /**
     * One SGD step on the rows {@code batch} of {@code x}.
     *
     * @param f0 f_θ₀ of every row of x
     * @param theta0 the initial network, needed by {@code MATCHED} only (may be null otherwise)
     * @return the centred outputs g on the batch before the step
     */
    public static double[] step(Backend backend, FullyConnected net, Matrix x, double[] y, double[] f0, FullyConnected theta0, int[] batch,
                                Config cfg) {
        try (Matrix xb = gather(x, batch); FullyConnected.Activations act = net.forwardKeep(backend, xb)) {
            double[] g = new double[batch.length];
            double[] dOut = new double[batch.length];
            for (int i = 0; i < batch.length; i++) {
                g[i] = act.output()[i] - f0[batch[i]];
                dOut[i] = cfg.loss().derivative(g[i], y[batch[i]]) / batch.length;
            }
            double lambda = cfg.lambda();
            if (cfg.reg() != Regularizer.MATCHED || lambda == 0) {
                double decay = lambda == 0 ? 0 : cfg.reg() == Regularizer.REFERENCE ? lambda / net.width() : lambda;
                net.descend(backend, act, dOut, cfg.lr(), decay);
                return g;
            }
            List<Matrix> grads = net.backward(backend, act, dOut);
            try {
                for (int k = 0; k <= net.depth(); k++) {
                    Elementwise.axpy(lambda, net.weight(k), grads.get(k));
                    Elementwise.axpy(-lambda, theta0.weight(k), grads.get(k));
                }
                net.step(grads, cfg.lr());
            } finally {
                grads.forEach(Matrix::close);
            }
            return g;
        }
    }

    /** The rows {@code idx} of x as a new contiguous matrix. */
    public static Matrix gather(Matrix x, int[] idx) {
        Matrix out = Matrix.allocate(idx.length, x.cols(), x.dtype());
        for (int i = 0; i < idx.length; i++) {
            x.rows(idx[i], 1).copyInto(out.rows(i, 1));
        }
        return out;
    }
}
