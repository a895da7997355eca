package dev.tangent.spark;

import dev.tangent.io.RunDirectory;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two {@code tangent noise} directories of the same settings compared file by file: the summary (results.csv, best.csv,
 * best.md, the figure, sweep.json) and every file of every job (data/, jobs/) byte for byte, but for what records the
 * run rather than its results: the process id in the run manifests, and in a job's JSON files (run.json, solution.json)
 * the absolute paths under the sweep's root and the wall times and machine rates (keys containing "seconds", and
 * "rates"); those files are compared as text with these removed, in their order.
 */
public final class SweepDirs {
    private SweepDirs() {
    }

    public static void assertSameSweep(Path expected, Path actual) throws IOException {
        for (String f : List.of("results.csv", "best.csv", "best.md", "noise.png", "noise.svg", "sweep.json")) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f)), f);
        }
        List<String> files = jobFiles(expected);
        assertEquals(files, jobFiles(actual), "the same job files");
        String e = expected.toAbsolutePath().normalize().toString();
        String a = actual.toAbsolutePath().normalize().toString();
        for (String f : files) {
            Path pe = expected.resolve(f);
            Path pa = actual.resolve(f);
            String name = pe.getFileName().toString();
            if (name.equals(RunDirectory.MANIFEST)) {
                assertEquals(withoutPid(pe), withoutPid(pa), f);
            } else if (name.endsWith(".json")) {
                assertEquals(results(pe, e), results(pa, a), f);
            } else {
                assertArrayEquals(Files.readAllBytes(pe), Files.readAllBytes(pa), f);
            }
        }
    }

    /** Every file under data/ and jobs/, relative to the root, sorted. */
    private static List<String> jobFiles(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        for (String sub : List.of("data", "jobs")) {
            try (Stream<Path> s = Files.walk(root.resolve(sub))) {
                s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().forEach(out::add);
            }
        }
        return out;
    }

    private static List<String> withoutPid(Path manifest) throws IOException {
        return Files.readAllLines(manifest, StandardCharsets.UTF_8).stream().filter(l -> !l.startsWith("pid ")).toList();
    }

    /** A JSON file as text with the root's path replaced and the timings left out. */
    private static String results(Path json, String root) throws IOException {
        return Json.write(withoutTimings(Json.parse(Files.readString(json, StandardCharsets.UTF_8).replace(root, "ROOT"))));
    }

    private static Object withoutTimings(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> en : m.entrySet()) {
                String k = (String) en.getKey();
                if (!k.contains("seconds") && !k.equals("rates")) {
                    out.put(k, withoutTimings(en.getValue()));
                }
            }
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(SweepDirs::withoutTimings).toList();
        }
        return v;
    }
}
