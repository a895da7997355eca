package dev.tangent.cli;

import dev.tangent.data.Input;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.nio.file.Path;

/** The training and test data inputs of train, equivalence and bound, each with its labels file and its own limit. */
final class SourceOptions {
    private SourceOptions() {
    }

    /** --train, --train-labels, --train-limit. */
    static final class Train {
        @Option(names = "--train", required = true, paramLabel = "SPEC", description = "Training data: a data spec (see tangent data --help).")
        String spec;

        @Option(names = "--train-labels", paramLabel = "Y.npy", description = "Targets for a .npy --train (n or n x 1).")
        Path labels;

        @Option(names = "--train-limit", paramLabel = "N",
                description = "Use only the first N training samples, after --classes (default: --limit, else all).")
        Integer limit;

        Input input(DataOptions data) {
            return data.input(spec, labels, limit, "--train", "--train-limit");
        }
    }

    /** --test, --test-labels, --test-limit. */
    static final class Test {
        @Option(names = "--test", paramLabel = "SPEC", description = "Test data: a data spec (see tangent data --help).")
        String spec;

        @Option(names = "--test-labels", paramLabel = "Y.npy", description = "Targets for a .npy --test (n or n x 1).")
        Path labels;

        @Option(names = "--test-limit", paramLabel = "N",
                description = "Use only the first N test samples, after --classes (default: --limit, else all).")
        Integer limit;

        /** The input, or null without --test (then --test-labels and --test-limit are errors). */
        Input input(BaseCommand cmd, DataOptions data, boolean required) {
            if (spec == null) {
                if (required) {
                    throw new ParameterException(cmd.spec.commandLine(), "Missing required option: '--test=SPEC'");
                }
                cmd.needs("--test-labels", "--test");
                cmd.needs("--test-limit", "--test");
                return null;
            }
            return data.input(spec, labels, limit, "--test", "--test-limit");
        }
    }
}
