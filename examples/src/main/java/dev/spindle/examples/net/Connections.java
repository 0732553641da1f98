package dev.spindle.examples.net;

/** What every connection task does when it ends. */
final class Connections {
    private static final System.Logger LOG = System.getLogger(Connections.class.getPackageName());

    private Connections() {
    }

    /**
     * Closes {@code connection}; a failure to close is only logged, because the connection is being abandoned
     * anyway and the error that ended it (if any) is the one worth reporting.
     */
    static void closeQuietly(AutoCloseable connection) {
        try {
            connection.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "closing " + connection + " failed: " + e.getMessage());
        }
    }
}
