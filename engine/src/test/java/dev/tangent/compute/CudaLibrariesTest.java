package dev.tangent.compute;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run-time search for the CUDA libraries, on directory trees made here (nothing is loaded: {@code doLoad} false),
 * and what this machine's JVM reports when it has no NVIDIA driver.
 */
class CudaLibrariesTest {
    @TempDir
    Path dir;

    private Path touch(String rel) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {0x7f, 'E', 'L', 'F'});
        return p;
    }

    private static boolean systemDriver() {
        return List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/usr/local/lib",
                "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib").stream().anyMatch(d -> Files.exists(Path.of(d, CudaLibraries.DRIVER_SONAME)));
    }

    @Test
    void withoutTheDriverTheReasonNamesItAndWhereItLooked() {
        if (systemDriver()) {
            return; // a machine with an NVIDIA driver: the gpu tests cover it
        }
        Path empty = dir.resolve("none");
        CudaLibraries.Load l = CudaLibraries.find(empty.toString(), null, List.of(), false);
        assertTrue(!l.loaded() && l.reason().startsWith("NVIDIA driver library libcuda.so.1 not found"), l.reason());
        assertTrue(l.reason().contains(empty.toString()) && l.reason().contains("/usr/lib/x86_64-linux-gnu"), l.reason());
        // the same reason reaches tangent info and --backend cuda
        KernelProviders.Gpu gpu = KernelProviders.gpu();
        assertNull(gpu.provider());
        assertTrue(gpu.reason().contains("libcuda.so.1 not found"), gpu.reason());
    }

    @Test
    void aDriverWithoutCublasSaysWhatIsMissingAndHowToPointAtIt() throws IOException {
        touch("drv/libcuda.so.1");
        CudaLibraries.Load l = CudaLibraries.find(dir.resolve("drv").toString(), null, List.of(dir.resolve("nopython").toString()), false);
        assertEquals(dir.resolve("drv/libcuda.so.1").toString(), l.driver().path());
        assertTrue(!l.loaded() && l.reason().contains("cuBLAS (libcublas.so.13 or .12) and cuSOLVER"), l.reason());
        assertTrue(l.reason().contains("set TANGENT_CUDA_LIBS"), l.reason());
        touch("drv/libcublas.so.13");
        l = CudaLibraries.find(dir.resolve("drv").toString(), null, List.of(), false);
        assertTrue(l.reason().startsWith("cuSOLVER (libcusolver.so.12 or .11) not found"), l.reason());
    }

    @Test
    void theWheelsOfAPythonEnvironmentAreFound() throws IOException {
        touch("drv/libcuda.so.1");
        String sp = "env/lib/python3.12/site-packages/nvidia/";
        touch(sp + "cu13/lib/libcublas.so.13");
        touch(sp + "cu13/lib/libcublasLt.so.13");
        touch(sp + "cu13/lib/libcusolver.so.12");
        touch(sp + "cublas/lib/libcublas.so.12"); // an older CUDA 12 wheel beside it
        touch(sp + "cublas/lib/libcublas.so"); // not a soname: ignored
        CudaLibraries.Load l = CudaLibraries.find(null, dir.resolve("drv").toString(), List.of(dir.resolve("env").toString()), false);
        assertTrue(l.loaded(), l.reason());
        assertEquals(dir.resolve(sp + "cu13/lib/libcublas.so.13").toString(), l.cublas().path());
        assertEquals(13, l.cublas().soVersion());
        assertEquals(12, l.cusolver().soVersion());
        assertEquals(dir.resolve(sp + "cu13/lib/libcusolver.so.12").toString(), l.cusolver().path(), "cuSOLVER from cuBLAS's directory");
    }

    @Test
    void tangentCudaLibsComesFirstAndTheNewestSonameWins() throws IOException {
        touch("drv/libcuda.so.1");
        touch("mine/libcublas.so.12");
        touch("mine/libcublas.so.13");
        touch("mine/libcusolver.so.11");
        touch("mine/libcusolver.so.12");
        touch("other/libcublas.so.13");
        touch("other/libcusolver.so.12");
        CudaLibraries.Load l = CudaLibraries.find(dir.resolve("mine") + ":" + dir.resolve("drv"), dir.resolve("other").toString(), List.of(),
                false);
        assertEquals(dir.resolve("mine/libcublas.so.13").toString(), l.cublas().path());
        assertEquals(dir.resolve("mine/libcusolver.so.12").toString(), l.cusolver().path());
        assertEquals(13, CudaLibraries.soVersion(Path.of("libcublas.so.13")));
        assertEquals(-1, CudaLibraries.soVersion(Path.of("libcublas.so.13.1.0.3")));
    }
}
