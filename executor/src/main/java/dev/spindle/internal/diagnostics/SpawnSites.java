package dev.spindle.internal.diagnostics;

import dev.spindle.diagnostics.SpawnSiteCapture;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Records where a task was spawned (see {@link SpawnSiteCapture}).
 *
 * <h2>Cost, and the per-type cache</h2>
 * A {@link StackWalker} walk to the caller's frame costs about 1.6 us here, 15 times a spawn. So for
 * {@link SpawnSiteCapture#FRAME} the site is remembered per <em>key</em>: the key type (the future's class, or for a
 * future made from a lambda the lambda's class: see {@link SiteKeyed}) together with the <em>spawning context</em>
 * (the class of the future of the task that spawns, when a task spawns; none from outside the runtime). A task that
 * spawns its successor and the thread that spawns the first one are thus two keys, each with one site. The first
 * {@link #LEARN} spawns of a key walk; if they agree the key is <em>single-site</em> and later spawns reuse that frame,
 * walking again once every {@link #RECHECK} spawns to confirm. A walk that disagrees makes the key <em>multi-site</em>
 * for good, and every later spawn of it walks (measured: 1.3 us more per spawn). A report therefore names the right
 * frame for every task of a single-site key; a second site that appears later is caught within {@link #RECHECK} of
 * its spawns, and tasks of it spawned before that show the first site.
 *
 * <p>Concurrency: a type's {@link Site} is shared by all spawning threads, so a spawn that reuses the frame only
 * reads it: which spawns re-check is decided by the task id ({@code id % RECHECK == 0}), not by a counter in the
 * site, which every spawning worker would write (measured: that line bouncing between two workers cost a spawn-heavy
 * shape more than the rest of the capture). The fields are plain and racy on purpose: {@code frame} is a reference
 * to an immutable {@link StackTraceElement} (safe to publish racily), {@code walks} only counts the learning walks
 * (a lost increment means one more walk), and {@code multi} only ever goes from false to true.
 */
public final class SpawnSites {
    /** Walks before a type is trusted as single-site. */
    static final int LEARN = 4;
    /** One spawn in this many of a single-site type walks again to check (amortized: 1.6 us / 1024 = 1.6 ns). */
    static final int RECHECK = 1024;

    private static final StackWalker WALKER = StackWalker.getInstance();

    /** A future whose class says little about where it came from (a lambda wrapper): it names a better key. */
    public interface SiteKeyed {
        /** The class that identifies the code that made this future (e.g. its lambda's class). */
        Class<?> siteKey();
    }

    static final class Site {
        StackTraceElement frame;
        int walks;
        boolean multi;
        /**
         * Sites of this type per spawning context, as pairs {@code [context class, Site]}: copy-on-write, published by
         * a volatile write; a racing add may lose an entry, which is then only added again (one more walk).
         */
        volatile Object[] byContext = NO_CONTEXTS;

        Site forContext(Class<?> context) {
            Object[] a = byContext;
            for (int i = 0; i < a.length; i += 2) {
                if (a[i] == context) {
                    return (Site) a[i + 1];
                }
            }
            if (a.length >= 2 * MAX_CONTEXTS) {
                return this; // a type spawned from very many contexts: share the type's own site (likely multi-site)
            }
            Site s = new Site();
            Object[] b = java.util.Arrays.copyOf(a, a.length + 2);
            b[a.length] = context;
            b[a.length + 1] = s;
            byContext = b;
            return s;
        }
    }

    private static final Object[] NO_CONTEXTS = new Object[0];
    /** Spawning contexts remembered per type; beyond, they share one entry. */
    static final int MAX_CONTEXTS = 8;

    private static final ClassValue<Site> SITES = new ClassValue<>() {
        @Override
        protected Site computeValue(Class<?> type) {
            return new Site();
        }
    };

    private SpawnSites() {
    }

    /**
     * What to store in the task for {@code future} spawned by the calling thread: a {@link StackTraceElement}, a
     * {@code StackTraceElement[]} or null. {@code capture} NONE returns null at once. {@code context}: the class of
     * the future of the task that spawns (see the class comment), or null from outside a task. {@code taskId}: the new
     * task's id, which picks the spawns that re-check a known site.
     */
    public static Object capture(SpawnSiteCapture capture, Object future, Class<?> context, long taskId) {
        switch (capture) {
            case NONE -> {
                return null;
            }
            case STACK -> {
                return WALKER.walk(s -> s.dropWhile(SpawnSites::isRuntimeFrame)
                        .map(StackWalker.StackFrame::toStackTraceElement).toArray(StackTraceElement[]::new));
            }
            default -> {
            }
        }
        Class<?> key = future instanceof SiteKeyed k ? k.siteKey() : future.getClass();
        Site site = SITES.get(key);
        if (context != null) {
            site = site.forContext(context);
        }
        if (site.multi) {
            return walk();
        }
        StackTraceElement known = site.frame;
        if (known != null && site.walks >= LEARN && (taskId & (RECHECK - 1)) != 0) {
            return known;
        }
        StackTraceElement here = walk();
        site.walks++;
        if (known == null) {
            site.frame = here;
        } else if (!Objects.equals(known, here)) {
            site.multi = true;
        }
        return here;
    }

    private static StackTraceElement walk() {
        return WALKER.walk(s -> s.dropWhile(SpawnSites::isRuntimeFrame).findFirst()
                .map(StackWalker.StackFrame::toStackTraceElement).orElse(null));
    }

    /** Frames of Spindle's spawning machinery, skipped to reach the caller. */
    private static boolean isRuntimeFrame(StackWalker.StackFrame f) {
        String c = f.getClassName();
        return c.startsWith("dev.spindle.internal.") || c.equals("dev.spindle.SpindleRuntime")
                || c.equals("dev.spindle.Futures");
    }

    /** How a stored site reads in a report. */
    public static String describe(Object site) {
        if (site == null) {
            return "(not recorded: spawnSites is NONE)";
        }
        if (site instanceof StackTraceElement e) {
            return e.toString();
        }
        if (site instanceof StackTraceElement[] stack) {
            if (stack.length == 0) {
                return "(unknown)";
            }
            StringBuilder b = new StringBuilder(stack[0].toString());
            List<StackTraceElement> rest = Arrays.asList(stack).subList(1, Math.min(stack.length, 30));
            for (StackTraceElement e : rest) {
                b.append("\n\t\tat ").append(e);
            }
            return b.toString();
        }
        return site.toString();
    }
}
