package dev.tangent.data.rng;

import dev.tangent.data.ReferencePython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CorrectlyRoundedLog} (the fallback when the C library's log cannot be linked) against ln x computed to 60
 * digits by Python's {@code decimal} and rounded once to double, and {@link SystemLog} against Python's
 * {@code math.log} (the same C function).
 */
class CorrectlyRoundedLogTest {
    @TempDir
    Path dir;

    @Test
    void equalsTheCorrectlyRoundedLogarithm() throws Exception {
        ReferencePython.run("import numpy as np, math\n"
                + "from decimal import Decimal, getcontext\n"
                + "getcontext().prec = 60\n"
                + "r = np.random.RandomState(11)\n"
                // Where the Gaussian and exponential draws need it: (0, 1], near 1 from both sides, plus wide range
                // and inputs on which glibc's log is not correctly rounded (found by comparison).
                + "x = np.concatenate([r.random_sample(2000), 1 - r.random_sample(500) * 1e-3, 1 + r.random_sample(500) * 1e-2,"
                + " np.exp(r.uniform(-700, 700, 500)), [0.9060644258822016, 0.15137905386494888, 0.9168017364236146,"
                + " 1.0, 0.5, 2.0, 1.5, 0.75, 5e-324, 1e-310, np.nextafter(1, 0), np.nextafter(1, 2), 1.7976931348623157e308]])\n"
                + "x = x[x > 0]\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("x.npy")) + ", x)\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("cr.npy")) + ", np.array([float(Decimal(v).ln()) for v in x]))\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("libm.npy")) + ", np.array([math.log(v) for v in x]))\n");
        double[] x = ReferencePython.values(dir.resolve("x.npy"));
        double[] cr = ReferencePython.values(dir.resolve("cr.npy"));
        double[] libm = ReferencePython.values(dir.resolve("libm.npy"));
        assertTrue(x.length > 3500);
        for (int i = 0; i < x.length; i++) {
            assertEquals(cr[i], CorrectlyRoundedLog.log(x[i]), 0.0, "ln " + x[i]);
            if (SystemLog.isNative()) {
                assertEquals(libm[i], SystemLog.log(x[i]), 0.0, "C log " + x[i]);
            }
        }
    }
}
