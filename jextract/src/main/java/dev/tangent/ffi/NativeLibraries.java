package dev.tangent.ffi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and loads the native libraries behind the generated bindings, and says what it found. The generated classes
 * ({@code dev.tangent.ffi.openblas.cblas_h}, {@code dev.tangent.ffi.lapacke.lapacke_h}) resolve symbols through
 * {@link java.lang.foreign.SymbolLookup#loaderLookup()}, so nothing may call them before {@link #openblas()} (and
 * {@link #lapacke()}) reported success.
 *
 * <p>Before OpenBLAS is loaded, its core type is chosen from the CPU's features: Debian's OpenBLAS 0.3.21 does not know
 * AMD's AVX-512 cores (Zen 4/5) and picks its Haswell (AVX2) kernels there, at half the speed. When the CPU has the
 * AVX-512 F/CD/BW/DQ/VL set and OPENBLAS_CORETYPE is not already set, {@code OPENBLAS_CORETYPE=SkylakeX} is put into
 * the process environment (libc {@code setenv}) for the library's initialiser to read. An Intel CPU is left to
 * OpenBLAS's own detection. The system property {@code tangent.openblas.coretype} overrides the choice
 * ({@code auto} or a core name, e.g. {@code Haswell}).
 *
 * <p>Library paths: the system properties {@code tangent.openblas.path} / {@code tangent.lapacke.path} if set, else the
 * sonames {@code libopenblas.so.0} / {@code liblapacke.so.3} in LD_LIBRARY_PATH and the standard library directories.
 */
public final class NativeLibraries {
    public static final String OPENBLAS_SONAME = "libopenblas.so.0";
    public static final String LAPACKE_SONAME = "liblapacke.so.3";
    private static final Set<String> AVX512_NEEDED = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

    /** What loading a library gave. */
    public record Load(boolean loaded, String path, String detail) {
    }

    /**
     * The OpenBLAS load and what OpenBLAS says about itself.
     *
     * @param coreTypeChoice what was decided about OPENBLAS_CORETYPE and why, in one line
     * @param config         openblas_get_config(), e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... Haswell"
     * @param coreName       openblas_get_corename(), the kernels in use
     */
    public record OpenBlas(Load load, String coreTypeChoice, String config, String coreName, int threads) {
        public boolean available() {
            return load.loaded();
        }

        /** The version number from the config string, e.g. "0.3.21", or "unknown". */
        public String version() {
            if (config == null) {
                return "unknown";
            }
            String[] parts = config.split("\\s+");
            return parts.length > 1 && parts[0].equals("OpenBLAS") ? parts[1] : "unknown";
        }
    }

    private static OpenBlas openblas;
    private static Load lapacke;

    private NativeLibraries() {
    }

    /** Loads OpenBLAS once (choosing its core type first) and reports the outcome; never throws. */
    public static synchronized OpenBlas openblas() {
        if (openblas == null) {
            String choice = chooseCoreType();
            Load load = loadLibrary("tangent.openblas.path", OPENBLAS_SONAME, "libopenblas0-pthread");
            if (!load.loaded()) {
                openblas = new OpenBlas(load, choice, null, null, 0);
            } else {
                try {
                    String config = dev.tangent.ffi.openblas.cblas_h.openblas_get_config().reinterpret(4096).getString(0);
                    String core = dev.tangent.ffi.openblas.cblas_h.openblas_get_corename().reinterpret(256).getString(0);
                    int threads = dev.tangent.ffi.openblas.cblas_h.openblas_get_num_threads();
                    openblas = new OpenBlas(load, choice, config, core, threads);
                } catch (RuntimeException | LinkageError e) {
                    openblas = new OpenBlas(new Load(false, load.path(), "loaded " + load.path()
                            + " but it lacks the OpenBLAS entry points: " + e), choice, null, null, 0);
                }
            }
        }
        return openblas;
    }

    /** Loads LAPACKE once (after OpenBLAS, so its BLAS/LAPACK resolve to OpenBLAS); never throws. */
    public static synchronized Load lapacke() {
        if (lapacke == null) {
            openblas();
            Load load = loadLibrary("tangent.lapacke.path", LAPACKE_SONAME, "liblapacke");
            if (load.loaded()) {
                try {
                    dev.tangent.ffi.lapacke.lapacke_h.LAPACKE_dpotrf$address();
                } catch (RuntimeException | LinkageError e) {
                    load = new Load(false, load.path(), "loaded " + load.path() + " but LAPACKE_dpotrf is missing: " + e);
                }
            }
            lapacke = load;
        }
        return lapacke;
    }

    private static Load loadLibrary(String property, String soname, String debianPackage) {
        String override = System.getProperty(property);
        List<Path> candidates = new ArrayList<>();
        if (override != null && !override.isBlank()) {
            candidates.add(Path.of(override));
        } else {
            for (String dir : searchPath()) {
                candidates.add(Path.of(dir, soname));
            }
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                try {
                    System.load(p.toAbsolutePath().toString());
                    return new Load(true, p.toRealPath().toString(), "loaded " + p);
                } catch (UnsatisfiedLinkError | IOException e) {
                    return new Load(false, p.toString(), "cannot load " + p + ": " + e.getMessage());
                }
            }
        }
        String where = override != null && !override.isBlank() ? override + " (from -D" + property + ")"
                : soname + " in " + String.join(":", searchPath());
        return new Load(false, null, "not found: " + where + "; install the Debian package " + debianPackage);
    }

    private static List<String> searchPath() {
        Set<String> dirs = new LinkedHashSet<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(d);
                }
            }
        }
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64" -> "aarch64-linux-gnu";
            default -> System.getProperty("os.arch") + "-linux-gnu";
        };
        dirs.add("/usr/lib/" + arch);
        dirs.add("/lib/" + arch);
        dirs.add("/usr/lib64");
        dirs.add("/lib64");
        dirs.add("/usr/lib");
        dirs.add("/usr/local/lib");
        return List.copyOf(dirs);
    }

    /** CPU facts from /proc/cpuinfo: vendor, family, model name and flags. */
    public record Cpu(String vendor, int family, String modelName, Set<String> flags) {
        public boolean hasAvx512() {
            return flags.containsAll(AVX512_NEEDED);
        }

        public static Cpu read() {
            String vendor = "unknown";
            String model = "unknown";
            int family = -1;
            Set<String> flags = Set.of();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    int colon = line.indexOf(':');
                    if (colon < 0) {
                        if (!flags.isEmpty()) {
                            break; // end of the first processor's block
                        }
                        continue;
                    }
                    String key = line.substring(0, colon).trim();
                    String val = line.substring(colon + 1).trim();
                    switch (key) {
                        case "vendor_id" -> vendor = val;
                        case "cpu family" -> family = parseInt(val);
                        case "model name" -> model = val;
                        case "flags" -> flags = Set.of(val.split("\\s+"));
                        default -> { }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: no facts
            }
            return new Cpu(vendor, family, model, flags);
        }

        private static int parseInt(String s) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** Decides OPENBLAS_CORETYPE (setting it in the process environment if needed) and says why. */
    private static String chooseCoreType() {
        String env = System.getenv("OPENBLAS_CORETYPE");
        String prop = System.getProperty("tangent.openblas.coretype", "auto");
        if (!prop.equalsIgnoreCase("auto")) {
            return setenv("OPENBLAS_CORETYPE", prop) ? "OPENBLAS_CORETYPE=" + prop + " (from -Dtangent.openblas.coretype)"
                    : "could not set OPENBLAS_CORETYPE=" + prop + "; OpenBLAS detects the core itself";
        }
        if (env != null && !env.isBlank()) {
            return "OPENBLAS_CORETYPE=" + env + " (from the environment)";
        }
        Cpu cpu = Cpu.read();
        if (cpu.hasAvx512() && !cpu.vendor().equals("GenuineIntel")) {
            String why = String.format(Locale.ROOT, "%s family %d with AVX-512, which OpenBLAS 0.3.21 does not recognise",
                    cpu.vendor(), cpu.family());
            return setenv("OPENBLAS_CORETYPE", "SkylakeX") ? "OPENBLAS_CORETYPE=SkylakeX: " + why
                    : "could not set OPENBLAS_CORETYPE (" + why + "); OpenBLAS detects the core itself";
        }
        return "OpenBLAS detects the core itself (" + cpu.vendor() + (cpu.hasAvx512() ? ", AVX-512" : ", no AVX-512") + ")";
    }

    private static boolean setenv(String name, String value) {
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> fn = linker.defaultLookup().find("setenv");
            if (fn.isEmpty()) {
                return false;
            }
            MethodHandle h = linker.downcallHandle(fn.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            try (Arena arena = Arena.ofConfined()) {
                return (int) h.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 1) == 0;
            }
        } catch (Throwable t) {
            return false;
        }
    }
}
