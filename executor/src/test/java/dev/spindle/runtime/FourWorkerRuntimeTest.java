package dev.spindle.runtime;

/** The behavioural suite on four workers (more than the machine's cores), awaited from a platform thread. */
class FourWorkerRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    int workers() {
        return 4;
    }

    @Override
    boolean awaitFromVirtualThread() {
        return false;
    }
}
