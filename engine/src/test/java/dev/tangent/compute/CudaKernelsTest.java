package dev.tangent.compute;

import dev.tangent.RepositoryData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What can be checked of the CUDA kernels without a GPU: the committed fatbin is the one its manifest names and the
 * manifest names the kernel sources as they are now (native/build.sh regenerates both); the launch table
 * {@link CudaKernels#SIGNATURES} is the kernels' parameter lists as declared in native/tangent_kernels.cu; and each
 * launch packs its values, in order and type, into the pointer array cuLaunchKernel reads.
 */
class CudaKernelsTest {
    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> manifest() throws IOException {
        try (InputStream in = CudaDevice.class.getResourceAsStream("tangent_kernels.manifest")) {
            assertNotNull(in, "tangent_kernels.manifest on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
        }
    }

    @Test
    void theCommittedFatbinMatchesItsSources() throws IOException {
        List<String> lines = manifest();
        int sources = 0;
        for (String l : lines) {
            String[] f = l.split(" ", 3);
            if (f[0].equals("source")) {
                Path src = RepositoryData.root().resolve(f[2]);
                assertEquals(f[1], sha256(Files.readAllBytes(src)), src + " changed since native/build.sh made the fatbin: run native/build.sh");
                sources++;
            }
        }
        assertEquals(2, sources, "the manifest names the .cu and the .cuh");
        byte[] fatbin;
        try (InputStream in = CudaDevice.class.getResourceAsStream(CudaDevice.FATBIN)) {
            assertNotNull(in, CudaDevice.FATBIN + " on the classpath");
            fatbin = in.readAllBytes();
        }
        String recorded = lines.stream().filter(l -> l.startsWith("fatbin ")).findFirst().orElseThrow().substring(7);
        assertEquals(recorded, sha256(fatbin), "the fatbin is not the one native/build.sh recorded");
        // a fatbin container starts with its magic 0xBA55ED50 (little-endian) and names every kernel in its ELF images
        assertEquals(0xBA55ED50, MemorySegment.ofArray(fatbin).get(ValueLayout.JAVA_INT_UNALIGNED, 0));
        String text = new String(fatbin, StandardCharsets.ISO_8859_1);
        for (String k : CudaKernels.SIGNATURES.keySet()) {
            assertTrue(text.contains(k), "the fatbin holds " + k);
        }
    }

    /** Every {@code extern "C" __global__} kernel of the .cu with its parameters as kinds (p, i, l, d, f). */
    static Map<String, String> declared() throws IOException {
        String src = Files.readString(RepositoryData.root().resolve("native/tangent_kernels.cu"));
        Matcher m = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)").matcher(src);
        Map<String, String> out = new LinkedHashMap<>();
        while (m.find()) {
            StringBuilder kinds = new StringBuilder();
            for (String p : m.group(2).split(",")) {
                String t = p.strip().replaceAll("\\s+", " ");
                kinds.append(t.contains("*") ? 'p' : t.startsWith("long long ") ? 'l' : t.startsWith("int ") ? 'i'
                        : t.startsWith("double ") ? 'd' : t.startsWith("float ") ? 'f' : '?');
            }
            out.put(m.group(1), kinds.toString());
        }
        return out;
    }

    @Test
    void theLaunchTableIsTheKernelsDeclarations() throws IOException {
        Map<String, String> declared = declared();
        assertEquals(13, declared.size(), "kernels found in the .cu: " + declared.keySet());
        assertEquals(declared, Map.copyOf(CudaKernels.SIGNATURES));
    }

    /** A launcher that keeps what it was given (the parameter values read back through the pointer array). */
    static final class Recorder implements CudaKernels.Launcher {
        final List<String> kernels = new ArrayList<>();
        final List<int[]> geometry = new ArrayList<>();
        final List<long[]> values = new ArrayList<>();

        @Override
        public void launch(String kernel, int gridX, int gridY, int blockX, int blockY, int sharedBytes, MemorySegment params) {
            String kinds = CudaKernels.SIGNATURES.get(kernel);
            long[] v = new long[kinds.length()];
            for (int k = 0; k < v.length; k++) {
                MemorySegment slot = params.getAtIndex(ValueLayout.ADDRESS, k).reinterpret(8);
                v[k] = switch (kinds.charAt(k)) {
                    case 'i' -> slot.get(ValueLayout.JAVA_INT, 0);
                    case 'f' -> Float.floatToRawIntBits(slot.get(ValueLayout.JAVA_FLOAT, 0));
                    default -> slot.get(ValueLayout.JAVA_LONG, 0);
                };
            }
            kernels.add(kernel);
            geometry.add(new int[] {gridX, gridY, blockX, blockY, sharedBytes});
            values.add(v);
        }
    }

    @Test
    void launchesPackTheirValuesInOrder() {
        Recorder r = new Recorder();
        CudaKernels k = new CudaKernels(r);
        // a 100 × 70 symmetric block starting at row 64: 3 × 4 tiles of 32
        CudaKernels.Block b = new CudaKernels.Block(0x1000, 70, 0x2000, 100, 100, 70, 64, 0, true, 0x3000);
        k.mapLayers(false, b, 0x4000, 5, true, 0.25, 0x5000, 1000, 0x6000, 1001);
        assertEquals("tangent_map_layers_f32", r.kernels.get(0));
        assertArrayEquals(new int[] {3, 4, 32, 8, 0}, r.geometry.get(0));
        assertArrayEquals(new long[] {0x1000, 70, 0x2000, 100, 100, 70, 64, 0, 1, 0x3000, 0x4000, 5, 1, Double.doubleToRawLongBits(0.25),
                0x5000, 1000, 0x6000, 1001}, r.values.get(0));

        k.mapHomogeneous(true, new CudaKernels.Block(0x10, 9, 0, 0, 5, 9, 0, 0, false, 0), 0x20, 0x30, 0x40, 0x50, 0x60, 14);
        assertEquals("tangent_map_hom_f64", r.kernels.get(1));
        assertArrayEquals(new int[] {1, 1, 32, 8, 0}, r.geometry.get(1));
        assertArrayEquals(new long[] {0x10, 9, 0, 0, 5, 9, 0, 0, 0, 0, 0x20, 0x30, 0x40, 0x50, 0x60, 14}, r.values.get(1));

        k.matvec(true, 0x70, 300, 300, 299, 0x80, 0x90);
        assertArrayEquals(new int[] {38, 1, 256, 1, 0}, r.geometry.get(2), "one warp per row: 300 rows in blocks of 8 warps");
        assertArrayEquals(new long[] {0x70, 300, 300, 299, 0x80, 0x90}, r.values.get(2));

        k.gather(false, 0xa0, 77, 0xb0, 3, 0xc0, 4, 0xd0);
        assertArrayEquals(new long[] {0xa0, 77, 0xb0, 3, 0xc0, 4, 0xd0}, r.values.get(3));
        k.shifted(false, 0xe0, 10, 0xf0, 11, 10, 10, -0.5);
        assertArrayEquals(new long[] {0xe0, 10, 0xf0, 11, 10, 10, Double.doubleToRawLongBits(-0.5)}, r.values.get(4));
        k.transpose(0x100, 7, 0x200, 5, 5, 7);
        assertArrayEquals(new int[] {1, 1, 32, 8, 0}, r.geometry.get(5));

        CudaKernels.Interval c = new CudaKernels.Interval(784, CudaIntervals.TWO_LAYER_SOUND, 0x300, 3, true, 1.0 / 784, 2, 1.0);
        k.intervalBounds(12, 1000, 0x400, 1000, 0x500, 0x600, 0x700, c, 0x800, 0x900, 1000);
        assertArrayEquals(new int[] {4, 12, 256, 1, 0}, r.geometry.get(6));
        assertArrayEquals(new long[] {12, 1000, 0x400, 1000, 0x500, 0x600, 0x700, 784, 1, 0x300, 3, 1, Double.doubleToRawLongBits(1.0 / 784), 2,
                Double.doubleToRawLongBits(1.0), 0x800, 0x900, 1000}, r.values.get(6));
        k.intervalMargin(12, 1000, 0x400, 1000, 0x500, 0x600, 0x650, 0x700, 0x750, 0.125, c, 0x800);
        assertArrayEquals(new int[] {12, 1, 256, 1, 0}, r.geometry.get(7));
        assertEquals(Double.doubleToRawLongBits(0.125), r.values.get(7)[9]);
    }

    @Test
    void argumentsOfTheWrongKindOrCountAreRefused() {
        try (Arena a = Arena.ofConfined()) {
            CudaKernels.Args x = new CudaKernels.Args(a, "tangent_matvec_f64").p(1);
            assertThrows(IllegalStateException.class, () -> x.i(2)); // the second parameter is a long long
            CudaKernels.Args y = new CudaKernels.Args(a, "tangent_matvec_f64").p(1).l(2).i(3);
            assertThrows(IllegalStateException.class, y::done);
            assertThrows(IllegalArgumentException.class, () -> new CudaKernels.Args(a, "tangent_no_such_kernel"));
        }
        assertThrows(IllegalArgumentException.class, () -> new CudaKernels.Block(0, 1, 0, 1, 1, 1, 16, 0, true, 0),
                "symmetric blocks must start on the tile grid");
        assertFalse(CudaKernels.SIGNATURES.isEmpty());
    }
}
