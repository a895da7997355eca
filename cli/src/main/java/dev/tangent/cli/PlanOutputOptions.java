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

    /**
     * The run's output ({@code resume}: the directory's run continued), or null for a dry run without --out; fails as
     * picocli does for a missing required option when --out is absent and {@code dryRun} is not set.
     */
    Output output(CommandSpec spec, boolean dryRun, boolean resume) {
        if (out == null) {
            if (!dryRun) {
                throw new ParameterException(spec.commandLine(), "Missing required option: '--out=DIR'");
            }
            return null;
        }
        RunDirectory.Mode mode = resume ? RunDirectory.Mode.RESUME : overwrite ? RunDirectory.Mode.OVERWRITE : RunDirectory.Mode.NEW;
        return new Output(out, mode);
    }
}
