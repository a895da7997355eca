package dev.tangent.cli;

import dev.tangent.compute.Backends;
import dev.tangent.compute.KernelProviders;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.memory.MemoryBudget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Locale;

/** {@code tangent info}: what this machine offers Tangent and which backend {@code auto} picks, and why. */
@Command(name = "info", mixinStandardHelpOptions = true,
        header = "Show the JDK, SIMD width, native libraries, memory and the backend auto picks.",
        description = "Show the JDK, SIMD width, native libraries (OpenBLAS version, core type, threads; LAPACKE), the GPU (device, "
                + "driver, cuBLAS and cuSOLVER, or why CUDA is unavailable), memory, "
                + "the backends this build has, and the one that --backend auto chooses, with the reason.")
final class InfoCommand extends BaseCommand {
    @Option(names = "--threads", paramLabel = "N", description = "Threads for the backend (default: the available processors, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    void execute() {
        PrintWriter out = out();
        NativeLibraries.Cpu cpu = NativeLibraries.Cpu.read();
        out.printf(Locale.ROOT, "%-10s %s (%s) at %s%n", "JDK", Runtime.version(), System.getProperty("java.vendor"),
                System.getProperty("java.home"));
        out.printf(Locale.ROOT, "%-10s %s%n", "Tangent", BuildInfo.CURRENT.line());
        out.printf(Locale.ROOT, "%-10s %s (%s family %d), %d processors, %s%n", "CPU", cpu.modelName(), cpu.vendor(),
                cpu.family(), Runtime.getRuntime().availableProcessors(),
                cpu.hasAvx512() ? "AVX-512" : cpu.flags().contains("avx2") ? "AVX2, no AVX-512" : "no AVX2");
        out.printf(Locale.ROOT, "%-10s %s%n", "SIMD", Backends.simdDescription());
        NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
        if (ob.available()) {
            out.printf(Locale.ROOT, "%-10s %s, core type %s, %d threads at load%n", "OpenBLAS", ob.version(), ob.coreName(), ob.threads());
            out.printf(Locale.ROOT, "%-10s library %s%n", "", ob.load().path());
            out.printf(Locale.ROOT, "%-10s core type choice: %s%n", "", ob.coreTypeChoice());
            out.printf(Locale.ROOT, "%-10s config: %s%n", "", ob.config());
        } else {
            out.printf(Locale.ROOT, "%-10s unavailable: %s%n", "OpenBLAS", ob.load().detail());
        }
        NativeLibraries.Load lp = NativeLibraries.lapacke();
        out.printf(Locale.ROOT, "%-10s %s%n", "LAPACKE", lp.loaded() ? lp.path() : "unavailable: " + lp.detail()
                + " (Cholesky falls back to the Java backend)");
        KernelProviders.Gpu gpu = KernelProviders.gpu();
        if (gpu.provider() != null) {
            out.printf(Locale.ROOT, "%-10s %s%n", "GPU", gpu.description());
            out.printf(Locale.ROOT, "%-10s %s%n", "", gpu.libraries());
        } else {
            out.printf(Locale.ROOT, "%-10s unavailable: %s%n", "GPU", gpu.reason());
        }
        out.printf(Locale.ROOT, "%-10s %s (--backend)%n", "Backends", String.join(", ", new Converters.Backends()));
        KernelProviders.Selection sel = KernelProviders.select("auto", threads);
        out.printf(Locale.ROOT, "%-10s auto -> %s with %d threads: %s%n", "Backend", sel.provider().name(), threads, sel.reason());
        out.printf(Locale.ROOT, "%-10s %s total, %s available%n", "Memory", MemoryBudget.human(MemoryBudget.totalBytes()),
                MemoryBudget.human(MemoryBudget.availableBytes()));
    }
}
