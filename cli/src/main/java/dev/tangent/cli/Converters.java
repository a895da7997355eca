package dev.tangent.cli;

import dev.tangent.data.Normalization;
import dev.tangent.experiment.BenchWorkflow;
import dev.tangent.experiment.BoundWorkflow;
import dev.tangent.experiment.CertifyWorkflow;
import dev.tangent.experiment.DataWorkflow;
import dev.tangent.experiment.PrepWorkflow;
import dev.tangent.experiment.TrainWorkflow;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.network.NetworkTrainer;
import dev.tangent.verify.IntervalKernel;
import dev.tangent.verify.NetworkCertifier;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The enum-valued options: each class is both the picocli converter (case-insensitive, a one-line error listing the
 * valid values) and the completion candidates that help texts list through {@code ${COMPLETION-CANDIDATES}}.
 */
final class Converters {
    private Converters() {
    }

    /** A closed set of spellings and their values; aliases convert but are not listed. */
    abstract static class Choice<T> implements ITypeConverter<T>, Iterable<String> {
        private final Map<String, T> values = new LinkedHashMap<>();
        private final List<String> listed = new ArrayList<>();

        final void add(String name, T value) {
            values.put(name, value);
            listed.add(name);
        }

        final void alias(String name, T value) {
            values.put(name, value);
        }

        @Override
        public T convert(String s) {
            T v = values.get(s.toLowerCase(Locale.ROOT));
            if (v == null) {
                throw new TypeConversionException("expected one of " + String.join(", ", listed) + ", found '" + s + "'");
            }
            return v;
        }

        @Override
        public Iterator<String> iterator() {
            return listed.iterator();
        }
    }

    /** An enum whose constants are spelled in lower case with '-' for '_' (or as its toString, when that is lower case). */
    abstract static class EnumChoice<E extends Enum<E>> extends Choice<E> {
        EnumChoice(Class<E> type) {
            for (E e : type.getEnumConstants()) {
                String s = e.toString();
                add(s.equals(s.toLowerCase(Locale.ROOT)) ? s : s.toLowerCase(Locale.ROOT).replace('_', '-'), e);
            }
        }
    }

    static final class Kinds extends EnumChoice<KernelSpec.Kind> {
        Kinds() {
            super(KernelSpec.Kind.class);
        }
    }

    static final class Types extends Choice<DType> {
        Types() {
            add("f64", DType.F64);
            add("f32", DType.F32);
        }
    }

    static final class Norms extends Choice<Normalization> {
        Norms() {
            for (Normalization n : new Normalization[] {Normalization.NONE, Normalization.UNIT, Normalization.MNIST, Normalization.STANDARD,
                    Normalization.SPHERE}) {
                add(n.toString(), n);
            }
        }
    }

    static final class Methods extends EnumChoice<TrainWorkflow.Method> {
        Methods() {
            super(TrainWorkflow.Method.class);
        }
    }

    static final class Decays extends EnumChoice<SubgradientSolver.Decay> {
        Decays() {
            super(SubgradientSolver.Decay.class);
        }
    }

    static final class Regularizers extends EnumChoice<NetworkTrainer.Regularizer> {
        Regularizers() {
            super(NetworkTrainer.Regularizer.class);
        }
    }

    /** Loss names of tangent equivalence (the engine builds the loss with --epsilon). */
    static final class Losses extends Choice<String> {
        Losses() {
            for (String s : new String[] {"hinge", "squared-hinge", "svr", "squared", "logistic"}) {
                add(s, s);
            }
        }
    }

    static final class GeneGrads extends EnumChoice<BoundWorkflow.GeneGrad> {
        GeneGrads() {
            super(BoundWorkflow.GeneGrad.class);
        }
    }

    static final class CertifyMethods extends EnumChoice<CertifyWorkflow.Method> {
        CertifyMethods() {
            super(CertifyWorkflow.Method.class);
        }
    }

    static final class NanModes extends EnumChoice<IntervalKernel.NanMode> {
        NanModes() {
            super(IntervalKernel.NanMode.class);
        }
    }

    static final class Centers extends EnumChoice<NetworkCertifier.Center> {
        Centers() {
            super(NetworkCertifier.Center.class);
        }
    }

    static final class Formats extends EnumChoice<DataWorkflow.Format> {
        Formats() {
            super(DataWorkflow.Format.class);
        }
    }

    static final class Conventions extends EnumChoice<dev.tangent.experiment.KrrWorkflow.Convention> {
        Conventions() {
            super(dev.tangent.experiment.KrrWorkflow.Convention.class);
        }
    }

    /** krr's and fit's --targets; {@code onehot}, krr's former spelling, still converts. */
    static final class TargetKinds extends EnumChoice<dev.tangent.experiment.TargetKind> {
        TargetKinds() {
            super(dev.tangent.experiment.TargetKind.class);
            alias("onehot", dev.tangent.experiment.TargetKind.ONE_HOT);
        }
    }

    static final class RidgeSolvers extends EnumChoice<dev.tangent.machine.RidgePlan.Family> {
        RidgeSolvers() {
            super(dev.tangent.machine.RidgePlan.Family.class);
        }
    }

    static final class PrepKinds extends EnumChoice<PrepWorkflow.Kind> {
        PrepKinds() {
            super(PrepWorkflow.Kind.class);
            alias("fmnist", PrepWorkflow.Kind.FMNIST_HF); // the reference code's dataset names
            alias("nfmnist", PrepWorkflow.Kind.FMNIST_LF);
        }
    }

    static final class FitModels extends EnumChoice<dev.tangent.experiment.FitWorkflow.ModelKind> {
        FitModels() {
            super(dev.tangent.experiment.FitWorkflow.ModelKind.class);
        }
    }

    static final class Solvers extends EnumChoice<dev.tangent.experiment.FitWorkflow.Solver> {
        Solvers() {
            super(dev.tangent.experiment.FitWorkflow.Solver.class);
        }
    }

    static final class FeatureCaches extends EnumChoice<dev.tangent.experiment.FitWorkflow.FeatureCache> {
        FeatureCaches() {
            super(dev.tangent.experiment.FitWorkflow.FeatureCache.class);
        }
    }

    static final class Shuffles extends EnumChoice<dev.tangent.network.BatchOrder.Shuffle> {
        Shuffles() {
            super(dev.tangent.network.BatchOrder.Shuffle.class);
        }
    }

    static final class RegGrids extends EnumChoice<dev.tangent.experiment.RegularizationGrid> {
        RegGrids() {
            super(dev.tangent.experiment.RegularizationGrid.class);
        }
    }

    /**
     * The compute backends this build has. A backend that may be missing at run time is listed with its availability
     * when it is added (a CUDA provider, say); today both run everywhere (OpenBLAS falls back with a reason).
     */
    static final class Backends extends Choice<String> {
        Backends() {
            add("auto", "auto");
            add("cuda", "cuda");
            add("openblas", "openblas");
            add("java", "java");
            add("scalar", "scalar");
        }
    }

    static final class BenchInputs extends EnumChoice<BenchWorkflow.Inputs> {
        BenchInputs() {
            super(BenchWorkflow.Inputs.class);
            alias("centered", BenchWorkflow.Inputs.CENTRED);
        }
    }
}
