package dev.tangent.compute;

import dev.tangent.TestData;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every provider's Gram of paper A's networks against the scalar recursion of spec §3.2. Every entry is judged against
 * an absolute bound from the error analysis of its dot product and its map ({@link RoundingBounds#gramEntry}), never
 * relative to itself: an entry far below max|K| (a cosine near the ReLU kernel's zero) is as accurate as its neighbours
 * in absolute terms, not in relative ones.
 */
class GramRoundingBoundsTest {
    static Stream<Arguments> providersAndSpecs() {
        List<KernelSpec> specs = List.of(KernelSpec.fc(KernelSpec.Kind.NTK, 0, 1.0, 0.0), KernelSpec.ntk(1), KernelSpec.ntk(2),
                KernelSpec.fc(KernelSpec.Kind.NTK, 3, 1.3, 0.5), KernelSpec.nngp(1), KernelSpec.fc(KernelSpec.Kind.NNGP, 3, 0.8, 0.2));
        List<Arguments> out = new ArrayList<>();
        for (Named<KernelProvider> p : KernelProviderTest.providers().toList()) {
            for (KernelSpec s : specs) {
                out.add(Arguments.of(p, s));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndSpecs")
    void entriesMatchScalarRecursion(KernelProvider provider, KernelSpec spec) {
        int d = 53;
        try (Matrix x = TestData.uniform(37, d, DType.F64, 11); Matrix y = TestData.uniform(29, d, DType.F64, 12);
             Matrix k = Providers.gram(provider, spec, x); Matrix kxy = Providers.gram(provider, spec, x, y)) {
            for (int i = 0; i < x.rows(); i++) {
                for (int j = 0; j < x.rows(); j++) {
                    assertWithinBound(spec, x.row(i), x.row(j), k, i, j);
                }
                for (int j = 0; j < y.rows(); j++) {
                    assertWithinBound(spec, x.row(i), y.row(j), kxy, i, j);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.tangent.compute.KernelProviderTest#providers")
    void singlePrecisionMatchesDoubleReference(KernelProvider provider) {
        KernelSpec spec = KernelSpec.ntk(2);
        try (Matrix x = TestData.uniform(45, 784, DType.F32, 3); Matrix k = Providers.gram(provider, spec, x)) {
            for (int i = 0; i < x.rows(); i++) {
                for (int j = 0; j < x.rows(); j++) {
                    assertWithinBound(spec, x.row(i), x.row(j), k, i, j);
                }
            }
        }
    }

    private static void assertWithinBound(KernelSpec spec, double[] xi, double[] yj, Matrix k, int i, int j) {
        double expected = NtkRecursion.pair(spec, xi, yj).of(spec.kind());
        double err = Math.abs(k.get(i, j) - expected);
        double tol = RoundingBounds.gramEntry(spec, xi, yj, k.dtype());
        assertTrue(err <= tol, spec + ": K[" + i + "][" + j + "] = " + k.get(i, j) + ", expected " + expected + " (error " + err
                + ", bound " + tol + ")");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.tangent.compute.KernelProviderTest#providers")
    void crossGramIsTheBlockOfTheJointGram(KernelProvider provider) {
        KernelSpec spec = KernelSpec.fc(KernelSpec.Kind.NTK, 2, 1.0, 0.1);
        try (Matrix all = TestData.uniform(70, 20, DType.F64, 9);
             Matrix k = Providers.gram(provider, spec, all); Matrix kxy = Providers.gram(provider, spec, all.rows(0, 30), all.rows(30, 40))) {
            for (int i = 0; i < 30; i++) {
                for (int j = 0; j < 40; j++) {
                    // the two builds run different GEMM blockings: each lies within the bound of the exact value
                    double bound = 2 * RoundingBounds.gramEntry(spec, all.row(i), all.row(30 + j), DType.F64);
                    assertEquals(k.get(i, 30 + j), kxy.get(i, j), bound, "K[" + i + "][" + (30 + j) + "]");
                }
            }
        }
    }

    @Test
    void gramPlusJitterHasCholeskyFactor() {
        int n = 500;
        KernelProvider provider = Providers.auto(2);
        try (Matrix x = TestData.uniform(n, 784, DType.F64, 21); Matrix k = Providers.gram(provider, KernelSpec.ntk(2), x)) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += k.get(i, i) / n;
            }
            for (int i = 0; i < n; i++) {
                k.set(i, i, k.get(i, i) + 1e-10 * mean);
            }
            assertEquals(0, provider.backend().potrf(k), "Cholesky info");
            for (int i = 0; i < n; i++) {
                assertTrue(k.get(i, i) > 0);
            }
        }
    }
}
