package dev.tangent.bench;

import dev.tangent.TangentException;
import dev.tangent.compute.CudaTimings;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.KernelProviders;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.report.Json;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Issue 18's GPU benchmark (not JMH: the device is timed by CUDA events, see {@link CudaTimings}): the CUDA provider's
 * Gram K(X, X) against the bare cuBLAS SYRK of the same X, and its agreement with the CPU provider on sampled rows.
 * Run by scripts/gpu-check.sh on the GPU machine:
 * <pre>
 *   java -cp benchmarks.jar dev.tangent.bench.CudaGramBenchmark --n 50000 --d 784 --depth 2 --dtype f32 \
 *       [--x X.npy] [--kernel SPEC] [--warmup 2] [--reps 5] [--seed 1] [--check-rows 64] [--threads 16] \
 *       [--rows-out rows.npy] [--out result.json]
 * </pre>
 * With {@code --x} the points come from a file (the bench/peers scripts time the same file); otherwise uniform [0, 1).
 * {@code --rows-out} saves the device's rows ⌊a·n/64⌋ of K, which bench/peers/compare_rows.py compares with JAX's and
 * CuPy's.
 */
public final class CudaGramBenchmark {
    private CudaGramBenchmark() {
    }

    public static void main(String[] args) {
        Map<String, String> o = new LinkedHashMap<>(Map.of("--n", "50000", "--d", "784", "--depth", "2", "--dtype", "f32", "--warmup", "2",
                "--reps", "5", "--seed", "1", "--check-rows", "64", "--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length || !args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, found " + String.join(" ", args));
            }
            o.put(args[i], args[i + 1]);
        }
        DType dt = DType.parse(o.get("--dtype"));
        KernelSpec spec = o.containsKey("--kernel") ? KernelSpec.parse(o.get("--kernel")) : KernelSpec.ntk(Integer.parseInt(o.get("--depth")));
        KernelProvider cuda;
        try {
            cuda = KernelProviders.select("cuda", Integer.parseInt(o.get("--threads"))).provider();
        } catch (TangentException e) {
            System.err.println("CudaGramBenchmark: " + e.getMessage());
            System.exit(2);
            return;
        }
        CudaTimings.Result r;
        try (Matrix x = o.containsKey("--x") ? Npy.readMatrix(Path.of(o.get("--x")), dt, "--x") : null) {
            r = CudaTimings.gramVsSyrk(cuda, spec, x, Integer.parseInt(o.get("--n")), Integer.parseInt(o.get("--d")), dt,
                    Integer.parseInt(o.get("--warmup")), Integer.parseInt(o.get("--reps")), Long.parseLong(o.get("--seed")),
                    Integer.parseInt(o.get("--check-rows")), o.containsKey("--rows-out") ? Path.of(o.get("--rows-out")) : null);
        }
        double g = CudaTimings.Result.median(r.gram());
        double gd = CudaTimings.Result.median(r.gramDevice());
        double s = CudaTimings.Result.median(r.syrk());
        double su = CudaTimings.Result.median(r.syrkUpload());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "CudaGramBenchmark");
        out.put("device", r.device());
        out.put("n", r.n());
        out.put("d", r.d());
        out.put("kernel", r.kernel());
        out.put("dtype", r.dtype().toString());
        out.put("gram_seconds", r.gram());
        out.put("gram_device_seconds", r.gramDevice());
        out.put("syrk_seconds", r.syrk());
        out.put("syrk_upload_seconds", r.syrkUpload());
        out.put("median_gram_seconds", g);
        out.put("median_gram_device_seconds", gd);
        out.put("median_syrk_seconds", s);
        out.put("median_syrk_upload_seconds", su);
        out.put("syrk_tflops", r.tflops(s));
        out.put("gram_device_tflops", r.tflops(gd));
        out.put("ratio_gram_device_to_syrk", gd / s);
        out.put("ratio_gram_to_syrk_with_upload", g / su);
        out.put("ratio_gram_to_syrk", g / s);
        out.put("check_rows", r.checkedRows());
        out.put("max_abs_diff_vs_cpu", r.maxDiff());
        out.put("max_abs_k", r.maxAbs());
        out.put("relative_diff_vs_cpu", r.maxDiff() / r.maxAbs());
        String json = Json.write(out);
        System.out.println(json);
        if (o.containsKey("--out")) {
            Json.writeFile(Path.of(o.get("--out")), out);
        }
    }
}
