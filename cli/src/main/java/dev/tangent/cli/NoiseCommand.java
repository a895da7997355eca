package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.experiment.NoiseSweep;
import dev.tangent.experiment.PrepWorkflow;
import dev.tangent.memory.MemoryBudget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code tangent noise}: paper B's sweeps (models × noise levels × regularisation), resumable, to a table and a figure. */
@Command(name = "noise", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Run paper B's noise sweeps: models x noise levels x regularisation, to a table and a figure.",
        description = {"Prepares the dataset at every noise level (Fashion-MNIST with high- or low-frequency DCT noise, or the "
                + "spiked-covariates data, as tangent data prep), then fits every model at every level over its regularisation "
                + "grid: the finite-width networks (nn: the mean-field network, rf: random features, nt: the neural-tangent model, as "
                + "tangent fit trains them) one job per reg, and kernel ridge regression (rf-krr, nt-krr: the ReLU random-features "
                + "and neural-tangent kernels; linear, quadratic: the polynomial kernels) one job per kernel serving the whole grid "
                + "from one Gram. Jobs run in a local pool sized from the cores and the memory, each into DIR/jobs/<id>, complete or "
                + "absent; an interrupted sweep continues with --resume and skips the finished jobs.",
                "Writes results.csv (every model, level, variant and reg: train and test loss and accuracy; for synth the "
                        + "normalised test error), best.csv and best.md (the best over each grid, beside paper B's values for "
                        + "fmnist-hf), noise.png/svg (accuracy, or for synth normalised test error, against the noise level, one curve "
                        + "per model) and run.json."},
        footer = {"", "--scale quick (the default) shrinks the protocol: levels 0, 7, 14 (fmnist-lf 0, 6, 13; synth all), "
                + "n 20000 (synth 4096), width 2048 (synth 512), 60 epochs (synth 30; rf and nt: as many CG iterations on their normal "
                + "equations instead of Adam), reg index 0 of nn's grid, 0 and 6 of rf's and nt's, KRR reg indices 0, 4, 8 (synth every "
                + "other), one polynomial intercept. --scale paper is the reference's: every level, n 60000, width 4096, 750 epochs, every reg "
                + "and intercept; --dry-run prints its job count, estimated time and memory."})
class NoiseCommand extends BaseCommand {
    @Option(names = "--dataset", required = true, paramLabel = "DATA", description = "One of fmnist-hf, fmnist-lf, synth.")
    String dataset;

    @Option(names = "--levels", paramLabel = "I,J,..", split = ",",
            description = "Noise indices: tau = linspace(0, 3, 15)[i] (fmnist-hf), k = 1 + 2i (fmnist-lf), kappa = i/10 (synth), or all "
                    + "(default: the scale's).")
    List<String> levels;

    @Option(names = "--models", paramLabel = "M,M,..", split = ",", defaultValue = "nn,rf,nt,rf-krr,nt-krr,linear,quadratic",
            description = "Models among nn, rf, nt, rf-krr, nt-krr, linear, quadratic (default: all).")
    List<String> models;

    @Option(names = "--regs", paramLabel = "I,J,..", split = ",",
            description = "Indices into every model's reference grid (the networks': train.py's; KRR: 10^linspace(-1, 5, 20), synth "
                    + "10^linspace(0, 6, 10)), or all (default: the scale's).")
    List<String> regs;

    @Option(names = "--n-train", paramLabel = "N", description = "Training samples (default: the scale's).")
    Integer nTrain;

    @Option(names = "--n-test", paramLabel = "N", description = "Test samples (default: 10000; synth: 2000 quick, 10000 paper).")
    Integer nTest;

    @Option(names = "--width", paramLabel = "N", description = "Hidden units of nn, rf and nt (default: 2048 quick (synth 512), 4096 paper).")
    Integer width;

    @Option(names = "--epochs", paramLabel = "E", description = "Epochs of nn, rf and nt, or CG's iteration cap (default: 60 quick (synth 30), 750 paper).")
    Integer epochs;

    @Option(names = "--scale", defaultValue = "quick", paramLabel = "SCALE",
            description = "quick or paper: the defaults of every option above (default: ${DEFAULT-VALUE}).")
    String scale;

    @Option(names = "--jobs", defaultValue = "0", paramLabel = "P",
            description = "Jobs run side by side; 0 = as many as the cores and the memory allow (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--threads-per-job", paramLabel = "T",
            description = "Threads of every job (results are bit-identical for the same value; default: 1, or all cores when the "
                    + "largest job needs most of the memory).")
    Integer threadsPerJob;

    @Option(names = "--dry-run", description = "Print the job count, the estimated time and memory, and stop.")
    boolean dryRun;

    @Option(names = "--resume", description = "Continue the interrupted sweep in --out: finished jobs are skipped.")
    boolean resume;

    @Option(names = "--stop-after", hidden = true, defaultValue = "-1", paramLabel = "K",
            description = "Stop as an interruption would after K jobs (tests of --resume).")
    int stopAfter;

