package dev.spindle.perf.servers.kit;

/** What every connection task does when it ends. */
public final class Connections {
    private static final System.Logger LOG = System.getLogger(Connections.class.getPackageName());

    private Connections() {
    }

    /**
     * Closes {@code connection}; a failure to close is only logged, because the connection is being abandoned
     * anyway and the error that ended it (if any) is the one worth reporting.
     */
    public static void closeQuietly(AutoCloseable connection) {
        try {
            connection.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "closing " + connection + " failed: " + e.getMessage());
        }
    }
}
