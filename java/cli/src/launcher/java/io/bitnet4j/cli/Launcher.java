package io.bitnet4j.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The jar's entry point, compiled for Java 8 so that an old {@code java -jar} gets a clear message
 * instead of an UnsupportedClassVersionError; on Java 25+ it hands over to {@link Main}.
 */
public final class Launcher {
    private static final int REQUIRED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String spec = System.getProperty("java.specification.version", "0");
        int feature;
        try {
            feature = Integer.parseInt(spec.startsWith("1.") ? spec.substring(2) : spec);
        } catch (NumberFormatException e) {
            feature = 0;
        }
        if (feature < REQUIRED) {
            System.err.println("bitnet4j needs Java " + REQUIRED + " or newer; this is Java " + spec + " ("
                    + System.getProperty("java.home") + "). Run it with a JDK " + REQUIRED + " java, e.g. "
                    + "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar bitnet4j.jar, or use the ./bitnet4j script.");
            System.exit(1);
        }
        Method main = Class.forName("io.bitnet4j.cli.Main").getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
