package dev.tangent.data;

import dev.tangent.RepositoryData;
import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Counts from spec §2.1 and the MNIST/Fashion-MNIST documentation: the MNIST test split has 980 zeros and 1,135 ones
 * (the 2,115-image test set of paper A); Fashion-MNIST train is 60,000 × 784 with 6,000 images per class.
 */
class DatasetSelectionTest {
    private static String mnistTest() {
        return RepositoryData.mnistTestSpec();
    }

    @Test
    void mnistTestDigitsZeroAndOne() {
        try (Dataset ds = DataSource.parse(mnistTest(), "--test").load(DType.F64, Selection.of("0,1", -1), null, "--test")) {
            assertEquals(2115, ds.size());
            assertEquals(784, ds.dim());
            int neg = 0;
            int pos = 0;
            for (double y : ds.y()) {
                neg += y == -1 ? 1 : 0;
                pos += y == 1 ? 1 : 0;
            }
            assertEquals(980, neg, "digit 0 -> -1");
            assertEquals(1135, pos, "digit 1 -> +1");
            // unit normalisation: pixels/255 in [0, 1], as paper A's ToTensor
            double max = 0;
            for (int j = 0; j < 784; j++) {
                max = Math.max(max, ds.x().get(0, j));
            }
            assertTrue(max <= 1.0 && max > 0.5, "pixels scaled to [0, 1]: max " + max);
        }
    }

    @Test
    void selectionKeepsOriginalOrderAndLimitCountsAfterFiltering() {
        try (Dataset all = DataSource.parse(mnistTest(), "--test").load(DType.F64, Selection.ALL, null, "--test");
             Dataset sel = DataSource.parse(mnistTest(), "--test").load(DType.F64, Selection.of("1,0", 300), null, "--test")) {
            assertEquals(300, sel.size());
            int k = 0;
            for (int i = 0; i < all.size() && k < 300; i++) {
                double label = all.y()[i];
                if (label == 0 || label == 1) {
                    assertEquals(label == 1 ? -1 : 1, sel.y()[k], "A -> -1, B -> +1");
                    assertEquals(all.x().get(i, 400), sel.x().get(k, 400), 0.0);
                    assertEquals(all.x().get(i, 300), sel.x().get(k, 300), 0.0);
                    k++;
                }
            }
            assertEquals(300, k);
        }
    }

    @Test
    void fashionMnistTrainShapeAndBalance() {
        RepositoryData.fashionMnistDir();
        try (Dataset ds = DataSource.parse("fashion-mnist:train", "--train").load(DType.F32, Selection.ALL, null, "--train")) {
            assertEquals(60000, ds.size());
            assertEquals(784, ds.dim());
            Map<Double, Integer> counts = new TreeMap<>();
            for (double y : ds.y()) {
                counts.merge(y, 1, Integer::sum);
            }
            assertEquals(10, counts.size());
            counts.values().forEach(c -> assertEquals(6000, c));
        }
    }

    @Test
    void classNotPresentIsBadInput() {
        TangentException e = assertThrows(TangentException.class,
                () -> DataSource.parse(mnistTest(), "--test").load(DType.F64, Selection.of("0,11", -1), null, "--test"));
        assertTrue(e.getMessage().contains("class 11 does not occur"), e.getMessage());
        assertEquals(2, e.exitCode());
    }

    @Test
    void limitZeroIsBadInput() {
        TangentException e = assertThrows(TangentException.class, () -> Selection.of(null, 0));
        assertTrue(e.getMessage().contains("--limit"), e.getMessage());
    }
}
