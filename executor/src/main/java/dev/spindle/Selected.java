package dev.spindle;

/**
 * The outcome of {@link Futures#select(Future, Future)}: which of the two futures completed first, with its
 * value. The other future has been cancelled.
 *
 * <p>Sealed, so a {@code switch} over it is exhaustive:
 * <pre>{@code
 * switch (selected) {
 *     case Selected.First<String, Integer>(var line) -> handle(line);
 *     case Selected.Second<String, Integer>(var code) -> exit(code);
 * }
 * }</pre>
 *
 * @param <A> the result type of the first future
 * @param <B> the result type of the second future
 */
public sealed interface Selected<A, B> permits Selected.First, Selected.Second {

    /** The first future completed with {@code value}; the second was cancelled. */
    record First<A, B>(A value) implements Selected<A, B> {
    }

    /** The second future completed with {@code value}; the first was cancelled. */
    record Second<A, B>(B value) implements Selected<A, B> {
    }
}
