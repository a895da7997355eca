package dev.tangent.cli;

import dev.tangent.experiment.Output;
import dev.tangent.io.RunDirectory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.nio.file.Path;

/**
 * {@link OutputOptions} for the commands whose {@code --dry-run} only prints a plan (krr, noise): {@code --out} is
 * required unless {@code --dry-run} is given, with picocli's own message for a missing required option.
 */
final class PlanOutputOptions {
    @Option(names = "--out", paramLabel = "DIR", description = OutputOptions.OUT + " Required unless --dry-run.")
    Path out;

    @Option(names = "--overwrite", description = OutputOptions.OVERWRITE)
    boolean overwrite;

    /** The directory's mode; fails as picocli does for a missing --out unless {@code dryRun}. */
    RunDirectory.Mode mode(CommandSpec spec, boolean dryRun) {
        if (out == null && !dryRun) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--out=DIR'");
        }
        return overwrite ? RunDirectory.Mode.OVERWRITE : RunDirectory.Mode.NEW;
    }

    /** The run's output, or null for a dry run without --out. */
    Output output(CommandSpec spec, boolean dryRun, boolean resume) {
        RunDirectory.Mode m = mode(spec, dryRun);
        return out == null ? null : new Output(out, resume ? RunDirectory.Mode.RESUME : m);
    }
}
