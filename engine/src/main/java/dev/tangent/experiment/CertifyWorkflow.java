package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.Parallel;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.AtomicFile;
import dev.tangent.io.RunDirectory;
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
     * Which test points: all selected ones in order, or a seeded random sample of {@code sample} (−1: all); with
     * {@code onlyCorrect}, misclassified points are listed as skipped.
     */
    public record Points(boolean onlyCorrect, int sample, long seed) {
        public static final Points ALL = new Points(false, -1, 0);

        public Points {
            if (sample == 0 || sample < -1) {
                throw new TangentException("--sample must be a positive number of points, found " + sample);
            }
        }
    }

    /**
     * The kind-specific modes; null where not given (then the default: sound, clean). A mode of the other model kind is
     * an error.
     */
    public record Modes(IntervalKernel.NanMode nanMode, NetworkCertifier.Center center) {
        public static final Modes DEFAULT = new Modes(null, null);
    }

    /**
     * @param search    the binary search, or null for paper A's defaults of the model's kind
     * @param attack    also run PGD on every certified point
     * @param pgd       PGD's settings
     * @param refRadius the "improvement" reference (Table 3: KRR with λ = 0), or NaN
     */
    public record Search(BinarySearch.Config search, boolean attack, Pgd.Config pgd, double refRadius) {
    }

    /** @param norm the normalisation, or null for the model's */
    public record Request(Path model, Input test, Normalization norm, Points points, Method method, Modes modes, Search search,
                          Output out) {
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
                         int skipped, int uncertifiable, int none, int contradicted, double seconds, String markdown, String radiusUnits) {
    }

    public static Result run(Request r, Context c) {
        return run(r, c, null, 0, null);
    }

    /**
     * The same, with the points cut into about {@code partitions} contiguous parts (each starting on a multiple of the
     * certifier's block of points, so that every GEMM is the single-process run's: a test set within one block is one
     * part), each certified by one task of
     * {@code tasks} (a Spark executor loads the model from its directory, which it must see, and certifies its part with
     * the provider its own {@code backend} selects), merged back in order and written exactly as the single-process
     * run writes them. {@code tasks == null}: all in this process.
     *
     * @param backend the {@code --backend} each task selects its provider with (tile 256, as {@code tangent certify})
     */
    public static Result run(Request r, Context c, Tasks tasks, int partitions, String backend) {
        RunDirectory.Plan plan = Runs.check(r.out(), "certify", false);
        Map<String, Object> json = NetworkModel.readJson(r.model());
        String format = String.valueOf(json.get("format"));
        boolean network = NetworkModel.FORMAT.equals(format);
        if (!network && !"tangent-kernel-machine/1".equals(format)) {
            throw new TangentException("--model " + r.model().resolve("model.json") + ": format " + format
                    + ", expected tangent-kernel-machine/1 or " + NetworkModel.FORMAT);
        }
        String holds = "--model " + r.model() + " holds a " + (network ? "network" : "kernel machine");
        Method method = r.method() == Method.AUTO ? (network ? Method.IBP : Method.KERNEL_INTERVAL) : r.method();
        if (method == Method.IBP && !network) {
            throw new TangentException("--method ibp needs a network model directory (nn_w<width>/ of tangent equivalence); " + holds);
        }
        if (method == Method.KERNEL_INTERVAL && network) {
            throw new TangentException("--method kernel-interval needs a kernel-machine model directory; " + holds);
        }
        if (network && r.modes().nanMode() != null) {
            throw new TangentException("--nan-mode applies to kernel machines (the two-layer kernel bound); " + holds);
        }
        if (!network && r.modes().center() != null) {
            throw new TangentException("--ibp-center applies to networks (IBP); " + holds);
        }
        if (network && !Double.isNaN(r.search().refRadius())) {
            throw new TangentException("--ref-radius applies to kernel machines (the improvement column of Table 3); " + holds);
        }
        IntervalKernel.NanMode nanMode = r.modes().nanMode() != null ? r.modes().nanMode() : IntervalKernel.NanMode.SOUND;
        NetworkCertifier.Center center = r.modes().center() != null ? r.modes().center() : NetworkCertifier.Center.CLEAN;
        BinarySearch.Config search = r.search().search() != null ? r.search().search()
                : network ? BinarySearch.Config.networkDefaults() : BinarySearch.Config.kernelDefaults();
        Runs.ModelData md = Runs.modelData(r.model());
        Input in = new Input(r.test().source(), md.selection(r.test().selection(), r.model()), r.test().option());
        Normalization norm = md.normalization(r.norm(), r.model());
        try (Dataset test = in.load(DType.F64, norm, md.standardization())) {
            if (test.y() != null) {
                test.requireBinaryTargets(in.option(), "tangent certify (a binary model)");
            }
            int[] ids = pick(test.size(), r.points().sample(), r.points().seed());
            double[] labels = test.y() == null ? null : new double[ids.length];
            if (r.points().onlyCorrect() && labels == null) {
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
                KernelCertifier.Progress progress = (d, t) -> c.reporter().progress("certify", "points", d, t);
                Settings set = new Settings(method, nanMode, center, search);
                Computed out = tasks == null
                        ? compute(r.model(), set, r.points().onlyCorrect(), r.search().attack(), r.search().pgd(), c, x, labels, progress)
                        : partitioned(r, set, c, x, labels, tasks, partitions, backend);
                double secs = (System.nanoTime() - t0) / 1e9;
                return write(r, c, plan, set, out.model(), out.markdownLabel(), test, in, ids, labels, out.points(), out.attack(), secs);
            }
        }
    }

    /** What certifying a set of points gives: per point, the score and outcome, the attack radius (or null), and the model's description. */
    record Computed(KernelCertifier.Point[] points, double[] attack, Map<String, Object> model, String markdownLabel, int align) {
    }

    /** Certifies (and attacks) the points x (labels may be null) with the model in {@code modelDir}. */
    static Computed compute(Path modelDir, Settings set, boolean onlyCorrect, boolean attackToo, Pgd.Config pgd, Context c, Matrix x,
                            double[] labels, KernelCertifier.Progress progress) {
        Method method = set.method();
        BinarySearch.Config search = set.search();
        Map<String, Object> model;
        KernelCertifier.Point[] pts;
        double[] attack = null;
        String markdownLabel;
        if (NetworkModel.FORMAT.equals(String.valueOf(NetworkModel.readJson(modelDir).get("format")))) {
            try (NetworkModel nm = NetworkModel.load(modelDir)) {
                requireDim(nm.theta().inputDim(), x.cols());
                model = describe(nm);
                markdownLabel = "NN | " + nm.theta().width();
                try (Matrix xn = x.copy(nm.theta().dtype())) {
                    pts = method == Method.PGD ? cleanNetwork(onlyCorrect, c, nm, xn, labels)
                            : certifyNetwork(onlyCorrect, c, nm, xn, labels, set.center(), search, progress);
                    if (method == Method.PGD || attackToo) {
                        attack = attackAll(pgd, c, pts, x, () -> new Pgd.NetworkModel(nm.theta(), nm.theta0(), c.backend().serial()), progress);
                    }
                }
            }
        } else {
            try (KernelMachine km = KernelMachine.load(modelDir);
                 KernelCertifier kc = new KernelCertifier(km, set.nanMode())) {
                requireDim(km.xTrain().cols(), x.cols());
                model = describe(km, kc);
                markdownLabel = kmLabel(km);
                pts = kc.certify(c.provider(), c.threads(), x, labels, onlyCorrect, method == Method.PGD ? null : search,
                        method == Method.PGD ? null : progress);
                if (method == Method.PGD || attackToo) {
                    attack = attackAll(pgd, c, pts, x, () -> new Pgd.KernelModel(km.spec(), c.backend().serial(), km.xTrain(),
                            km.alpha(), km.b()), progress);
                }
            }
        }
        return new Computed(pts, attack, model, markdownLabel, 1);
    }

    /** One partition's work, serialisable: the points themselves travel with it, the model is read from its directory. */
    record Part(String model, Settings set, boolean onlyCorrect, boolean attack, Pgd.Config pgd, String backend, int threads,
                double[][] x, double[] labels) implements java.io.Serializable {
    }

    /** What a partition sends back. */
    record PartResult(KernelCertifier.Point[] points, double[] attack) implements java.io.Serializable {
    }

    private static Computed partitioned(Request r, Settings set, Context c, Matrix x, double[] labels, Tasks tasks, int partitions,
                                        String backend) {
        int n = x.rows();
        // the model's description, read here (the driver sees the model directory too), and the certifier's block
        Computed meta = describe(r.model(), set);
        int align = meta.align();
        int size = Math.max(1, (n + Math.max(1, partitions) - 1) / Math.max(1, partitions));
        size = (size + align - 1) / align * align; // parts start where the single-process run starts a block
        List<Part> work = new ArrayList<>();
        for (int from = 0; from < n; from += size) {
            int to = Math.min(n, from + size);
            double[][] rows = new double[to - from][x.cols()];
            for (int i = from; i < to; i++) {
                for (int j = 0; j < x.cols(); j++) {
                    rows[i - from][j] = x.get(i, j);
                }
            }
            work.add(new Part(r.model().toAbsolutePath().toString(), set, r.points().onlyCorrect(), r.search().attack(), r.search().pgd(),
                    backend == null ? "auto" : backend, c.threads(), rows, labels == null ? null : java.util.Arrays.copyOfRange(labels, from, to)));
        }
        c.reporter().note("certifying " + n + " points in " + work.size() + " partitions of up to " + size + " on " + tasks.describe());
        List<PartResult> results = tasks.map("certify partitions", work, CertifyWorkflow::certifyPart);
        KernelCertifier.Point[] pts = new KernelCertifier.Point[n];
        double[] attack = results.getFirst().attack() == null ? null : new double[n];
        int at = 0;
        for (PartResult pr : results) {
            System.arraycopy(pr.points(), 0, pts, at, pr.points().length);
            if (attack != null) {
                System.arraycopy(pr.attack(), 0, attack, at, pr.attack().length);
            }
            at += pr.points().length;
        }
        return new Computed(pts, attack, meta.model(), meta.markdownLabel(), align);
    }

    /** One task: certify a partition's points on this executor. */
    static PartResult certifyPart(Part p) {
        Context c = Context.of(dev.tangent.compute.KernelProviders.select(p.backend(), p.threads(), 256).provider());
        try (Matrix x = Matrix.allocate(p.x().length, p.x().length == 0 ? 0 : p.x()[0].length, DType.F64)) {
            for (int i = 0; i < p.x().length; i++) {
                for (int j = 0; j < x.cols(); j++) {
                    x.set(i, j, p.x()[i][j]);
                }
            }
            Computed out = compute(Path.of(p.model()), p.set(), p.onlyCorrect(), p.attack(), p.pgd(), c, x, p.labels(), (d, t) -> { });
            return new PartResult(out.points(), out.attack());
        }
    }

    /**
     * The model's description for certify.json and the Markdown row (no points certified), and the certifier's block
     * of test points (partitions start on its multiples).
     */
    private static Computed describe(Path modelDir, Settings set) {
        if (NetworkModel.FORMAT.equals(String.valueOf(NetworkModel.readJson(modelDir).get("format")))) {
            try (NetworkModel nm = NetworkModel.load(modelDir)) {
                return new Computed(null, null, describe(nm), "NN | " + nm.theta().width(), NetworkCertifier.blockRows(nm.theta().width()));
            }
        }
        try (KernelMachine km = KernelMachine.load(modelDir);
             KernelCertifier kc = new KernelCertifier(km, set.nanMode())) {
            return new Computed(null, null, describe(km, kc), kmLabel(km), KernelCertifier.blockRows(kc.supportVectors()));
        }
    }

    private static Map<String, Object> describe(NetworkModel nm) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("kind", "network");
        model.put("width", nm.theta().width());
        model.put("depth", nm.theta().depth());
        model.put("meta", nm.meta());
        return model;
    }

    private static Map<String, Object> describe(KernelMachine km, KernelCertifier kc) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("kind", "kernel-machine");
        model.put("method", km.method());
        model.put("kernel", km.spec().toString());
        model.put("lambda", km.lambda());
        model.put("n_train", km.xTrain().rows());
        model.put("support_vectors", kc.supportVectors());
        return model;
    }

    /** The resolved method and modes of a run. */
    record Settings(Method method, IntervalKernel.NanMode nanMode, NetworkCertifier.Center center, BinarySearch.Config search)
            implements java.io.Serializable {
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

    private static KernelCertifier.Point[] certifyNetwork(boolean onlyCorrect, Context c, NetworkModel nm, Matrix x, double[] labels,
                                                         NetworkCertifier.Center center, BinarySearch.Config cfg,
                                                         KernelCertifier.Progress progress) {
        try (NetworkCertifier nc = new NetworkCertifier(nm.theta(), nm.theta0(), center)) {
            return nc.certify(c.backend(), x, labels, onlyCorrect, cfg, progress);
        }
    }

    /** Clean scores only (PGD without a certificate): a zero-probe search. */
    private static KernelCertifier.Point[] cleanNetwork(boolean onlyCorrect, Context c, NetworkModel nm, Matrix x, double[] labels) {
        double[] f = nm.theta().forward(c.backend(), x);
        double[] f0 = nm.theta0().forward(c.backend(), x);
        KernelCertifier.Point[] pts = new KernelCertifier.Point[f.length];
        for (int i = 0; i < f.length; i++) {
            double g = f[i] - f0[i];
            boolean skip = onlyCorrect && Math.signum(g) != labels[i];
            pts[i] = new KernelCertifier.Point(g, new BinarySearch.Outcome(Double.NaN, 0,
                    skip ? BinarySearch.Status.SKIPPED : g == 0 ? BinarySearch.Status.UNCERTIFIABLE : BinarySearch.Status.NONE));
        }
        return pts;
    }

    /** PGD attack radii of every non-skipped point, in parallel (each worker with its own model). */
    private static double[] attackAll(Pgd.Config pgd, Context c, KernelCertifier.Point[] pts, Matrix x, java.util.function.Supplier<Pgd.Model> models,
                                      KernelCertifier.Progress progress) {
        double[] out = new double[pts.length];
        java.util.Arrays.fill(out, Double.NaN);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Parallel.run(c.threads(), "tangent-pgd", () -> {
            Pgd.Model m = models.get();
            try {
                for (int i; (i = next.getAndIncrement()) < pts.length; ) {
                    BinarySearch.Status st = pts[i].outcome().status();
                    if (st != BinarySearch.Status.SKIPPED && st != BinarySearch.Status.UNCERTIFIABLE) {
                        double[] xi = new double[x.cols()];
                        for (int j = 0; j < xi.length; j++) {
                            xi[j] = x.get(i, j);
                        }
                        out[i] = Pgd.radius(m, xi, Math.signum(pts[i].score()), pgd).radius();
                    }
                    progress.done(done.incrementAndGet(), pts.length);
                }
            } finally {
                if (m instanceof AutoCloseable ac) {
                    try {
                        ac.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        });
        return out;
    }

    private static Result write(Request r, Context c, RunDirectory.Plan plan, Settings set, Map<String, Object> model, String label,
                                Dataset test, Input in, int[] ids, double[] labels, KernelCertifier.Point[] pts, double[] attack, double secs) {
        Method method = set.method();
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
        if ("kernel-machine".equals(model.get("kind"))) {
            js.put("nan_mode", set.nanMode().toString());
        } else {
            js.put("ibp_center", set.center().toString());
        }
        Map<String, Object> search = new LinkedHashMap<>();
        search.put("delta0", set.search().delta0());
        search.put("lo", set.search().lo());
        search.put("hi", set.search().hi());
        search.put("max_iter", set.search().maxIter());
        search.put("margin_stop", set.search().marginStop());
        search.put("delta_tol", set.search().deltaTol());
        js.put("search", search);
        js.put("radius_units", radiusUnits(test));
        Map<String, Object> testInfo = Runs.describe(test, in);
        testInfo.put("sample", r.points().sample() > 0 ? r.points().sample() : null);
        testInfo.put("sample_seed", r.points().sample() > 0 ? r.points().seed() : null);
        js.put("test", testInfo);
        js.put("only_correct", r.points().onlyCorrect());
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
        plan.requireSpace(2L * csv.length() + 200L * pts.length + (1 << 20), "certify.csv, certify.json and certify.md");
        try (RunDirectory dir = Runs.open(plan, c)) {
            AtomicFile.write(dir.resolve("certify.csv"), t -> Files.writeString(t, csv, StandardCharsets.UTF_8));
            Json.writeFile(dir.resolve("certify.json"), js);
            AtomicFile.write(dir.resolve("certify.md"), t -> {
                try (BufferedWriter w = Files.newBufferedWriter(t, StandardCharsets.UTF_8)) {
                    w.write(md);
                }
            });
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("command", "certify");
            run.put("model", r.model().toString());
            run.put("method", method.toString());
            run.put("test", testInfo);
            run.put("radius_units", radiusUnits(test));
            run.put("evaluated", pts.length);
            run.put("seconds", secs);
            Runs.finish(dir, run, c);
        }
        return new Result(String.valueOf(model.get("kind")), method.toString(), pts.length, rs, as, unflipped, acc, skipped, uncertifiable, none,
                contradicted, secs, md, radiusUnits(test));
    }

    /** What a radius measures: an ℓ∞ distance in the model's input units, i.e. after the normalisation. */
    static String radiusUnits(Dataset test) {
        String after = switch (test.normalization()) {
            case NONE -> "the values as stored";
            case UNIT -> "pixel/255";
            case MNIST -> "(pixel/255 - 0.1307)/0.3081";
            case STANDARD -> "standard deviations of each feature (--normalize standard)";
            case SPHERE -> "the sphere-normalised inputs";
        };
        return "l-infinity distance in the model's input units: " + after;
    }

    /** Table 2 (networks: mean ± std ×10⁻³) or Table 3 (kernel machines: accuracy, δ, improvement) layout. */
    private static String markdown(Request r, Method method, String label, Summary rs, Summary as, double acc) {
        Summary s = method == Method.PGD ? as : rs;
        String what = method == Method.PGD ? "PGD attack radius" : "certified δ";
        String protocol = (r.points().onlyCorrect() ? "correctly classified" : "all") + " points, " + s.count() + " evaluated";
        if (label.startsWith("NN")) {
            return "| model | width | " + what + " (×10⁻³), " + protocol + " |\n|---|---|---|\n"
                    + String.format(Locale.ROOT, "| %s | %.5g ± %.5g |%n", label, 1e3 * s.mean(), 1e3 * s.std());
        }
        String imp = Double.isNaN(r.search().refRadius()) ? "–" : String.format(Locale.ROOT, "%.2fX", s.mean() / r.search().refRadius());
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
