/** Writing results: run.json and other small machine-readable files. Depends on io. */
package dev.tangent.report;
