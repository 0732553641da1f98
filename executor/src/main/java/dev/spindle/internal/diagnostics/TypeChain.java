package dev.spindle.internal.diagnostics;

import dev.spindle.diagnostics.Described;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Describes an object as its type chain: {@code CopyBidirectional<TlsStream<TcpStream>, TcpStream>}. Children come
 * from {@link Described#children()}; anything else is its class's simple name (a lambda's is
 * {@code Outer$$Lambda} cut to {@code Outer.lambda}, an anonymous class's {@code Outer$1}).
 *
 * <p>Runs on diagnostic threads while the object may be in use on a worker (see {@link Described}): a child list that
 * throws is shown as {@code ?}; depth and width are bounded, and a cycle is cut, so a broken {@code children()} cannot
 * hang or flood a report.
 */
public final class TypeChain {
    /** Levels of children shown; below, {@code <…>}. Four covers a proxy's copy of a TLS stream over TCP. */
    static final int MAX_DEPTH = 6;
    /** Children shown per level; the rest as {@code …}. */
    static final int MAX_WIDTH = 6;

    private TypeChain() {
    }

    /** The type chain of {@code o}. */
    public static String of(Object o) {
        StringBuilder b = new StringBuilder();
        append(b, o, 0, new IdentityHashMap<>());
        return b.toString();
    }

    /** A class's name as shown in a chain. */
    public static String simpleName(Class<?> c) {
        String n = c.getName();
        int lambda = n.indexOf("$$Lambda");
        if (lambda >= 0) {
            String outer = n.substring(0, lambda);
            return outer.substring(outer.lastIndexOf('.') + 1) + ".lambda";
        }
        String s = c.getSimpleName();
        if (s.isEmpty()) { // anonymous
            s = n.substring(n.lastIndexOf('.') + 1);
        }
        return s;
    }

    private static void append(StringBuilder b, Object o, int depth, Map<Object, Boolean> seen) {
        if (o == null) {
            b.append("null");
            return;
        }
        b.append(simpleName(o.getClass()));
        if (!(o instanceof Described d)) {
            return;
        }
        if (seen.put(o, Boolean.TRUE) != null) {
            b.append("<cycle>");
            return;
        }
        List<?> children;
        try {
            children = d.children();
        } catch (Throwable t) {
            b.append("<?>");
            return;
        }
        if (children == null || children.isEmpty()) {
            return;
        }
        if (depth + 1 >= MAX_DEPTH) {
            b.append("<…>");
            return;
        }
        b.append('<');
        int shown = 0;
        for (Object c : children) {
            if (c == null) {
                continue;
            }
            if (shown > 0) {
                b.append(", ");
            }
            if (shown == MAX_WIDTH) {
                b.append('…');
                break;
            }
            append(b, c, depth + 1, seen);
            shown++;
        }
        b.append('>');
        seen.remove(o);
    }
}
