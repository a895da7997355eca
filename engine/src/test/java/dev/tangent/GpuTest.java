package dev.tangent;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A test of the {@code gpu} tier (scripts/test.sh -Pgpu; the default run leaves it out): tagged {@code gpu}, and
 * skipped with the reason where the machine shows no NVIDIA GPU (CudaProviderGpuTest, CudaCliGpuTest; scripts/gpu-check.sh
 * runs them on a GPU machine without Java or Maven).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Test
@Tag("gpu")
@ExtendWith(GpuTest.Present.class)
public @interface GpuTest {
    /** Enabled only when the NVIDIA driver lists a GPU under /proc/driver/nvidia/gpus. */
    final class Present implements ExecutionCondition {
        static final Path GPUS = Path.of("/proc/driver/nvidia/gpus");

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            try (Stream<Path> s = Files.list(GPUS)) {
                long n = s.count();
                return n > 0 ? ConditionEvaluationResult.enabled(n + " NVIDIA GPU(s) under " + GPUS)
                        : ConditionEvaluationResult.disabled("no NVIDIA GPU: " + GPUS + " is empty");
            } catch (IOException e) {
                return ConditionEvaluationResult.disabled("no NVIDIA GPU: " + GPUS + " not found (no NVIDIA driver)");
            }
        }
    }
}
