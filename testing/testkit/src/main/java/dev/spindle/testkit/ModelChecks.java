package dev.spindle.testkit;

/**
 * Helpers shared by the Lincheck model tests ({@code *ModelCheckTest}), which run their bodies under Lincheck's
 * instrumentation: there, AssertJ's assertions fail (Lincheck calls {@code equals} on the objects they build),
 * so checks are plain, and joins turn an interrupt into a failure instead of a checked exception.
 */
public final class ModelChecks {
    private ModelChecks() {
    }

    /** Fails the checked interleaving with {@code message} unless {@code ok}. */
    public static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    /** Waits for every thread to end. */
    public static void join(Thread... threads) {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
