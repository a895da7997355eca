package dev.tangent.fuzz;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A short, deterministic, seeded random-mutation fuzz run of every parser in the normal test suite (Jazzer's
 * regression mode only replays seeds): the Jazzer seeds are mutated (bit flips, interesting bytes and integers,
 * deleted, duplicated and inserted ranges, splices of two seeds, long or negative numbers in place of digit runs)
 * and each mutant must either parse or fail with a TangentException. {@code -Dtangent.fuzz.iterations=N} (default
 * 1500 per target) makes it longer; {@code -Dtangent.fuzz.seed=S} changes the sequence.
 */
class ParserMutationTest {
    private static final byte[] INTERESTING_BYTES = " \t\r\n:,;\"#+-.eE019\u0000\u007f".getBytes(StandardCharsets.ISO_8859_1);
    private static final int[] INTERESTING_INTS = {0, 1, -1, 2, 255, 256, 65535, 1 << 24, Integer.MAX_VALUE,
        Integer.MIN_VALUE, 0x803, 0x801, 28};
    private static final String[] NUMBERS = {"0", "-1", "2147483647", "2147483648", "99999999999999999999",
        "1e400", "1e-400", "nan", "-inf", ".", "1e", "+", "0x10", "4294967296", "1E308"};
    private static final int MAX_LENGTH = 4096;

    @TempDir
    Path dir;

    private static List<byte[]> seeds(Targets target) throws IOException, URISyntaxException {
        Path seedDir = Path.of(ParserFuzzTest.class.getResource("ParserFuzzTestInputs/" + target.method()).toURI());
        List<byte[]> out = new ArrayList<>();
        try (var files = Files.list(seedDir)) {
            for (Path p : files.sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Targets.class)
    void mutantsParseOrFailWithTangentException(Targets target) throws Exception {
        List<byte[]> seeds = seeds(target);
        assertFalse(seeds.isEmpty(), "no seeds for " + target);
        int iterations = Integer.getInteger("tangent.fuzz.iterations", 1500);
        SplittableRandom r = new SplittableRandom(Long.getLong("tangent.fuzz.seed", 20_250_101L) + target.ordinal());
        Path file = dir.resolve(target.method());
        for (byte[] seed : seeds) {
            target.run(file, seed);
        }
        for (int i = 0; i < iterations; i++) {
            byte[] input = seeds.get(r.nextInt(seeds.size()));
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                input = mutate(input, seeds, r);
            }
            try {
                target.run(file, input);
            } catch (Throwable t) {
                fail(target + " iteration " + i + ": " + t + " on input (base64) "
                        + Base64.getEncoder().encodeToString(input), t);
            }
        }
    }

    static byte[] mutate(byte[] in, List<byte[]> seeds, SplittableRandom r) {
        byte[] b = in.clone();
        int n = b.length;
        switch (r.nextInt(9)) {
            case 0 -> {
                if (n > 0) {
                    b[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                if (n > 0) {
                    b[r.nextInt(n)] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
                }
            }
            case 2 -> {
                if (n > 0) {
                    int at = r.nextInt(n);
                    int len = 1 + r.nextInt(Math.min(16, n - at));
                    b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + len, n));
                }
            }
            case 3 -> {
                if (n > 0) {
                    int at = r.nextInt(n);
                    int len = 1 + r.nextInt(Math.min(64, n - at));
                    int to = r.nextInt(n + 1);
                    b = concat(concat(Arrays.copyOf(b, to), Arrays.copyOfRange(b, at, at + len)), Arrays.copyOfRange(b, to, n));
                }
            }
            case 4 -> {
                byte[] junk = new byte[1 + r.nextInt(8)];
                r.nextBytes(junk);
                int to = r.nextInt(n + 1);
                b = concat(concat(Arrays.copyOf(b, to), junk), Arrays.copyOfRange(b, to, n));
            }
            case 5 -> {
                if (n >= 4) {
                    int v = r.nextBoolean() ? INTERESTING_INTS[r.nextInt(INTERESTING_INTS.length)] : r.nextInt();
                    int at = r.nextInt(n - 3);
                    boolean big = r.nextBoolean();
                    for (int k = 0; k < 4; k++) {
                        b[at + k] = (byte) (v >>> (big ? 24 - 8 * k : 8 * k));
                    }
                }
            }
            case 6 -> {
                byte[] other = seeds.get(r.nextInt(seeds.size()));
                b = concat(Arrays.copyOf(b, r.nextInt(n + 1)), Arrays.copyOfRange(other, r.nextInt(other.length + 1), other.length));
            }
            case 7 -> b = Arrays.copyOf(b, r.nextInt(n + 1));
            default -> {
                int at = n == 0 ? 0 : r.nextInt(n);
                int end = at;
                while (end < n && b[end] >= '0' && b[end] <= '9') {
                    end++;
                }
                byte[] num = NUMBERS[r.nextInt(NUMBERS.length)].getBytes(StandardCharsets.US_ASCII);
                b = concat(concat(Arrays.copyOf(b, at), num), Arrays.copyOfRange(b, end, n));
            }
        }
        return b.length > MAX_LENGTH ? Arrays.copyOf(b, MAX_LENGTH) : b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
