package dev.tangent.compute;

import dev.tangent.RepositoryData;
import dev.tangent.ffi.cublas.cublas_h;
import dev.tangent.ffi.cuda.CUDA_MEMCPY2D_st;
import dev.tangent.ffi.cuda.cuda_h;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The argument layouts of the generated CUDA bindings against a C compiler's reading of the same headers: gcc compiles
 * a program that prints sizeof/offsetof of the struct the 2-D copies pass and the values of the constants the provider
 * uses, from the toolkit's cuda.h and native/include/tangent_cuda_libs.h, and the generated Java must agree (jextract
 * and gcc are independent readers of the headers). Skipped where gcc or cuda.h is missing.
 */
class CudaBindingsTest {
    static final Path CUDA_H = Path.of("/usr/local/cuda/include/cuda.h");

    @TempDir
    Path dir;

    private Map<String, Long> compileAndRun(String program) throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(CUDA_H), "no CUDA toolkit header at " + CUDA_H);
        Path src = dir.resolve("layout.c");
        Path exe = dir.resolve("layout");
        Files.writeString(src, program);
        Process p;
        try {
            p = new ProcessBuilder("gcc", "-I/usr/local/cuda/include", "-I" + RepositoryData.root().resolve("native/include"), "-o",
                    exe.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "gcc is not installed: " + e.getMessage());
            return Map.of();
        }
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc: " + log);
        Process r = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(r.getInputStream().readAllBytes());
        assertTrue(r.waitFor(60, TimeUnit.SECONDS) && r.exitValue() == 0, out);
        Map<String, Long> values = new HashMap<>();
        for (String line : out.lines().toList()) {
            String[] kv = line.split(" ");
            values.put(kv[0], Long.parseLong(kv[1]));
        }
        return values;
    }

    @Test
    void theMemcpy2dStructIsLaidOutAsTheCCompilerLaysItOut() throws Exception {
        List<String> fields = List.of("srcXInBytes", "srcY", "srcMemoryType", "srcHost", "srcDevice", "srcArray", "srcPitch", "dstXInBytes",
                "dstY", "dstMemoryType", "dstHost", "dstDevice", "dstArray", "dstPitch", "WidthInBytes", "Height");
        StringBuilder c = new StringBuilder("#include <stddef.h>\n#include <stdio.h>\n#include <cuda.h>\nint main(void) {\n");
        c.append("  printf(\"sizeof %zu\\n\", sizeof(CUDA_MEMCPY2D));\n");
        for (String f : fields) {
            c.append("  printf(\"").append(f).append(" %zu\\n\", offsetof(CUDA_MEMCPY2D, ").append(f).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Map<String, Long> gcc = compileAndRun(c.toString());
        assertEquals(gcc.get("sizeof"), CUDA_MEMCPY2D_st.sizeof());
        for (String f : fields) {
            assertEquals(gcc.get(f), CUDA_MEMCPY2D_st.layout().byteOffset(MemoryLayout.PathElement.groupElement(f)), f);
        }
    }

    @Test
    void theConstantsAreTheHeadersValues() throws Exception {
        Map<String, Integer> java = Map.ofEntries(
                Map.entry("CUDA_VERSION", cuda_h.CUDA_VERSION()),
                Map.entry("CUDA_SUCCESS", cuda_h.CUDA_SUCCESS()),
                Map.entry("CUDA_ERROR_OUT_OF_MEMORY", cuda_h.CUDA_ERROR_OUT_OF_MEMORY()),
                Map.entry("CU_MEMORYTYPE_HOST", cuda_h.CU_MEMORYTYPE_HOST()),
                Map.entry("CU_MEMORYTYPE_DEVICE", cuda_h.CU_MEMORYTYPE_DEVICE()),
                Map.entry("CU_STREAM_NON_BLOCKING", cuda_h.CU_STREAM_NON_BLOCKING()),
                Map.entry("CU_EVENT_DEFAULT", cuda_h.CU_EVENT_DEFAULT()),
                Map.entry("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR()),
                Map.entry("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR()),
                Map.entry("CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT", cuda_h.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT()),
                Map.entry("CUBLAS_OP_N", cublas_h.CUBLAS_OP_N()),
                Map.entry("CUBLAS_OP_T", cublas_h.CUBLAS_OP_T()),
                Map.entry("CUBLAS_FILL_MODE_LOWER", cublas_h.CUBLAS_FILL_MODE_LOWER()),
                Map.entry("CUBLAS_FILL_MODE_UPPER", cublas_h.CUBLAS_FILL_MODE_UPPER()));
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <cuda.h>\n#include <tangent_cuda_libs.h>\nint main(void) {\n");
        for (String k : java.keySet()) {
            c.append("  printf(\"").append(k).append(" %ld\\n\", (long) ").append(k).append(");\n");
        }
        c.append("  return 0;\n}\n");
        Map<String, Long> gcc = compileAndRun(c.toString());
        for (Map.Entry<String, Integer> e : java.entrySet()) {
            assertEquals(gcc.get(e.getKey()), (long) e.getValue(), e.getKey());
        }
        // the documented values the provider relies on (cuBLAS Datatypes Reference; cuda.h of CUDA 13)
        assertEquals(13000, cuda_h.CUDA_VERSION());
        assertEquals(1, cublas_h.CUBLAS_OP_T());
        assertEquals(1, cublas_h.CUBLAS_FILL_MODE_UPPER());
    }
}
