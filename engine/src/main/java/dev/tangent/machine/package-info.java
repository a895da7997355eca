/**
 * Kernel machines g(x) = Σ_i α_i K(x, x_i) + b with the NTK: the losses of paper A's Table 1, the paper's (stochastic)
 * subgradient solver, the exact SMO dual solver (LIBSVM's algorithm), ridge regression by Cholesky or CG, and the model
 * directory format. Depends on memory, compute, kernel and io.
 */
package dev.tangent.machine;
