package io.bitnet4j.gguf;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Temporary files being written, so that a JVM ended by Ctrl-C (SIGINT) or SIGTERM leaves none behind:
 * one shutdown hook, registered on first use, deletes every file still in the set. A writer takes its
 * file out of the set once the file is renamed to its target (then it is no longer temporary) or
 * deleted after a failure. (SIGKILL runs no hooks; nothing can clean up after that.)
 */
final class PendingFiles {
    private PendingFiles() {}

    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private static void registerHookOnce() {
        if (!HOOKED.compareAndSet(false, true)) return;
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(PendingFiles::deleteAll, "bitnet4j-temp-cleanup"));
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting: the writer's own failure path deletes its file
        }
    }

    /**
     * Creates {@code <dir>/<prefix><random>.tmp} (owner-only where the file system has POSIX permissions)
     * and tracks it. The name is in the set before the file exists, so there is no moment at which a
     * shutdown could miss a file this method created.
     */
    static Path create(Path dir, String prefix) throws IOException {
        registerHookOnce();
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            PENDING.add(p);
            try {
                try {
                    return Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException notPosix) {
                    return Files.createFile(p);
                }
            } catch (FileAlreadyExistsException taken) {
                PENDING.remove(p);   // someone else's file: never ours to delete
                if (attempt >= 100) throw taken;
            } catch (IOException | RuntimeException e) {
                PENDING.remove(p);
                throw e;
            }
        }
    }

    /** The file was renamed to its target: it is no longer a temporary file to clean up. */
    static void finished(Path p) {
        PENDING.remove(p);
    }

    /** Deletes a temporary file that will not be finished and stops tracking it. */
    static void discard(Path p) throws IOException {
        try {
            Files.deleteIfExists(p);
        } finally {
            PENDING.remove(p);
        }
    }

    /** What the shutdown hook runs: deletes every tracked file (best effort: a JVM is exiting). */
    static void deleteAll() {
        for (Path p : PENDING) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException | RuntimeException ignored) {
                // nothing more can be done while the JVM exits
            }
            PENDING.remove(p);
        }
    }

    /** The files currently tracked (for tests). */
    static Set<Path> pending() {
        return Set.copyOf(PENDING);
    }
}
