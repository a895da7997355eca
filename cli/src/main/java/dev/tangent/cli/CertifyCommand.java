package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProviders;
import dev.tangent.experiment.CertifyWorkflow;
import dev.tangent.network.NetworkModel;
import dev.tangent.verify.BinarySearch;
import dev.tangent.verify.IntervalKernel;
import dev.tangent.verify.NetworkCertifier;
import dev.tangent.verify.Pgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** {@code tangent certify}: certified l-infinity radii of a saved kernel machine or network (paper A, spec §6). */
@Command(name = "certify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Largest certified l-infinity radius per test point of a saved model (paper A,",
                "Tables 2 and 3). The method follows the model directory:",
                "  kernel machine (tangent train, or km/ of tangent equivalence): interval",
                "      bounds on the NTK (paper A's two-layer bound; sound interval arithmetic",
                "      through the recursion for deeper kernels)",
                "  network (nn_w<width>/ of tangent equivalence): interval bound propagation",
                "  --method pgd: PGD attack radii instead (upper bounds); --attack adds them",
                "Paper A's binary search: first radius --delta0 in [--lo, --hi], at most --T",
                "probes, stop once a certified margin is below --margin-stop or the bracket",
                "is narrower than --delta-tol.",
                "Writes certify.csv (index,label,score,radius,iterations,status",
                "[,attack_radius]), certify.json (count, mean, population std, min, max and",
                "every point) and certify.md (a row in the layout of Table 2 or 3)."},
        footer = {"", "Examples (paper A, MNIST 0 vs 1; pass the data options of training):",
                "  tangent certify --model runs/svm --test mnist:DIR:test --classes 0,1 \\",
                "      --only-correct --out runs/cert-svm",
                "  tangent certify --model runs/eq/nn_w10000 --test mnist:DIR:test \\",
                "      --classes 0,1 --only-correct --sample 100 --seed 0 --out runs/cert-nn"})
