package dev.tangent.spark;

import dev.tangent.experiment.Tasks;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.File;
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
 * executors; the results collected in the items' order. The driver is this process ({@code tangent spark …}, or the
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

    @Override
    public <T extends Serializable, R extends Serializable> List<R> map(String what, List<T> items, Task<T, R> task) {
        if (items.isEmpty()) {
            return List.of();
        }
        sc.setJobDescription("tangent " + what + " (" + items.size() + " tasks)");
        return sc.parallelize(items, items.size()).map(item -> task.run(item)).collect();
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
