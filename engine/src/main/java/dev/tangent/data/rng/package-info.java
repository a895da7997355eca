/**
 * Random streams that reproduce reference implementations bit for bit: numpy's legacy {@code RandomState}. Depends
 * only on the root package (TangentException).
 */
package dev.tangent.data.rng;
