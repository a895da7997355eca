package dev.tangent.experiment;

import dev.tangent.TangentException;

import java.util.Locale;

/**
 * The reference's regularisation grids ({@code train.py::_choose_model}, spec §7.4), from which {@code reg_index}
 * picks one value per run: by model and by the dataset family they were tuned for.
 */
public enum RegularizationGrid {
    /** FMNIST and NFMNIST. */
    FMNIST,
    /** The spiked-covariates data. */
    SYNTH,
    /** CIFAR-2 and CIFAR-10 (the network: the reference's "other" grid). */
    CIFAR,
    /** The reference's 'CIFAR10.Gray' entries (named in its grids, never produced by its data preparation). */
    CIFAR10_GRAY;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** numpy's {@code 10 ** np.linspace(a, b, num)}: a + i·(b − a)/(num − 1), the last point exactly b. */
    static double[] logspace(double a, double b, int num) {
        double[] v = new double[num];
        double step = (b - a) / (num - 1);
        for (int i = 0; i < num; i++) {
            v[i] = Math.pow(10, i == num - 1 ? b : i * step + a);
        }
        return v;
    }

    private static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) {
            n += p.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** The grid of {@code model} (rf, nt, nn; nn with {@code layers} hidden layers). */
    public double[] values(FitWorkflow.ModelKind model, int layers) {
        return switch (model) {
            case RF -> switch (this) {
                case SYNTH -> logspace(-5, 2, 10);
                case FMNIST, CIFAR10_GRAY -> logspace(-5, 3, 20);
                case CIFAR -> logspace(-4, 4, 20);
            };
            case NT -> switch (this) {
                case SYNTH -> logspace(-4, 2, 10);
                case FMNIST, CIFAR10_GRAY -> logspace(-5, 3, 20);
                case CIFAR -> logspace(-4, 4, 20);
            };
            case NN -> switch (this) {
                case SYNTH -> concat(logspace(-8, -5, 15), logspace(-4.8, -4, 5), logspace(-3.8, -2, 5));
                case CIFAR10_GRAY -> logspace(-5, -1, 20);
                case FMNIST -> layers == 2 ? logspace(-7, -5, 10) : logspace(-6, -2, 20);
                case CIFAR -> logspace(-6, -2, 20);
            };
        };
    }

    /** Value {@code index} of the grid, or a one-line error naming the valid range. */
    public double pick(FitWorkflow.ModelKind model, int layers, int index) {
        double[] v = values(model, layers);
        if (index < 0 || index >= v.length) {
            throw new TangentException("--reg-index " + index + ": the " + this + " grid of --model " + model + " has indices 0.." + (v.length - 1));
        }
        return v[index];
    }
}
