package dev.spindle.diagnostics;

import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The runtime's MXBean on the platform MBean server: attributes, operations, names and their lifetime. */
class JmxRuntimeMXBeanTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private Set<ObjectName> named(String name) throws Exception {
        return server.queryNames(new ObjectName("dev.spindle:type=Runtime,name=" + name + "*"), null);
    }

    @Test
    void attributesAndDumpThroughTheServerAndAProxy() throws Exception {
        ObjectName on = new ObjectName("dev.spindle:type=Runtime,name=jmx-attrs");
        try (SpindleRuntime rt = SpindleRuntime.builder().name("jmx-attrs").workers(2).build()) {
            for (int i = 0; i < 5; i++) {
                rt.spawn(cx -> Poll.ready(1)).join();
            }
            rt.spawn("waiter", cx -> Poll.pending());

            assertThat(server.getAttribute(on, "Name")).isEqualTo("jmx-attrs");
            assertThat(server.getAttribute(on, "Workers")).isEqualTo(2);
            assertThat((Long) server.getAttribute(on, "SpawnedTasks")).isEqualTo(6);
            // A task is counted completed just after its handle completes, so the last join may return first.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> (Long) server.getAttribute(on, "CompletedTasks") == 5);
            assertThat(server.getAttribute(on, "Closed")).isEqualTo(false);
            CompositeData[] perWorker = (CompositeData[]) server.getAttribute(on, "PerWorker");
            assertThat(perWorker).hasSize(2);
            assertThat(perWorker[0].get("name")).isEqualTo(rt.metrics().perWorker().get(0).name());
            assertThat((String) server.invoke(on, "dump", null, null)).contains("\"waiter\"");
            CompositeData[] rows = (CompositeData[]) server.invoke(on, "dumpTasks", null, null);
            assertThat(rows).anySatisfy(r -> assertThat(r.get("name")).isEqualTo("waiter"));

            SpindleRuntimeMXBean proxy = JMX.newMXBeanProxy(server, on, SpindleRuntimeMXBean.class);
            assertThat(proxy.getName()).isEqualTo("jmx-attrs");
            assertThat(proxy.getSpawnedTasks()).isEqualTo(6);
            assertThat(proxy.getAliveTasks()).isEqualTo(1);
            assertThat(proxy.getTotalPolls()).isGreaterThanOrEqualTo(6);
            assertThat(proxy.getBusyLoops()).isZero();
            assertThat(proxy.getSlowPolls()).isZero();
            assertThat(proxy.getPerWorker()).hasSize(2);
            assertThat(proxy.dump()).contains("jmx-attrs").contains("\"waiter\"");
            assertThat(proxy.dumpTasks()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo("waiter");
                assertThat(t.state()).isEqualTo("IDLE");
            });
        }
        assertThat(server.isRegistered(on)).as("registered after close").isFalse();
    }

    @Test
    void runtimesOfOneNameGetDistinctNamesAndLeaveOnClose() throws Exception {
        try (SpindleRuntime a = SpindleRuntime.builder().name("jmx-twin").workers(1).build();
             SpindleRuntime b = SpindleRuntime.builder().name("jmx-twin").workers(1).build()) {
            assertThat(named("jmx-twin")).containsExactlyInAnyOrder(
                    new ObjectName("dev.spindle:type=Runtime,name=jmx-twin"),
                    new ObjectName("dev.spindle:type=Runtime,name=jmx-twin-2"));
            assertThat(a.shutdown(Duration.ofSeconds(5))).isTrue();
            assertThat(named("jmx-twin")).containsExactly(new ObjectName("dev.spindle:type=Runtime,name=jmx-twin-2"));
            b.shutdownNow();
            assertThat(named("jmx-twin")).isEmpty();
        }
    }

    @Test
    void nameWithSpecialCharactersIsQuotedAndLeavesOnClose() throws Exception {
        ObjectName on = new ObjectName("dev.spindle:type=Runtime,name=" + ObjectName.quote("a,b=c:d"));
        SpindleRuntime rt = SpindleRuntime.builder().name("a,b=c:d").workers(1).build();
        try {
            assertThat(server.isRegistered(on)).isTrue();
            assertThat(server.getAttribute(on, "Name")).isEqualTo("a,b=c:d");
        } finally {
            rt.close();
        }
        assertThat(server.isRegistered(on)).isFalse();
    }

    @Test
    void nameTakenByAnotherMBeanGetsTheNextSuffix() throws Exception {
        ObjectName taken = new ObjectName("dev.spindle:type=Runtime,name=jmx-taken");
        Runnable foreign = () -> { };
        server.registerMBean(new javax.management.StandardMBean(foreign, Runnable.class), taken);
        try (SpindleRuntime rt = SpindleRuntime.builder().name("jmx-taken").workers(1).build()) {
            assertThat(server.getAttribute(new ObjectName("dev.spindle:type=Runtime,name=jmx-taken-2"), "Name"))
                    .isEqualTo(rt.name());
        } finally {
            server.unregisterMBean(taken);
        }
        assertThat(named("jmx-taken")).isEmpty();
    }

    @Test
    void jmxFalseSkipsRegistration() throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().name("jmx-off").workers(1).jmx(false).build()) {
            assertThat(rt.spawn(cx -> Poll.ready(1)).join()).isEqualTo(1);
            assertThat(named("jmx-off")).isEmpty();
        }
    }
}
