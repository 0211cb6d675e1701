package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;

/**
 * A watcher that keeps every event it receives, in arrival order, so tests can assert exact sequences.
 *
 * <p>Absence of an event is never proven by waiting: tests make a later "marker" change that fires another
 * watcher of the same client and rely on ZooKeeper's in-order event delivery (see {@link #drain()}).
 */
public final class EventRecorder implements Watcher {

    private final BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();

    @Override
    public void process(WatchedEvent event) {
        events.add(event);
    }

    /** The next event, waiting up to the default (scaled) timeout; fails the test if none arrives. */
    public WatchedEvent next() throws InterruptedException {
        return next(Timing.seconds(10));
    }

    /** The next event, waiting up to {@code timeout}; fails the test if none arrives. */
    public WatchedEvent next(Duration timeout) throws InterruptedException {
        WatchedEvent event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(event).as("a watch event within %s", timeout).isNotNull();
        return event;
    }

    /**
     * The next node event (type other than None), waiting up to the default timeout. The client hands
     * connection-state events (type None) to every watcher it holds, not only to the default one, so a watcher
     * that lives through a disconnect sees them in between.
     */
    public WatchedEvent nextNodeEvent() throws InterruptedException {
        long deadline = System.nanoTime() + Timing.seconds(10).toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            WatchedEvent event = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertThat(event).as("a node event within %s", Timing.seconds(10)).isNotNull();
            if (event.getType() != EventType.None) {
                return event;
            }
        }
    }

    /** Asserts that the next node event is of {@code type} on {@code path} in state SyncConnected. */
    public WatchedEvent expect(EventType type, String path) throws InterruptedException {
        WatchedEvent event = nextNodeEvent();
        assertThat(event.getType()).as("event type of %s", event).isEqualTo(type);
        assertThat(event.getPath()).as("event path of %s", event).isEqualTo(path);
        assertThat(event.getState()).as("event state of %s", event).isEqualTo(KeeperState.SyncConnected);
        return event;
    }

    /** Skips connection-state events (type None) until one with {@code state} arrives. */
    public void awaitState(KeeperState state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            WatchedEvent event = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertThat(event).as("connection state %s within %s", state, timeout).isNotNull();
            if (event.getType() == EventType.None && event.getState() == state) {
                return;
            }
        }
    }

    /** Removes and returns the events received so far, without waiting. */
    public List<WatchedEvent> drain() {
        List<WatchedEvent> out = new ArrayList<>();
        events.drainTo(out);
        return out;
    }

    /** Removes the events received so far and returns the node events among them (type other than None). */
    public List<WatchedEvent> drainNodeEvents() {
        return drain().stream().filter(e -> e.getType() != EventType.None).toList();
    }

    /** True if no event is queued right now (no waiting). */
    public boolean isEmpty() {
        return events.isEmpty();
    }
}
