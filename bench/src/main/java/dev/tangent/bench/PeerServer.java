package dev.tangent.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A peer script of bench/peers run as a server with {@code --serve}: started once by a benchmark's trial setup (it
 * loads its data then says {@code ready}), then asked for one timed run at a time, one line each way, so that its
 * runs interleave with the benchmark's own. Also the small sample helpers the benchmarks' {@code # raw} lines use.
 */
final class PeerServer implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final BufferedWriter in;

    private PeerServer(String name, Process process) {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    }

    /** Starts {@code /usr/bin/python3 bench/peers/<script> args... --serve} and waits for its {@code ready}. */
    static PeerServer start(String script, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script(script).toString()));
        cmd.addAll(args);
        cmd.add("--serve");
        PeerServer p = new PeerServer(script, new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        String line = p.out.readLine();
        if (!"ready".equals(line)) {
            throw new IllegalStateException(script + " did not start (said " + line + ")");
        }
        return p;
    }

    /** Sends one command and returns the answer's lines: one line, or up to and including the line {@code end}. */
    List<String> ask(String command, String end) throws IOException {
        in.write(command + "\n");
        in.flush();
        List<String> lines = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            lines.add(line);
            if (end == null || line.equals(end)) {
                return lines;
            }
        }
        throw new IllegalStateException(name + " stopped (said " + lines + ")");
    }

    /** Closes its input, which ends its loop, and waits for it. */
    @Override
    public void close() throws IOException {
        in.close();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** bench/peers/{@code name}, relative to the repository root the benchmarks run from. */
    static Path script(String name) {
        Path script = Path.of("bench/peers", name);
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(script.toAbsolutePath() + " not found: run from the repository root");
        }
        return script;
    }

    /** Prints {@code # raw LABEL (PARAMS): v1 v2 ...}, the line bench/summarize.py reads. */
    static void raw(String label, String params, List<Double> v) {
        System.err.println("# raw " + label + " (" + params + "): " + join(v));
    }

    /** {@code median M s [min, max] (n)} of seconds. */
    static String summary(List<Double> v) {
        return String.format(Locale.ROOT, "median %.3f s [%.3f, %.3f] (%d)", median(v), min(v), max(v), v.size());
    }

    /** The values separated by single spaces. */
    static String join(List<Double> v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.isEmpty() ? "" : " ").append(x);
        }
        return b.toString();
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Comparator.naturalOrder());
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
