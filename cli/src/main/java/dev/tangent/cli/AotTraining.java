package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The training run behind the launcher's AOT cache (JDK 25, JEPs 483/514/515): {@code ./tangent} runs this once after
 * each build under {@code -XX:AOTCacheOutput}, so that later processes start with the CLI's and the kernels' classes
 * already loaded and linked, their lambdas spun and their methods profiled. It runs the commands people start
 * most — help, version, info and Grams of a small centred input in both dtypes — with their output discarded, in a
 * temporary folder it removes. Not a user command: {@code java -cp tangent.jar dev.tangent.cli.AotTraining}.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true);
        Path dir = Files.createTempDirectory("tangent-aot-training");
        try {
            Path x = dir.resolve("x.npy");
            int n = 1500;
            int d = 784;
            SplittableRandom r = new SplittableRandom(7);
            try (Matrix m = Matrix.allocate(n, d, DType.F32)) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        m.set(i, j, i % 3 == 0 ? r.nextDouble() : r.nextDouble(-1, 1)); // one-sided and centred rows
                    }
                }
                Npy.write(x, m);
            }
            String[][] runs = {
                {"--version"}, {"--help"}, {"info"}, {"gram", "--help"},
                {"gram", "--x", x.toString(), "--depth", "2", "--dtype", "f32", "--out", dir.resolve("k32.npy").toString()},
                {"gram", "--x", x.toString(), "--depth", "2", "--dtype", "f64", "--out", dir.resolve("k64.npy").toString()},
                {"gram", "--x", x.toString(), "--depth", "1", "--kind", "nngp", "--out", dir.resolve("k1.npy").toString()},
            };
            int failed = 0;
            for (String[] run : runs) {
                if (Main.run(run, sink, sink) != 0) {
                    System.err.println("tangent AOT training: '" + String.join(" ", run) + "' failed");
                    failed++;
                }
            }
            if (failed > 0) {
                System.exit(1);
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
