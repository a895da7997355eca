package dev.tangent.compute;

import dev.tangent.kernel.ABRelu;
import dev.tangent.kernel.Activation;
import dev.tangent.kernel.Cov;
import dev.tangent.kernel.Dense;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The host side of the device maps: a spec's layer program carries what the layers' own rules imply (checked through
 * the rules, not by restating the encoding), and a Gram's tables are the CPU provider's norms, variances and diagonal.
 */
class CudaMapsTest {
    @Test
    void theAbReluEntriesReproduceTheLayersDotKernel() {
        for (ABRelu r : List.of(ABRelu.RELU, new ABRelu(0.2, 1), new ABRelu(-0.5, 2), new ABRelu(1.5, 1.5))) {
            double[] p = CudaMaps.program(new KernelSpec(KernelSpec.Kind.NNGP, KernelSpec.Input.MEAN, List.of(r)));
            assertEquals(CudaMaps.ABRELU, p[0]);
            assertEquals(r.a(), p[4]);
            assertEquals(r.b(), p[5]);
            // dotKernel at cosine cos θ is half − amp·θ (the rules' closed form); nngp at c = 0 is amp·√(q q′)
            for (double theta : new double[] {0, 0.4, 1.3, 2.9, Math.PI}) {
                double c = Math.cos(theta);
                double s = Math.sin(theta);
                double ref = r.dotKernel(c, 1, 1);
                double enc = p[3] != 0 ? (Math.PI - Math.atan2(s, c)) / (2 * Math.PI) : p[2] - p[1] * Math.atan2(s, c);
                assertEquals(ref, enc, 1e-15, r + " at θ = " + theta);
            }
            assertEquals(r.nngp(0, 2, 3), p[1] * Math.sqrt(6), 1e-15 * Math.sqrt(6), r + ": amp");
            assertEquals(r.diagonal(1), p[2], 1e-16, r + ": half");
        }
    }

    @Test
    void denseErfAndPolyCarryTheirParameters() {
        KernelSpec s = KernelSpec.parse("ntk:dense(1.3,0.2),erf(0.7,1.4,0.2),dense,poly(0.5,3)");
        double[] p = CudaMaps.program(s);
        assertEquals(4 * CudaMaps.STRIDE, p.length);
        Dense d = (Dense) s.layers().get(0);
        assertEquals(d.diagonal(1) - d.diagonal(0), p[1], 1e-15, "σ_w²");
        assertEquals(d.diagonal(0), p[2], 1e-15, "σ_b²");
        assertArrayEquals(new double[] {CudaMaps.ERF, 0.7, 1.4, 0.2}, java.util.Arrays.copyOfRange(p, 6, 10));
        assertArrayEquals(new double[] {CudaMaps.POLY, 0.5, 3}, java.util.Arrays.copyOfRange(p, 18, 21));
        assertNull(CudaMaps.intervalProgram(s), "the device has no interval rule for erf and poly");
        assertNotNull(CudaMaps.intervalProgram(KernelSpec.parse("ntk:dense(1,0.1),leaky_relu(0.1),dense")));
        assertNull(CudaMaps.intervalProgram(KernelSpec.parse("ntk:dense,abrelu(-1,1),dense")), "a negative slope has no sound interval rule");
    }

    /** An activation the kernels do not know (added to the engine later): the provider keeps such specs on the host. */
    record Unknown() implements Activation {
        public String token() { return "unknown"; }
        public double nngp(double c, double q, double qp) { return c; }
        public double dotKernel(double c, double q, double qp) { return 1; }
        public double diagonal(double q) { return q; }
        public void partials(double c, double q, double qp, double[] out) { }
        public double apply(double z) { return z; }
        public double derivative(double z) { return 1; }
        public void step(Cov.Box b) { }
    }

    @Test
    void aLayerWithoutADeviceRuleHasNoProgram() {
        KernelSpec s = new KernelSpec(KernelSpec.Kind.NTK, KernelSpec.Input.MEAN, List.of(Dense.STANDARD, new Unknown(), Dense.STANDARD));
        assertNull(CudaMaps.program(s));
        assertNull(CudaMaps.tables(s, null, new double[] {1}, new double[] {1}, 3, DType.F64));
    }

    @Test
    void theTablesAreTheSpecsVariancesAndDiagonal() {
        KernelSpec s = KernelSpec.parse("ntk:dense(1.2,0.3),relu,dense,erf,dense");
        double[] nx = {4, 0, 2.5};
        double[] ny = {1, 9};
        int d = 6;
        CudaMaps.Tables sym = CudaMaps.tables(s, null, nx, nx, d, DType.F32);
        CudaMaps.Tables cross = CudaMaps.tables(s, null, nx, ny, d, DType.F32);
        assertNull(cross.diag(), "K(X, Y) has no diagonal of its own");
        for (int i = 0; i < nx.length; i++) {
            assertEquals(s.value(nx[i], nx[i], nx[i], d), sym.diag()[i], 0.0);
            double[] v = s.variances(nx[i], d);
            for (int k = 0; k < v.length; k++) {
                assertEquals(v[k], sym.qa()[k * nx.length + i], 0.0, "layer " + k + ", point " + i);
            }
        }
        for (int j = 0; j < ny.length; j++) {
            double[] v = s.variances(ny[j], d);
            for (int k = 0; k < v.length; k++) {
                assertEquals(v[k], cross.qb()[k * ny.length + j], 0.0);
            }
        }
        assertEquals(1.0 / d, sym.scale(), 0.0);
    }
}
