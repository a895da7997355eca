package dev.tangent.spark;

import dev.tangent.experiment.Tasks;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's {@link Tasks} on Apache Spark: each item one partition, so one Spark task, run on the cluster's
 * executors; each result handed to the caller's monitor on the driver as its task finishes, all of them returned in
 * the items' order. The driver is this process ({@code tangent spark …}, or the
 * driver {@code spark-submit} started).
 *
 * <p>What the executors get through the job's configuration (nothing is set on the cluster by hand):
 * <ul>
 *   <li>the JVM flags the engine needs — {@code --add-modules=jdk.incubator.vector}, {@code --enable-native-access} —
 *       in {@code spark.executor.extraJavaOptions} (before whatever the user set there); Spark adds the
 *       {@code --add-opens} list it needs on JDK 17+ itself ({@code org.apache.spark.launcher.JavaModuleOptions});</li>
 *   <li>Tangent's code: the jars it was loaded from in {@code spark.jars} (shipped by the driver), the class
 *       directories (a build tree, tests) in {@code spark.executor.extraClassPath} (seen where the executors share this
 *       machine's file system).</li>
 * </ul>
 * Outputs go to paths every executor sees (a shared file system); tasks write complete-or-absent files, so Spark's
 * retries of a lost executor's tasks redo or reuse, never duplicate.
 */
public final class SparkTasks implements Tasks {
    /** The JVM flags of the engine itself (also in the launcher and the build's test configuration). */
    public static final String ENGINE_FLAGS = "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    private final JavaSparkContext sc;

    private SparkTasks(JavaSparkContext sc) {
        this.sc = sc;
    }

    /**
     * Starts a Spark context for Tangent's jobs.
     *
     * @param master   {@code local[N]}, {@code spark://host:port}, … or null for the master spark-submit set
     *                 ({@code spark.master}), else {@code local[*]}
     * @param settings further Spark settings (spark.executor.memory, spark.executor.cores, …), applied last
     * @param codeOf   classes whose code the executors need besides Tangent's engine and this module (a job type
     *                 defined elsewhere, a test's tasks)
     */
    public static SparkTasks open(String master, String appName, Map<String, String> settings, Class<?>... codeOf) {
        return new SparkTasks(new JavaSparkContext(conf(master, appName, settings, codeOf)));
    }

    /** The configuration {@link #open} starts with (see the class comment for what it adds). */
    public static SparkConf conf(String master, String appName, Map<String, String> settings, Class<?>... codeOf) {
        SparkConf conf = new SparkConf();
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        conf.setAppName(appName);
        // Spark itself gives executors (and a driver it launches) the --add-opens of JavaModuleOptions; the engine's own
        // flags are set here so that they hold whatever Spark's defaults become
        String flags = ENGINE_FLAGS;
        conf.set("spark.executor.extraJavaOptions", (flags + " " + conf.get("spark.executor.extraJavaOptions", "")).trim());
        conf.set("spark.driver.extraJavaOptions", (flags + " " + conf.get("spark.driver.extraJavaOptions", "")).trim());
        Set<Class<?>> anchors = new LinkedHashSet<>(List.of(Tasks.class, SparkTasks.class, dev.tangent.ffi.NativeLibraries.class));
        anchors.addAll(List.of(codeOf));
        Set<String> jars = new LinkedHashSet<>();
        Set<String> dirs = new LinkedHashSet<>();
        for (Class<?> c : anchors) {
            Path p = codeSource(c);
            if (p == null) {
                continue;
            }
            (Files.isDirectory(p) ? dirs : jars).add(p.toString());
        }
        if (!jars.isEmpty()) {
            List<String> all = new ArrayList<>(jars);
            String have = conf.get("spark.jars", "");
            if (!have.isBlank()) {
                all.add(have);
            }
            conf.set("spark.jars", String.join(",", all));
        }
        if (!dirs.isEmpty()) {
            String have = conf.get("spark.executor.extraClassPath", "");
            conf.set("spark.executor.extraClassPath", String.join(File.pathSeparator, dirs) + (have.isBlank() ? "" : File.pathSeparator + have));
        }
        settings.forEach(conf::set);
        return conf;
    }

    /** The jar or class directory a class was loaded from, or null (the JDK's own). */
    static Path codeSource(Class<?> c) {
        var cs = c.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(cs.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            return null;
        }
    }

    public JavaSparkContext context() {
        return sc;
    }

    /**
     * One partition per item, so one Spark task each; {@code monitor} sees each result on the driver as its task finishes
     * (Spark's result handler), so that a sweep keeps the jobs finished before a failure. A monitor that throws does not
     * stop the job (Spark has scheduled every task): its first exception is thrown once all tasks are done. A failed job
     * throws the task's own {@link dev.tangent.TangentException} where Spark kept it, else one naming the stage's failure.
     */
    @Override
    public <T extends Serializable, R extends Serializable> List<R> map(String what, List<T> items, ReportingTask<T, R> task,
                                                                        Monitor<? super R> monitor) {
        if (items.isEmpty()) {
            return new ArrayList<>();
        }
        sc.setJobDescription("tangent " + what + " (" + items.size() + " tasks)");
        Object[] results = new Object[items.size()];
        RuntimeException[] first = {null};
        try {
            sc.sc().runJob(sc.parallelize(items, items.size()).rdd(), new OnePartition<>(task), new AbstractFunction2<Object, R, BoxedUnit>() {
                @Override
                public BoxedUnit apply(Object index, R result) {
                    int i = (Integer) index;
                    results[i] = result;
                    try {
                        monitor.finished(i, result);
                    } catch (RuntimeException e) {
                        if (first[0] == null) {
                            first[0] = e;
                        }
                    }
                    return BoxedUnit.UNIT;
                }
            }, ClassTag$.MODULE$.apply(Object.class));
        } catch (Exception e) { // a SparkException (Scala declares none)
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof dev.tangent.TangentException t) {
                    throw new dev.tangent.TangentException(t.exitCode(), t.getMessage(), e);
                }
            }
            throw new dev.tangent.TangentException(1, "tangent " + what + " on Spark failed: " + e.getMessage(), e);
        }
        if (first[0] != null) {
            throw first[0];
        }
        @SuppressWarnings("unchecked")
        List<R> out = new ArrayList<>((List<R>) (List<?>) java.util.Arrays.asList(results));
        return out;
    }

    /** A Spark task: its partition's one item through the engine's task, reporting nothing (the driver sees the result). */
    private static final class OnePartition<T, R> extends AbstractFunction1<scala.collection.Iterator<T>, R> implements Serializable {
        private final ReportingTask<T, R> task;

        OnePartition(ReportingTask<T, R> task) {
            this.task = task;
        }

        @Override
        public R apply(scala.collection.Iterator<T> items) {
            T item = items.next();
            try {
                return task.run(item, dev.tangent.experiment.Reporter.SILENT);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public int parallelism() {
        return Math.max(1, sc.defaultParallelism());
    }

    @Override
    public String describe() {
        return sc.master() + " (" + parallelism() + " task slots)";
    }

    @Override
    public void close() {
        sc.close();
    }
}
