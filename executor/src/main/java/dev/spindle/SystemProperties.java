package dev.spindle;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads and checks the {@code spindle.*} system properties that give a runtime builder its defaults. A value
 * that does not parse, or is out of range, fails the build of the runtime with a message naming the property,
 * the value and what it must be: a typo in a deployment's flags is found at start, not in production.
 */
final class SystemProperties {

    private SystemProperties() {
    }

    /**
     * Parses a duration property: {@code 250ms}, {@code 10s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT10S}).
     */
    static Duration durationProperty(String key, Duration def) {
        String v = System.getProperty(key);
        if (v == null) {
            return def;
        }
        String t = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt") || t.startsWith("p")) {
                return Duration.parse(v.trim());
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1).trim());
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException("no unit");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("system property " + key + "=" + v
                    + " is not a duration: write e.g. 250ms, 10s, 2m, 1h or PT10S", e);
        }
    }

    static Duration checkDuration(String what, Duration d, Duration min, Duration max) {
        Objects.requireNonNull(d, what);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", was " + d);
        }
        return d;
    }

    static boolean booleanProperty(String key, boolean def) {
        String v = System.getProperty(key);
        if (v == null) {
            return def;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("system property " + key + "=" + v
                    + " must be on or off (or true/false)");
        };
    }

    static <E extends Enum<E>> E enumProperty(String key, Class<E> type, E def) {
        String v = System.getProperty(key);
        if (v == null) {
            return def;
        }
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property " + key + "=" + v + " must be one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), e);
        }
    }

    static int intProperty(String key, int def, int min) {
        String v = System.getProperty(key);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new IllegalArgumentException("system property " + key + "=" + v + " must be >= " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + key + "=" + v + " is not an integer", e);
        }
    }
}
