package dev.spindle.diagnostics;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

/**
 * The handle of one tracked resource: {@link LeakDetector#track} hands it out, the resource keeps it in a field and
 * calls {@link #close(Object)} when it is closed. Resources that were not chosen for tracking get {@link #NONE},
 * whose {@code close} does nothing, so a resource's code is the same either way.
 *
 * <h2>Protocol</h2>
 * A tracker is OPEN, then CLOSED (by {@link #close}) or LEAKED (by the cleaner, once the resource became
 * unreachable while OPEN), never both: each transition is one CAS from OPEN, so exactly one side wins.
 * {@code close} then deregisters the cleaning action ({@link Cleaner.Cleanable#clean()}, which runs it at most
 * once over all threads: here it runs on the closing thread and sees CLOSED), so a closed resource leaves nothing
 * behind in the cleaner.
 *
 * <h2>Why {@code close} takes the resource</h2>
 * Inside the resource's own {@code close()}, the resource may become unreachable right after its last field read
 * (the JIT keeps no reference it no longer needs), that is before this tracker's CAS: the cleaner could then win
 * and report a resource that is being closed. {@code close(resource)} ends with
 * {@link Reference#reachabilityFence}: the resource stays strongly reachable until the CAS is done, and its
 * phantom reference cannot be enqueued (so the cleaning action cannot run) before that.
 */
public final class LeakTracker {
    /** The tracker of an untracked resource: closing it does nothing. */
    public static final LeakTracker NONE = new LeakTracker();

    private final LeakDetector.Leak leak;
    private final Cleaner.Cleanable cleanable;

    private LeakTracker() {
        this.leak = null;
        this.cleanable = null;
    }

    /** Tracks {@code resource}; {@code leak} (the cleaning action) must not reference it. */
    LeakTracker(Object resource, LeakDetector.Leak leak, Cleaner cleaner) {
        this.leak = leak;
        // Cleaner.register: actions before it happen-before the cleaning action, so the cleaner thread sees the
        // leak's fields (what, stack) fully built. The final field publishes cleanable with the tracker.
        this.cleanable = cleaner.register(resource, leak);
    }

    /** Whether the resource is tracked (false for {@link #NONE}). */
    public boolean isTracked() {
        return leak != null;
    }

    /**
     * Marks the resource closed: it will not be reported. Idempotent, any thread. Pass the tracked resource itself
     * (see the class comment: it is kept reachable until the tracker is closed).
     */
    public void close(Object resource) {
        if (leak != null) {
            if (leak.markClosed()) {
                cleanable.clean(); // runs the action here, now (it sees CLOSED), and forgets the registration
            }
            Reference.reachabilityFence(resource);
        }
    }
}
