package dev.spindle.testing.peers;

/** Reads {@code KEY value} lines that the peer scripts print. */
public final class Output {
    private Output() {
    }

    /** The value of the last line {@code key value}; fails with the whole output if there is none. */
    public static String value(String output, String key) {
        String found = null;
        for (String line : output.split("\n")) {
            String t = line.strip();
            if (t.startsWith(key + " ")) {
                found = t.substring(key.length() + 1).strip();
            }
        }
        if (found == null) {
            throw new AssertionError("no '" + key + " ...' line in the peer's output:\n" + output);
        }
        return found;
    }
}
