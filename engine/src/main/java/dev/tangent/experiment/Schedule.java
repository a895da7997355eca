package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.machine.SubgradientSolver;

/**
 * The (stochastic) gradient schedule shared by the kernel machine's subgradient descent and the network's SGD:
 * learning rate, mini-batch size (≥ n: full batch), epochs, the seed of the batch permutations, whether batches are
 * shuffled (false: the data's order), and which α the kernel machine's weight decay shrinks.
 */
public record Schedule(double lr, int batch, int epochs, long seed, boolean shuffle, SubgradientSolver.Decay decay) {
    public Schedule {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new TangentException("--lr must be finite and > 0, found " + lr);
        }
        if (batch < 1) {
            throw new TangentException("--batch must be >= 1 (0 on the command line: full batch), found " + batch);
        }
        if (epochs < 1) {
            throw new TangentException("--epochs must be >= 1, found " + epochs);
        }
    }
}
