package dev.tangent.memory;

import dev.tangent.TangentException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Checks a native allocation against the memory this process can still get (the smaller of the kernel's
 * MemAvailable and the cgroup v2 limit minus usage), so that a too-large request fails with a clear message
 * instead of an OutOfMemoryError or the OOM killer.
 */
public final class MemoryBudget {
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path CGROUP_MAX = Path.of("/sys/fs/cgroup/memory.max");
    private static final Path CGROUP_CURRENT = Path.of("/sys/fs/cgroup/memory.current");

    private MemoryBudget() {
    }

    /** Bytes available to this process now; {@code Long.MAX_VALUE} when it cannot be determined. */
    public static long availableBytes() {
        long avail = meminfoAvailable().orElse(Long.MAX_VALUE);
        OptionalLong max = readLong(CGROUP_MAX);
        OptionalLong cur = readLong(CGROUP_CURRENT);
        if (max.isPresent() && cur.isPresent()) {
            avail = Math.min(avail, Math.max(0, max.getAsLong() - cur.getAsLong()));
        }
        return avail;
    }

    /** Total physical memory in bytes (MemTotal), or -1 when unknown. */
    public static long totalBytes() {
        return meminfoField("MemTotal:").orElse(-1);
    }

    /**
     * Throws a {@link TangentException} when {@code bytes} more cannot be allocated.
     *
     * @param what what the memory is for, named in the message (e.g. "the 40000 x 40000 f32 Gram matrix")
     */
    public static void require(long bytes, String what) {
        long avail = availableBytes();
        if (bytes > avail) {
            throw new TangentException(String.format(Locale.ROOT,
                    "not enough memory for %s: it needs %s, but only %s is available", what, human(bytes), human(avail)));
        }
    }

    public static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "unknown";
        }
        double b = bytes;
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.2f %s", b, units[u]);
    }

    private static OptionalLong meminfoAvailable() {
        return meminfoField("MemAvailable:");
    }

    private static OptionalLong meminfoField(String key) {
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024L);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unreadable /proc: no budget
        }
        return OptionalLong.empty();
    }

    private static OptionalLong readLong(Path p) {
        try {
            String s = Files.readString(p).trim();
            return "max".equals(s) ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
