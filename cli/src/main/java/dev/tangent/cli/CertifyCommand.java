package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.experiment.CertifyWorkflow;
import dev.tangent.network.NetworkModel;
import dev.tangent.verify.BinarySearch;
import dev.tangent.verify.IntervalKernel;
import dev.tangent.verify.NetworkCertifier;
import dev.tangent.verify.Pgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code tangent certify}: certified l-infinity radii of a saved kernel machine or network (paper A, spec §6). */
@Command(name = "certify", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Certify l-infinity robustness radii of a saved kernel machine or network (paper A).",
        description = {"Find the largest certified l-infinity radius per test point of a saved model (paper A, Tables 2 and 3). "
                + "Radii are l-infinity distances in the model's input units, i.e. after its --normalize (unit: pixel/255). "
                + "The method follows the model directory:",
                "  kernel machine (tangent train, km/ of tangent equivalence): interval bounds",
                "      on the NTK (paper A's two-layer bound; sound interval arithmetic",
                "      through the recursion for deeper kernels)",
                "  network (nn_w<width>/ of tangent equivalence): interval bound propagation",
                "  --method pgd: PGD attack radii instead (upper bounds); --attack adds them",
                "Paper A's binary search starts at --delta0 in [--lo, --hi] and makes at most --max-iter probes; it stops "
                        + "once a certified margin is below --margin-stop or the bracket is narrower than --delta-tol.",
                "The test data get the model's --classes and --normalize unless given (given ones must agree); targets must "
                        + "be -1/+1. Writes certify.csv (index,label,score,radius,iterations,status[,attack_radius]), "
                        + "certify.json (count, mean, population std, min, max and every point), certify.md (a row in the "
                        + "layout of Table 2 or 3) and run.json."},
        footer = {"", "Examples (paper A, MNIST 0 vs 1):",
                "  tangent certify --model runs/svm --test mnist:DIR:test --only-correct \\",
                "      --out runs/cert-svm",
                "  tangent certify --model runs/eq/nn_w10000 --test mnist:DIR:test \\",
                "      --only-correct --sample 100 --seed 0 --out runs/cert-nn"})
class CertifyCommand extends BaseCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (kernel machine or network).")
    Path model;

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Option(names = "--only-correct", description = "Certify only correctly classified points (Table 2); others are listed as skipped.")
    boolean onlyCorrect;

    @Option(names = "--sample", paramLabel = "N",
            description = "Certify a seeded random sample of N test points (paper A's '100 test'); see --seed.")
    Integer sample;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of --sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = "auto", converter = Converters.CertifyMethods.class,
            completionCandidates = Converters.CertifyMethods.class,
            description = "One of ${COMPLETION-CANDIDATES}: auto is kernel-interval for kernel machines and ibp for networks "
                    + "(default: ${DEFAULT-VALUE}).")
    CertifyWorkflow.Method method;

    @Option(names = "--nan-mode", paramLabel = "MODE", converter = Converters.NanModes.class, completionCandidates = Converters.NanModes.class,
            description = "Kernel machines, the two-layer bound: one of ${COMPLETION-CANDIDATES}; sound clamps the cosines, reference "
                    + "is paper A's arithmetic (NaN bounds -> 0; unsound at large radii) (default: sound).")
    IntervalKernel.NanMode nanMode;

    @Option(names = "--ibp-center", paramLabel = "CENTER", converter = Converters.Centers.class, completionCandidates = Converters.Centers.class,
            description = "Networks, one of ${COMPLETION-CANDIDATES}: subtract f(theta_0) at the clean point (clean, paper A) or bound "
                    + "the centred network itself (sound) (default: clean).")
    NetworkCertifier.Center ibpCenter;

    @Option(names = "--delta0", paramLabel = "D", description = "First radius probed (default: 0.05 kernel machines, 0.01 networks).")
    Double delta0;

    @Option(names = "--lo", paramLabel = "LO", defaultValue = "0", description = "Lower end of the search (default: ${DEFAULT-VALUE}).")
    double lo;

    @Option(names = "--hi", paramLabel = "HI", defaultValue = "0.3",
            description = "Upper end of the search; also PGD's largest radius (default: ${DEFAULT-VALUE}).")
    double hi;

    @Option(names = {"--max-iter", "--T"}, paramLabel = "T", defaultValue = "1000",
            description = "Most probes per point, paper A's T (default: ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--margin-stop", paramLabel = "M", defaultValue = "1e-3",
            description = "Stop when the certified margin is below this, in output units (default: ${DEFAULT-VALUE}).")
    double marginStop;

    @Option(names = "--delta-tol", paramLabel = "TOL", defaultValue = "1e-9",
            description = "Stop when the search bracket is narrower than this; 0 = off, as the reference (default: ${DEFAULT-VALUE}).")
    double deltaTol;

    @Option(names = "--attack", description = "Also run PGD on every point and report attack radii (certified <= true <= attacked).")
    boolean attack;

    @Option(names = "--pgd-steps", paramLabel = "K", defaultValue = "20",
            description = "PGD steps per radius, with --attack or --method pgd (default: ${DEFAULT-VALUE}).")
    int pgdSteps;

    @Option(names = "--ref-radius", paramLabel = "R",
            description = "Kernel machines: the reference mean radius of the improvement column (Table 3: KRR with lambda = 0).")
    Double refRadius;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    DataOptions data = new DataOptions();

    private static final List<String> SEARCH = List.of("--delta0", "--lo", "--max-iter", "--margin-stop", "--delta-tol");

    @Override
    void execute() {
        exclusive("--sample", "--limit", "--limit takes the first N points, --sample a random N");
        exclusive("--sample", "--test-limit", "--test-limit takes the first N points, --sample a random N");
        if (sample == null) {
            needs("--seed", "--sample");
        }
        if (method == CertifyWorkflow.Method.PGD) {
            for (String o : SEARCH) {
                notApplicable(o, "to --method pgd (it sets the certificates' binary search)");
            }
            notApplicable("--attack", "to --method pgd, which runs PGD alone (--attack adds PGD to the certificates)");
        } else if (!attack) {
            needs("--pgd-steps", "--attack or --method pgd");
        }
        var in = test.input(this, data, true);
        data.checkEffective(List.of(test.spec), new boolean[] {test.limit != null}, "--test-limit");
        CertifyWorkflow.Search s = new CertifyWorkflow.Search(searchConfig(), attack, new Pgd.Config(pgdSteps, hi, 1e-3),
                refRadius == null ? Double.NaN : refRadius);
        CertifyWorkflow.Result r = certify(new CertifyWorkflow.Request(model, in, data.normalize,
                new CertifyWorkflow.Points(onlyCorrect, sample == null ? -1 : sample, seed), method,
                new CertifyWorkflow.Modes(nanMode, ibpCenter), s, output.output()), context(compute));
        PrintWriter o = out();
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
        o.println("radii: " + r.radiusUnits());
        o.print(r.markdown());
        o.println("written to " + output.out.resolve("certify.csv") + ", certify.json, certify.md");
    }

    /** Runs the workflow in this process ({@code tangent spark certify}: in partitions on a cluster). */
    CertifyWorkflow.Result certify(CertifyWorkflow.Request request, dev.tangent.experiment.Context c) {
        return CertifyWorkflow.run(request, c);
    }

    /** The search from the options, or null (the model kind's defaults) when none of them was given. */
    private BinarySearch.Config searchConfig() {
        boolean any = delta0 != null || given("--hi");
        for (String o : SEARCH) {
            any |= given(o);
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
