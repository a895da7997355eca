package dev.tangent.experiment;

import dev.tangent.io.RunDirectory;

import java.nio.file.Path;

/**
 * A run's output directory ({@code --out DIR}) and what to do when it holds another run: refuse (NEW), replace it
 * ({@code --overwrite}) or continue it ({@code --resume}, where the workflow supports it).
 */
public record Output(Path path, RunDirectory.Mode mode) {
    public static Output of(Path path) {
        return new Output(path, RunDirectory.Mode.NEW);
    }
}
