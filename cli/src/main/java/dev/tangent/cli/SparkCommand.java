package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.Input;
import dev.tangent.experiment.BlockGramWorkflow;
import dev.tangent.experiment.Tasks;
import dev.tangent.io.GramShards;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent spark}: Tangent's jobs on an Apache Spark cluster. Spark is not part of the core jar: the tasks run
 * through the {@code spark} module ({@code dev.tangent.spark.SparkTasks}), which the launcher puts on the class path for
 * this command only (and {@code spark-submit} with the module's jar); without it the command says so and exits 2.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        header = "Run Tangent's jobs on an Apache Spark cluster (block Grams, certification, noise sweeps), or assemble a block Gram.",
        description = {"Jobs cut into independent tasks that Spark runs on a cluster's executors, each with the engine's own "
                + "provider; outputs go to a directory every executor sees (a shared file system) and are complete or absent "
                + "per task, so retried tasks redo or reuse, never duplicate.",
                "  gram      the block Gram: K(X, X) in row blocks, a .npy each, and index.json",
                "  certify   tangent certify in partitions of the test points (the same files)",
                "  noise     tangent noise's sweep with one Spark task per job (the same files)",
                "  assemble  a block Gram's directory written as one .npy (no cluster needed)",
                "Every tangent command that reads a .npy matrix also reads a block Gram's directory."},
        subcommands = {SparkCommand.Gram.class, SparkCommand.Certify.class, SparkCommand.Noise.class, SparkCommand.Assemble.class})
