package dev.spindle.diagnostics;

/**
 * Why a task was cancelled under {@link BusyLoopPolicy#ABORT}: the cause of the {@link dev.spindle.TaskCancelledException}
 * its handle fails with. The message names the task, its type chain and its spawn site.
 */
public final class BusyLoopException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient BusyLoop report;

    public BusyLoopException(BusyLoop report) {
        super(report.message(), null, false, false);
        this.report = report;
    }

    /** The detector's report that led to the abort. */
    public BusyLoop report() {
        return report;
    }
}
