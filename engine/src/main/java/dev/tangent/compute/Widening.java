package dev.tangent.compute;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * f32 → f64 conversion of contiguous runs with the Vector API (the CPU provider's {@link BlockOps#widen}): a float
 * vector of half the preferred width converted lane by lane into a full double vector. Exact (every float is a double).
 */
final class Widening {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private Widening() {
    }

    /** dst[0..count) (doubles at byte offset dOff) = src[0..count) (floats at byte offset sOff). */
    static void widen(MemorySegment src, long sOff, MemorySegment dst, long dOff, int count) {
        int l = D.length();
        int j = 0;
        for (; j + l <= count; j += l) {
            FloatVector f = FloatVector.fromMemorySegment(F, src, sOff + 4L * j, NO);
            ((DoubleVector) f.convertShape(VectorOperators.F2D, D, 0)).intoMemorySegment(dst, dOff + 8L * j, NO);
        }
        for (; j < count; j++) {
            dst.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, dOff + 8L * j, src.get(ValueLayout.JAVA_FLOAT_UNALIGNED, sOff + 4L * j));
        }
    }
}
