/**
 * Finite wide networks: paper A's FCNN in NTK parameterisation (spec §3.1: initialisation from a seed, SGD steps, the
 * empirical tangent kernel) and paper B's finite-width models (spec §7.3–§7.5: random features, the neural-tangent
 * model, the mean-field network, their TensorFlow optimisers, schedules and CG path, and the streamed random-features
 * Gram), all batched through the backend's GEMM. Depends on memory, compute and data.rng.
 */
package dev.tangent.network;
