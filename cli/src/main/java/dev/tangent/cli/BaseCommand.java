package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProviders;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.Provenance;
import dev.tangent.experiment.Reporter;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every command shares: the progress bar on a terminal (and the interrupt line), the rules for options that do
 * not apply or exclude each other (one-line errors naming both), and the {@link Context} a workflow runs in, with the
 * {@link Provenance} its run.json records.
 */
abstract class BaseCommand implements Runnable {
    @Spec
    CommandSpec spec;

    private ProgressBar bar;

    @Override
    public final void run() {
        bar = new ProgressBar(err(), name());
        Interrupts.begin(name(), bar);
        try {
            execute();
        } finally {
            bar.close();
            Interrupts.end();
        }
    }

    /** The command's work: check options, call one engine entry point, report. */
    abstract void execute();

    /** "tangent data export", say. */
    final String name() {
        return spec.qualifiedName(" ");
    }

    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Whether the option was given on the command line. */
    final boolean given(String option) {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        return pr != null && pr.hasMatchedOption(option);
    }

    /** Fails when {@code option} was given although it does not apply ({@code why}: "to --method krr", say). */
    final void notApplicable(String option, String why) {
        if (given(option)) {
            throw new TangentException(option + " does not apply " + why);
        }
    }

    /** Fails when {@code option} was given without {@code needed}. */
    final void needs(String option, String needed) {
        if (given(option)) {
            throw new TangentException(option + " needs " + needed);
        }
    }

    /** Fails when both were given. */
    final void exclusive(String a, String b, String why) {
        if (given(a) && given(b)) {
            throw new TangentException(a + " and " + b + " exclude each other: " + why);
        }
    }

    /** The provider (announced on stderr when it fell back, or always with --verbose) and the run's provenance and reporter. */
    final Context context(BackendOptions compute) {
        return context(compute, 256);
    }

    /** The same with the Gram's tile edge. */
    final Context context(BackendOptions compute, int tile) {
        KernelProviders.Selection sel = compute.select(tile);
        if (sel.fellBack() || verbose()) {
            err().println(name() + ": " + sel.reason());
        }
        return new Context(sel.provider(), provenance(), reporter());
    }

    final boolean verbose() {
        return spec.root().userObject() instanceof Main m && m.verbose;
    }

    /** Progress on a terminal, notes on stderr. */
    final Reporter reporter() {
        return new Reporter() {
            @Override
            public void progress(String phase, String unit, long done, long total) {
                bar.update(phase, unit, done, total);
            }

            @Override
            public void note(String line) {
                bar.clear();
                err().println(name() + ": " + line);
            }
        };
    }

    /** Version, commit, the full command line and every resolved option (given, defaulted or set from a config file). */
    final Provenance provenance() {
        Map<String, Object> options = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            options.put(o.longestName(), value(o));
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            options.put(p.paramLabel(), value(p));
        }
        String[] args = spec.root().userObject() instanceof Main m ? m.args : new String[0];
        StringBuilder line = new StringBuilder("tangent");
        for (String a : args) {
            line.append(' ').append(quote(a));
        }
        return new Provenance(BuildInfo.CURRENT.version(), BuildInfo.CURRENT.commit(), line.toString(), options);
    }

    private static Object value(ArgSpec a) {
        Object v = a.getValue();
        return json(v);
    }

    private static Object json(Object v) {
        return switch (v) {
            case null -> null;
            case Number n -> n;
            case Boolean b -> b;
            case Path p -> p.toString();
            case Enum<?> e -> e.toString().equals(e.name()) ? e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') : e.toString();
            case int[] arr -> arr;
            case double[] arr -> arr;
            case Collection<?> c -> {
                List<Object> l = new ArrayList<>();
                for (Object o : c) {
                    l.add(json(o));
                }
                yield l;
            }
            default -> v.toString();
        };
    }

    /** A shell word: as is when safe, else in single quotes. */
    static String quote(String a) {
        if (!a.isEmpty() && a.matches("[A-Za-z0-9_./:=,+@%-]+")) {
            return a;
        }
        return "'" + a.replace("'", "'\\''") + "'";
    }
}
