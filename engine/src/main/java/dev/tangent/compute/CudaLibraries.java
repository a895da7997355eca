package dev.tangent.compute;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the libraries of the CUDA provider at run time and says what it found, or exactly why not; never throws. The
 * generated bindings ({@code dev.tangent.ffi.cuda.cuda_h}, {@code dev.tangent.ffi.cublas.cublas_h}) resolve symbols
 * through {@link java.lang.foreign.SymbolLookup#loaderLookup()}, so nothing may call them before {@link #load()}
 * reported success.
 *
 * <ul>
 *   <li>the driver, {@code libcuda.so.1}, from the system: {@code TANGENT_CUDA_LIBS}, {@code LD_LIBRARY_PATH}, the
 *   standard library directories and the places container runtimes mount it;</li>
 *   <li>cuBLAS and cuSOLVER ({@code libcublas.so.13}/{@code .12}, {@code libcusolver.so.12}/{@code .11}, with their
 *   dependencies cublasLt, cuSPARSE and nvJitLink from the same directory): {@code TANGENT_CUDA_LIBS} (a
 *   colon-separated list of directories), {@code LD_LIBRARY_PATH}, the toolkit's {@code /usr/local/cuda/lib64}, the
 *   standard directories, and the NVIDIA wheels of Python environments ({@code site-packages/nvidia/cu13/lib},
 *   {@code nvidia/cublas/lib}, ...) under {@code VIRTUAL_ENV}, {@code CONDA_PREFIX}, /usr, /usr/local, /opt/conda
 *   and ~/.local.</li>
 * </ul>
 * Environment variables are read here because this is backend selection (the one place the engine may).
 */
public final class CudaLibraries {
    public static final String DRIVER_SONAME = "libcuda.so.1";
    /** The environment variable naming directories that hold cuBLAS/cuSOLVER (and, if needed, the driver). */
    public static final String ENV = "TANGENT_CUDA_LIBS";

    /** A library that was found and loaded: its path and the major version of its soname. */
    public record Library(String path, int soVersion) {
    }

    /**
     * The outcome: {@code reason} is null when everything loaded, else one line saying what is missing and where it
     * was looked for.
     */
    public record Load(Library driver, Library cublas, Library cusolver, String reason) {
        public boolean loaded() {
            return reason == null;
        }
    }

    private static Load load;

    private CudaLibraries() {
    }

    /** Loads the driver, cuBLAS and cuSOLVER once and reports the outcome. */
    public static synchronized Load load() {
        if (load == null) {
            List<String> roots = new ArrayList<>();
            for (String r : new String[] {System.getenv("VIRTUAL_ENV"), System.getenv("CONDA_PREFIX"), "/usr", "/usr/local", "/opt/conda",
                    System.getProperty("user.home") + "/.local"}) {
                if (r != null) {
                    roots.add(r);
                }
            }
            load = find(System.getenv(ENV), System.getenv("LD_LIBRARY_PATH"), roots, true);
        }
        return load;
    }

    /**
     * The search itself (package-private for the tests, which run it on directories they make, with {@code doLoad}
     * false so that nothing is loaded into the JVM).
     *
     * @param env    the value of {@code TANGENT_CUDA_LIBS} or null
     * @param ldPath the value of {@code LD_LIBRARY_PATH} or null
     * @param pythonRoots prefixes whose lib/python3.x/{site,dist}-packages/nvidia/&#42;/lib hold NVIDIA wheels
     */
    static Load find(String env, String ldPath, List<String> pythonRoots, boolean doLoad) {
        List<Path> userDirs = split(env);
        List<Path> driverDirs = new ArrayList<>(userDirs);
        driverDirs.addAll(split(ldPath));
        driverDirs.addAll(systemDirs());
        driverDirs.addAll(List.of(Path.of("/usr/local/nvidia/lib64"), Path.of("/usr/lib/wsl/lib")));
        Optional<Path> driver = firstFile(unique(driverDirs), DRIVER_SONAME);
        if (driver.isEmpty()) {
            return new Load(null, null, null, "NVIDIA driver library " + DRIVER_SONAME + " not found (no NVIDIA driver on this machine?) "
                    + "in " + describe(unique(driverDirs)));
        }
        Library drv = new Library(driver.get().toString(), 1);
        String err = doLoad ? loadFile(driver.get()) : null;
        if (err != null) {
            return new Load(null, null, null, "cannot load the NVIDIA driver " + driver.get() + ": " + err);
        }
        List<Path> libDirs = new ArrayList<>(userDirs);
        libDirs.addAll(split(ldPath));
        libDirs.add(Path.of("/usr/local/cuda/lib64"));
        libDirs.add(Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));
        libDirs.addAll(systemDirs());
        libDirs.addAll(wheelDirs(pythonRoots));
        List<Path> dirs = unique(libDirs);
        Optional<Path> cublas = newest(dirs, "libcublas");
        Optional<Path> cusolver = newest(cublas.map(p -> List.of(p.getParent())).orElse(List.of()), "libcusolver")
                .or(() -> newest(dirs, "libcusolver"));
        if (cublas.isEmpty() || cusolver.isEmpty()) {
            String missing = cublas.isEmpty() && cusolver.isEmpty() ? "cuBLAS (libcublas.so.13 or .12) and cuSOLVER (libcusolver.so.12 or .11)"
                    : cublas.isEmpty() ? "cuBLAS (libcublas.so.13 or .12)" : "cuSOLVER (libcusolver.so.12 or .11)";
            return new Load(drv, null, null, missing + " not found in " + describe(dirs) + "; set " + ENV
                    + " to the directory that holds them (pip's nvidia-cublas and nvidia-cusolver: site-packages/nvidia/cu13/lib)");
        }
        if (doLoad) {
            // dependencies first, from the same directories, so that the dynamic linker finds them by soname
            for (String dep : List.of("libcublasLt", "libnvJitLink", "libcusparse")) {
                for (Path dir : List.of(cublas.get().getParent(), cusolver.get().getParent())) {
                    Optional<Path> p = newest(List.of(dir), dep);
                    if (p.isPresent()) {
                        loadFile(p.get());
                        break;
                    }
                }
            }
            for (Path p : List.of(cublas.get(), cusolver.get())) {
                err = loadFile(p);
                if (err != null) {
                    return new Load(drv, null, null, "cannot load " + p + ": " + err + " (its dependencies must sit in the same "
                            + "directory or on LD_LIBRARY_PATH)");
                }
            }
        }
        return new Load(drv, new Library(cublas.get().toString(), soVersion(cublas.get())),
                new Library(cusolver.get().toString(), soVersion(cusolver.get())), null);
    }

    private static String loadFile(Path p) {
        try {
            System.load(p.toAbsolutePath().toString());
            return null;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return e.getMessage();
        }
    }

    private static final Pattern SONAME = Pattern.compile("(lib[A-Za-z]+)\\.so\\.(\\d+)");

    /** The major version of a library file named lib*.so.N. */
    static int soVersion(Path p) {
        Matcher m = SONAME.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(2)) : -1;
    }

    /** The file NAME.so.N with the largest N in the first directory that has one (only the soname links, N alone). */
    static Optional<Path> newest(List<Path> dirs, String name) {
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                Optional<Path> best = s.filter(p -> {
                            Matcher m = SONAME.matcher(p.getFileName().toString());
                            return m.matches() && m.group(1).equals(name) && Files.isRegularFile(p);
                        })
                        .max(Comparator.comparingInt(CudaLibraries::soVersion));
                if (best.isPresent()) {
                    return best;
                }
            } catch (IOException | SecurityException e) {
                // unreadable directory: look further
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> firstFile(List<Path> dirs, String file) {
        return dirs.stream().map(d -> d.resolve(file)).filter(Files::isRegularFile).findFirst();
    }

    /** lib/python3.*&#47;{site,dist}-packages/nvidia/&#42;/lib under each root, the CUDA 13 wheels' cu13 first. */
    static List<Path> wheelDirs(List<String> roots) {
        List<Path> out = new ArrayList<>();
        for (String root : roots) {
            if (root == null || root.isBlank()) {
                continue;
            }
            for (Path lib : children(Path.of(root, "lib"), "python3*")) {
                for (String pk : List.of("site-packages", "dist-packages")) {
                    Path nvidia = lib.resolve(pk).resolve("nvidia");
                    List<Path> libs = new ArrayList<>();
                    for (Path sub : children(nvidia, "*")) {
                        if (Files.isDirectory(sub.resolve("lib"))) {
                            libs.add(sub.resolve("lib"));
                        }
                    }
                    libs.sort(Comparator.comparing((Path p) -> !p.getParent().getFileName().toString().startsWith("cu1"))
                            .thenComparing(Comparator.reverseOrder()));
                    out.addAll(libs);
                }
            }
        }
        return out;
    }

    private static List<Path> children(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        } catch (IOException | SecurityException e) {
            // nothing there for us
        }
        out.sort(Comparator.reverseOrder());
        return out;
    }

    private static List<Path> split(String pathList) {
        List<Path> out = new ArrayList<>();
        if (pathList != null) {
            for (String d : pathList.split(":")) {
                if (!d.isBlank()) {
                    out.add(Path.of(d));
                }
            }
        }
        return out;
    }

    private static List<Path> systemDirs() {
        return List.of(Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib64"),
                Path.of("/lib64"), Path.of("/usr/lib"), Path.of("/usr/local/lib"));
    }

    private static List<Path> unique(List<Path> dirs) {
        Set<Path> s = new LinkedHashSet<>(dirs);
        return List.copyOf(s);
    }

    /** The directories searched, for a one-line message (the first few and a count). */
    private static String describe(List<Path> dirs) {
        List<String> names = dirs.stream().map(Path::toString).toList();
        return names.size() <= 8 ? String.join(":", names)
                : String.join(":", names.subList(0, 8)) + " and " + (names.size() - 8) + " more directories";
    }
}
