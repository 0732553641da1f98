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
 * {@link SpawnSiteCapture#FRAME} the site is remembered per <em>key type</em> (the future's class, or for a future made
 * from a lambda the lambda's class: see {@link SiteKeyed}): the first {@link #LEARN} spawns of a type walk; if they
 * agree the type is <em>single-site</em> and later spawns reuse that frame, walking again once every {@link #RECHECK}
 * spawns to confirm. A walk that disagrees makes the type <em>multi-site</em> for good, and every later spawn of it
 * walks. A report therefore names the right frame for every task of a single-site type; a second site that appears
 * later is caught within {@link #RECHECK} of its spawns, and tasks of it spawned before that show the first site.
 *
 * <p>Concurrency: a type's {@link Site} is shared by all spawning threads. Its fields are plain and racy on purpose:
 * {@code frame} is a reference to an immutable {@link StackTraceElement} (safe to publish racily), the counters are
 * hints (a lost increment shifts a re-check by one spawn), and {@code multi} only ever goes from false to true.
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
        int spawns;
        boolean multi;
    }

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
     * {@code StackTraceElement[]} or null. {@code capture} NONE returns null at once.
     */
    public static Object capture(SpawnSiteCapture capture, Object future) {
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
        if (site.multi) {
            return walk();
        }
        StackTraceElement known = site.frame;
        if (known != null && site.walks >= LEARN && (++site.spawns & (RECHECK - 1)) != 0) {
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
