package dev.spindle.internal.util;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link IntrusiveList}: each operation at the front, middle and back, and a randomized run against a
 * {@link List} model. After every step the list is walked both ways, so a broken {@code prev} link is caught as
 * well as a broken {@code next}.
 */
class IntrusiveListTest {
    static final class Item extends IntrusiveList.Node {
        final int id;

        Item(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Item" + id;
        }
    }

    private static Item[] items(int n) {
        Item[] a = new Item[n];
        for (int i = 0; i < n; i++) {
            a[i] = new Item(i);
        }
        return a;
    }

    /** Checks the list against {@code expected} walking forwards and backwards, and the end links. */
    private static void assertContents(IntrusiveList<Item> list, List<Item> expected) {
        List<Item> forward = new ArrayList<>();
        for (Item i = list.first(); i != null; i = list.next(i)) {
            forward.add(i);
            assertThat(forward.size()).as("cycle in the next links").isLessThanOrEqualTo(expected.size());
        }
        assertThat(forward).containsExactlyElementsOf(expected);
        List<Item> backward = new ArrayList<>();
        IntrusiveList.Node tail = expected.isEmpty() ? null : expected.get(expected.size() - 1);
        for (IntrusiveList.Node n = tail; n != null; n = n.prev) {
            backward.add(0, (Item) n);
            assertThat(backward.size()).as("cycle in the prev links").isLessThanOrEqualTo(expected.size());
        }
        assertThat(backward).containsExactlyElementsOf(expected);
        if (!expected.isEmpty()) {
            assertThat(expected.get(expected.size() - 1).next).as("tail.next").isNull();
        }
        assertThat(list.isEmpty()).isEqualTo(expected.isEmpty());
        for (Item i : expected) {
            assertThat(list.contains(i)).as("contains %s", i).isTrue();
        }
    }

    @Test
    void addLastKeepsOrderAndAddFirstPutsInFront() {
        Item[] it = items(4);
        IntrusiveList<Item> list = new IntrusiveList<>();
        assertContents(list, List.of());
        list.addLast(it[1]);
        list.addLast(it[2]);
        list.addFirst(it[0]);
        list.addLast(it[3]);
        assertContents(list, List.of(it[0], it[1], it[2], it[3]));
    }

    @Test
    void removeFromFrontMiddleBackAndTheOnlyElement() {
        Item[] it = items(4);
        IntrusiveList<Item> list = new IntrusiveList<>();
        for (Item i : it) {
            list.addLast(i);
        }
        list.remove(it[2]);
        assertContents(list, List.of(it[0], it[1], it[3]));
        list.remove(it[0]);
        assertContents(list, List.of(it[1], it[3]));
        list.remove(it[3]);
        assertContents(list, List.of(it[1]));
        list.remove(it[1]);
        assertContents(list, List.of());
        for (Item i : it) {
            assertThat(list.contains(i)).isFalse();
            assertThat(i.prev).isNull();
            assertThat(i.next).isNull();
        }
    }

    @Test
    void aRemovedElementCanJoinAnotherList() {
        Item[] it = items(3);
        IntrusiveList<Item> a = new IntrusiveList<>();
        IntrusiveList<Item> b = new IntrusiveList<>();
        for (Item i : it) {
            a.addLast(i);
        }
        a.remove(it[1]);
        b.addLast(it[1]);
        assertContents(a, List.of(it[0], it[2]));
        assertContents(b, List.of(it[1]));
        assertThat(a.contains(it[1])).isFalse();
        assertThat(b.contains(it[0])).isFalse();
    }

    @Test
    void removeFirstTakesInOrderThenReturnsNull() {
        Item[] it = items(3);
        IntrusiveList<Item> list = new IntrusiveList<>();
        for (Item i : it) {
            list.addLast(i);
        }
        assertThat(list.removeFirst()).isSameAs(it[0]);
        assertContents(list, List.of(it[1], it[2]));
        assertThat(list.removeFirst()).isSameAs(it[1]);
        assertThat(list.removeFirst()).isSameAs(it[2]);
        assertThat(list.removeFirst()).isNull();
        assertContents(list, List.of());
        for (Item i : it) {
            assertThat(i.prev).isNull();
            assertThat(i.next).isNull();
        }
    }

    @Test
    void takeAllAppendsTheOtherListAndEmptiesIt() {
        Item[] it = items(5);
        IntrusiveList<Item> a = new IntrusiveList<>();
        IntrusiveList<Item> b = new IntrusiveList<>();
        a.takeAll(b);
        assertContents(a, List.of());
        b.addLast(it[0]);
        b.addLast(it[1]);
        a.takeAll(b);
        assertContents(a, List.of(it[0], it[1]));
        assertContents(b, List.of());
        b.addLast(it[2]);
        b.addLast(it[3]);
        b.addLast(it[4]);
        a.takeAll(b);
        assertContents(a, List.of(it[0], it[1], it[2], it[3], it[4]));
        assertContents(b, List.of());
        a.remove(it[2]); // the seam: its prev was set by takeAll
        assertContents(a, List.of(it[0], it[1], it[3], it[4]));
        a.takeAll(b);
        assertContents(a, List.of(it[0], it[1], it[3], it[4]));
    }

    @Test
    void randomOperationsMatchAListModel() {
        for (long seed = 0; seed < 200; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Item[] it = items(8);
            IntrusiveList<Item> list = new IntrusiveList<>();
            IntrusiveList<Item> other = new IntrusiveList<>();
            List<Item> model = new ArrayList<>();
            List<Item> otherModel = new ArrayList<>();
            for (int step = 0; step < 100; step++) {
                Item i = it[rnd.nextInt(it.length)];
                boolean inList = model.contains(i);
                boolean inOther = otherModel.contains(i);
                switch (rnd.nextInt(6)) {
                    case 0 -> {
                        if (!inList && !inOther) {
                            list.addFirst(i);
                            model.add(0, i);
                        }
                    }
                    case 1 -> {
                        if (!inList && !inOther) {
                            list.addLast(i);
                            model.add(i);
                        }
                    }
                    case 2 -> {
                        if (inList) {
                            list.remove(i);
                            model.remove(i);
                        }
                    }
                    case 3 -> {
                        Item first = list.removeFirst();
                        assertThat(first).isSameAs(model.isEmpty() ? null : model.remove(0));
                    }
                    case 4 -> {
                        if (!inList && !inOther) {
                            other.addLast(i);
                            otherModel.add(i);
                        }
                    }
                    default -> {
                        list.takeAll(other);
                        model.addAll(otherModel);
                        otherModel.clear();
                    }
                }
                if (!otherModel.contains(i)) { // contains() answers for nodes in this list or in none
                    assertThat(list.contains(i)).as("seed %d step %d: contains", seed, step).isEqualTo(model.contains(i));
                }
                assertContents(list, model);
                assertContents(other, otherModel);
            }
        }
    }
}
