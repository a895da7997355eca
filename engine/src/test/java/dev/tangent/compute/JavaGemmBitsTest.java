package dev.tangent.compute;

import dev.tangent.TestData;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java GEMM gives the same bits interpreted as compiled by C2, so that a Gram's entries do not depend on how far the
 * JIT had got (a Gram streamed to a file during warm-up must equal the same Gram in memory later; resumed runs rely on
 * it too). {@code reduceLanes(ADD)} did not: the interpreter adds the lanes in turn, C2 pairwise. A child JVM with
 * {@code -Xint} and this JVM's vector width computes the GEMMs that this JVM computes after enough calls for C2 to
 * compile the loops; the outputs must agree byte for byte, in f32 and f64, on shapes that run the 4×3 register block,
 * the single dot products and k with two-vector steps, one-vector steps and a scalar tail for every species width.
 */
class JavaGemmBitsTest {
    /** Every output bit of C = A·Bᵀ for a few shapes in both dtypes, as hex. */
    static String products() {
        StringBuilder out = new StringBuilder();
        JavaBackend java = new JavaBackend(1);
        for (DType t : DType.values()) {
            for (int k : new int[] {5, 53, 800}) {
                try (Matrix a = TestData.uniform(9, k, t, k); Matrix b = TestData.uniform(10, k, t, k + 1); Matrix c = Matrix.allocate(9, 10, t)) {
                    java.gemm(false, true, 1.0, a, b, 0.0, c);
                    for (int i = 0; i < c.rows(); i++) {
                        for (int j = 0; j < c.cols(); j++) {
                            out.append(Long.toHexString(Double.doubleToRawLongBits(c.get(i, j)))).append(' ');
                        }
                    }
                    out.append('\n');
                }
            }
        }
        return out.toString();
    }

    /** The child's entry point: prints {@link #products()}. */
    public static void main(String[] args) {
        System.out.print(products());
    }

    @Test
    void interpretedAndCompiledGemmsGiveTheSameBits() throws Exception {
        for (int i = 0; i < 3000; i++) { // about 10⁵ trips of the inner loops: C2 compiles them
            products();
        }
        String compiled = products();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xint"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // the modules, and the flags that set the vector width (and so the order of the lanes' sum)
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access") || arg.startsWith("-XX:UseAVX")
                    || arg.startsWith("-XX:MaxVectorSize") || arg.startsWith("-XX:UseSSE")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JavaGemmBitsTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String interpreted = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the -Xint child finished");
        assertEquals(0, p.exitValue(), "the -Xint child's exit status");
        assertEquals(compiled, interpreted, "GEMM bits: C2-compiled (expected) vs interpreted (actual)");
    }
}
