package dev.spindle.internal.diagnostics;

import dev.spindle.RuntimeMetrics;
import dev.spindle.SpindleRuntime;
import dev.spindle.WorkerMetrics;
import dev.spindle.diagnostics.SpindleRuntimeMXBean;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Registers a runtime's {@link SpindleRuntimeMXBean} on the platform MBean server and unregisters it when the runtime
 * terminates. Names are made unique by trying {@code name}, {@code name-2}, {@code name-3}, ... until the server
 * accepts one: registration is atomic, so two runtimes of one name starting at once still get distinct names, and a
 * name freed by a closed runtime is reused.
 *
 * <p>JMX is a window on the runtime, never a reason for it to fail: any registration error is logged at WARNING
 * under {@code dev.spindle.runtime} and the runtime runs without its MXBean.
 */
public final class RuntimeMXBeans {
    static final String DOMAIN = "dev.spindle";
    /** Suffixes tried before giving up; more live runtimes of one name than this is a leak, logged as such. */
    static final int MAX_SUFFIX = 10_000;

    private static final System.Logger LOG = System.getLogger("dev.spindle.runtime");

    private RuntimeMXBeans() {
    }

    /** Registers {@code runtime}'s MXBean; returns what unregisters it, or null if it could not be registered. */
    public static Runnable register(SpindleRuntime runtime) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            StandardMBean bean = new StandardMBean(new Bean(runtime), SpindleRuntimeMXBean.class, true);
            for (int i = 1; i <= MAX_SUFFIX; i++) {
                ObjectName name = objectName(i == 1 ? runtime.name() : runtime.name() + "-" + i);
                try {
                    ObjectName registered = server.registerMBean(bean, name).getObjectName();
                    return () -> unregister(server, registered);
                } catch (InstanceAlreadyExistsException taken) {
                    // another live runtime has this name: try the next suffix
                }
            }
            LOG.log(System.Logger.Level.WARNING, "Spindle runtime '" + runtime.name() + "': not registered in JMX, "
                    + MAX_SUFFIX + " runtimes of that name are registered already (are runtimes left unclosed?)");
        } catch (Exception | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "Spindle runtime '" + runtime.name() + "': could not register its"
                    + " MXBean (it runs without; SpindleRuntime.Builder.jmx(false) skips the attempt): " + e, e);
        }
        return null;
    }

    /** {@code dev.spindle:type=Runtime,name=<value>}, the value quoted if it holds characters that need it. */
    static ObjectName objectName(String value) throws MalformedObjectNameException {
        boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> ",=:\"*?\n\\".indexOf(c) >= 0);
        return new ObjectName(DOMAIN + ":type=Runtime,name=" + (plain ? value : ObjectName.quote(value)));
    }

    private static void unregister(MBeanServer server, ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // someone unregistered it by hand: nothing left to do
        } catch (Exception | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "could not unregister the MXBean " + name + ": " + e, e);
        }
    }

    /** The MXBean: every read is a fresh metrics snapshot or dump. */
    private record Bean(SpindleRuntime runtime) implements SpindleRuntimeMXBean {
        private RuntimeMetrics m() {
            return runtime.metrics();
        }

        @Override
        public String getName() {
            return runtime.name();
        }

        @Override
        public boolean isClosed() {
            return runtime.isClosed();
        }

        @Override
        public boolean isTerminated() {
            return runtime.isTerminated();
        }

        @Override
        public String getFailure() {
            return runtime.failure().map(Throwable::toString).orElse(null);
        }

        @Override
        public int getWorkers() {
            return runtime.workers();
        }

        @Override
        public long getSpawnedTasks() {
            return m().spawned();
        }

        @Override
        public long getCompletedTasks() {
            return m().completed();
        }

        @Override
        public long getFailedTasks() {
            return m().failed();
        }

        @Override
        public long getCancelledTasks() {
            return m().cancelled();
        }

        @Override
        public long getAliveTasks() {
            return m().alive();
        }

        @Override
        public int getInjectQueueDepth() {
            return m().injectQueueDepth();
        }

        @Override
        public int getParkedWorkers() {
            return m().parkedWorkers();
        }

        @Override
        public int getSearchingWorkers() {
            return m().searchingWorkers();
        }

        @Override
        public int getTimers() {
            return m().timers();
        }

        @Override
        public long getContainedFaults() {
            return m().containedFaults();
        }

        @Override
        public long getBusyLoops() {
            return m().busyLoops();
        }

        @Override
        public long getLostWakeups() {
            return m().lostWakeups();
        }

        @Override
        public long getSlowPolls() {
            return m().slowPolls();
        }

        @Override
        public long getThrottledTasks() {
            return m().throttledTasks();
        }

        @Override
        public long getAbortedTasks() {
            return m().abortedTasks();
        }

        @Override
        public long getTotalPolls() {
            return m().totalPolls();
        }

        @Override
        public long getTotalSteals() {
            return m().totalSteals();
        }

        @Override
        public long getTotalParks() {
            return m().totalParks();
        }

        @Override
        public List<WorkerMetrics> getPerWorker() {
            return m().perWorker();
        }

        @Override
        public String dump() {
            return runtime.dump().toString();
        }

        @Override
        public List<TaskRow> dumpTasks() {
            return runtime.dump().tasks().stream().map(TaskRow::of).toList();
        }
    }
}
