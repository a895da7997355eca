package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A symmetric n × n Gram stored as row blocks (a block Gram, computed one block per task on a cluster): a directory
 * holding, for each block of rows [from, to), the file {@code rows-FROM-TO.npy} with that block's upper trapezoid —
 * rows [from, to), columns [from, n), a (to − from) × (n − from) C-order array of the Gram's dtype — and the index
 * {@value #INDEX} (JSON: format, shape, dtype, kernel spec, panel height, blocks with their row ranges, files and
 * SHA-256 checksums). Each block file is written complete or not at all (temp file, rename); the index is written
 * last, once every block is there, so a directory with an index is a complete Gram and one without is unfinished
 * (its finished blocks are reused when the job runs again). The columns left of a block are the transpose of the
 * blocks above it: {@link #readInto} fills them, so the matrix read back equals the single-process Gram bit for bit
 * (its lower triangle is exactly the transpose of its upper one).
 */
public final class GramShards {
    /** The index file of a complete block Gram. */
    public static final String INDEX = "index.json";
    /** The value of the index's {@code format} field. */
    public static final String FORMAT = "tangent-gram-shards";

    private GramShards() {
    }

    /** One block: rows [from, to) of the Gram, columns [from, n), in {@code file} (relative to the directory). */
    public record Block(int from, int to, String file, String sha256) implements java.io.Serializable {
    }

    /** The contents of {@value #INDEX}. */
    public record Index(int n, DType dtype, String spec, int panelRows, String input, List<Block> blocks) {
    }

    /** The file name of the block of rows [from, to). */
    public static String fileName(int from, int to) {
        return String.format(Locale.ROOT, "rows-%08d-%08d.npy", from, to);
    }

    /**
     * The row ranges of the blocks of an n-row Gram: {@code blockRows} rows each (a multiple of {@code panelRows}, so
     * that blocks start on the provider's panel boundaries), the last one shorter.
     */
    public static List<int[]> plan(int n, int panelRows, int blockRows) {
        if (panelRows <= 0 || blockRows <= 0 || blockRows % panelRows != 0) {
            throw new IllegalArgumentException("block rows " + blockRows + " are not a positive multiple of the panel height " + panelRows);
        }
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < n; from += blockRows) {
            out.add(new int[] {from, Math.min(n, from + blockRows)});
        }
        return out;
    }

    /** Whether {@code p} is a directory holding a block Gram's index (a complete block Gram). */
    public static boolean isShardDirectory(Path p) {
        return Files.isDirectory(p) && Files.isRegularFile(p.resolve(INDEX));
    }

    /**
     * A finished block in {@code dir} (its file is there with the expected shape and dtype), with its checksum; null
     * when the block is still to be computed. A partly written block is never seen: blocks appear by rename.
     */
    public static Block existing(Path dir, int from, int to, int n, DType dtype) {
        Path f = dir.resolve(fileName(from, to));
        if (!Files.isRegularFile(f)) {
            return null;
        }
        Npy.Header h = Npy.readHeader(f);
        if (!h.descr().equals(dtype.npyDescr()) || h.shape().length != 2 || h.shape()[0] != to - from || h.shape()[1] != n - from
                || h.fortranOrder()) {
            throw new TangentException(f + ": holds a " + h.descr() + " array of shape " + h.shapeString() + ", expected ("
                    + (to - from) + ", " + (n - from) + ") " + dtype.npyDescr() + " (a block of another Gram: use a new output directory)");
        }
        return new Block(from, to, f.getFileName().toString(), Digest.sha256(f));
    }

    /** Writes the index, atomically: the directory is a complete block Gram from then on. */
    public static void writeIndex(Path dir, Index index) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", 1);
        m.put("shape", List.of(index.n(), index.n()));
        m.put("dtype", index.dtype().npyDescr());
        m.put("spec", index.spec());
        m.put("panel_rows", index.panelRows());
        m.put("input", index.input());
        m.put("layout", "block b holds rows [from, to) and columns [from, n) (the upper trapezoid); K is symmetric");
        List<Object> blocks = new ArrayList<>();
        for (Block b : index.blocks()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("rows", List.of(b.from(), b.to()));
            e.put("file", b.file());
            e.put("sha256", b.sha256());
            blocks.add(e);
        }
        m.put("blocks", blocks);
        Json.writeFile(dir.resolve(INDEX), m);
    }

    /** Reads and checks the index of a block Gram; the blocks must cover rows [0, n) in order. */
    public static Index readIndex(Path dir, String option) {
        String who = (option.isEmpty() ? "" : option + " ") + dir;
        Path f = dir.resolve(INDEX);
        if (!Files.isRegularFile(f)) {
            throw new TangentException(who + ": no " + INDEX + " (not a block Gram, or one whose job has not finished)");
        }
        try {
            Object parsed = Json.parse(Files.readString(f, StandardCharsets.UTF_8));
            if (!(parsed instanceof Map<?, ?> m) || !FORMAT.equals(m.get("format"))) {
                throw new TangentException(who + ": " + INDEX + " is not a " + FORMAT + " index");
            }
            List<?> shape = (List<?>) m.get("shape");
            int n = ((Number) shape.get(0)).intValue();
            if (shape.size() != 2 || ((Number) shape.get(1)).intValue() != n) {
                throw new TangentException(who + ": " + INDEX + " shape " + shape + ", expected a square [n, n]");
            }
            String descr = (String) m.get("dtype");
            DType dtype = descr.equals(DType.F32.npyDescr()) ? DType.F32 : descr.equals(DType.F64.npyDescr()) ? DType.F64 : null;
            if (dtype == null) {
                throw new TangentException(who + ": " + INDEX + " dtype " + descr + ", expected <f4 or <f8");
            }
            List<Block> blocks = new ArrayList<>();
            int next = 0;
            for (Object o : (List<?>) m.get("blocks")) {
                Map<?, ?> e = (Map<?, ?>) o;
                List<?> rows = (List<?>) e.get("rows");
                Block b = new Block(((Number) rows.get(0)).intValue(), ((Number) rows.get(1)).intValue(), (String) e.get("file"),
                        (String) e.get("sha256"));
                if (b.from() != next || b.to() <= b.from() || b.to() > n || b.file().contains("/") || b.file().contains("\\")) {
                    throw new TangentException(who + ": " + INDEX + " block rows [" + b.from() + ", " + b.to() + ") in " + b.file()
                            + ", expected the next block to start at row " + next + " inside [0, " + n + ")");
                }
                next = b.to();
                blocks.add(b);
            }
            if (next != n) {
                throw new TangentException(who + ": " + INDEX + " blocks cover rows [0, " + next + "), expected [0, " + n + ")");
            }
            Object pr = m.get("panel_rows");
            return new Index(n, dtype, (String) m.get("spec"), pr == null ? 0 : ((Number) pr).intValue(), (String) m.get("input"), blocks);
        } catch (IOException e) {
            throw new TangentException(who + ": cannot read " + INDEX + ": " + e.getMessage(), e);
        } catch (ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
            throw new TangentException(who + ": " + INDEX + " is malformed (" + e.getClass().getSimpleName() + "); expected a "
                    + FORMAT + " index", e);
        }
    }

    /** The header a reader of the assembled Gram sees: n × n of the stored dtype. */
    public static Npy.Header header(Path dir, String option) {
        Index ix = readIndex(dir, option);
        return new Npy.Header(ix.dtype().npyDescr(), false, new long[] {ix.n(), ix.n()}, 0);
    }

    /** The whole Gram of a block directory as a new n × n matrix of type {@code to}. */
    public static Matrix read(Path dir, DType to, String option) {
        Index ix = readIndex(dir, option);
        String who = (option.isEmpty() ? "" : option + " ") + dir;
        MemoryBudget.require(Matrix.byteSize(ix.n(), ix.n(), to), who + " (" + ix.n() + " x " + ix.n() + " " + to + ")");
        Matrix out = Matrix.allocate(ix.n(), ix.n(), to);
        try {
            readInto(dir, ix, out, option);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /**
     * Fills {@code out} (n × n) from the blocks: each block's trapezoid into its place, and each entry right of the
     * block's own square also transposed below it. Every block file is checked against its checksum first.
     */
    public static void readInto(Path dir, Index ix, Matrix out, String option) {
        String who = (option.isEmpty() ? "" : option + " ") + dir;
        int n = ix.n();
        if (out.rows() != n || out.cols() != n) {
            throw new IllegalArgumentException("output is " + out.rows() + "x" + out.cols() + ", expected " + n + "x" + n);
        }
        for (Block b : ix.blocks()) {
            Path f = dir.resolve(b.file());
            if (!Files.isRegularFile(f)) {
                throw new TangentException(who + ": block file " + b.file() + " (rows " + b.from() + " to " + b.to() + ") is missing");
            }
            if (b.sha256() != null && !Digest.sha256(f).equals(b.sha256())) {
                throw new TangentException(who + ": " + b.file() + ": checksum mismatch (changed or corrupted since the index was written)");
            }
            int h = b.to() - b.from();
            int w = n - b.from();
            try (Matrix block = Npy.readMatrix(f, out.dtype(), option)) {
                if (block.rows() != h || block.cols() != w) {
                    throw new TangentException(who + ": " + b.file() + " is " + block.rows() + " x " + block.cols() + ", expected "
                            + h + " x " + w);
                }
                block.copyInto(out.view(b.from(), b.from(), h, w));
                int t = 64; // the mirror below the block, in t × t tiles (both sides stay in cache)
                for (int i0 = 0; i0 < h; i0 += t) {
                    for (int j0 = h; j0 < w; j0 += t) {
                        for (int j = j0; j < Math.min(w, j0 + t); j++) {
                            for (int i = i0; i < Math.min(h, i0 + t); i++) {
                                out.set(b.from() + j, b.from() + i, block.get(i, j));
                            }
                        }
                    }
                }
            }
        }
    }

    /** Writes the Gram of a block directory as one C-order {@code .npy} at {@code target} (temp file, rename). */
    public static void assemble(Path dir, Path target, String option) {
        Index ix = readIndex(dir, option);
        AtomicFile.checkWritable(target, "--out");
        try (Npy.MappedOutput out = Npy.createMapped(target, ix.n(), ix.n(), ix.dtype())) {
            readInto(dir, ix, out.matrix(), option);
            out.commit();
        }
    }
}
