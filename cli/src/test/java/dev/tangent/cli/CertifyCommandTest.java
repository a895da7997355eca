package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent certify} end to end (kernel machines and networks), its output files, and its bad-input contract. */
class CertifyCommandTest {
    @TempDir
    Path dir;
    Path[] train;
    Path[] test;
    Path svm;

    /** Two blobs in 8-D with pixel-like values, labels ±1. */
    private Path[] blobs(String name, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Matrix x = Matrix.allocate(n, 8, DType.F64)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                boolean pos = i % 2 == 0;
                y[i] = pos ? 1 : -1;
                for (int j = 0; j < 8; j++) {
                    x.set(i, j, Math.max(0, 0.5 + 0.15 * r.nextGaussian() + (pos ? 0.3 : -0.3) * (j < 3 ? 1 : 0)));
                }
            }
            Path xp = dir.resolve(name + "-x.npy");
            Path yp = dir.resolve(name + "-y.npy");
            Npy.write(xp, x);
            Npy.writeVector(yp, y);
            return new Path[] {xp, yp};
        }
    }

    @BeforeEach
    void trainSvm() {
        train = blobs("train", 80, 1);
        test = blobs("test", 40, 2);
        svm = dir.resolve("svm");
        Cli.Outcome o = Cli.run("train", "--method", "svm-sgd", "--train", train[0].toString(), "--train-labels", train[1].toString(),
                "--depth", "1", "--epochs", "50", "--batch", "16", "--out", svm.toString());
        assertEquals(0, o.code(), o.err());
    }

    private String[] certify(Path model, Path out, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("certify", "--model", model.toString(), "--test", test[0].toString(),
                "--test-labels", test[1].toString(), "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void kernelMachineSummaryMatchesItsPerPointCsv() throws IOException {
        Path out = dir.resolve("cert");
        Cli.Outcome o = Cli.run(certify(svm, out, "--attack", "--pgd-steps", "10"));
        assertEquals(0, o.code(), o.err());
        List<String> rows = Files.readAllLines(out.resolve("certify.csv"));
        assertEquals("index,label,score,radius,iterations,status,attack_radius", rows.get(0));
        assertEquals(41, rows.size(), "one row per test point");
        double s = 0;
        double ss = 0;
        int n = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",", -1);
            double radius = Double.parseDouble(f[3]);
            double attack = f[6].equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(f[6]);
            assertTrue(radius <= attack, "certified " + radius + " must not exceed the attack radius " + attack + ": " + row);
            assertTrue(radius > 0 && radius < 0.3, row);
            s += radius;
            ss += radius * radius;
            n++;
        }
        double mean = s / n;
        double std = Math.sqrt(ss / n - mean * mean);
        String json = Files.readString(out.resolve("certify.json"));
        assertEquals(mean, number(json, "\"mean\": "), 1e-9 * mean);
        assertEquals(std, number(json, "\"std\": "), 1e-6 * std + 1e-12);
        assertEquals(40, (int) number(json, "\"count\": "));
        assertEquals(0, (int) number(json, "\"contradicted\": "));
        String md = Files.readString(out.resolve("certify.md"));
        assertTrue(md.startsWith("| model | λ | test accuracy |") && md.contains("| SVM | 0.001 |"), md);
        assertTrue(o.out().contains("40 points certified"), o.out());
    }

    @Test
    void sampleAndOnlyCorrectSelectPoints() throws IOException {
        Path out = dir.resolve("cert");
        Cli.Outcome o = Cli.run(certify(svm, out, "--sample", "10", "--seed", "3", "--only-correct"));
        assertEquals(0, o.code(), o.err());
        List<String> rows = Files.readAllLines(out.resolve("certify.csv"));
        assertEquals(11, rows.size());
        assertEquals(10, rows.stream().skip(1).map(r -> r.split(",")[0]).distinct().count(), "distinct sampled indices");
    }

    @Test
    void networkOfAnEquivalenceRunIsCertifiedByIbp() throws IOException {
        Path eq = dir.resolve("eq");
        Cli.Outcome e = Cli.run("equivalence", "--train", train[0].toString(), "--train-labels", train[1].toString(), "--test",
                test[0].toString(), "--test-labels", test[1].toString(), "--widths", "64", "--epochs", "5", "--batch", "16",
                "--out", eq.toString());
        assertEquals(0, e.code(), e.err());
        for (String center : new String[] {"clean", "sound"}) {
            Path out = dir.resolve("nn-" + center);
            Cli.Outcome o = Cli.run(certify(eq.resolve("nn_w64"), out, "--ibp-center", center));
            assertEquals(0, o.code(), o.err());
            String json = Files.readString(out.resolve("certify.json"));
            assertTrue(json.contains("\"method\": \"ibp\"") && json.contains("\"ibp_center\": \"" + center + "\""), json);
            assertTrue(Files.readString(out.resolve("certify.md")).contains("| NN | 64 |"));
        }
        // the kernel machine of the same run
        Cli.Outcome k = Cli.run(certify(eq.resolve("km"), dir.resolve("km-cert")));
        assertEquals(0, k.code(), k.err());
    }

    @Test
    void badInputExitsTwoWithOneLineAndNoOutput() throws IOException {
        Path out = dir.resolve("never");
        Cli.assertBadInput(out, "no model.json", certify(dir, out));
        Cli.assertBadInput(out, "--sample and --limit", certify(svm, out, "--sample", "5", "--limit", "3"));
        Cli.assertBadInput(out, "--method ibp needs a network", certify(svm, out, "--method", "ibp"));
        Cli.assertBadInput(out, "--nan-mode': expected one of reference, sound, found 'fuzzy'", certify(svm, out, "--nan-mode", "fuzzy"));
        Cli.assertBadInput(out, "--delta0 0.5", certify(svm, out, "--delta0", "0.5"));
        Cli.assertBadInput(out, "--only-correct needs test labels", "certify", "--model", svm.toString(), "--test", test[0].toString(),
                "--only-correct", "--out", out.toString());
        Path wide = dir.resolve("wide.npy");
        try (Matrix m = Matrix.allocate(5, 9, DType.F64)) {
            Npy.write(wide, m);
        }
        Cli.assertBadInput(out, "9 features, the model was trained on 8", "certify", "--model", svm.toString(), "--test", wide.toString(),
                "--out", out.toString());
        Files.write(svm.resolve("alpha.npy"), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        Cli.assertBadInput(out, "checksum mismatch", certify(svm, out));
    }

    private static double number(String json, String key) {
        int i = json.indexOf(key) + key.length();
        int j = i;
        while (j < json.length() && "+-0123456789.eE".indexOf(json.charAt(j)) >= 0) {
            j++;
        }
        return Double.parseDouble(json.substring(i, j));
    }
}
