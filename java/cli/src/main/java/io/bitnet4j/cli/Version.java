package io.bitnet4j.cli;

import picocli.CommandLine;

/** The version from the jar manifest (or "dev" when run from classes). */
final class Version implements CommandLine.IVersionProvider {
    static String get() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"bitnet4j " + get(), "Java " + Runtime.version()};
    }
}
