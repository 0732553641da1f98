/**
 * Tasks: the state word, completion and join.
 *
 * <h2>Memory-ordering conventions</h2>
 * The module's one idiom (VarHandle methods named by their mode, at each access, with the access they pair with)
 * and its glossary are in {@link dev.spindle.internal.util}'s package-info. Plain fields are either owned by one
 * thread or published by a release or volatile write that the reader acquires; the comment at the field says which.
 */
package dev.spindle.internal.task;
