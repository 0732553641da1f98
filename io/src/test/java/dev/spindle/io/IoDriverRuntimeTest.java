package dev.spindle.io;

import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.RuntimeBehaviourSuite;

/**
 * The runtime behavioural suite on a runtime with the I/O driver ({@code io(true)}: the builder must find
 * this module's reactor, or the build fails): a parked worker waits in
 * the selector rather than on its parker, and timers, wakes and shutdown must behave exactly as without it.
 */
class IoDriverRuntimeTest extends RuntimeBehaviourSuite {
    @Override
    protected SpindleRuntime.Builder newBuilder() {
        return SpindleRuntime.builder().io(true);
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
