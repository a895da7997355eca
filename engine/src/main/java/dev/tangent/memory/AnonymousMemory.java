package dev.tangent.memory;

import dev.tangent.TangentException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Page-aligned anonymous memory straight from {@code mmap} (Linux), for large buffers that are reused in place while
 * a Gram streams to disk: pages are only backed once touched, so a reservation costs what is used of it, and nothing is
 * zeroed twice. Transparent huge pages are left to the system's policy: asking for them ({@code MADV_HUGEPAGE}) on a
 * kernel whose defrag setting is {@code madvise}, the common default, makes a first touch wait for memory compaction
 * when no huge page is free — measured on the Zen 5 VM of docs/BENCHMARKS.md, 2.35 ms per MiB against 0.36 with
 * 4 KiB pages, which cost a one-shot 10,000² Gram 0.15 s. Where mmap is not available the memory comes from an
 * {@link Arena}.
 */
public final class AnonymousMemory implements AutoCloseable {
    public static final long PAGE = 4096;
    private static final int PROT_RW = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;

    private record Libc(MethodHandle mmap, MethodHandle munmap) {
    }

    private static final Optional<Libc> LIBC = libc();

    private static Optional<Libc> libc() {
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup c = linker.defaultLookup();
            MethodHandle mmap = linker.downcallHandle(c.findOrThrow("mmap"), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG));
            MethodHandle munmap = linker.downcallHandle(c.findOrThrow("munmap"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            return Optional.of(new Libc(mmap, munmap));
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    private final MemorySegment segment;
    private final long address;
    private final long length;
    private final Arena arena;
    private boolean closed;

    private AnonymousMemory(MemorySegment segment, long address, long length, Arena arena) {
        this.segment = segment;
        this.address = address;
        this.length = length;
        this.arena = arena;
    }

    /** {@code bytes} of zeroed memory, page-aligned, after checking the request against the {@link MemoryBudget}. */
    public static AnonymousMemory allocate(long bytes, String what) {
        MemoryBudget.require(bytes, what);
        long len = Math.max(PAGE, (bytes + PAGE - 1) / PAGE * PAGE);
        if (LIBC.isPresent()) {
            long addr;
            try {
                addr = (long) LIBC.get().mmap().invokeExact(0L, len, PROT_RW, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap", t);
            }
            if (addr != -1L && addr != 0L) {
                return new AnonymousMemory(MemorySegment.ofAddress(addr).reinterpret(len), addr, len, null);
            }
        }
        Arena arena = Arena.ofShared();
        try {
            return new AnonymousMemory(arena.allocate(len, PAGE), -1, len, arena);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new TangentException(String.format(Locale.ROOT, "could not allocate %s for %s: %s", MemoryBudget.human(bytes), what,
                    e.getMessage()), e);
        }
    }

    public MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (arena != null) {
            arena.close();
            return;
        }
        try {
            int ignored = (int) LIBC.get().munmap().invokeExact(address, length);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap", t);
        }
    }
}
