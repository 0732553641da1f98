package dev.spindle.internal.scheduler;

/**
 * The fields of a {@link Worker} that other threads read on their hot paths (a searcher reads every victim's
 * {@code queue} and {@code stalled} on each steal pass; notifiers use {@code parker}), away from the fields the
 * owner writes on every poll. All final but {@code stalled}, which changes at most once per watch period.
 * The objects created here are allocated right after the worker, the owner-only context first.
 */
abstract class WorkerShared extends WorkerPad0 {
    final int index;
    final Scheduler scheduler;
    final SchedulerConfig config;
    /** The one context this worker polls with; owner only (it is reset before each poll). */
    final WorkerContext cx;
    /** Written by the owner, read by anyone; padded on its own lines (see {@link WorkerStats}). */
    final WorkerStats stats;
    final LocalQueue queue;
    final WorkerThread thread;
    final Parker parker;
    /** Where a full local queue spills: bound once, so spilling allocates nothing. */
    final Overflow overflowSink;
    /**
     * Set by the stranded-work watch when this worker made no poll for a whole watch period while holding local
     * work; cleared by the watch once it polls again. Only then may searchers take the LIFO slot's task. Written
     * only by the driver owner (one at a time; ownership passes through the driver CAS), read by searchers.
     */
    volatile boolean stalled;

    WorkerShared(int index, Scheduler scheduler, SchedulerConfig config) {
        this.index = index;
        this.scheduler = scheduler;
        this.config = config;
        this.cx = new WorkerContext();
        this.stats = new WorkerStats();
        this.queue = new LocalQueue(config.localQueueCapacity());
        // The thread only stores the reference here; it starts (and reads the worker) after construction.
        this.thread = new WorkerThread((Worker) this, config.threadNamePrefix() + index, config.daemon());
        this.parker = new Parker(thread, config.eventDriver());
        this.overflowSink = scheduler.inject;
    }
}
