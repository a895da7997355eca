package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host-side planning of Grams on a device: what stays resident, and panels for Grams larger than device memory. */
class CudaPlanTest {
    static final long GIB = 1L << 30;

    @Test
    void issue18sGramIsResidentOnAnH100AndNotOnA16GibCard() {
        // n = 50,000, d = 784, f32: K is 10 GB (9.3 GiB), X 157 MB
        CudaPlan p = CudaPlan.resident(50_000, 50_000, 784, DType.F32, true, 5, 79 * GIB);
        assertNotNull(p);
        assertEquals(50_000L * 50_000 * 4 + 50_000L * 784 * 4 + CudaPlan.tableBytes(50_000, 50_000, 5), p.deviceBytes());
        assertNull(CudaPlan.resident(50_000, 50_000, 784, DType.F32, true, 5, 9 * GIB));
        assertNull(CudaPlan.resident(50_000, 50_000, 784, DType.F64, true, 5, 16 * GIB), "f64 is twice the size");
    }

    @ParameterizedTest
    @CsvSource({"50000,50000,784,F32,true,8", "50000,50000,784,F64,true,8", "120000,120000,784,F32,true,24", "1000,70000,30,F64,false,2",
            "100,100,9,F64,true,2", "33,33,3,F32,true,1"})
    void panelsFitTheMemoryTheyAreGivenAndCoverEveryRow(int n, int m, int d, DType dt, boolean sym, int freeGib) {
        long free = freeGib * GIB;
        CudaPlan p = CudaPlan.panels(n, m, d, dt, sym, 5, free, CudaPlan.STAGING);
        assertTrue(p.panel() >= 32 && p.panel() % 32 == 0, "panels are whole tiles: " + p);
        assertTrue(p.deviceBytes() + CudaPlan.RESERVE <= free, "within the free memory: " + p);
        assertTrue(p.stagingBytes() <= Math.max(CudaPlan.STAGING, 32L * 2 * dt.bytes() * ((long) m + (sym ? n : 0))), "staging cap: " + p);
        int covered = 0;
        for (int q = 0; q < p.panels(); q++) {
            assertEquals(covered, p.start(q), "panels follow each other");
            assertTrue(p.height(q, n) > 0 && p.height(q, n) <= p.panel());
            assertEquals(0, p.start(q) % 32, "a symmetric panel starts on the tile grid");
            covered += p.height(q, n);
        }
        assertEquals(n, covered, "every row once: " + p);
        // two sets of panel buffers: C (rows × m) and, for K(X, X), the mirror T (≤ n × rows), plus the inputs and tables
        long es = dt.bytes();
        long need = CudaPlan.inputBytes(n, m, d, dt, sym) + CudaPlan.tableBytes(n, m, 5) + 2L * p.panel() * es * ((long) m + (sym ? n : 0));
        assertEquals(need, p.deviceBytes());
    }

    @Test
    void aGramLargerThanTheDeviceStreamsInPanelsTheStagingCapSetsTheirHeight() {
        // 120,000 points in f32: K is 57.6 GB, more than a 24 GiB card; each panel row needs 2·4·(120,000 + 120,000) B
        CudaPlan p = CudaPlan.panels(120_000, 120_000, 784, DType.F32, true, 5, 24 * GIB, CudaPlan.STAGING);
        assertEquals(CudaPlan.STAGING / (2L * 4 * 240_000) / 32 * 32, p.panel(), "the 1 GiB of staging bounds the panel: " + p);
        CudaPlan wide = CudaPlan.panels(120_000, 120_000, 784, DType.F32, true, 5, 24 * GIB, 64 * GIB);
        assertTrue(wide.panel() > p.panel() && wide.deviceBytes() + CudaPlan.RESERVE <= 24 * GIB, "device memory bounds it: " + wide);
    }

    @Test
    void inputsThatDoNotFitAreAOneLineError() {
        TangentException e = assertThrows(TangentException.class,
                () -> CudaPlan.panels(2_000_000, 2_000_000, 4096, DType.F64, true, 5, 40 * GIB, CudaPlan.STAGING));
        assertTrue(e.getMessage().startsWith("the GPU has 40.00 GiB free; a 2000000 x 2000000 Gram of 4096 features in f64 needs"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
