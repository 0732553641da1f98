package dev.spindle.runtime;

/** The behavioural suite on one worker, awaited from a platform thread. */
class OneWorkerRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    int workers() {
        return 1;
    }

    @Override
    boolean awaitFromVirtualThread() {
        return false;
    }
}
