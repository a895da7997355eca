package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.Parallel;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.AtomicFile;
import dev.tangent.machine.KernelMachine;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.NetworkModel;
import dev.tangent.report.Json;
import dev.tangent.verify.BinarySearch;
import dev.tangent.verify.IntervalKernel;
import dev.tangent.verify.KernelCertifier;
import dev.tangent.verify.NetworkCertifier;
import dev.tangent.verify.Pgd;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code tangent certify}: certified ℓ∞ radii of a saved model over a test set (paper A §6, workflows A5/A6). A kernel
 * machine is certified through interval bounds on its kernel ({@link KernelCertifier}), a network through IBP
 * ({@link NetworkCertifier}); optionally PGD adds an attack radius per point (an upper bound on the true robust
 * radius). Writes {@code certify.csv} (one row per evaluated point), {@code certify.json} (summary and per-point list)
 * and {@code certify.md} (a row in the layout of paper A's Table 2 or 3), each atomically.
 */
public final class CertifyWorkflow {
    private CertifyWorkflow() {
    }

    public enum Method {
        AUTO, KERNEL_INTERVAL, IBP, PGD;

        public static Method parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "kernel-interval" -> KERNEL_INTERVAL;
                case "ibp" -> IBP;
                case "pgd" -> PGD;
                default -> throw new TangentException("--method " + s + ": expected auto, kernel-interval, ibp or pgd");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param sample     certify a seeded random sample of this many points (−1: all selected points, in order)
     * @param search     the binary search, or null for paper A's defaults of the model's kind
     * @param attack     also run PGD on every certified point
     * @param refRadius  the "improvement" reference (Table 3: KRR with λ = 0), or NaN
     * @param progress   receives (points done, total), or null
     */
    public record Request(Path model, DataSource test, Selection selection, Normalization norm, boolean onlyCorrect, int sample,
                         long seed, Method method, IntervalKernel.NanMode nanMode, NetworkCertifier.Center center,
                         BinarySearch.Config search, Pgd.Config pgd, boolean attack, double refRadius, KernelProvider provider,
                         Path out, KernelCertifier.Progress progress) {
        /** The provider's dense algebra, for the networks. */
        public Backend backend() {
            return provider.backend();
        }

        public int threads() {
            return provider.threads();
        }
    }

    /** Summary over the points with a radius (certified, tolerance, exhausted or none; not skipped or uncertifiable). */
    public record Summary(int count, double mean, double std, double min, double max) {
        static Summary of(List<Double> v) {
            int n = v.size();
            if (n == 0) {
                return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            double s = 0;
            double mn = Double.POSITIVE_INFINITY;
            double mx = Double.NEGATIVE_INFINITY;
            for (double x : v) {
                s += x;
                mn = Math.min(mn, x);
                mx = Math.max(mx, x);
            }
            double mean = s / n;
            double ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            return new Summary(n, mean, Math.sqrt(ss / n), mn, mx);
        }
    }

    /** @param attack summary of the finite attack radii; unflipped = points PGD could not flip up to hi */
    public record Result(String modelKind, String method, int evaluated, Summary radius, Summary attack, int unflipped, double accuracy,
                         int skipped, int uncertifiable, int none, int contradicted, double seconds, String markdown) {
    }

    public static Result run(Request r) {
        checkOut(r.out());
        Map<String, Object> json = NetworkModel.readJson(r.model());
        String format = String.valueOf(json.get("format"));
        boolean network = NetworkModel.FORMAT.equals(format);
        if (!network && !"tangent-kernel-machine/1".equals(format)) {
            throw new TangentException("--model " + r.model().resolve("model.json") + ": format " + format
                    + ", expected tangent-kernel-machine/1 or " + NetworkModel.FORMAT);
        }
        Method method = r.method() == Method.AUTO ? (network ? Method.IBP : Method.KERNEL_INTERVAL) : r.method();
        if (method == Method.IBP && !network) {
            throw new TangentException("--method ibp needs a network model directory (nn_w<width>/ of tangent equivalence), "
                    + r.model() + " holds a kernel machine");
        }
        if (method == Method.KERNEL_INTERVAL && network) {
            throw new TangentException("--method kernel-interval needs a kernel-machine model directory, " + r.model()
                    + " holds a network");
        }
        BinarySearch.Config search = r.search() != null ? r.search()
                : network ? BinarySearch.Config.networkDefaults() : BinarySearch.Config.kernelDefaults();
        try (Dataset test = r.test().load(DType.F64, r.selection(), r.norm(), "--test")) {
            int[] ids = pick(test.size(), r.sample(), r.seed());
            double[] labels = test.y() == null ? null : new double[ids.length];
            if (r.onlyCorrect() && labels == null) {
                throw new TangentException("--only-correct needs test labels (--test-labels for a .npy --test)");
            }
            long t0 = System.nanoTime();
            try (Matrix x = Matrix.allocate(ids.length, test.dim(), DType.F64)) {
                for (int i = 0; i < ids.length; i++) {
                    test.x().rows(ids[i], 1).copyInto(x.rows(i, 1));
                    if (labels != null) {
                        labels[i] = test.y()[ids[i]];
                    }
                }
                KernelCertifier.Point[] pts;
                double[] attack = null;
                Map<String, Object> model = new LinkedHashMap<>();
                String markdownLabel;
                if (network) {
                    try (NetworkModel nm = NetworkModel.load(r.model())) {
                        requireDim(nm.theta().inputDim(), x.cols());
                        model.put("kind", "network");
                        model.put("width", nm.theta().width());
                        model.put("depth", nm.theta().depth());
                        model.put("meta", nm.meta());
                        markdownLabel = "NN | " + nm.theta().width();
                        try (Matrix xn = x.copy(nm.theta().dtype())) {
                            pts = method == Method.PGD ? cleanNetwork(r, nm, xn, labels)
                                    : certifyNetwork(r, nm, xn, labels, search);
                            if (method == Method.PGD || r.attack()) {
                                attack = attackAll(r, pts, x, () -> new Pgd.NetworkModel(nm.theta(), nm.theta0(), r.backend().serial()));
                            }
                        }
                    }
                } else {
                    try (KernelMachine km = KernelMachine.load(r.model());
                         KernelCertifier kc = new KernelCertifier(km, r.nanMode())) {
                        requireDim(km.xTrain().cols(), x.cols());
                        model.put("kind", "kernel-machine");
                        model.put("method", km.method());
                        model.put("kernel", km.spec().toString());
                        model.put("lambda", km.lambda());
                        model.put("n_train", km.xTrain().rows());
                        model.put("support_vectors", kc.supportVectors());
                        markdownLabel = kmLabel(km);
                        pts = kc.certify(r.provider(), r.threads(), x, labels, r.onlyCorrect(), method == Method.PGD ? null : search,
                                method == Method.PGD ? null : r.progress());
                        if (method == Method.PGD || r.attack()) {
                            attack = attackAll(r, pts, x, () -> kernelModel(r, km));
                        }
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                return write(r, method, model, markdownLabel, ids, labels, pts, attack, secs);
            }
        }
    }

    /** Fails early on an --out that cannot become a writable directory (created only when the results are ready). */
    private static void checkOut(Path out) {
        Path p = out.toAbsolutePath();
        if (Files.exists(p) && !Files.isDirectory(p)) {
            throw new TangentException("--out " + out + ": exists and is not a directory");
        }
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p) || !Files.isWritable(p)) {
            throw new TangentException("--out " + out + ": " + (p == null ? "no existing parent" : p + " is not a writable directory"));
        }
    }

    private static void requireDim(int expected, int found) {
        if (expected != found) {
            throw new TangentException("--test has " + found + " features, the model was trained on " + expected);
        }
    }

    private static String kmLabel(KernelMachine km) {
        String method = km.method();
        String name = method.startsWith("krr") ? "KRR" : method.contains("svr") ? "SVR" : "SVM";
        double lam = Double.isNaN(km.lambda()) ? km.c() : km.lambda();
        return name + " | " + fmt(lam);
    }

    private static Pgd.KernelModel kernelModel(Request r, KernelMachine km) {
        return new Pgd.KernelModel(km.spec(), r.backend().serial(), km.xTrain(), km.alpha(), km.b());
    }

    /** The row indices to certify: all, or a seeded sample without replacement (in draw order). */
    static int[] pick(int n, int sample, long seed) {
        if (sample < 0) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        if (sample == 0 || sample > n) {
            throw new TangentException("--sample " + sample + ": expected 1.." + n + " (the selected test points)");
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < sample; i++) {
            int j = i + rng.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return java.util.Arrays.copyOf(perm, sample);
    }

    private static KernelCertifier.Point[] certifyNetwork(Request r, NetworkModel nm, Matrix x, double[] labels, BinarySearch.Config cfg) {
        try (NetworkCertifier nc = new NetworkCertifier(nm.theta(), nm.theta0(), r.center())) {
            return nc.certify(r.backend(), x, labels, r.onlyCorrect(), cfg, r.progress());
        }
    }

    /** Clean scores only (PGD without a certificate): a zero-probe search. */
    private static KernelCertifier.Point[] cleanNetwork(Request r, NetworkModel nm, Matrix x, double[] labels) {
        double[] f = nm.theta().forward(r.backend(), x);
        double[] f0 = nm.theta0().forward(r.backend(), x);
        KernelCertifier.Point[] pts = new KernelCertifier.Point[f.length];
        for (int i = 0; i < f.length; i++) {
            double g = f[i] - f0[i];
            boolean skip = r.onlyCorrect() && Math.signum(g) != labels[i];
            pts[i] = new KernelCertifier.Point(g, new BinarySearch.Outcome(Double.NaN, 0,
                    skip ? BinarySearch.Status.SKIPPED : g == 0 ? BinarySearch.Status.UNCERTIFIABLE : BinarySearch.Status.NONE));
        }
        return pts;
    }

    /** PGD attack radii of every non-skipped point, in parallel (each worker with its own model). */
    private static double[] attackAll(Request r, KernelCertifier.Point[] pts, Matrix x, java.util.function.Supplier<Pgd.Model> models) {
        double[] out = new double[pts.length];
        java.util.Arrays.fill(out, Double.NaN);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Parallel.run(r.threads(), "tangent-pgd", () -> {
            Pgd.Model m = models.get();
            try {
                for (int i; (i = next.getAndIncrement()) < pts.length; ) {
                    BinarySearch.Status st = pts[i].outcome().status();
                    if (st != BinarySearch.Status.SKIPPED && st != BinarySearch.Status.UNCERTIFIABLE) {
                        double[] xi = new double[x.cols()];
                        for (int j = 0; j < xi.length; j++) {
                            xi[j] = x.get(i, j);
                        }
                        out[i] = Pgd.radius(m, xi, Math.signum(pts[i].score()), r.pgd()).radius();
                    }
                    if (r.progress() != null) {
                        r.progress().done(done.incrementAndGet(), pts.length);
                    }
                }
            } finally {
                if (m instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        });
        return out;
    }

    private static Result write(Request r, Method method, Map<String, Object> model, String label, int[] ids, double[] labels,
                                KernelCertifier.Point[] pts, double[] attack, double secs) {
        DataWorkflow.requireDirectory(r.out());
        boolean certifies = method != Method.PGD;
        List<Double> radii = new ArrayList<>();
        List<Double> attacks = new ArrayList<>();
        int skipped = 0;
        int uncertifiable = 0;
        int none = 0;
        int contradicted = 0;
        int unflipped = 0;
        int correct = 0;
        List<Object> list = new ArrayList<>();
        StringBuilder csv = new StringBuilder("index,label,score,radius,iterations,status" + (attack != null ? ",attack_radius" : "") + "\n");
        for (int i = 0; i < pts.length; i++) {
            BinarySearch.Outcome o = pts[i].outcome();
            double y = labels == null ? Double.NaN : labels[i];
            correct += Math.signum(pts[i].score()) == y ? 1 : 0;
            switch (o.status()) {
                case SKIPPED -> skipped++;
                case UNCERTIFIABLE -> uncertifiable++;
                default -> {
                    if (certifies) {
                        radii.add(o.radius());
                        none += o.status() == BinarySearch.Status.NONE ? 1 : 0;
                    }
                }
            }
            double a = attack == null ? Double.NaN : attack[i];
            if (attack != null && !Double.isNaN(a)) {
                if (Double.isInfinite(a)) {
                    unflipped++;
                } else {
                    attacks.add(a);
                }
                if (certifies && o.radius() > a) {
                    contradicted++;
                }
            }
            String status = certifies ? o.status().toString() : o.status() == BinarySearch.Status.NONE ? "attacked" : o.status().toString();
            csv.append(String.format(Locale.ROOT, "%d,%s,%.17g,%s,%d,%s", ids[i], labels == null ? "" : fmt(y), pts[i].score(),
                    certifies ? num(o.radius()) : "", o.iterations(), status));
            if (attack != null) {
                csv.append(',').append(num(a));
            }
            csv.append('\n');
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("index", ids[i]);
            p.put("label", y);
            p.put("score", pts[i].score());
            if (certifies) {
                p.put("radius", o.radius());
                p.put("iterations", o.iterations());
            }
            p.put("status", status);
            if (attack != null) {
                p.put("attack_radius", a);
            }
            list.add(p);
        }
        Summary rs = Summary.of(radii);
        Summary as = Summary.of(attacks);
        double acc = labels == null ? Double.NaN : (double) correct / pts.length;
        String md = markdown(r, method, label, rs, as, acc);
        Map<String, Object> js = new LinkedHashMap<>();
        js.put("command", "certify");
        js.put("model", r.model().toString());
        js.put("model_info", model);
        js.put("method", method.toString());
        js.put("nan_mode", r.nanMode().toString());
        js.put("ibp_center", r.center().toString());
        js.put("test", r.test().spec());
        js.put("only_correct", r.onlyCorrect());
        js.put("evaluated", pts.length);
        js.put("test_accuracy", acc);
        if (certifies) {
            js.put("count", rs.count());
            js.put("mean", rs.mean());
            js.put("std", rs.std());
            js.put("min", rs.min());
            js.put("max", rs.max());
            js.put("none_certified", none);
        }
        js.put("skipped_misclassified", skipped);
        js.put("uncertifiable", uncertifiable);
        if (attack != null) {
            Map<String, Object> at = new LinkedHashMap<>();
            at.put("count", as.count());
            at.put("mean", as.mean());
            at.put("std", as.std());
            at.put("min", as.min());
            at.put("max", as.max());
            at.put("not_flipped_up_to_hi", unflipped);
            js.put("attack", at);
            js.put("contradicted", contradicted);
        }
        js.put("seconds", secs);
        js.put("markdown", md);
        js.put("points", list);
        AtomicFile.write(r.out().resolve("certify.csv"), t -> Files.writeString(t, csv, StandardCharsets.UTF_8));
        Json.writeFile(r.out().resolve("certify.json"), js);
        AtomicFile.write(r.out().resolve("certify.md"), t -> {
            try (BufferedWriter w = Files.newBufferedWriter(t, StandardCharsets.UTF_8)) {
                w.write(md);
            }
        });
        return new Result(String.valueOf(model.get("kind")), method.toString(), pts.length, rs, as, unflipped, acc, skipped, uncertifiable, none,
                contradicted, secs, md);
    }

    /** Table 2 (networks: mean ± std ×10⁻³) or Table 3 (kernel machines: accuracy, δ, improvement) layout. */
    private static String markdown(Request r, Method method, String label, Summary rs, Summary as, double acc) {
        Summary s = method == Method.PGD ? as : rs;
        String what = method == Method.PGD ? "PGD attack radius" : "certified δ";
        String protocol = (r.onlyCorrect() ? "correctly classified" : "all") + " points, " + s.count() + " evaluated";
        if (label.startsWith("NN")) {
            return "| model | width | " + what + " (×10⁻³), " + protocol + " |\n|---|---|---|\n"
                    + String.format(Locale.ROOT, "| %s | %.5g ± %.5g |%n", label, 1e3 * s.mean(), 1e3 * s.std());
        }
        String imp = Double.isNaN(r.refRadius()) ? "–" : String.format(Locale.ROOT, "%.2fX", s.mean() / r.refRadius());
        return "| model | λ | test accuracy | " + what + " (mean ± std), " + protocol + " | improvement |\n|---|---|---|---|---|\n"
                + String.format(Locale.ROOT, "| %s | %.2f %% | %.6g ± %.4g | %s |%n", label, 100 * acc, s.mean(), s.std(), imp);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.10g", v);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
