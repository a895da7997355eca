/**
 * Image transforms of paper B's data pipelines: the orthonormal 2-D DCT and the frequency-domain noise models of
 * spec §7.2.1–7.2.2 (high-frequency noise, low-frequency replacement). Depends on memory, compute (eigen-solver,
 * backends) and data.rng.
 */
package dev.tangent.data.transform;
