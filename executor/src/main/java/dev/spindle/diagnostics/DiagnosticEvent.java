package dev.spindle.diagnostics;

/**
 * A report of one of the runtime's detectors. Every report names the task ({@link #task()}) and says in
 * {@link #message()} what happened and what to look at.
 */
public sealed interface DiagnosticEvent permits BusyLoop, LostWakeup, SlowPoll {

    /** The runtime that reported it (its name). */
    String runtime();

    /** The task, as it was when the report was made. */
    TaskInfo task();

    /** A human-readable report, one paragraph; what the log line says. */
    String message();
}
