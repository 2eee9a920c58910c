package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLoaderTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clearProperty() {
        System.clearProperty(NativeLoader.CACHE_PROPERTY);
    }

    @Test
    void normalisesPlatformNames() {
        assertEquals("x86_64", NativeLoader.arch("amd64"));
        assertEquals("x86_64", NativeLoader.arch("x86_64"));
        assertEquals("aarch64", NativeLoader.arch("aarch64"));
        assertEquals("aarch64", NativeLoader.arch("arm64"));
        assertEquals("riscv64", NativeLoader.arch("riscv64"));
        assertEquals("linux", NativeLoader.os("Linux"));
        assertEquals("io/bitnet4j/native/linux-x86_64/libbitnet4j.so", NativeLoader.resourceName("linux-x86_64"));
    }

    @Test
    void absentPlatformGivesAReason() {
        NativeLoader.Result r = NativeLoader.loadUncached(null, "linux-riscv64");
        NativeLoader.Unavailable u = assertInstanceOf(NativeLoader.Unavailable.class, r);
        assertTrue(u.reason().contains("no native library for linux-riscv64"), u.reason());
    }

    @Test
    void overrideToMissingFileGivesAReason() {
        Path missing = tmp.resolve("nope/libbitnet4j.so");
        NativeLoader.Unavailable u = assertInstanceOf(NativeLoader.Unavailable.class,
                NativeLoader.loadUncached(missing.toString(), "linux-x86_64"));
        assertTrue(u.reason().contains(missing.toString()), u.reason());
    }

    @Test
    void overrideToGarbageFileGivesAReason() throws IOException {
        Path junk = Files.writeString(tmp.resolve("libjunk.so"), "not an ELF file");
        NativeLoader.Unavailable u = assertInstanceOf(NativeLoader.Unavailable.class,
                NativeLoader.loadUncached(junk.toString(), "linux-x86_64"));
        assertTrue(u.reason().startsWith("cannot load"), u.reason());
    }

    @Test
    void extractionIsCachedAndVerified() throws IOException {
        System.setProperty(NativeLoader.CACHE_PROPERTY, tmp.toString());
        byte[] lib = "pretend library bytes".getBytes();
        Path p1 = NativeLoader.extract(lib);
        assertArrayEquals(lib, Files.readAllBytes(p1));
        assertTrue(p1.getParent().getFileName().toString().endsWith(NativeLoader.sha256(lib).substring(0, 16)));
        long mtime = Files.getLastModifiedTime(p1).toMillis();
        assertEquals(p1, NativeLoader.extract(lib));
        assertEquals(mtime, Files.getLastModifiedTime(p1).toMillis(), "an intact copy is reused");
        Files.writeString(p1, "tampered");
        assertEquals(p1, NativeLoader.extract(lib));
        assertArrayEquals(lib, Files.readAllBytes(p1), "a corrupted copy is replaced");
        try (var files = Files.list(p1.getParent())) {
            assertEquals(1, files.count(), "no temp files left behind");
        }
    }

    @Test
    void overrideLoadsARealLibrary() throws IOException {
        String res = NativeLoader.resourceName(NativeLoader.platform());
        byte[] lib;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(res)) {
            Assumptions.assumeTrue(in != null, "no libbitnet4j for this platform in the build");
            lib = in.readAllBytes();
        }
        Path copy = Files.write(tmp.resolve("libbitnet4j.so"), lib);
        NativeLoader.Loaded l = assertInstanceOf(NativeLoader.Loaded.class, NativeLoader.loadUncached(copy.toString(), "ignored"));
        assertTrue(l.lookup().find("b4j_abi_version").isPresent());
        assertTrue(l.source().contains(NativeLoader.PATH_PROPERTY));
    }

    @Test
    void loadIsCachedPerJvm() {
        assertSame(NativeLoader.load(), NativeLoader.load());
    }
}
