/**
 * Finite wide ReLU networks in NTK parameterisation (paper A's FCNN, spec §3.1): initialisation from a seed, batched
 * forward and backward through the backend's GEMM, SGD steps, and the empirical tangent kernel. Depends on memory and
 * compute.
 */
package dev.tangent.network;