final class CertifyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main parent;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (kernel machine or network).")
    Path model;

    @Option(names = "--test", required = true, paramLabel = "SPEC", description = "Test data spec.")
    String test;

    @Option(names = "--test-labels", paramLabel = "Y.npy", description = "Targets for a .npy --test.")
    Path testLabels;

    @Option(names = "--only-correct", description = "Certify only correctly classified points (Table 2); others are listed as skipped.")
    boolean onlyCorrect;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "-1",
            description = "Certify a seeded random sample of N test points (paper A's '100 test'); see --seed. Exclusive with --limit.")
    int sample;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of --sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--method", paramLabel = "M", defaultValue = "auto",
            description = "auto (kernel-interval for kernel machines, ibp for networks), kernel-interval, ibp or pgd (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--nan-mode", paramLabel = "sound|reference", defaultValue = "sound",
            description = "Two-layer kernel bound: sound (clamped cosines) or reference (paper A's arithmetic, NaN bounds -> 0; unsound at large radii) (default: ${DEFAULT-VALUE}).")
    String nanMode;

    @Option(names = "--ibp-center", paramLabel = "clean|sound", defaultValue = "clean",
            description = "Networks: subtract f_theta0 at the clean point (paper A) or bound the centred network itself (sound) (default: ${DEFAULT-VALUE}).")
    String ibpCenter;

    @Option(names = "--delta0", paramLabel = "D", description = "First radius probed (default: 0.05 kernel machines, 0.01 networks).")
    Double delta0;

    @Option(names = "--lo", paramLabel = "LO", defaultValue = "0", description = "Lower end of the search (default: ${DEFAULT-VALUE}).")
    double lo;

    @Option(names = "--hi", paramLabel = "HI", defaultValue = "0.3", description = "Upper end of the search; also PGD's largest radius (default: ${DEFAULT-VALUE}).")
    double hi;

    @Option(names = {"--max-iter", "--T"}, paramLabel = "T", defaultValue = "1000", description = "Most probes per point (default: ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--margin-stop", paramLabel = "M", defaultValue = "1e-3",
            description = "Stop when the certified margin is below this (output units) (default: ${DEFAULT-VALUE}).")
    double marginStop;

    @Option(names = "--delta-tol", paramLabel = "TOL", defaultValue = "1e-9",
            description = "Stop when the search bracket is narrower than this; 0 = off, as the reference (default: ${DEFAULT-VALUE}).")
    double deltaTol;

    @Option(names = "--attack", description = "Also run PGD on every point and report attack radii (certified <= true <= attacked).")
    boolean attack;

    @Option(names = "--pgd-steps", paramLabel = "K", defaultValue = "20", description = "PGD steps per radius (default: ${DEFAULT-VALUE}).")
    int pgdSteps;

    @Option(names = "--ref-radius", paramLabel = "R",
            description = "Reference mean radius for the 'improvement' column (Table 3: KRR with lambda = 0).")
    Double refRadius;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    public void run() {
        if (sample >= 0 && data.limit > 0) {
            throw new TangentException("--sample and --limit exclude each other: --limit takes the first N points, --sample a random N");
        }
        if (sample == 0 || sample < -1) {
            throw new TangentException("--sample must be a positive number of points, found " + sample);
        }
        CertifyWorkflow.Method m = CertifyWorkflow.Method.parse(method);
        PrintWriter err = spec.commandLine().getErr();
        KernelProviders.Selection sel = compute.select(err, "certify", parent.verbose);
        try (ProgressBar bar = new ProgressBar(err, "certify", true)) {
            CertifyWorkflow.Result r = CertifyWorkflow.run(new CertifyWorkflow.Request(model, data.source(test, testLabels, "--test"),
                    data.selection(), data.normalize, onlyCorrect, sample, seed, m, IntervalKernel.NanMode.parse(nanMode),
                    NetworkCertifier.Center.parse(ibpCenter), searchConfig(), new Pgd.Config(pgdSteps, hi, 1e-3), attack,
                    refRadius == null ? Double.NaN : refRadius, sel.provider(), out, (d, t) -> bar.update(d, t, "points")));
            bar.close();
            PrintWriter o = spec.commandLine().getOut();
            if (!r.method().equals("pgd")) {
                o.printf(Locale.ROOT, "%s (%s): %d points certified, radius mean %.6g, std %.4g, min %.4g, max %.4g%s (%.2f s)%n",
                        r.modelKind(), r.method(), r.radius().count(), r.radius().mean(), r.radius().std(), r.radius().min(), r.radius().max(),
                        r.none() > 0 ? String.format(Locale.ROOT, "; %d with nothing certified", r.none()) : "", r.seconds());
            }
            if (r.attack().count() + r.unflipped() > 0) {
                o.printf(Locale.ROOT, "PGD attack radius: mean %.6g over %d flipped points, %d not flipped up to --hi%s%n", r.attack().mean(),
                        r.attack().count(), r.unflipped(),
                        r.method().equals("pgd") ? "" : String.format(Locale.ROOT, "; %d certificates contradicted", r.contradicted()));
            }
            if (r.skipped() + r.uncertifiable() > 0) {
                o.printf(Locale.ROOT, "skipped: %d misclassified, %d with score 0%n", r.skipped(), r.uncertifiable());
            }
            o.print(r.markdown());
            o.println("written to " + out.resolve("certify.csv") + ", certify.json, certify.md");
        }
    }

    /** The search from the options, or null (the model kind's defaults) when none of them was given. */
    private BinarySearch.Config searchConfig() {
        var pr = spec.commandLine().getParseResult();
        boolean any = delta0 != null;
        for (String o : new String[] {"--lo", "--hi", "--max-iter", "--margin-stop", "--delta-tol"}) {
            any |= pr.hasMatchedOption(o);
        }
        if (!any) {
            return null;
        }
        double d0 = delta0 != null ? delta0
                : NetworkModel.FORMAT.equals(NetworkModel.readJson(model).get("format")) ? BinarySearch.Config.networkDefaults().delta0()
                : BinarySearch.Config.kernelDefaults().delta0();
        return new BinarySearch.Config(d0, lo, hi, maxIter, marginStop, deltaTol);
    }
}
