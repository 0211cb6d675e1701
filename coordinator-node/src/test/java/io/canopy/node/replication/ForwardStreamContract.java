package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream of runs alone, over either transport ({@link GrpcForwardStreamTest}, {@link LinkForwardStreamTest}),
 * against leaders that only take runs: runs arrive in order and unanswered; a refusal carries its reason and ends
 * the stream; a refusal, a leader change or a leader gone fails every run the sender still holds, after which the
 * next run opens a new stream; runs the sender released are forgotten.
 */
abstract class ForwardStreamContract {

    /** A leader taking runs, as far as the stream can tell. */
    interface Leader {
        /** Stops it at once, ending its connections. */
        void stop() throws Exception;
    }

    private final List<Leader> leaders = new ArrayList<>();
    /** Where each node serves runs, for {@link #newStream}. */
    final Map<Integer, String> addresses = new ConcurrentHashMap<>();
    final ForwardStream stream = newStream();

    /** The stream under test, finding leaders in {@link #addresses}. */
    abstract ForwardStream newStream();

    /** Starts node {@code node} taking runs with {@code accept}, on a new port, and records its address. */
    abstract Leader start(int node, Function<byte[], String> accept) throws Exception;

    @AfterEach
    void close() throws Exception {
        stream.close();
        for (Leader l : leaders) {
            l.stop();
        }
    }

    final Leader serve(int node, Function<byte[], String> accept) throws Exception {
        Leader l = start(node, accept);
        leaders.add(l);
        return l;
    }

    static byte[] run(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] run) {
        return new String(run, StandardCharsets.UTF_8);
    }

    /** Serves node {@code node}, queuing every run; returns the runs it received, in order. */
    List<String> serveQueuing(int node) throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        serve(node, run -> {
            received.add(text(run));
            return null;
        });
        return received;
    }

    @Test
    void queuedRunsArriveInOrderAndAreNotAnswered() throws Exception {
        List<String> received = serveQueuing(2);
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sent.add(stream.forward(run("run" + i), 2));
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> received.size() == 100);
        for (int i = 0; i < 100; i++) {
            assertThat(received.get(i)).isEqualTo("run" + i);
        }
        // no answer completes them: only their sender does, once it knows their fate
        assertThat(sent).allMatch(f -> !f.isDone());
        assertThat(stream.held()).isEqualTo(100);
    }

    @Test
    void runsOfEverySizeArriveWhole() throws Exception {
        List<byte[]> received = new CopyOnWriteArrayList<>();
        serve(2, run -> {
            received.add(run);
            return null;
        });
        // Empty, small, and larger than gRPC's frames and than a read chunk: read at the length gRPC knows.
        List<byte[]> runs = List.of(new byte[0], run("x"), new byte[8192], new byte[8193], new byte[300_000]);
        for (int i = 0; i < runs.size(); i++) {
            Arrays.fill(runs.get(i), (byte) (i + 1));
            stream.forward(runs.get(i), 2).complete(null);
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> received.size() == runs.size());
        for (int i = 0; i < runs.size(); i++) {
            assertThat(received.get(i)).as("run %d", i).isEqualTo(runs.get(i));
        }
    }

    @Test
    void runsTheSenderReleasedAreForgotten() throws Exception {
        List<String> received = serveQueuing(2);
        for (int i = 0; i < 1000; i++) {
            stream.forward(run("run" + i), 2).complete(null);
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> received.size() == 1000);
        assertThat(stream.held()).isZero();
    }

    @Test
    void aRefusalCarriesItsReasonEndsTheStreamAndFailsEveryRunStillHeld() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch allSent = new CountDownLatch(1);
        serve(2, run -> {
            received.add(text(run));
            if (!text(run).startsWith("bad")) {
                return null;
            }
            try {
                allSent.await(5, TimeUnit.SECONDS);   // so that run3 is sent on this stream, behind the refused run
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "refused " + text(run);
        });
        CompletableFuture<Void> released = stream.forward(run("run0"), 2);
        released.complete(null);
        List<CompletableFuture<Void>> held = new ArrayList<>();
        held.add(stream.forward(run("run1"), 2));
        held.add(stream.forward(run("bad2"), 2));
        held.add(stream.forward(run("run3"), 2));
        allSent.countDown();
        for (CompletableFuture<Void> f : held) {
            assertThat(f).failsWithin(5, TimeUnit.SECONDS).withThrowableThat().withMessageContaining("refused bad2");
        }
        // the leader dropped what followed the refusal unseen; the next run goes over a new stream
        assertThat(received).containsExactly("run0", "run1", "bad2");
        CompletableFuture<Void> next = stream.forward(run("run4"), 2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> received.contains("run4"));
        assertThat(received).containsExactly("run0", "run1", "bad2", "run4");
        assertThat(next).isNotDone();
    }

    @Test
    void aLeaderChangeFailsWhatIsHeldAndTheNextRunGoesToTheNewLeader() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        serve(2, run -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        List<String> atThree = serveQueuing(3);
        CompletableFuture<Void> stuck = stream.forward(run("a"), 2);
        stream.leaderChanged(3);
        assertThat(stuck).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .withMessageContaining("the leader changed to n3");
        hold.countDown();
        CompletableFuture<Void> b = stream.forward(run("b"), 3);
        await().atMost(5, TimeUnit.SECONDS).until(() -> atThree.contains("b"));
        assertThat(atThree).containsExactly("b");
        assertThat(b).isNotDone();
    }

    @Test
    void aServerGoneFailsWhatIsHeldAndANewStreamTakesTheNextRun() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        Leader first = serve(2, run -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        CompletableFuture<Void> stuck = stream.forward(run("a"), 2);
        first.stop();
        assertThat(stuck).failsWithin(5, TimeUnit.SECONDS);
        hold.countDown();

        List<String> received = serveQueuing(2);   // the same node back, on a new port
        stream.leaderChanged(2);
        CompletableFuture<Void> b = stream.forward(run("b"), 2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> received.contains("b"));
        assertThat(b).isNotDone();
    }

    @Test
    void withNoLeaderKnownOrItsAddressUnknownARunFailsAtOnce() {
        assertThat(stream.forward(run("a"), -1)).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .withMessageContaining("no leader");
        assertThat(stream.forward(run("a"), 7)).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .withMessageContaining("address of leader n7");
    }
}
