package dev.spindle.runtime;

import dev.spindle.testkit.RuntimeBehaviourSuite;

/** The behavioural suite on one worker, awaited from a platform thread. */
class OneWorkerRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    protected int workers() {
        return 1;
    }

    @Override
    protected boolean awaitFromVirtualThread() {
        return false;
    }
}