final class SparkCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: gram, certify, noise or assemble");
    }

    /** The Spark options every job shares. */
    static final class Cluster {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master: local[N], local[*], spark://HOST:PORT, ... (default: the one spark-submit set, else local[*]).")
        String master;

        @Option(names = "--conf", paramLabel = "KEY=VALUE",
                description = "A Spark setting (repeatable), e.g. --conf spark.executor.memory=4g --conf spark.executor.cores=2.")
        List<String> conf = new java.util.ArrayList<>();

        Map<String, String> settings() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String c : conf) {
                int eq = c.indexOf('=');
                if (eq <= 0) {
                    throw new TangentException("--conf " + c + ": expected KEY=VALUE");
                }
                m.put(c.substring(0, eq).trim(), c.substring(eq + 1).trim());
            }
            return m;
        }

        /** Starts the Spark context through the spark module, found on the class path. */
        Tasks open(String appName) {
            Map<String, String> settings = settings();
            Class<?> c;
            try {
                c = Class.forName("dev.tangent.spark.SparkTasks");
            } catch (ClassNotFoundException e) {
                throw new TangentException("tangent spark: the spark module (dev.tangent.spark.SparkTasks) and Apache Spark are not on the "
                        + "class path; run it through ./tangent, which builds and adds them, or spark-submit with spark/target/tangent-spark.jar");
            }
            try {
                return (Tasks) c.getMethod("open", String.class, String.class, Map.class, Class[].class)
                        .invoke(null, master, appName, settings, new Class<?>[0]);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new TangentException("tangent spark: cannot start Spark: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "gram", mixinStandardHelpOptions = true, sortOptions = false,
            header = "The block Gram K(X, X) as Spark tasks: one .npy per row block plus index.json.",
            description = {"Cuts K(X, X) into row blocks of whole panels; each block is one Spark task, computed on its executor by the "
                    + "provider --backend selects there, and written as rows-FROM-TO.npy (the block's rows from column FROM on; "
                    + "the columns left of it are the transpose of the blocks above). index.json (shape, dtype, spec, row "
                    + "ranges, SHA-256 of each file) is written last: a directory with it is complete. Read back, the matrix "
                    + "equals tangent gram's with the same --backend, --tile and --dtype bit for bit.",
                    "--out must be new, or the unfinished directory of the same job: its finished blocks are reused."},
            footer = {"", "Example (a standalone cluster; /shared is mounted on every worker):",
                    "  tangent spark gram --master spark://head:7077 --x fashion-mnist:train \\",
                    "      --depth 2 --dtype f32 --out /shared/K-fmnist"})
    static final class Gram extends BaseCommand {
        @Option(names = "--x", required = true, paramLabel = "SPEC", description = "The points: a data spec.")
        String x;

        @Mixin
        KernelOptions kernel = new KernelOptions();

        @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "f64", converter = Converters.Types.class,
                completionCandidates = Converters.Types.class, description = "Element type (default: ${DEFAULT-VALUE}).")
        DType dtype;

        @Mixin
        BackendOptions compute = new BackendOptions();

        @Mixin
        DataOptions data = new DataOptions();

        @Option(names = "--tile", paramLabel = "T", defaultValue = "256",
                description = "Tile edge, as for tangent gram (panels are 2T rows; default: ${DEFAULT-VALUE}).")
        int tile;

        @Option(names = "--block-rows", paramLabel = "R", defaultValue = "0",
                description = "Rows per task, a multiple of 2T (default: about four tasks per executor core, at most 256 MiB each).")
        int blockRows;

        @Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "The block Gram's directory (on a shared file system).")
        Path out;

        @Override
        void execute() {
            KernelSpec kspec = kernel.spec(this, null);
            Input xs = data.input(x, null, null, "--x", "--limit");
            BlockGramWorkflow.Request request = new BlockGramWorkflow.Request(xs, data.normalize, kspec, dtype, compute.backend,
                    compute.threads, tile, blockRows, out);
            BlockGramWorkflow.check(request); // before Spark starts
            long t0 = System.nanoTime();
            BlockGramWorkflow.Result r;
            try (Tasks tasks = cluster.open("tangent spark gram")) {
                r = BlockGramWorkflow.run(request, reporter(), tasks);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            out().printf(Locale.ROOT, "%s: %d x %d %s of %s, d = %d, in %d blocks of %d rows%s%n", out, r.n(), r.n(), kspec, r.xDescription(),
                    r.dim(), r.blocks(), r.blockRows(), r.reused() > 0 ? " (" + r.reused() + " reused)" : "");
            out().printf(Locale.ROOT, "blocks computed in %.3f s on %s; loading took %.3f s; %.3f s in all with Spark's start%n", r.seconds(),
                    r.where(), r.loadSeconds(), wall);
        }
    }

    @Command(name = "certify", mixinStandardHelpOptions = true, sortOptions = false,
            header = "tangent certify with the test points cut into partitions, each certified by one Spark task.",
            description = {"Every option of tangent certify, and the cluster's. The selected test points are cut into --partitions "
                    + "contiguous parts; each task loads the model from --model (a path every executor sees) and certifies its "
                    + "points with the provider --backend selects there; the driver merges them in order and writes certify.csv, "
                    + "certify.json, certify.md and run.json exactly as tangent certify does."})
    static final class Certify extends CertifyCommand {
        @Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
                description = "Parts of the test points, one task each (default: four per task slot of the cluster).")
        int partitions;

        @Override
        dev.tangent.experiment.CertifyWorkflow.Result certify(dev.tangent.experiment.CertifyWorkflow.Request request,
                                                             dev.tangent.experiment.Context c) {
            if (partitions < 0) {
                throw new TangentException("--partitions must be >= 1, found " + partitions);
            }
            try (Tasks tasks = cluster.open("tangent spark certify")) {
                return dev.tangent.experiment.CertifyWorkflow.run(request, c, tasks, partitions > 0 ? partitions : 4 * tasks.parallelism(),
                        compute.backend);
            }
        }
    }

    @Command(name = "noise", mixinStandardHelpOptions = true, sortOptions = false,
            header = "tangent noise's sweep with every job a Spark task.",
            description = {"Every option of tangent noise but --jobs, and the cluster's. The sweep's stages (the prepared dataset of "
                    + "every noise level, then every model job) run one after the other, each job one Spark task on an executor, "
                    + "with the provider that --backend and --threads-per-job select there, into --out/data/<id> and --out/jobs/<id> "
                    + "(complete or absent; --out on a file system every executor sees). A job already complete there is not run "
                    + "again: a local tangent noise --resume and a Spark run continue each other's sweeps. The driver writes "
                    + "results.csv, best.csv, best.md, noise.png/svg and run.json exactly as tangent noise does; with the same "
                    + "--backend and --threads-per-job every job writes the same bits as in the local pool."},
            footer = {"", "Example (a standalone cluster; /shared is mounted on every worker):",
                    "  tangent spark noise --master spark://head:7077 --dataset fmnist-hf \\",
                    "      --models nt-krr,rf-krr --out /shared/noise-hf"})
    static final class Noise extends NoiseCommand {
        @Mixin
        Cluster cluster = new Cluster();

        @Override
        dev.tangent.experiment.NoiseSweep.Result sweep(dev.tangent.experiment.NoiseSweep.Request request, dev.tangent.experiment.Context c) {
            if (request.pool() != 0) {
                throw new TangentException("--jobs " + request.pool() + ": on Spark the executors' task slots run the jobs side by side "
                        + "(--master local[N], --conf spark.executor.cores=N); expected no --jobs");
            }
            // --out before Spark starts (the check creates nothing; the sweep checks again)
            dev.tangent.io.RunDirectory.check(request.out().path(), request.out().mode(), "--out", "noise", true);
            try (Tasks tasks = cluster.open("tangent spark noise")) {
                return dev.tangent.experiment.NoiseSweep.run(request, c, tasks);
            }
        }
    }

    @Command(name = "assemble", mixinStandardHelpOptions = true, sortOptions = false,
            header = "Write a block Gram's directory as one C-order .npy.",
            description = {"Checks every block against its checksum in index.json and writes the whole n x n matrix (temp file, "
                    + "rename). Commands that read a .npy matrix also read the directory itself; this is for other tools."})
    static final class Assemble extends BaseCommand {
        @Option(names = "--shards", required = true, paramLabel = "DIR", description = "A block Gram's directory (with index.json).")
        Path shards;

        @Option(names = "--out", required = true, paramLabel = "K.npy", description = "Output .npy: a new path or a regular file.")
        Path out;

        @Override
        void execute() {
            GramShards.Index ix = GramShards.readIndex(shards, "--shards");
            long t0 = System.nanoTime();
            GramShards.assemble(shards, out, "--shards");
            out().printf(Locale.ROOT, "%s: %d x %d %s from %d blocks of %s in %.3f s%n", out, ix.n(), ix.n(), ix.dtype(), ix.blocks().size(),
                    shards, (System.nanoTime() - t0) / 1e9);
        }
    }
}
