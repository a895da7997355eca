package dev.tangent.cli;

import dev.tangent.data.Normalization;
import dev.tangent.experiment.BenchWorkflow;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.function.Function;

/** picocli converters for the engine's value types, with one-line messages. */
final class Converters {
    private Converters() {
    }

    private static <T> T convert(String value, Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static final class Kind implements ITypeConverter<KernelSpec.Kind> {
        @Override
        public KernelSpec.Kind convert(String value) {
            return Converters.convert(value, KernelSpec.Kind::parse);
        }
    }

    static final class Type implements ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            return Converters.convert(value, DType::parse);
        }
    }

    static final class Norm implements ITypeConverter<Normalization> {
        @Override
        public Normalization convert(String value) {
            return Converters.convert(value, Normalization::parse);
        }
    }

    static final class BenchInputs implements ITypeConverter<BenchWorkflow.Inputs> {
        @Override
        public BenchWorkflow.Inputs convert(String value) {
            return Converters.convert(value, BenchWorkflow.Inputs::parse);
        }
    }
}
