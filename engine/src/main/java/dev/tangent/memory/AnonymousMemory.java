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
 * a Gram streams to disk: transparent huge pages can be requested ({@code madvise(MADV_HUGEPAGE)}: one fault per 2 MiB
 * instead of per 4 KiB), and pages are only backed once touched, so a reservation costs what is used of it. Where mmap
 * is not available the memory comes from an {@link Arena} and the advice is skipped.
 */
public final class AnonymousMemory implements AutoCloseable {
    public static final long PAGE = 4096;
    private static final int PROT_RW = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final int MADV_HUGEPAGE = 14;

    private record Libc(MethodHandle mmap, MethodHandle munmap, MethodHandle madvise) {
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
            MethodHandle madvise = linker.downcallHandle(c.findOrThrow("madvise"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            return Optional.of(new Libc(mmap, munmap, madvise));
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

    /** Asks for transparent huge pages over the whole range (a hint; ignored where not supported). */
    public void adviseHugePages() {
        advise(0, length, MADV_HUGEPAGE);
    }

    private void advise(long offset, long bytes, int advice) {
        if (address == -1 || LIBC.isEmpty() || closed) {
            return;
        }
        try {
            int ignored = (int) LIBC.get().madvise().invokeExact(address + offset, bytes, advice);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise", t);
        }
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
