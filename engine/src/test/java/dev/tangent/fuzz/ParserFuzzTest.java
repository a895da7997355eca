package dev.tangent.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz tests of the parsers (see {@link Targets}). In a normal test run (regression mode) each runs its seeds,
 * {@code src/test/resources/dev/tangent/fuzz/ParserFuzzTestInputs/<method>/}, and any crash Jazzer saved there; with
 * {@code JAZZER_FUZZ=1} one of them (chosen with {@code -Dtest=ParserFuzzTest#libsvm}) is fuzzed with coverage
 * guidance, see docs/FUZZING.md.
 */
class ParserFuzzTest {
    private static Path dir;

    @BeforeAll
    static void scratch() throws IOException {
        dir = Files.createTempDirectory("tangent-fuzz");
    }

    @AfterAll
    static void clean() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static void run(Targets target, byte[] input) {
        target.run(dir.resolve(target.method()), input);
    }

    @FuzzTest(maxDuration = "2m")
    void npy(byte[] input) {
        run(Targets.NPY, input);
    }

    @FuzzTest(maxDuration = "2m")
    void idxImages(byte[] input) {
        run(Targets.IDX_IMAGES, input);
    }

    @FuzzTest(maxDuration = "2m")
    void idxImagesGz(byte[] input) {
        run(Targets.IDX_IMAGES_GZ, input);
    }

    @FuzzTest(maxDuration = "2m")
    void idxLabels(byte[] input) {
        run(Targets.IDX_LABELS, input);
    }

    @FuzzTest(maxDuration = "2m")
    void idxLabelsGz(byte[] input) {
        run(Targets.IDX_LABELS_GZ, input);
    }

    @FuzzTest(maxDuration = "2m")
    void libsvm(byte[] input) {
        run(Targets.LIBSVM, input);
    }

    @FuzzTest(maxDuration = "2m")
    void csv(byte[] input) {
        run(Targets.CSV, input);
    }
}
