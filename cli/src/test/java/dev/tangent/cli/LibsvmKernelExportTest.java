package dev.tangent.cli;

import dev.tangent.compute.Providers;
import dev.tangent.compute.KernelProviders;
import dev.tangent.RepositoryData;
import dev.tangent.compute.Backends;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.KernelMachine;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3, acceptance 3: the NTK of a 300-point MNIST 0/1 subset exported in LIBSVM's precomputed form trains with
 * {@code svm-train -t 4}; {@code svm-predict} on the exported test-vs-train kernel reports the accuracy that Tangent's
 * own predictor (a KernelMachine built from the same α = sv_coef and b = −rho read from LIBSVM's model) reports.
 */
class LibsvmKernelExportTest {
    @TempDir
    Path dir;

    private static String exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void svmTrainOnExportedKernelAgreesWithTangentsPredictor() throws Exception {
        Path train = dir.resolve("train");
        Path all = dir.resolve("all");
        assertEquals(0, Cli.run("data", "export", RepositoryData.mnistTestSpec(), "--classes", "0,1", "--limit", "300", "--format", "npy", "--out", train.toString()).code());
        assertEquals(0, Cli.run("data", "export", RepositoryData.mnistTestSpec(), "--classes", "0,1", "--format", "npy", "--out", all.toString()).code());
        Path kTrain = dir.resolve("ktrain");
        Path kTest = dir.resolve("ktest");
        Cli.Outcome a = Cli.run("data", "export", train.resolve("x.npy").toString(), "--labels", train.resolve("y.npy").toString(),
                "--format", "libsvm-kernel", "--depth", "1", "--out", kTrain.toString());
        assertEquals(0, a.code(), a.err());
        Cli.Outcome b = Cli.run("data", "export", all.resolve("x.npy").toString(), "--labels", all.resolve("y.npy").toString(),
                "--format", "libsvm-kernel", "--depth", "1", "--against", train.resolve("x.npy").toString(), "--against-labels",
                train.resolve("y.npy").toString(), "--out", kTest.toString());
        assertEquals(0, b.code(), b.err());
        Path model = dir.resolve("model.txt");
        exec("svm-train", "-q", "-s", "0", "-t", "4", "-c", "1", kTrain.resolve("kernel.libsvm").toString(), model.toString());
        String pred = exec("svm-predict", kTest.resolve("kernel.libsvm").toString(), model.toString(), dir.resolve("pred.txt").toString());
        Matcher m = Pattern.compile("Accuracy = [0-9.]+% \\((\\d+)/(\\d+)\\)").matcher(pred);
        assertTrue(m.find(), pred);
        int libsvmCorrect = Integer.parseInt(m.group(1));
        assertEquals(2115, Integer.parseInt(m.group(2)));

        // α from LIBSVM's model: "coef 0:<serial>" lines after "SV"; b = -rho
        List<String> lines = Files.readAllLines(model);
        double rho = Double.NaN;
        double[] alpha = new double[300];
        boolean sv = false;
        for (String line : lines) {
            if (line.startsWith("rho ")) {
                rho = Double.parseDouble(line.substring(4).trim());
            } else if (line.equals("SV")) {
                sv = true;
            } else if (sv && !line.isBlank()) {
                String[] parts = line.trim().split("\\s+");
                int serial = (int) Double.parseDouble(parts[1].substring(2));
                alpha[serial - 1] = Double.parseDouble(parts[0]);
            }
        }
        try (Matrix xtr = Npy.readMatrix(train.resolve("x.npy"), DType.F64, ""); Matrix ytr = Npy.readMatrix(train.resolve("y.npy"), DType.F64, "");
             Matrix xall = Npy.readMatrix(all.resolve("x.npy"), DType.F64, ""); Matrix yall = Npy.readMatrix(all.resolve("y.npy"), DType.F64, "")) {
            double[] y = new double[300];
            for (int i = 0; i < 300; i++) {
                y[i] = ytr.get(i, 0);
            }
            KernelMachine km = new KernelMachine("libsvm", KernelSpec.ntk(1), "hinge", Double.NaN, 1, -rho, alpha, xtr, y, Map.of());
            double[] g = km.scores(KernelProviders.select("auto", 2).provider(), xall);
            int correct = 0;
            for (int i = 0; i < g.length; i++) {
                correct += (g[i] > 0 ? 1 : -1) == yall.get(i, 0) ? 1 : 0;
            }
            assertEquals(libsvmCorrect, correct, "svm-predict and Tangent's predictor, same alpha");
            assertTrue(correct >= 2100, "MNIST 0/1 is nearly separable: " + correct + "/2115");
        }
    }
}
