package dev.tangent.experiment;

import dev.tangent.RepositoryData;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Selection;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.KernelMachine;
import dev.tangent.machine.RidgeSolver;
import dev.tangent.machine.SmoSolver;
import dev.tangent.memory.DType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java API example of docs/architecture.md ("The two seams"), kept compiling and true: a kernel spec, a provider,
 * a Gram the provider owns, KRR and SMO on it, and predictions. On the 2,115 MNIST test digits 0/1 the predictions
 * of the KRR machine at its own training points satisfy its defining equation K·α + (λ/2)·α = y (to 1e-8: the
 * Cholesky solve's backward error times K's condition number, here ≤ 2e4 with λ/2 = 0.5), and SMO converges.
 */
class ApiExampleTest {
    @Test
    void theDocumentedExampleRuns() {
        KernelSpec spec = KernelSpec.parse("ntk:dense,relu,dense");
        KernelProvider provider = KernelProviders.select("auto", 2).provider();
        try (Dataset train = DataSource.parse("mnist:" + RepositoryData.mnistDir() + ":test", "--train")
                .load(DType.F64, Selection.of("0,1", -1), null, "--train");
             KernelMatrix k = provider.gram(spec, train.x(), null)) {
            double[] alpha = RidgeSolver.cholesky(provider, k, train.y(), 1.0, 0);
            SmoSolver.Result svm = SmoSolver.svc(k, train.y(), 1.0, 1e-3, true, 0);
            KernelMachine km = new KernelMachine("krr", spec, "squared", 1.0, Double.NaN, 0, alpha, train.x(), train.y(), Map.of());
            double[] scores = km.scores(provider, train.x());
            assertEquals(2115, scores.length);
            for (int i = 0; i < scores.length; i++) {
                assertEquals(train.y()[i], scores[i] + 0.5 * alpha[i], 1e-8, "training digit " + i);
            }
            assertTrue(svm.converged() && svm.supportVectors() > 0 && svm.supportVectors() < 2115);
        }
    }
}
