package dev.spindle.perf.servers;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The {@code --name value} command lines of the network benchmark mains, plain and TLS. Every main takes only
 * named options, so the driver scripts can pass them in any order; a wrong or unknown option prints the main's
 * usage and exits with status 2, which the script reports instead of measuring a misconfigured run.
 */
public final class Cli {
    /** What a bad command line does: in a main, print the error and the usage and exit with status 2. */
    private final Consumer<String> onError;
    private final Map<String, String> values = new HashMap<>();

    private Cli(Consumer<String> onError) {
        this.onError = onError;
    }

    /**
     * Parses {@code args} as {@code --name value} pairs, accepting only the names in {@code known}; {@code usage}
     * is printed, with the error, on a bad command line.
     */
    public static Cli parse(String[] args, String usage, Set<String> known) {
        return parse(args, usage, known, message -> {
            System.err.println("error: " + message);
            System.err.println(usage);
            System.exit(2);
        });
    }

    /**
     * As {@link #parse(String[], String, Set)}, with {@code onError} called with the message of every bad option
     * instead (tests throw from it); {@code --help} still prints the usage and exits.
     */
    static Cli parse(String[] args, String usage, Set<String> known, Consumer<String> onError) {
        Cli cli = new Cli(onError);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!a.startsWith("--") || !known.contains(a.substring(2))) {
                cli.fail("unknown option " + a);
            }
            if (i + 1 >= args.length) {
                cli.fail("option " + a + " needs a value");
            }
            cli.values.put(a.substring(2), args[++i]);
        }
        return cli;
    }

    public String string(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /** An option without a default. */
    public String required(String name) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            fail("--" + name + " is required");
        }
        return v;
    }

    /** One of {@code allowed}, the first being the default. */
    public String choice(String name, String... allowed) {
        String v = values.getOrDefault(name, allowed[0]);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        fail("--" + name + " must be one of " + String.join(", ", allowed) + ", got " + v);
        return allowed[0];
    }

    public int integer(String name, int defaultValue, int min) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                fail("--" + name + " must be at least " + min + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            fail("--" + name + " is not an integer: " + v);
            return defaultValue;
        }
    }

    /** A duration in (possibly fractional) seconds, returned in nanoseconds. */
    public long seconds(String name, double defaultSeconds) {
        String v = values.get(name);
        double s = defaultSeconds;
        if (v != null) {
            try {
                s = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                fail("--" + name + " is not a number of seconds: " + v);
            }
        }
        if (!(s >= 0) || s > 86_400) {
            fail("--" + name + " must be between 0 and 86400 seconds, got " + v);
        }
        return Math.round(s * 1e9);
    }

    /** Reports a bad command line (in a main: the message and the usage on stderr, then exit status 2). */
    public void fail(String message) {
        onError.accept(message);
    }
}