    @Mixin
    PlanOutputOptions output = new PlanOutputOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Override
    void execute() {
        exclusive("--resume", "--overwrite", "--resume continues the sweep in --out, --overwrite replaces it");
        PrepWorkflow.Kind kind = PrepWorkflow.parseKind(dataset);
        NoiseSweep.Scale sc = switch (scale.strip().toLowerCase(Locale.ROOT)) {
            case "quick" -> NoiseSweep.Scale.QUICK;
            case "paper" -> NoiseSweep.Scale.PAPER;
            default -> throw new TangentException("--scale " + scale + ": expected quick or paper");
        };
        List<NoiseSweep.Model> ms = new ArrayList<>();
        for (String m : models) {
            NoiseSweep.Model x = NoiseSweep.Model.parse(m);
            if (ms.contains(x)) {
                throw new TangentException("--models: " + x + " is given twice");
            }
            ms.add(x);
        }
        int[] lv = indices("--levels", levels, NoiseSweep.levelCount(kind));
        int[] rg = indices("--regs", regs, Integer.MAX_VALUE);
        if (jobs < 0) {
            throw new TangentException("--jobs must be >= 0, found " + jobs);
        }
        int cores = compute.threads;
        if (cores < 1) {
            throw new TangentException("--threads must be >= 1, found " + cores);
        }
        NoiseSweep.Settings probe = NoiseSweep.resolve(kind, sc, lv, ms, rg, nTrain, nTest, width, epochs, compute.backend, 1);
        int tpj = threadsPerJob != null ? threadsPerJob : NoiseSweep.defaultThreads(probe, cores, MemoryBudget.availableBytes());
        NoiseSweep.Settings s = NoiseSweep.resolve(kind, sc, lv, ms, rg, nTrain, nTest, width, epochs, compute.backend, tpj);
        if (dryRun) {
            // the plan's job paths are never printed: any root will do without --out
            NoiseSweep.Estimate e = NoiseSweep.estimate(s, output.out != null ? output.out : java.nio.file.Path.of("."), cores);
            out().printf(Locale.ROOT, "tangent noise --dataset %s --scale %s: %d jobs (levels %s; n %d, n_test %d, width %d, %d epochs)%n",
                    dataset, sc, e.total(), Arrays.toString(s.levels()), s.nTrain(), s.nTest(), s.width(), s.epochs());
            for (Map.Entry<String, Integer> x : e.jobs().entrySet()) {
                out().printf(Locale.ROOT, "  %-16s %6d jobs%n", x.getKey(), x.getValue());
            }
            out().printf(Locale.ROOT, "  largest job %s of memory; %d side by side with %d thread%s each (memory available %s)%n",
                    MemoryBudget.human(e.largestJobBytes()), e.pool(), s.threads(), s.threads() == 1 ? "" : "s", MemoryBudget.human(e.budget()));
            if (e.largestJobBytes() > e.budget()) {
                out().printf(Locale.ROOT, "  the largest job needs more memory than is available here: this sweep cannot run on this machine%n");
            }
            out().printf(Locale.ROOT, "  estimated time %s (at %.0f GFLOP/s per thread; nothing was run)%n", ProgressBar.duration(e.seconds()),
                    NoiseSweep.FLOPS_PER_THREAD / 1e9);
            return;
        }
        NoiseSweep.Result r = sweep(new NoiseSweep.Request(s, output.output(spec, false, resume), jobs, stopAfter), context(compute));
        out().printf(Locale.ROOT, "%d jobs (%d finished before, %d run now, %d side by side) in %s%n", r.summary().total(),
                r.summary().skipped(), r.summary().ran(), r.pool(), ProgressBar.duration(r.seconds()));
        try {
            out().print(java.nio.file.Files.readString(r.root().resolve("best.md")));
        } catch (java.io.IOException e) {
            throw new TangentException("cannot read " + r.root().resolve("best.md") + ": " + e.getMessage(), e);
        }
        out().printf(Locale.ROOT, "written to %s (results.csv, best.csv, best.md, noise.png/svg, run.json, jobs/, data/)%n", output.out);
    }

    /** Runs the sweep's jobs: in the local pool ({@code tangent spark noise}: as Spark tasks). */
    NoiseSweep.Result sweep(NoiseSweep.Request request, dev.tangent.experiment.Context c) {
        return NoiseSweep.run(request, c);
    }

    /** A list of indices, or "all" (null: the default). */
    private static int[] indices(String option, List<String> values, int count) {
        if (values == null) {
            return null;
        }
        if (values.size() == 1 && values.get(0).strip().equalsIgnoreCase("all")) {
            // every reg: indices beyond a model's grid are left out
            int[] all = new int[count == Integer.MAX_VALUE ? 64 : count];
            Arrays.setAll(all, i -> i);
            return all;
        }
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = Integer.parseInt(values.get(i).strip());
            } catch (NumberFormatException e) {
                throw new TangentException(option + " " + values.get(i) + ": expected whole numbers (indices) or all");
            }
            if (out[i] < 0 || out[i] >= count) {
                throw new TangentException(option + " " + out[i] + ": expected an index in 0.." + (count - 1));
            }
        }
        return out;
    }
}
