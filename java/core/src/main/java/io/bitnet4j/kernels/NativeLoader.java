package io.bitnet4j.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Finds and loads libbitnet4j once per JVM.
 *
 * <p>Order: {@code -Dbitnet4j.native.path=/path/libbitnet4j.so} if set (and nothing else then);
 * otherwise the classpath resource {@code io/bitnet4j/native/<os>-<arch>/libbitnet4j.so} (from the
 * bitnet4j-natives classifier jar), extracted to {@code ~/.cache/bitnet4j/<version>-<sha256 prefix>/}
 * (or {@code ${java.io.tmpdir}/bitnet4j-<user>/…} when the home directory is not writable). An existing
 * extracted file is reused only if its SHA-256 matches; a new one is written to a temp file and renamed
 * atomically, so concurrent JVMs never see a half-written library.
 *
 * <p>Failures are not exceptions: {@link #load()} returns {@link Unavailable} with a reason, and the
 * kernel selector falls back to the Java tiers.
 */
@SuppressWarnings("restricted") // the FFM calls of the native tier: the reason this class exists
public final class NativeLoader {
    public static final String PATH_PROPERTY = "bitnet4j.native.path";
    public static final String CACHE_PROPERTY = "bitnet4j.native.cacheDir";
    public static final String LIBRARY_FILE = "libbitnet4j.so";

    private NativeLoader() {}

    /** Outcome of loading. */
    public sealed interface Result permits Loaded, Unavailable {}

    /** The library is loaded; {@code source} says where it came from (for the kernel explanation line). */
    public record Loaded(Path path, SymbolLookup lookup, String source) implements Result {}

    /** No usable library, and why (e.g. "no native library for linux-riscv64 on the classpath"). */
    public record Unavailable(String reason) implements Result {}

    private static Result cached;

    /** Loads (first call) or returns the cached outcome. Never loads the library twice. */
    public static synchronized Result load() {
        if (cached == null) {
            cached = loadUncached(System.getProperty(PATH_PROPERTY), platform());
        }
        return cached;
    }

    /** "linux-x86_64", "linux-aarch64", or the raw normalised names for anything else. */
    public static String platform() {
        return os(System.getProperty("os.name", "")) + "-" + arch(System.getProperty("os.arch", ""));
    }

    static String os(String osName) {
        String n = osName.toLowerCase(Locale.ROOT);
        if (n.startsWith("linux")) {
            return "linux";
        }
        if (n.startsWith("mac") || n.startsWith("darwin")) {
            return "macos";
        }
        if (n.startsWith("windows")) {
            return "windows";
        }
        return n.replaceAll("[^a-z0-9]", "");
    }

    static String arch(String osArch) {
        String a = osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x86-64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> a.replaceAll("[^a-z0-9_]", "");
        };
    }

    static String resourceName(String platform) {
        return "io/bitnet4j/native/" + platform + "/" + LIBRARY_FILE;
    }

    /** The loading logic without the cache, for tests: an explicit path wins, else the classpath resource. */
    static Result loadUncached(String overridePath, String platform) {
        if (overridePath != null && !overridePath.isBlank()) {
            Path p = Path.of(overridePath);
            if (!Files.isRegularFile(p)) {
                return new Unavailable("-D" + PATH_PROPERTY + "=" + overridePath + " is not a file");
            }
            return open(p.toAbsolutePath(), "-D" + PATH_PROPERTY);
        }
        String resource = resourceName(platform);
        byte[] bytes;
        try (InputStream in = NativeLoader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return new Unavailable("no native library for " + platform + " on the classpath");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            return new Unavailable("cannot read " + resource + ": " + e.getMessage());
        }
        Path extracted;
        try {
            extracted = extract(bytes);
        } catch (IOException e) {
            return new Unavailable("cannot extract " + resource + ": " + e);
        }
        return open(extracted, "classpath " + platform);
    }

    private static Result open(Path path, String source) {
        try {
            // Arena.global(): the library stays loaded for the life of the JVM (we never reload it).
            SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
            return new Loaded(path, lookup, source);
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            return new Unavailable("cannot load " + path + ": " + e.getMessage());
        } catch (IllegalCallerException e) {
            return new Unavailable("native access disabled (run with --enable-native-access=ALL-UNNAMED): " + e.getMessage());
        }
    }

    /** Writes the library to its versioned cache directory unless an identical copy is already there. */
    static Path extract(byte[] bytes) throws IOException {
        String hash = sha256(bytes);
        String version = NativeLoader.class.getPackage().getImplementationVersion();
        String dirName = (version == null ? "dev" : version) + "-" + hash.substring(0, 16);
        IOException last = null;
        for (Path root : cacheRoots()) {
            try {
                Path dir = root.resolve(dirName);
                Path target = dir.resolve(LIBRARY_FILE);
                if (Files.isRegularFile(target) && hash.equals(sha256(Files.readAllBytes(target)))) {
                    return target;
                }
                createPrivateDirectories(dir);
                Path tmp = Files.createTempFile(dir, LIBRARY_FILE + ".", ".tmp");
                try {
                    Files.write(tmp, bytes);
                    try {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
                return target;
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("no writable cache directory");
    }

    /** Creates missing directories readable only by this user (the tmp fallback is shared by all users). */
    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createPrivateDirectories(parent);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another JVM created it concurrently
        }
    }

    private static Path[] cacheRoots() {
        String override = System.getProperty(CACHE_PROPERTY);
        if (override != null && !override.isBlank()) {
            return new Path[] {Path.of(override)};
        }
        String home = System.getProperty("user.home", "");
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "bitnet4j-" + user);
        return home.isEmpty() ? new Path[] {tmp} : new Path[] {Path.of(home, ".cache", "bitnet4j"), tmp};
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }
}
