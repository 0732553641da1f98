package dev.spindle.runtime;

import dev.spindle.testkit.RuntimeBehaviourSuite;

/** The behavioural suite on four workers (more than the machine's cores), awaited from a platform thread. */
class FourWorkerRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    protected int workers() {
        return 4;
    }

    @Override
    protected boolean awaitFromVirtualThread() {
        return false;
    }
}
