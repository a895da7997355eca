package dev.tangent.experiment;

import dev.tangent.compute.Providers;
import dev.tangent.MnistSplits;
import dev.tangent.compute.Backends;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.ReferencePython;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.Npy;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.network.NetworkTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paper A's equivalence on real digits (the repository's MNIST test split, 0 vs 1): networks of three widths and the
 * kernel machine with the NTK, trained on the same batches, give outputs whose gap shrinks like m^(-1/2); the arrays
 * and run.json the workflow writes are read back by numpy, which recomputes the gaps and the slope.
 */
class EquivalenceWorkflowTest {
    @TempDir
    Path dir;

    private DataSource write(String name, MnistSplits.Split s) {
        Npy.write(dir.resolve(name + "-x.npy"), s.x());
        Npy.writeVector(dir.resolve(name + "-y.npy"), s.y());
        return DataSource.parse(dir.resolve(name + "-x.npy").toString(), dir.resolve(name + "-y.npy"), "--" + name);
    }

    @Test
    void gapFallsAsTheInverseSquareRootOfWidthAndNumpyRecomputesIt() throws Exception {
        DataSource train;
        DataSource test;
        try (MnistSplits.Split tr = MnistSplits.zeroOne(0, 300); MnistSplits.Split te = MnistSplits.zeroOne(1, 200)) {
            train = write("train", tr);
            test = write("test", te);
        }
        Path out = dir.resolve("run");
        EquivalenceWorkflow.Result r = EquivalenceWorkflow.run(new EquivalenceWorkflow.Request(new Input(train, Selection.ALL, "--train"),
                new Input(test, Selection.ALL, "--test"), Normalization.NONE,
                new EquivalenceWorkflow.Network(1, List.of(200, 2000, 20000), DType.F32, NetworkTrainer.Regularizer.REFERENCE),
                new EquivalenceWorkflow.Objective(new Loss.Hinge(), 0.0), new Schedule(1.0, 32, 4, 6, true, SubgradientSolver.Decay.BATCH),
                new EquivalenceWorkflow.Tracking(new int[] {0, 5, 50, 150, 299}, new int[] {1, 2, 3, 100, 199}),
                EquivalenceWorkflow.Checkpoints.NONE, Output.of(out)), Context.of(Providers.auto(2)));
        // the law: slope -1/2 of log gap against log width. This setup over seeds 1-10 (widths 200, 2000, 20000):
        // slopes -0.534 +- 0.12 (mean +- sd, range -0.76 to -0.34); seed 6 must lie within three sd of -1/2
        assertEquals(-0.5, r.slope(), 3 * 0.12, "gap slope over widths 200, 2000, 20000; gaps " + r.widths());
        assertTrue(r.kmFinalTestAccuracy() > 0.98, "kernel machine accuracy " + r.kmFinalTestAccuracy());
        // numpy reads every array with the shape the run promises and recomputes each width's largest gap (exactly:
        // the same doubles subtracted) and the fitted slope (least squares by another route: 1e-12)
        String check = ReferencePython.run("import json, numpy as np\n"
                + "d = " + ReferencePython.quote(out) + "\n"
                + "run = json.load(open(d + '/run.json'))\n"
                + "steps = np.load(d + '/steps.npy'); e = len(steps)\n"
                + "assert e == run['evaluation_steps'] and steps[0] == 1 and np.all(np.diff(steps) > 0), steps\n"
                + "km = {s: np.load(d + '/km_' + s + '_tracked.npy') for s in ('train', 'test')}\n"
                + "assert km['train'].shape == (e, 5) and km['test'].shape == (e, 5)\n"
                + "assert np.load(d + '/alpha.npy').shape == (300,)\n"
                + "for n in ('km_train_loss', 'km_test_loss', 'km_train_accuracy', 'km_test_accuracy'):\n"
                + "    assert np.load(d + '/' + n + '.npy').shape == (e,), n\n"
                + "gaps = []\n"
                + "for w in run['widths']:\n"
                + "    nn = {s: np.load(d + '/nn_%d_%s_tracked.npy' % (w['width'], s)) for s in ('train', 'test')}\n"
                + "    gap = max(np.abs(nn[s] - km[s]).max() for s in ('train', 'test'))\n"
                + "    assert gap == w['max_gap'], (w, gap)\n"
                + "    gaps.append(gap)\n"
                + "slope = np.polyfit(np.log([w['width'] for w in run['widths']]), np.log(gaps), 1)[0]\n"
                + "assert abs(slope - run['gap_slope']) <= 1e-12 * abs(slope), (slope, run['gap_slope'])\n"
                + "print('ok')\n");
        assertEquals("ok", check);
        for (String f : new String[] {"plot_sgd.png", "gap_vs_width.png"}) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(out.resolve(f)), 8);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head, f + " is a PNG");
        }
        assertTrue(Files.readString(out.resolve("plot_sgd.svg")).contains("<svg"), "plot_sgd.svg is an SVG");
    }
}
