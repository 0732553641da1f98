package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.NonBlockingThread;

/** A platform thread running one {@link Worker}. Its type is how code recognises "I am on a worker". */
public final class WorkerThread extends Thread implements NonBlockingThread {
    final Worker worker;

    WorkerThread(Worker worker, String name, boolean daemon) {
        super(null, worker, name, 0);
        this.worker = worker;
        setDaemon(daemon);
    }

    /** The scheduler this worker belongs to. */
    public Scheduler scheduler() {
        return worker.scheduler;
    }

    /** The worker running on the calling thread, or null. */
    static Worker currentWorker() {
        return Thread.currentThread() instanceof WorkerThread wt ? wt.worker : null;
    }

    @Override
    public dev.spindle.internal.task.FaultReporter faults() {
        return worker.scheduler.faults();
    }

    @Override
    public String describeForBlockingError() {
        return "'" + getName() + "'";
    }
}
