package dev.tangent.compute;

import dev.tangent.TestData;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Block transposition and mirroring against their definitions, on strided views of every small shape. */
class BlocksTest {
    @ParameterizedTest
    @EnumSource(DType.class)
    void transposeIntoMatchesDefinitionOnStridedViews(DType t) {
        try (Matrix src = TestData.uniform(23, 19, t, 5); Matrix dst = Matrix.allocate(21, 25, t)) {
            for (int r = 1; r <= 13; r++) {
                for (int c = 1; c <= 13; c++) {
                    Matrix s = src.view(3, 2, r, c);
                    Matrix d = dst.view(5, 7, c, r);
                    Blocks.transposeInto(s, d);
                    for (int i = 0; i < r; i++) {
                        for (int j = 0; j < c; j++) {
                            assertEquals(s.get(i, j), d.get(j, i), r + "x" + c + " [" + i + "][" + j + "]");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void mirrorCopiesUpperOntoLower(DType t) {
        try (Matrix a = TestData.uniform(17, 17, t, 9)) {
            Matrix v = a.view(1, 2, 14, 14);
            double[][] before = new double[14][14];
            for (int i = 0; i < 14; i++) {
                for (int j = 0; j < 14; j++) {
                    before[i][j] = v.get(i, j);
                }
            }
            Blocks.mirrorUpperToLower(v);
            for (int i = 0; i < 14; i++) {
                for (int j = 0; j < 14; j++) {
                    assertEquals(before[Math.min(i, j)][Math.max(i, j)], v.get(i, j), "[" + i + "][" + j + "]");
                }
            }
        }
    }
}
