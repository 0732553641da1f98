package dev.spindle.runtime;

import dev.spindle.testkit.RuntimeBehaviourSuite;

/** The behavioural suite on two workers, every result awaited from a virtual thread. */
class TwoWorkerVirtualThreadRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    protected int workers() {
        return 2;
    }

    @Override
    protected boolean awaitFromVirtualThread() {
        return true;
    }
}
