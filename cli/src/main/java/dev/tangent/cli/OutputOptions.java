package dev.tangent.cli;

import dev.tangent.experiment.Output;
import dev.tangent.io.RunDirectory;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --out DIR} and {@code --overwrite}, shared by every command that writes a run directory. */
final class OutputOptions {
    static final String OUT = "Output directory: new, empty, or holding no other run (see --overwrite); a run writes it completely or not at all.";
    static final String OVERWRITE = "Replace the run that --out holds: its files are removed when this run starts.";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = OUT)
    Path out;

    @Option(names = "--overwrite", description = OVERWRITE)
    boolean overwrite;

    Output output() {
        return new Output(out, overwrite ? RunDirectory.Mode.OVERWRITE : RunDirectory.Mode.NEW);
    }
}
