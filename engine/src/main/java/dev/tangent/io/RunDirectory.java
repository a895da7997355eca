package dev.tangent.io;

import dev.tangent.TangentException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The output directory of a run ({@code --out DIR}), shared by every command that writes one. In two steps:
 * <ol>
 *   <li>{@link #check} inspects DIR and creates nothing: it must be new, empty, or hold no other run, unless
 *       {@link Mode#OVERWRITE} (the previous run's files are removed when the new run starts) or {@link Mode#RESUME}
 *       (an interrupted run of the same command is continued); a directory another live process is writing is refused;</li>
 *   <li>{@link Plan#open} (after every other check of the run has passed) creates DIR, takes the lock file
 *       {@value #LOCK} (it holds the process id; a lock of a dead process is reclaimed), reclaims temp files of dead
 *       processes, and starts the manifest {@value #MANIFEST}: every file the run commits (through {@link AtomicFile})
 *       is appended to it.</li>
 * </ol>
 * {@link #commit} marks the run complete. A run that fails or is interrupted ({@link #close} without a commit, or
 * {@link #abortAll} from a shutdown hook) removes what it wrote, except what it asked to {@link #keep} (checkpoints):
 * then the manifest says "interrupted" so that {@code --resume} can continue; otherwise the manifest, the lock and a
 * directory the run created are removed too. Files are never written around this class: a directory holds at most one
 * run, complete, interrupted with its checkpoints, or none.
 */
public final class RunDirectory implements AutoCloseable {
    /** The manifest: status, command, process id, and one line per file the run wrote. */
    public static final String MANIFEST = ".tangent-run";
    /** The lock file of a run in progress: the writing process's id. */
    public static final String LOCK = ".tangent.lock";

    private static final Set<RunDirectory> OPEN = ConcurrentHashMap.newKeySet();
    /**
     * Held by every abort: the shutdown hook's {@link #abortAll} and a worker thread's own {@link #close} (it fails as
     * soon as the hook has closed the temp files, and may get to its run first) never interleave.
     */
    private static final Object ABORTS = new Object();
    /** What the runs aborted once the process was shutting down, by whichever thread: what {@link #abortAll} reports. */
    private static final List<Aborted> ABORTED_IN_SHUTDOWN = new ArrayList<>();

    /** {@code NEW}: refuse a directory holding another run; {@code OVERWRITE}: replace it; {@code RESUME}: continue it. */
    public enum Mode { NEW, OVERWRITE, RESUME }

    /** What a previous run left: its status (complete, interrupted, running), command, process, files and kept paths. */
    record Previous(String status, String command, long pid, List<String> files, List<String> kept) {
    }

    /** The result of {@link #check}: nothing exists yet that was not there before. */
    public static final class Plan {
        private final Path dir;
        private final Mode mode;
        private final String option;
        private final String command;
        private final boolean exists;
        private final Previous previous;

        private Plan(Path dir, Mode mode, String option, String command, boolean exists, Previous previous) {
            this.dir = dir;
            this.mode = mode;
            this.option = option;
            this.command = command;
            this.exists = exists;
            this.previous = previous;
        }

        public Path dir() {
            return dir;
        }

        public Mode mode() {
            return mode;
        }

        /** The paths (relative to the directory) an interrupted run kept for {@link Mode#RESUME}; empty otherwise. */
        public List<String> resumable() {
            return mode == Mode.RESUME && previous != null ? previous.kept() : List.of();
        }

        /** Fails with one line when the directory's file system has less than {@code bytes} free. */
        public void requireSpace(long bytes, String what) {
            AtomicFile.requireSpace(dir, bytes, what);
        }

        /**
         * Creates the directory and takes it: lock, reclaimed temp files, the previous run removed (overwrite), the
         * manifest started.
         *
         * @param log receives one line per thing done on the user's behalf (a stale lock or temp file reclaimed, a
         *            previous run removed)
         */
        public RunDirectory open(Consumer<String> log) {
            TempFiles.requireOpen();
            Path top = dir;
            while (top.getParent() != null && !Files.exists(top.getParent())) {
                top = top.getParent();
            }
            Path created = Files.exists(dir) ? null : top;
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new TangentException(option + " " + dir + ": cannot create directory: " + e.getMessage(), e);
            }
            RunDirectory run = new RunDirectory(dir, command, created);
            run.lock(option, log);
            try {
                reclaim(dir, log, 0);
                if (mode == Mode.OVERWRITE && previous != null) {
                    int n = 0;
                    for (String f : concat(previous.files(), previous.kept())) {
                        n += TempFiles.deleteTree(dir.resolve(f)) ? 1 : 0;
                        pruneEmpty(dir.resolve(f).getParent(), dir);
                    }
                    TempFiles.deleteTree(dir.resolve(MANIFEST));
                    log.accept("removed the previous run (tangent " + previous.command() + ", " + n + " files) from " + dir);
                }
                if (mode == Mode.RESUME && previous != null) {
                    run.kept.addAll(previous.kept());
                }
                run.writeManifest("running");
            } catch (RuntimeException e) {
                run.abort();
                throw e;
            }
            OPEN.add(run);
            return run;
        }
    }

    /** What an aborted run removed and what it kept. */
    public record Aborted(Path dir, List<TempFiles.Discarded> discarded, List<Path> kept) {
    }

    private final Path dir;
    private final String command;
    private final Path created;
    private final Set<String> files = new LinkedHashSet<>();
    private final Set<String> kept = new LinkedHashSet<>();
    private boolean locked;
    private boolean done;

    private RunDirectory(Path dir, String command, Path created) {
        this.dir = dir;
        this.command = command;
        this.created = created;
    }

    /**
     * Inspects {@code dir} for a run of {@code command}; creates nothing.
     *
     * @param option    the option naming the directory, for messages ("--out")
     * @param canResume whether the command offers {@code --resume} (named in the message for an interrupted run)
     */
    public static Plan check(Path dir, Mode mode, String option, String command, boolean canResume) {
        Path abs = dir.toAbsolutePath().normalize();
        String who = option + " " + dir;
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new TangentException(who + ": exists and is not a directory");
        }
        if (!Files.exists(abs)) {
            if (mode == Mode.RESUME) {
                throw new TangentException("--resume: " + who + " does not exist; there is nothing to resume");
            }
            Path p = abs.getParent();
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            if (p == null || !Files.isDirectory(p) || !Files.isWritable(p)) {
                throw new TangentException(who + ": cannot be created: " + (p == null ? "no existing parent" : p + " is not a writable directory"));
            }
            return new Plan(abs, mode, option, command, false, null);
        }
        if (!Files.isWritable(abs)) {
            throw new TangentException(who + ": directory is not writable");
        }
        long holder = lockHolder(abs.resolve(LOCK));
        if (holder > 0 && holder != TempFiles.pid() && alive(holder)) {
            throw new TangentException(who + ": another tangent process (pid " + holder + ") is writing this directory ("
                    + LOCK + "); wait for it to finish or choose another directory");
        }
        Previous prev = readManifest(abs.resolve(MANIFEST));
        if (prev == null) {
            for (String f : new String[] {"run.json", "model.json"}) {
                if (Files.exists(abs.resolve(f))) {
                    throw new TangentException(who + ": holds " + f + " of another run but no " + MANIFEST
                            + " list of its files (a model directory inside another run, or an older tangent); choose another directory");
                }
            }
            if (mode == Mode.RESUME) {
                throw new TangentException("--resume: " + who + " holds no interrupted run; there is nothing to resume");
            }
            return new Plan(abs, mode, option, command, true, null);
        }
        boolean interrupted = !prev.status().equals("complete");
        String what = (interrupted ? "an interrupted run" : "another run") + " of tangent " + prev.command()
                + (prev.status().equals("running") ? " (process " + prev.pid() + " stopped before it finished)" : "");
        switch (mode) {
            case NEW -> throw new TangentException(who + ": holds " + what + "; "
                    + (interrupted && canResume && prev.command().equals(command) && !prev.kept().isEmpty()
                    ? "continue it with --resume, replace it with --overwrite" : "replace it with --overwrite")
                    + " or choose another directory");
            case RESUME -> {
                if (!prev.command().equals(command)) {
                    throw new TangentException("--resume: " + who + " holds a run of tangent " + prev.command() + ", not of tangent " + command);
                }
                if (!interrupted) {
                    throw new TangentException("--resume: " + who + " holds a finished run; there is nothing to resume "
                            + "(--overwrite runs it again)");
                }
                if (prev.kept().isEmpty()) {
                    throw new TangentException("--resume: " + who + " holds an interrupted run without checkpoints; "
                            + "run it again with --overwrite");
                }
            }
            case OVERWRITE -> {
            }
        }
        return new Plan(abs, mode, option, command, true, prev);
    }

    /**
     * What a directory holds, read without taking it (a sweep's runner deciding whether a job is finished, to resume or
     * to redo): {@code complete} when its manifest says so and every file it lists exists; {@code resumable} when an
     * interrupted run kept checkpoints; {@code exists} when there is a manifest at all.
     */
    public record State(boolean exists, boolean complete, boolean resumable, String command) {
        public static final State ABSENT = new State(false, false, false, null);
    }

    /** Inspects {@code dir}'s manifest (see {@link State}); creates and locks nothing. */
    public static State inspect(Path dir) {
        Previous prev = readManifest(dir.resolve(MANIFEST));
        if (prev == null) {
            return State.ABSENT;
        }
        boolean complete = prev.status().equals("complete");
        if (complete) {
            for (String f : prev.files()) {
                if (!Files.exists(dir.resolve(f))) {
                    complete = false;
                    break;
                }
            }
        }
        boolean resumable = !prev.status().equals("complete") && !prev.status().equals("in progress") && !prev.kept().isEmpty();
        return new State(true, complete, resumable, prev.command());
    }

    public Path dir() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    /** The files committed so far, relative to the directory, in order (kept paths included). */
    public synchronized List<String> files() {
        List<String> all = new ArrayList<>(files);
        for (String k : kept) {
            if (!all.contains(k)) {
                all.add(k);
            }
        }
        return all;
    }

    /** Marks a path written by the run (a checkpoint directory) as one to keep when the run is interrupted. */
    public synchronized void keep(Path p) {
        String rel = relative(p);
        if (rel != null && kept.add(rel)) {
            appendManifest("keep " + rel);
        }
    }

    /** Forgets a kept path that the run has removed itself. */
    public synchronized void unkeep(Path p) {
        kept.remove(relative(p));
    }

    /** Marks the run complete: the manifest lists every file, the lock is released. */
    public synchronized void commit() {
        if (done) {
            return;
        }
        files.addAll(kept);
        kept.clear();
        writeManifest("complete");
        unlock();
        done = true;
        OPEN.remove(this);
    }

    /** Without a {@link #commit}: removes what the run wrote except kept paths (see the class comment). */
    @Override
    public void close() {
        abort();
    }

    /** For a shutdown hook: stops new temp files, removes every open temp file, and aborts every open run directory. */
    public static List<Aborted> abortAll() {
        List<TempFiles.Discarded> temps = TempFiles.discardAll();
        List<Aborted> out;
        synchronized (ABORTS) {
            for (RunDirectory r : List.copyOf(OPEN)) {
                r.abort();
            }
            // those the hook aborted and those a worker thread aborted itself after the temp files were closed
            out = new ArrayList<>(ABORTED_IN_SHUTDOWN);
        }
        if (!temps.isEmpty()) {
            out.add(new Aborted(null, temps, List.of()));
        }
        return out;
    }

    /** Called by {@link AtomicFile#commit} for every file renamed into place. */
    static void committed(Path target) {
        if (OPEN.isEmpty()) {
            return;
        }
        // a file belongs to the innermost open run that contains it: a sweep's job directories are runs of their own
        // inside the sweep's, and their files (checkpoints kept through an interruption) are theirs alone
        Path abs = target.toAbsolutePath().normalize();
        RunDirectory owner = null;
        for (RunDirectory r : OPEN) {
            if (abs.startsWith(r.dir) && !abs.equals(r.dir) && (owner == null || r.dir.getNameCount() > owner.dir.getNameCount())) {
                owner = r;
            }
        }
        if (owner != null) {
            owner.record(target);
        }
    }

    private synchronized void record(Path target) {
        String rel = relative(target);
        if (rel != null && !done && !rel.equals(MANIFEST) && !rel.equals(LOCK) && !TempFiles.isTemp(Path.of(rel)) && files.add(rel)) {
            appendManifest("file " + rel);
        }
    }

    private String relative(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(dir) && !abs.equals(dir) ? dir.relativize(abs).toString() : null;
    }

    private Aborted abort() {
        synchronized (ABORTS) {
            Aborted a = abortLocked();
            if (a != null && TempFiles.closed()) {
                ABORTED_IN_SHUTDOWN.add(a);
            }
            return a;
        }
    }

    private synchronized Aborted abortLocked() {
        if (done) {
            return null;
        }
        done = true;
        OPEN.remove(this);
        List<TempFiles.Discarded> discarded = new ArrayList<>();
        for (String f : files) {
            if (isKept(f)) {
                continue;
            }
            Path p = dir.resolve(f);
            long bytes = TempFiles.size(p);
            if (TempFiles.deleteTree(p)) {
                discarded.add(new TempFiles.Discarded(p, bytes));
            }
            pruneEmpty(p.getParent(), dir);
        }
        List<Path> keptPaths = new ArrayList<>();
        for (String k : kept) {
            if (Files.exists(dir.resolve(k))) {
                keptPaths.add(dir.resolve(k));
            }
        }
        if (keptPaths.isEmpty()) {
            TempFiles.deleteTree(dir.resolve(MANIFEST));
        } else {
            files.clear();
            kept.retainAll(keptPaths.stream().map(this::relative).toList());
            writeManifest("interrupted");
        }
        unlock();
        if (created != null && keptPaths.isEmpty()) {
            pruneEmpty(dir, created.getParent());
        }
        return new Aborted(dir, discarded, keptPaths);
    }

    private boolean isKept(String f) {
        for (String k : kept) {
            if (f.equals(k) || f.startsWith(k + "/")) {
                return true;
            }
        }
        return false;
    }

    private void lock(String option, Consumer<String> log) {
        Path lock = dir.resolve(LOCK);
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                Files.writeString(lock, TempFiles.pid() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                locked = true;
                return;
            } catch (FileAlreadyExistsException e) {
                long holder = lockHolder(lock);
                if (holder > 0 && holder != TempFiles.pid() && alive(holder)) {
                    abort();
                    throw new TangentException(option + " " + dir + ": another tangent process (pid " + holder
                            + ") is writing this directory (" + LOCK + "); wait for it to finish or choose another directory");
                }
                TempFiles.deleteTree(lock);
                log.accept("removed the stale lock of process " + (holder > 0 ? holder : "?") + " from " + dir);
            } catch (IOException e) {
                abort();
                throw new TangentException(option + " " + dir + ": cannot create " + LOCK + ": " + e.getMessage(), e);
            }
        }
        abort();
        throw new TangentException(option + " " + dir + ": cannot take " + LOCK);
    }

    private void unlock() {
        if (locked) {
            TempFiles.deleteTree(dir.resolve(LOCK));
            locked = false;
        }
    }

    private static long lockHolder(Path lock) {
        try {
            return Long.parseLong(Files.readString(lock, StandardCharsets.UTF_8).strip());
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void reclaim(Path d, Consumer<String> log, int depth) {
        List<TempFiles.Discarded> r = TempFiles.reclaimStale(d);
        long bytes = r.stream().mapToLong(TempFiles.Discarded::bytes).sum();
        if (!r.isEmpty()) {
            log.accept("reclaimed " + r.size() + " temp file" + (r.size() == 1 ? "" : "s") + " of stopped processes in " + d + " ("
                    + dev.tangent.memory.MemoryBudget.human(bytes) + ")");
        }
        if (depth >= 2) {
            return;
        }
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                reclaim(p, log, depth + 1);
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /** Removes {@code d} and its parents up to (not including) {@code stop} while they are empty directories. */
    private static void pruneEmpty(Path d, Path stop) {
        for (Path p = d; p != null && stop != null && p.startsWith(stop) && !p.equals(stop); p = p.getParent()) {
            try (Stream<Path> s = Files.list(p)) {
                if (s.findAny().isPresent()) {
                    return;
                }
            } catch (IOException e) {
                return;
            }
            try {
                Files.delete(p);
            } catch (IOException e) {
                return;
            }
        }
    }

    private synchronized void writeManifest(String status) {
        StringBuilder sb = new StringBuilder("tangent-run 1\nstatus ").append(status).append("\ncommand ").append(command)
                .append("\npid ").append(TempFiles.pid()).append('\n');
        for (String f : files) {
            sb.append("file ").append(f).append('\n');
        }
        for (String k : kept) {
            sb.append("keep ").append(k).append('\n');
        }
        Path m = dir.resolve(MANIFEST);
        Path temp = m.resolveSibling(MANIFEST + ".tmp-" + TempFiles.pid());
        try {
            Files.writeString(temp, sb, StandardCharsets.UTF_8);
            Files.move(temp, m, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            TempFiles.deleteTree(temp);
            throw new TangentException("cannot write " + m + ": " + e.getMessage(), e);
        }
    }

    private void appendManifest(String line) {
        try {
            Files.writeString(dir.resolve(MANIFEST), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new TangentException("cannot write " + dir.resolve(MANIFEST) + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code dir} holds a complete run (its manifest says so): a sweep does not run that job again. */
    public static boolean isComplete(Path dir) {
        Previous p = readManifest(dir.resolve(MANIFEST));
        return p != null && p.status().equals("complete");
    }

    private static Previous readManifest(Path m) {
        List<String> lines;
        try {
            lines = Files.readAllLines(m, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new TangentException(m + ": unreadable: " + e.getMessage(), e);
        }
        String status = "running";
        String command = "?";
        long pid = -1;
        List<String> files = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (String l : lines) {
            int sp = l.indexOf(' ');
            if (sp < 0) {
                continue;
            }
            String k = l.substring(0, sp);
            String v = l.substring(sp + 1);
            switch (k) {
                case "status" -> status = v;
                case "command" -> command = v;
                case "pid" -> {
                    try {
                        pid = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        pid = -1;
                    }
                }
                case "file" -> files.add(v);
                case "keep" -> kept.add(v);
                default -> {
                }
            }
        }
        if (status.equals("running") && pid > 0 && pid != TempFiles.pid() && alive(pid)) {
            status = "in progress";
        }
        return new Previous(status, command, pid, Collections.unmodifiableList(files), Collections.unmodifiableList(kept));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> c = new ArrayList<>(a);
        c.addAll(b);
        return c;
    }
}
