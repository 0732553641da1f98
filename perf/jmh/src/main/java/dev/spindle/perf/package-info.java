/**
 * JMH benchmarks of the classic runtime shapes, each measured for Spindle and for its Java peers in the same
 * run: {@link java.util.concurrent.ForkJoinPool}, virtual threads and Netty's event loops.
 *
 * <p>Every benchmark class has one or more methods per peer ({@code spindle}, {@code forkJoin*}, {@code virtualThreads},
 * {@code netty1Loop*} / {@code netty2Loops*}: see perf/README.md for the suffixes); runtimes and pools are created once per trial by the {@code *State} classes, each with two
 * threads. {@code @OperationsPerInvocation} makes JMH report the cost of one unit of the shape (one task, one
 * yield, one round trip, one message) in nanoseconds. Every benchmark checks its own result and throws if the
 * work was not all done. See {@code perf/README.md} for how to build and run.
 */
package dev.spindle.perf;
