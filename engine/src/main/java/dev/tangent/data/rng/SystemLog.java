package dev.tangent.data.rng;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The C library's {@code log}, the function numpy's random C code calls, reached by an FFM downcall, so the Gaussian
 * and exponential streams round exactly as numpy's do on the same machine (glibc's {@code log} is not correctly
 * rounded: it differs from the correctly rounded result in about 4 calls in 10 000, and {@link Math#log} differs from
 * both). Where the symbol cannot be linked, {@link CorrectlyRoundedLog} stands in and {@link #source()} says so.
 */
final class SystemLog {
    private static final MethodHandle LOG;
    private static final String SOURCE;

    static {
        MethodHandle handle = null;
        String source;
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> symbol = linker.defaultLookup().find("log");
            if (symbol.isPresent()) {
                handle = linker.downcallHandle(symbol.get(),
                        FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE), Linker.Option.critical(false));
                source = "C library log (FFM downcall)";
            } else {
                source = "correctly rounded Java log (no C symbol 'log' in the default lookup)";
            }
        } catch (RuntimeException | LinkageError e) {
            handle = null;
            source = "correctly rounded Java log (C log not linkable: " + e.getMessage() + ")";
        }
        LOG = handle;
        SOURCE = source;
    }

    private SystemLog() {
    }

    /** Which logarithm {@link #log} uses, in words. */
    static String source() {
        return SOURCE;
    }

    /** True when {@link #log} calls the C library. */
    static boolean isNative() {
        return LOG != null;
    }

    static double log(double x) {
        if (LOG == null) {
            return CorrectlyRoundedLog.log(x);
        }
        try {
            return (double) LOG.invokeExact(x);
        } catch (Throwable t) {
            throw new IllegalStateException("C log downcall failed", t);
        }
    }
}
