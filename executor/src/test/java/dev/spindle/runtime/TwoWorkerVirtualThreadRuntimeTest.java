package dev.spindle.runtime;

/** The behavioural suite on two workers, every result awaited from a virtual thread. */
class TwoWorkerVirtualThreadRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    int workers() {
        return 2;
    }

    @Override
    boolean awaitFromVirtualThread() {
        return true;
    }
}
