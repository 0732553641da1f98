package dev.spindle.perf.net;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * How long this machine takes to wake a parked thread whose CPU has gone idle: one thread unparks another that
 * has been parked for a while (so its CPU had time to idle), and the woken thread records how long after the
 * unpark it ran. Prints {@code wake p50 P p99 Q} in microseconds.
 *
 * <p>Why the network reports record it: at one connection, a server whose threads park between requests (Netty,
 * blocking sockets, a Spindle that does not spin) pays this latency on every request, and a server that spins
 * does not. On a virtual machine it depends on the host (an idle vCPU may halt and take tens of microseconds to
 * come back), and it changed between two runs of this project's machines: the 2026-11-26 run, where Netty served
 * 7.2k req/s at one connection, and 2026-12-01, where it served 24-33k. Two reports are comparable only if their
 * probes agree.
 */
public final class WakeLatencyProbe {
    private static final int SAMPLES = 2_000;
    /** Parked this long before each wake: long enough for an idle CPU to halt, short enough to finish in 1 s. */
    private static final long IDLE_NANOS = 300_000;

    private static volatile long unparkedAt;
    private static volatile boolean ready;

    private WakeLatencyProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        long[] latencies = new long[SAMPLES];
        Thread sleeper = new Thread(() -> {
            for (int i = 0; i < SAMPLES; i++) {
                ready = true;
                while (unparkedAt == 0) {
                    LockSupport.park();
                }
                latencies[i] = System.nanoTime() - unparkedAt;
                unparkedAt = 0;
            }
        }, "wake-probe-sleeper");
        sleeper.start();
        for (int i = 0; i < SAMPLES; i++) {
            while (!ready) {
                Thread.onSpinWait();
            }
            ready = false;
            LockSupport.parkNanos(IDLE_NANOS); // both threads idle now
            unparkedAt = System.nanoTime();
            LockSupport.unpark(sleeper);
            while (unparkedAt != 0) {
                LockSupport.parkNanos(10_000); // do not spin: this thread's CPU would be the sleeper's
            }
        }
        sleeper.join();
        Arrays.sort(latencies);
        System.out.printf("wake p50 %.1f p99 %.1f%n", latencies[SAMPLES / 2] / 1e3, latencies[SAMPLES * 99 / 100] / 1e3);
    }
}
