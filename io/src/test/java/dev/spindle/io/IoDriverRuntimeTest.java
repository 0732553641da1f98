package dev.spindle.io;

import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.RuntimeBehaviourSuite;

/**
 * The runtime behavioural suite on two workers built with {@link Io#runtimeBuilder()}: a parked worker waits in
 * the selector rather than on its parker, and timers, wakes and shutdown must behave exactly as without it.
 */
class IoDriverRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    protected SpindleRuntime.Builder newBuilder() {
        return Io.runtimeBuilder();
    }

    @Override
    protected int workers() {
        return 2;
    }

    @Override
    protected boolean awaitFromVirtualThread() {
        return false;
    }
}
