package dev.tangent.experiment;

import dev.tangent.RepositoryData;
import dev.tangent.TangentException;
import dev.tangent.TestData;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.Providers;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.ReferencePython;
import dev.tangent.data.Selection;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.RidgePlan;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The krr engine's errors per reg against numpy's: {@code np.linalg.solve} of (K + reg·I) X = onehot − 0.1 on the same
 * Gram, its train and test predictions, MSEs and argmax accuracies (spec §7.5's {@code errors}); and --resume.
 */
class KrrWorkflowTest {
    @TempDir
    Path dir;

    private static final int N = 800;
    private static final int NT = 400;

    private String q(String name) {
        return ReferencePython.quote(dir.resolve(name));
    }

    /**
     * Tolerances, per reg, from numpy (u = 2^-53, η = the stated residual tol 1e-10 plus numpy's own relative residual):
     * a solution with relative residual η differs from the exact one by ‖Δx‖_F ≤ η‖Y‖_F/λ_min(A); predictions K·x by
     * ‖K‖₂‖Δx‖_F (test: ‖K_t‖₂‖Δx‖_F), so an MSE by at most (2‖P − Y‖_F·Δ + Δ²)/n. An argmax can differ only at points
     * whose top-two margin under numpy is below 2Δ, so the accuracies differ by at most that count over n.
     */
    @Test
    void everyRegsErrorsMatchNumpy() throws Exception {
        RepositoryData.fashionMnistDir();
        KernelProvider p = Providers.auto(2);
        KernelSpec spec = KernelSpec.parse("ntk2");
        double[] regs = RegGrid.parse("fmnist").values();
        try (Dataset train = DataSource.parse("fashion-mnist:train", "--train").load(DType.F64, new Selection(null, null, N),
                Normalization.SPHERE, "--train");
             Dataset test = DataSource.parse("fashion-mnist:test", "--test").load(DType.F64, new Selection(null, null, NT),
                     Normalization.SPHERE, "--test");
             KernelMatrix k = p.gram(spec, train.x(), null, DType.F64, KernelProvider.Progress.NONE);
             KernelMatrix kt = p.gram(spec, test.x(), train.x(), DType.F64, KernelProvider.Progress.NONE)) {
            KrrWorkflow.Fit fit = KrrWorkflow.fit(p, k, kt, train.y(), test.y(), regs, KrrWorkflow.Targets.paperB(),
                    KrrWorkflow.Solve.auto(DType.F64), Reporter.SILENT); // f64: tol 1e-10 by default
            assertEquals(10, fit.outputs());
            assertEquals(0.1, fit.labelMean(), 0.0);
            try (Matrix km = Matrix.allocate(N, N, DType.F64); Matrix ktm = Matrix.allocate(NT, N, DType.F64)) {
                k.copyRows(0, km);
                kt.copyRows(0, ktm);
                Npy.write(dir.resolve("k.npy"), km);
                Npy.write(dir.resolve("kt.npy"), ktm);
            }
            Npy.writeVector(dir.resolve("y.npy"), train.y());
            Npy.writeVector(dir.resolve("yt.npy"), test.y());
            Npy.writeVector(dir.resolve("regs.npy"), regs);
            String out = ReferencePython.run("import numpy as np\n"
                    + "K = np.load(" + q("k.npy") + "); Kt = np.load(" + q("kt.npy") + "); regs = np.load(" + q("regs.npy") + ")\n"
                    + "y = np.load(" + q("y.npy") + ").astype(int); yt = np.load(" + q("yt.npy") + ").astype(int)\n"
                    + "Y = np.eye(10)[y] - 0.1; Yt = np.eye(10)[yt] - 0.1\n"
                    + "lam = np.linalg.eigvalsh(K); nK = lam[-1]; nKt = np.linalg.norm(Kt, 2)\n"
                    + "def margin(P):\n"
                    + "    s = np.sort(P, axis=1); return s[:, -1] - s[:, -2]\n"
                    + "for r in regs:\n"
                    + "    A = K + r * np.eye(len(K)); X = np.linalg.solve(A, Y)\n"
                    + "    eta = 1e-10 + np.linalg.norm(A @ X - Y) / np.linalg.norm(Y)\n"
                    + "    dx = eta * np.linalg.norm(Y) / (lam[0] + r)\n"
                    + "    P = K @ X; Pt = Kt @ X; d = nK * dx; dt = nKt * dx\n"
                    + "    mse = np.sum((P - Y)**2) / len(Y); tmse = np.sum((Pt - Yt)**2) / len(Yt)\n"
                    + "    acc = np.mean(P.argmax(1) == y); tacc = np.mean(Pt.argmax(1) == yt)\n"
                    + "    bm = (2 * np.linalg.norm(P - Y) * d + d * d) / len(Y); btm = (2 * np.linalg.norm(Pt - Yt) * dt + dt * dt) / len(Yt)\n"
                    + "    fa = np.sum(margin(P) < 2 * d) / len(Y); fta = np.sum(margin(Pt) < 2 * dt) / len(Yt)\n"
                    + "    print(*[repr(float(v)) for v in (mse, acc, tmse, tacc, bm, fa, btm, fta)])\n");
            String[] lines = out.strip().split("\n");
            assertEquals(regs.length, lines.length, out);
            for (int i = 0; i < regs.length; i++) {
                double[] v = java.util.Arrays.stream(lines[i].trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
                KrrWorkflow.Reg g = fit.regs().get(i);
                assertEquals(i, g.index());
                assertEquals(regs[i], g.shift(), 0.0, "paper B: shift = reg");
                assertTrue(g.converged() && g.residual() <= 1e-10 * (1 + 1e-3), "reg " + regs[i] + ": residual " + g.residual());
                assertEquals(v[0], g.trainMse(), v[4] + 1e-15 * v[0], "reg " + regs[i] + " train MSE");
                assertEquals(v[1], g.trainAccuracy(), v[5], "reg " + regs[i] + " train accuracy");
                assertEquals(v[2], g.testMse(), v[6] + 1e-15 * v[2], "reg " + regs[i] + " test MSE");
                assertEquals(v[3], g.testAccuracy(), v[7], "reg " + regs[i] + " test accuracy");
            }
        }
    }

    private KrrWorkflow.Request request(Path out, boolean resume, int stopAfter) {
        DataSource tr = DataSource.parse(dir.resolve("xtr.npy").toString(), dir.resolve("ytr.npy"), "--train");
        DataSource te = DataSource.parse(dir.resolve("xte.npy").toString(), dir.resolve("yte.npy"), "--test");
        return new KrrWorkflow.Request(new Input(tr, Selection.ALL, "--train"), new Input(te, Selection.ALL, "--test"), Normalization.NONE,
                KernelSpec.parse("ntk2"), RegGrid.parse("0.01:100:8"),
                new KrrWorkflow.Targets(KrrWorkflow.Convention.PAPER_B, TargetKind.AUTO, Double.NaN),
                new KrrWorkflow.Solve(RidgePlan.Family.CHOLESKY, DType.F64, 1e-10, 100, 0, 0, false, -1, 0), false,
                new Output(out, resume ? RunDirectory.Mode.RESUME : RunDirectory.Mode.NEW), stopAfter);
    }

    /** An interrupted run resumed: the saved regs come back bit for bit and are not solved again; the errors equal a whole run's. */
    @Test
    void resumedRunReusesSavedRegs() throws Exception {
        try (Matrix xtr = TestData.uniform(300, 12, DType.F64, 1); Matrix xte = TestData.uniform(100, 12, DType.F64, 2)) {
            Npy.write(dir.resolve("xtr.npy"), xtr);
            Npy.write(dir.resolve("xte.npy"), xte);
        }
        double[] ytr = new double[300];
        double[] yte = new double[100];
        for (int i = 0; i < ytr.length; i++) {
            ytr[i] = i % 4;
        }
        for (int i = 0; i < yte.length; i++) {
            yte[i] = (i * 7) % 4;
        }
        Npy.writeVector(dir.resolve("ytr.npy"), ytr);
        Npy.writeVector(dir.resolve("yte.npy"), yte);
        Context c = Context.of(Providers.auto(2));
        Path full = dir.resolve("full");
        KrrWorkflow.Result whole = KrrWorkflow.run(request(full, false, -1), c);
        Path cut = dir.resolve("cut");
        TangentException stop = assertThrows(TangentException.class, () -> KrrWorkflow.run(request(cut, false, 3), c));
        assertEquals(130, stop.exitCode());
        byte[] saved = Files.readAllBytes(cut.resolve("reg_00/coefficients.npy"));
        KrrWorkflow.Result resumed = KrrWorkflow.run(request(cut, true, -1), c);
        assertEquals(3, resumed.regs().stream().filter(KrrWorkflow.Reg::resumed).count());
        assertTrue(java.util.Arrays.equals(saved, Files.readAllBytes(cut.resolve("reg_00/coefficients.npy"))));
        for (int i = 0; i < whole.regs().size(); i++) {
            KrrWorkflow.Reg a = whole.regs().get(i);
            KrrWorkflow.Reg b = resumed.regs().get(i);
            // the same factorisation of the same matrix: equal up to the summation order of threaded BLAS, far below 1e-9
            assertEquals(a.testMse(), b.testMse(), 1e-9 * a.testMse(), "reg " + a.reg());
            assertEquals(a.trainMse(), b.trainMse(), 1e-9 * a.trainMse() + 1e-15, "reg " + a.reg());
        }
        assertTrue(Files.readString(cut.resolve("run.json")).contains("\"resumed\": true"));
    }
}
