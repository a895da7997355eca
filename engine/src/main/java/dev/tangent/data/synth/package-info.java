/**
 * Synthetic data sets of the papers: paper B's spiked-covariates generator (spec §7.2.5). Depends on memory and
 * data.rng.
 */
package dev.tangent.data.synth;
