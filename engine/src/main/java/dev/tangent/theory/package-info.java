/**
 * Theory made numeric: paper A's generalisation bound for a trained network through its equivalent kernel machine
 * (spec §5). Depends on network, machine and memory.
 */
package dev.tangent.theory;
