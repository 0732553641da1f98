package dev.spindle.micrometer;

import dev.spindle.RuntimeMetrics;
import dev.spindle.SpindleRuntime;
import dev.spindle.WorkerMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Binds a runtime's counters ({@link SpindleRuntime#metrics()}) to a Micrometer registry:
 * {@code new SpindleRuntimeMetrics(runtime).bindTo(registry)}. Every meter is tagged {@code runtime=<name>} (plus
 * the tags given here); per-worker meters also {@code worker=<index>}.
 *
 * <p>Totals since the runtime started are {@link FunctionCounter}s (Prometheus: {@code _total}), levels are
 * {@link Gauge}s:
 * <ul>
 *   <li>counters: {@code spindle.tasks.spawned}, {@code .completed}, {@code .failed}, {@code .cancelled};
 *       {@code spindle.faults.contained}; {@code spindle.diagnostics.busy.loops}, {@code .lost.wakeups},
 *       {@code .slow.polls}, {@code .aborted.tasks}; per worker {@code spindle.worker.polls}, {@code .steals},
 *       {@code .parks};</li>
 *   <li>gauges: {@code spindle.tasks.alive}, {@code spindle.workers}, {@code spindle.workers.parked},
 *       {@code spindle.workers.searching}, {@code spindle.inject.queue.depth}, {@code spindle.timers},
 *       {@code spindle.diagnostics.throttled.tasks}; per worker {@code spindle.worker.local.queue.depth}.</li>
 * </ul>
 *
 * <p>Each meter reads a fresh snapshot when the registry asks (a scrape), so nothing runs between scrapes. The meters
 * hold the runtime weakly, as Micrometer's function meters do: a closed runtime that is still referenced keeps
 * reporting its final counts; one that was collected reads as NaN. Bind a runtime once per registry.
 */
public final class SpindleRuntimeMetrics implements MeterBinder {
    private final WeakReference<SpindleRuntime> runtime;
    private final Iterable<Tag> tags;

    /** Meters for {@code runtime}, tagged {@code runtime=<its name>}. */
    public SpindleRuntimeMetrics(SpindleRuntime runtime) {
        this(runtime, Tags.empty());
    }

    /** Meters for {@code runtime}, tagged {@code runtime=<its name>} and with {@code tags}. */
    public SpindleRuntimeMetrics(SpindleRuntime runtime, Iterable<Tag> tags) {
        Objects.requireNonNull(runtime, "runtime");
        this.runtime = new WeakReference<>(runtime);
        this.tags = Tags.of(tags).and("runtime", runtime.name());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        SpindleRuntime rt = runtime.get();
        if (rt == null) {
            return;
        }
        counter(registry, rt, "spindle.tasks.spawned", "Tasks spawned, blocking tasks included", RuntimeMetrics::spawned);
        counter(registry, rt, "spindle.tasks.completed", "Tasks completed in any way", RuntimeMetrics::completed);
        counter(registry, rt, "spindle.tasks.failed", "Tasks whose future threw", RuntimeMetrics::failed);
        counter(registry, rt, "spindle.tasks.cancelled", "Tasks cancelled", RuntimeMetrics::cancelled);
        counter(registry, rt, "spindle.faults.contained",
                "Failures of code the runtime called that it contained; not zero means something is wrong",
                RuntimeMetrics::containedFaults);
        counter(registry, rt, "spindle.diagnostics.busy.loops", "Busy loops reported (each task once per episode)",
                RuntimeMetrics::busyLoops);
        counter(registry, rt, "spindle.diagnostics.lost.wakeups", "Lost wakeups reported", RuntimeMetrics::lostWakeups);
        counter(registry, rt, "spindle.diagnostics.slow.polls", "Slow polls reported", RuntimeMetrics::slowPolls);
        counter(registry, rt, "spindle.diagnostics.aborted.tasks", "Tasks aborted by the busy-loop policy",
                RuntimeMetrics::abortedTasks);

        gauge(registry, rt, "spindle.tasks.alive", "Tasks spawned and not completed", RuntimeMetrics::alive);
        gauge(registry, rt, "spindle.workers", "Worker threads", RuntimeMetrics::workers);
        gauge(registry, rt, "spindle.workers.parked", "Workers parked now", RuntimeMetrics::parkedWorkers);
        gauge(registry, rt, "spindle.workers.searching", "Workers searching for work now",
                RuntimeMetrics::searchingWorkers);
        gauge(registry, rt, "spindle.inject.queue.depth", "Tasks waiting in the remote (inject) queue",
                RuntimeMetrics::injectQueueDepth);
        gauge(registry, rt, "spindle.timers", "Registered timers", RuntimeMetrics::timers);
        gauge(registry, rt, "spindle.diagnostics.throttled.tasks", "Tasks throttled now by the busy-loop policy",
                RuntimeMetrics::throttledTasks);

        int workers = rt.workers();
        for (int i = 0; i < workers; i++) {
            int index = i;
            Tags worker = Tags.of(tags).and("worker", Integer.toString(i));
            FunctionCounter.builder("spindle.worker.polls", rt, workerCount(index, WorkerMetrics::polls))
                    .description("Task polls by the worker").tags(worker).register(registry);
            FunctionCounter.builder("spindle.worker.steals", rt, workerCount(index, WorkerMetrics::steals))
                    .description("Successful steal operations by the worker").tags(worker).register(registry);
            FunctionCounter.builder("spindle.worker.parks", rt, workerCount(index, WorkerMetrics::parks))
                    .description("Times the worker parked").tags(worker).register(registry);
            Gauge.builder("spindle.worker.local.queue.depth", rt, workerCount(index, WorkerMetrics::localQueueDepth))
                    .description("Tasks in the worker's local queue now").tags(worker).register(registry);
        }
    }

    private void counter(MeterRegistry registry, SpindleRuntime rt, String name, String description,
                         ToLongFunction<RuntimeMetrics> value) {
        FunctionCounter.builder(name, rt, r -> value.applyAsLong(r.metrics()))
                .description(description).tags(tags).register(registry);
    }

    private void gauge(MeterRegistry registry, SpindleRuntime rt, String name, String description,
                       ToLongFunction<RuntimeMetrics> value) {
        Gauge.builder(name, rt, r -> value.applyAsLong(r.metrics()))
                .description(description).tags(tags).register(registry);
    }

    private static ToDoubleFunction<SpindleRuntime> workerCount(int index, ToLongFunction<WorkerMetrics> value) {
        return r -> value.applyAsLong(r.metrics().perWorker().get(index));
    }
}
