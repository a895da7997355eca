package dev.tangent.compute;

import dev.tangent.ffi.cublas.cublas_h;
import dev.tangent.ffi.cuda.CUDA_MEMCPY2D_st;
import dev.tangent.ffi.cuda.cuda_h;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One CUDA device as the provider uses it, through the driver API (jextract's {@code cuda_h}) and cuBLAS/cuSOLVER
 * ({@code cublas_h}): the device's primary context (the one the libraries' runtime uses too), the kernels of
 * native/tangent_kernels.cu loaded from the committed fatbin with {@code cuModuleLoadData}, a compute stream and a copy
 * stream, and the library handles bound to the compute stream. Opened once per process ({@link #get}); every use holds
 * the device's monitor and makes the context current on the calling thread ({@link #enter}).
 *
 * <p>Memory is explicit: {@link #alloc} (device), {@link #allocHost} (page-locked staging), no managed memory.
 * Synchronous copies are stream-ordered copies followed by a stream synchronisation, because the streams are
 * non-blocking and a legacy synchronous copy would not wait for them.
 */
final class CudaDevice implements CudaKernels.Launcher {
    /** Classpath resource of the kernels (native/build.sh). */
    static final String FATBIN = "tangent_kernels.fatbin";

    private static CudaDevice instance;
    private static String failure;

    final String name;
    final int ccMajor;
    final int ccMinor;
    final int multiprocessors;
    final long totalMemory;
    final int driverVersion;
    final int cublasVersion;
    final int cusolverVersion;
    final CudaLibraries.Load libraries;
    final CudaKernels kernels = new CudaKernels(this);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment ctx;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    final MemorySegment stream;
    final MemorySegment copyStream;
    final MemorySegment cublas;
    final MemorySegment cusolver;

    /** A failed driver or library call: the call and the library's name and text for the error. */
    static final class CudaException extends RuntimeException {
        final int code;

        CudaException(String message, int code) {
            super(message);
            this.code = code;
        }

        boolean outOfMemory() {
            return code == 2; // CUDA_ERROR_OUT_OF_MEMORY (cuBLAS: 3 = ALLOC_FAILED is reported as a library error)
        }
    }

    /** The device of this process, opened on first use; throws a {@link CudaException} with the reason otherwise. */
    static synchronized CudaDevice get() {
        if (instance == null) {
            if (failure != null) {
                throw new CudaException(failure, -1);
            }
            CudaLibraries.Load load = CudaLibraries.load();
            if (!load.loaded()) {
                failure = load.reason();
                throw new CudaException(failure, -1);
            }
            try {
                instance = new CudaDevice(load);
            } catch (CudaException | LinkageError e) {
                failure = e instanceof CudaException ? e.getMessage() : "the CUDA bindings did not link (" + load.driver().path() + "): "
                        + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                throw new CudaException(failure, -1);
            }
        }
        return instance;
    }

    private CudaDevice(CudaLibraries.Load load) {
        this.libraries = load;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ip = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment lp = a.allocate(ValueLayout.JAVA_LONG);
            MemorySegment pp = a.allocate(ValueLayout.ADDRESS);
            check(cuda_h.cuInit(0), "cuInit");
            check(cuda_h.cuDriverGetVersion(ip), "cuDriverGetVersion");
            driverVersion = ip.get(ValueLayout.JAVA_INT, 0);
            check(cuda_h.cuDeviceGetCount(ip), "cuDeviceGetCount");
            if (ip.get(ValueLayout.JAVA_INT, 0) < 1) {
                throw new CudaException("the NVIDIA driver reports no CUDA device", cuda_h.CUDA_ERROR_NO_DEVICE());
            }
            check(cuda_h.cuDeviceGet(ip, 0), "cuDeviceGet");
            int dev = ip.get(ValueLayout.JAVA_INT, 0);
            MemorySegment nameBuf = a.allocate(256);
            check(cuda_h.cuDeviceGetName(nameBuf, 256, dev), "cuDeviceGetName");
            name = nameBuf.getString(0);
            ccMajor = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR(), dev);
            ccMinor = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR(), dev);
            multiprocessors = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT(), dev);
            check(cuda_h.cuDeviceTotalMem_v2(lp, dev), "cuDeviceTotalMem");
            totalMemory = lp.get(ValueLayout.JAVA_LONG, 0);
            check(cuda_h.cuDevicePrimaryCtxRetain(pp, dev), "cuDevicePrimaryCtxRetain");
            ctx = pp.get(ValueLayout.ADDRESS, 0);
            check(cuda_h.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");

            byte[] image = fatbin();
            MemorySegment img = arena.allocate(image.length + 1L, 16);
            MemorySegment.copy(image, 0, img, ValueLayout.JAVA_BYTE, 0, image.length);
            check(cuda_h.cuModuleLoadData(pp, img), "cuModuleLoadData(" + FATBIN + ")");
            module = pp.get(ValueLayout.ADDRESS, 0);
            for (String k : CudaKernels.SIGNATURES.keySet()) {
                check(cuda_h.cuModuleGetFunction(pp, module, a.allocateFrom(k)), "cuModuleGetFunction(" + k + ")");
                functions.put(k, pp.get(ValueLayout.ADDRESS, 0));
            }
            check(cuda_h.cuStreamCreate(pp, cuda_h.CU_STREAM_NON_BLOCKING()), "cuStreamCreate");
            stream = pp.get(ValueLayout.ADDRESS, 0);
            check(cuda_h.cuStreamCreate(pp, cuda_h.CU_STREAM_NON_BLOCKING()), "cuStreamCreate");
            copyStream = pp.get(ValueLayout.ADDRESS, 0);

            blas(cublas_h.cublasCreate_v2(pp), "cublasCreate");
            cublas = pp.get(ValueLayout.ADDRESS, 0);
            blas(cublas_h.cublasSetStream_v2(cublas, stream), "cublasSetStream");
            blas(cublas_h.cublasGetVersion_v2(cublas, ip), "cublasGetVersion");
            cublasVersion = ip.get(ValueLayout.JAVA_INT, 0);
            solver(cublas_h.cusolverDnCreate(pp), "cusolverDnCreate");
            cusolver = pp.get(ValueLayout.ADDRESS, 0);
            solver(cublas_h.cusolverDnSetStream(cusolver, stream), "cusolverDnSetStream");
            solver(cublas_h.cusolverGetVersion(ip), "cusolverGetVersion");
            cusolverVersion = ip.get(ValueLayout.JAVA_INT, 0);
        }
    }

    private static byte[] fatbin() {
        try (InputStream in = CudaDevice.class.getResourceAsStream(FATBIN)) {
            if (in == null) {
                throw new CudaException("the kernels' fatbin " + FATBIN + " is missing from the classpath (run native/build.sh)", -1);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("reading " + FATBIN + ": " + e.getMessage(), -1);
        }
    }

    private static int attribute(Arena a, int attribute, int dev) {
        MemorySegment ip = a.allocate(ValueLayout.JAVA_INT);
        check(cuda_h.cuDeviceGetAttribute(ip, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return ip.get(ValueLayout.JAVA_INT, 0);
    }

    /** One line: "NVIDIA H100 80GB HBM3, compute 9.0, 132 SMs, 79.1 GiB; driver CUDA 13.0; cuBLAS 13.1.0, cuSOLVER 12.0.4". */
    String describe() {
        return String.format(Locale.ROOT, "%s, compute %d.%d, %d SMs, %.1f GiB; driver CUDA %s; cuBLAS %s, cuSOLVER %s", name, ccMajor, ccMinor,
                multiprocessors, totalMemory / (double) (1L << 30), cudaVersion(driverVersion), libraryVersion(cublasVersion),
                libraryVersion(cusolverVersion));
    }

    /** 13000 → "13.0". */
    static String cudaVersion(int v) {
        return v / 1000 + "." + v % 1000 / 10;
    }

    /** cuBLAS/cuSOLVER version numbers (major·10000 + minor·100 + patch, or major·1000 + minor·100 + patch before CUDA 12). */
    static String libraryVersion(int v) {
        return v >= 100000 ? v / 10000 + "." + v % 10000 / 100 + "." + v % 100 : v / 1000 + "." + v % 1000 / 100 + "." + v % 100;
    }

    // ---- errors ----

    static void check(int rc, String call) {
        if (rc != 0) {
            throw new CudaException(call + " failed: " + errorName(rc), rc);
        }
    }

    static void blas(int rc, String call) {
        if (rc != 0) {
            throw new CudaException(call + " failed: cuBLAS status " + rc, 1000 + rc);
        }
    }

    static void solver(int rc, String call) {
        if (rc != 0) {
            throw new CudaException(call + " failed: cuSOLVER status " + rc, 2000 + rc);
        }
    }

    private static String errorName(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.ADDRESS);
            String name = cuda_h.cuGetErrorName(rc, p) == 0 ? p.get(ValueLayout.ADDRESS, 0).reinterpret(256).getString(0) : "CUresult " + rc;
            String text = cuda_h.cuGetErrorString(rc, p) == 0 ? p.get(ValueLayout.ADDRESS, 0).reinterpret(1024).getString(0) : "";
            return text.isEmpty() ? name : name + " (" + text + ")";
        }
    }

    // ---- context and memory ----

    /** Makes the context current on this thread (call with the monitor held, before any other call). */
    void enter() {
        check(cuda_h.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    /** {free, total} bytes of device memory now. */
    long[] memory() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_LONG);
            MemorySegment t = a.allocate(ValueLayout.JAVA_LONG);
            check(cuda_h.cuMemGetInfo_v2(f, t), "cuMemGetInfo");
            return new long[] {f.get(ValueLayout.JAVA_LONG, 0), t.get(ValueLayout.JAVA_LONG, 0)};
        }
    }

    /** Device memory, freed by {@link Buffer#close}. */
    final class Buffer implements AutoCloseable {
        final long ptr;
        final long bytes;
        private boolean freed;

        private Buffer(long ptr, long bytes) {
            this.ptr = ptr;
            this.bytes = bytes;
        }

        /** The address {@code bytes} into the buffer, as the pointer argument of a library call. */
        MemorySegment at(long offset) {
            return MemorySegment.ofAddress(ptr + offset);
        }

        @Override
        public void close() {
            synchronized (CudaDevice.this) {
                if (!freed) {
                    freed = true;
                    enter();
                    check(cuda_h.cuMemFree_v2(ptr), "cuMemFree");
                }
            }
        }
    }

    Buffer alloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.JAVA_LONG);
            check(cuda_h.cuMemAlloc_v2(p, Math.max(bytes, 1)), String.format(Locale.ROOT, "cuMemAlloc(%,d bytes)", bytes));
            return new Buffer(p.get(ValueLayout.JAVA_LONG, 0), bytes);
        }
    }

    /** A device copy of {@code bytes} bytes of host memory. */
    Buffer upload(MemorySegment host, long bytes) {
        Buffer b = alloc(bytes);
        try {
            copyIn(b.ptr, host, bytes);
            return b;
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    Buffer upload(double[] v) {
        try (Arena a = Arena.ofConfined()) {
            return upload(a.allocateFrom(ValueLayout.JAVA_DOUBLE, v), 8L * v.length);
        }
    }

    Buffer upload(float[] v) {
        try (Arena a = Arena.ofConfined()) {
            return upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, v), 4L * v.length);
        }
    }

    Buffer upload(int[] v) {
        try (Arena a = Arena.ofConfined()) {
            return upload(a.allocateFrom(ValueLayout.JAVA_INT, v), 4L * v.length);
        }
    }

    /** Host → device, ordered after the compute stream's work and complete on return. */
    void copyIn(long dst, MemorySegment src, long bytes) {
        check(cuda_h.cuMemcpyHtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyHtoDAsync");
        sync();
    }

    /** Device → host, ordered after the compute stream's work and complete on return. */
    void copyOut(MemorySegment dst, long src, long bytes) {
        check(cuda_h.cuMemcpyDtoHAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoHAsync");
        sync();
    }

    /**
     * A rectangle of {@code height} rows of {@code widthBytes} bytes between pitched device and host memory, queued on
     * {@code s}.
     *
     * @param toHost device (src, srcPitch) → host (dst, dstPitch), else host (src) → device (dst)
     */
    void copy2D(boolean toHost, long device, long devicePitch, MemorySegment host, long hostPitch, long widthBytes, long height,
                MemorySegment s) {
        if (widthBytes == 0 || height == 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = CUDA_MEMCPY2D_st.allocate(a);
            c.fill((byte) 0);
            if (toHost) {
                CUDA_MEMCPY2D_st.srcMemoryType(c, cuda_h.CU_MEMORYTYPE_DEVICE());
                CUDA_MEMCPY2D_st.srcDevice(c, device);
                CUDA_MEMCPY2D_st.srcPitch(c, devicePitch);
                CUDA_MEMCPY2D_st.dstMemoryType(c, cuda_h.CU_MEMORYTYPE_HOST());
                CUDA_MEMCPY2D_st.dstHost(c, host);
                CUDA_MEMCPY2D_st.dstPitch(c, hostPitch);
            } else {
                CUDA_MEMCPY2D_st.srcMemoryType(c, cuda_h.CU_MEMORYTYPE_HOST());
                CUDA_MEMCPY2D_st.srcHost(c, host);
                CUDA_MEMCPY2D_st.srcPitch(c, hostPitch);
                CUDA_MEMCPY2D_st.dstMemoryType(c, cuda_h.CU_MEMORYTYPE_DEVICE());
                CUDA_MEMCPY2D_st.dstDevice(c, device);
                CUDA_MEMCPY2D_st.dstPitch(c, devicePitch);
            }
            CUDA_MEMCPY2D_st.WidthInBytes(c, widthBytes);
            CUDA_MEMCPY2D_st.Height(c, height);
            check(cuda_h.cuMemcpy2DAsync_v2(c, s), "cuMemcpy2DAsync");
        }
    }

    /** Page-locked host memory (the staging buffers of asynchronous copies), freed with {@link #freeHost}. */
    MemorySegment allocHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.ADDRESS);
            check(cuda_h.cuMemAllocHost_v2(p, bytes), String.format(Locale.ROOT, "cuMemAllocHost(%,d bytes)", bytes));
            return p.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        }
    }

    void freeHost(MemorySegment p) {
        check(cuda_h.cuMemFreeHost(p), "cuMemFreeHost");
    }

    void sync() {
        check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    void sync(MemorySegment s) {
        check(cuda_h.cuStreamSynchronize(s), "cuStreamSynchronize");
    }

    MemorySegment event() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.ADDRESS);
            check(cuda_h.cuEventCreate(p, cuda_h.CU_EVENT_DEFAULT()), "cuEventCreate");
            return p.get(ValueLayout.ADDRESS, 0);
        }
    }

    void record(MemorySegment event, MemorySegment s) {
        check(cuda_h.cuEventRecord(event, s), "cuEventRecord");
    }

    /** Work queued on {@code s} from now on waits for {@code event}. */
    void await(MemorySegment s, MemorySegment event) {
        check(cuda_h.cuStreamWaitEvent(s, event, 0), "cuStreamWaitEvent");
    }

    void waitFor(MemorySegment event) {
        check(cuda_h.cuEventSynchronize(event), "cuEventSynchronize");
    }

    /** Milliseconds between two completed events. */
    float elapsed(MemorySegment from, MemorySegment to) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_FLOAT);
            check(cuda_h.cuEventElapsedTime_v2(f, from, to), "cuEventElapsedTime");
            return f.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    void destroy(MemorySegment event) {
        check(cuda_h.cuEventDestroy_v2(event), "cuEventDestroy");
    }

    @Override
    public void launch(String kernel, int gridX, int gridY, int blockX, int blockY, int sharedBytes, MemorySegment params) {
        MemorySegment f = functions.get(kernel);
        if (f == null) {
            throw new IllegalArgumentException("no kernel " + kernel);
        }
        check(cuda_h.cuLaunchKernel(f, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, stream, params, MemorySegment.NULL),
                "cuLaunchKernel(" + kernel + ")");
    }

    // ---- cuBLAS on row-major operands ----

    /**
     * C = A·Bᵀ (row-major: A is m × k, B is n × k, C is m × n), as cuBLAS's column-major Cᵀ = B·Aᵀ: one GEMM with B
     * transposed. Pointers are device addresses; ld in elements.
     */
    void gemmABt(boolean f64, int m, int n, int k, long a, long lda, long b, long ldb, long c, long ldc) {
        try (Arena ar = Arena.ofConfined()) {
            if (f64) {
                blas(cublas_h.cublasDgemm_v2(cublas, cublas_h.CUBLAS_OP_T(), cublas_h.CUBLAS_OP_N(), n, m, k,
                        ar.allocateFrom(ValueLayout.JAVA_DOUBLE, 1.0), MemorySegment.ofAddress(b), (int) ldb, MemorySegment.ofAddress(a), (int) lda,
                        ar.allocateFrom(ValueLayout.JAVA_DOUBLE, 0.0), MemorySegment.ofAddress(c), (int) ldc), "cublasDgemm");
            } else {
                blas(cublas_h.cublasSgemm_v2(cublas, cublas_h.CUBLAS_OP_T(), cublas_h.CUBLAS_OP_N(), n, m, k,
                        ar.allocateFrom(ValueLayout.JAVA_FLOAT, 1f), MemorySegment.ofAddress(b), (int) ldb, MemorySegment.ofAddress(a), (int) lda,
                        ar.allocateFrom(ValueLayout.JAVA_FLOAT, 0f), MemorySegment.ofAddress(c), (int) ldc), "cublasSgemm");
            }
        }
    }

    /** C = A·B (row-major: A is m × k, B is k × n, C is m × n), as column-major Cᵀ = Bᵀ·Aᵀ. */
    void gemmAB(boolean f64, int m, int n, int k, long a, long lda, long b, long ldb, long c, long ldc) {
        try (Arena ar = Arena.ofConfined()) {
            if (f64) {
                blas(cublas_h.cublasDgemm_v2(cublas, cublas_h.CUBLAS_OP_N(), cublas_h.CUBLAS_OP_N(), n, m, k,
                        ar.allocateFrom(ValueLayout.JAVA_DOUBLE, 1.0), MemorySegment.ofAddress(b), (int) ldb, MemorySegment.ofAddress(a), (int) lda,
                        ar.allocateFrom(ValueLayout.JAVA_DOUBLE, 0.0), MemorySegment.ofAddress(c), (int) ldc), "cublasDgemm");
            } else {
                blas(cublas_h.cublasSgemm_v2(cublas, cublas_h.CUBLAS_OP_N(), cublas_h.CUBLAS_OP_N(), n, m, k,
                        ar.allocateFrom(ValueLayout.JAVA_FLOAT, 1f), MemorySegment.ofAddress(b), (int) ldb, MemorySegment.ofAddress(a), (int) lda,
                        ar.allocateFrom(ValueLayout.JAVA_FLOAT, 0f), MemorySegment.ofAddress(c), (int) ldc), "cublasSgemm");
            }
        }
    }

    /**
     * The lower triangle (row-major) of C = A·Aᵀ, A n × k row-major: cuBLAS's column-major upper triangle of Aᵀᵀ·Aᵀ
     * (SYRK, trans = T on the column-major k × n view of A).
     */
    void syrkLower(boolean f64, int n, int k, long a, long lda, long c, long ldc) {
        try (Arena ar = Arena.ofConfined()) {
            if (f64) {
                blas(cublas_h.cublasDsyrk_v2(cublas, cublas_h.CUBLAS_FILL_MODE_UPPER(), cublas_h.CUBLAS_OP_T(), n, k,
                        ar.allocateFrom(ValueLayout.JAVA_DOUBLE, 1.0), MemorySegment.ofAddress(a), (int) lda,
                        ar.allocateFrom(ValueLayout.JAVA_DOUBLE, 0.0), MemorySegment.ofAddress(c), (int) ldc), "cublasDsyrk");
            } else {
                blas(cublas_h.cublasSsyrk_v2(cublas, cublas_h.CUBLAS_FILL_MODE_UPPER(), cublas_h.CUBLAS_OP_T(), n, k,
                        ar.allocateFrom(ValueLayout.JAVA_FLOAT, 1f), MemorySegment.ofAddress(a), (int) lda,
                        ar.allocateFrom(ValueLayout.JAVA_FLOAT, 0f), MemorySegment.ofAddress(c), (int) ldc), "cublasSsyrk");
            }
        }
    }

    /**
     * Cholesky of the symmetric n × n f64 matrix at {@code a} (either triangle: it is symmetric) and the solve of
     * A·X = B for the column-major n × nrhs B at {@code b}, both in place on the compute stream.
     *
     * @return 0, or the order of the leading minor that is not positive definite (LAPACK's info)
     */
    int choleskySolve(int n, long a, int nrhs, long b) {
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment lw = ar.allocate(ValueLayout.JAVA_INT);
            int lower = cublas_h.CUBLAS_FILL_MODE_LOWER();
            solver(cublas_h.cusolverDnDpotrf_bufferSize(cusolver, lower, n, MemorySegment.ofAddress(a), n, lw), "cusolverDnDpotrf_bufferSize");
            int lwork = lw.get(ValueLayout.JAVA_INT, 0);
            try (Buffer work = alloc(8L * Math.max(lwork, 1)); Buffer info = alloc(4)) {
                solver(cublas_h.cusolverDnDpotrf(cusolver, lower, n, MemorySegment.ofAddress(a), n, work.at(0), lwork, info.at(0)),
                        "cusolverDnDpotrf");
                MemorySegment hi = ar.allocate(ValueLayout.JAVA_INT);
                copyOut(hi, info.ptr, 4);
                int v = hi.get(ValueLayout.JAVA_INT, 0);
                if (v != 0) {
                    return v;
                }
                solver(cublas_h.cusolverDnDpotrs(cusolver, lower, n, nrhs, MemorySegment.ofAddress(a), n, MemorySegment.ofAddress(b), n,
                        info.at(0)), "cusolverDnDpotrs");
                copyOut(hi, info.ptr, 4);
                v = hi.get(ValueLayout.JAVA_INT, 0);
                if (v != 0) {
                    throw new CudaException("cusolverDnDpotrs: parameter " + (-v) + " is wrong", -1);
                }
                return 0;
            }
        }
    }

    @Override
    public String toString() {
        return "CudaDevice[" + describe() + "]";
    }
}
