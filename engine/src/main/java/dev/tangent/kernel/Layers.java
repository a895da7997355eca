package dev.tangent.kernel;

import dev.tangent.TangentException;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** The layers a kernel spec string may name, and the small helpers their parsers share. */
public final class Layers {
    private Layers() {
    }

    /** name → parser of the layer's numeric arguments. A new layer adds one line here. */
    private static final Map<String, Function<double[], Layer>> BY_NAME = new TreeMap<>(Map.of(
            "dense", Dense::of,
            "relu", ABRelu::relu,
            "abrelu", ABRelu::of,
            "leaky_relu", ABRelu::leaky,
            "erf", Erf::of,
            "poly", Poly::of));

    /** The names accepted in a spec string, sorted. */
    public static String names() {
        return String.join(", ", BY_NAME.keySet());
    }

    /** One layer from its name and arguments. */
    static Layer create(String name, double[] args) {
        Function<double[], Layer> f = BY_NAME.get(name);
        if (f == null) {
            throw new TangentException("unknown layer '" + name + "': expected one of " + names());
        }
        return f.apply(args);
    }

    static void arity(String name, double[] args, int min, int max) {
        if (args.length < min || args.length > max) {
            String expected = min == max ? String.valueOf(min) : min + " to " + max;
            throw new TangentException(name + ": " + expected + " argument" + (max == 1 ? "" : "s") + " expected, found " + args.length);
        }
    }

    /** A number as spec strings print it: 1 rather than 1.0, otherwise the shortest round-trip form. */
    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
