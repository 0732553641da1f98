package dev.spindle.internal.combinator;

import dev.spindle.Future;

/**
 * How combinators release children they abandon. {@link Future#cancel()} should not throw; if a child's does
 * anyway, the combinator is its owner, so it reports the exception and goes on cancelling the other children:
 * one misbehaving child must not leave its siblings holding their resources.
 *
 * <p>"Reports" means: attached as suppressed to the exception that is already propagating (a sibling failed),
 * or else logged at {@code WARNING} through {@link System.Logger} (a winner completed, or the combinator
 * itself was cancelled). It is never thrown from {@code poll} or {@code cancel}, so a winner's value is never
 * lost to a loser's broken release hook.
 */
final class Children {
    private static final System.Logger LOG = System.getLogger("dev.spindle.Futures");

    private Children() {
    }

    /**
     * Calls {@code child.cancel()}; an exception from it is added to {@code propagating} as suppressed if
     * that is not {@code null}, else logged.
     */
    static void cancel(Future<?> child, String combinator, Throwable propagating) {
        try {
            child.cancel();
        } catch (RuntimeException | Error e) {
            if (propagating != null) {
                propagating.addSuppressed(e);
            } else {
                LOG.log(System.Logger.Level.WARNING,
                        () -> combinator + ": cancel() of an abandoned child future threw; release hooks must not throw", e);
            }
        }
    }
}
