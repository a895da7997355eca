/**
 * Tangent's engine: the library behind the CLI. Subpackages follow the seams of docs/architecture.md:
 * memory and io at the bottom, compute (backends) beside them, kernels and workflows on top.
 */
package dev.tangent;
