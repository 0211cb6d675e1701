package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.canopy.core.RunVerdict;
import io.canopy.core.RunVerdict.Decision;
import io.canopy.core.StreamTable;
import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Run;
import io.canopy.core.txn.Txn;

/**
 * The batcher alone, with a fake transport that appends or forwards only when the test says so, and a
 * {@link StreamTable} standing for the replicated state, whose verdicts the test hands to {@link TxnBatcher#resolved}
 * as the apply thread would: a lone transaction leaves at once, what arrives while the in-flight limit is reached
 * shares the next entry, entries are capped, a transaction is done only once its run is applied, a lost run
 * restarts the stream, followers forward their runs and the leader merges them into its entries fairly.
 */
class TxnBatcherTest {

    private static final int NODE = 1;
    private static final int OTHER_NODE = 2;
    private static final int THIRD_NODE = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** One run as sent: its header and its transactions. */
    private record SentRun(Run run, List<Txn> txns) {
        List<Integer> cxids() {
            return txns.stream().map(Txn::cxid).toList();
        }

        int bytes() {
            return txns.stream().mapToInt(TxnBatcher::size).sum();
        }
    }

    /**
     * What the batcher handed to the transport: an entry it appended (as the leader) or one run it forwarded (as a
     * follower), the transport's future (for an entry the test completes it once appended and applied here; for a
     * run the test fails it to lose the run, and the batcher completes it once it no longer needs it), and for an
     * entry what the test runs when it commits (its apply begins).
     */
    private record Sent(boolean appended, List<SentRun> runs, CompletableFuture<Void> result, Runnable committed) {
        /** This node's run in it, or null. */
        SentRun own() {
            List<SentRun> own = runs.stream().filter(r -> r.run().origin() == NODE).toList();
            assertThat(own).hasSizeLessThanOrEqualTo(1);
            return own.isEmpty() ? null : own.get(0);
        }

        List<SentRun> forwarded() {
            return runs.stream().filter(r -> r.run().origin() != NODE).toList();
        }

        int ops() {
            return runs.stream().mapToInt(r -> r.run().count()).sum();
        }
    }

    /** A transport whose leadership the test sets, recording what is sent. */
    private final class FakeTransport implements TxnBatcher.Transport {
        volatile boolean leads = true;
        volatile boolean electedNotReady = false;
        /** Members of the cluster: a follower's runs hold at most 1/nodes of an entry. */
        volatile int nodes = 2;

        @Override
        public int nodes() {
            return nodes;
        }

        @Override
        public boolean leads() {
            return leads;
        }

        @Override
        public boolean electedNotReady() {
            return electedNotReady;
        }

        @Override
        public CompletableFuture<?> append(byte[] entry, Runnable committed) {
            return record(true, BatchCodec.decode(entry), committed);
        }

        @Override
        public CompletableFuture<?> forward(byte[] run) {
            BatchCodec.checkRun(run);
            return record(false, BatchCodec.decode(BatchCodec.entry(0, List.of(run))), null);
        }

        private CompletableFuture<Void> record(boolean appended, Batch batch, Runnable committed) {
            List<SentRun> runs = new ArrayList<>();
            int i = 0;
            for (Run r : batch.runs()) {
                runs.add(new SentRun(r, batch.txns().subList(i, i + r.count())));
                i += r.count();
            }
            CompletableFuture<Void> result = new CompletableFuture<>();
            sent.add(new Sent(appended, List.copyOf(runs), result, committed));
            return result;
        }
    }

    private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    private final FakeTransport transport = new FakeTransport();
    /** The replicated state's stream positions, deciding on every run applied. */
    private final StreamTable table = new StreamTable();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Deadlines deadlines = new Deadlines(TIMEOUT, nanos::get);
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
    private TxnBatcher batcher;

    private TxnBatcher batcher(int maxOps, int maxBytes, int maxInFlight, int maxForwards) {
        assertThat(batcher).as("one batcher per test").isNull();
        batcher = new TxnBatcher(transport, clock, NODE, maxOps, maxBytes, maxInFlight, maxForwards, deadlines);
        return batcher;
    }

    @AfterEach
    void close() {
        if (batcher != null) {
            batcher.close();
        }
        deadlines.close();
    }

    private static Txn txn(long session, int cxid, int bodyBytes) {
        return new Txn(session, cxid, 1, new byte[bodyBytes], List.of(), NODE, cxid);
    }

    private static Txn txn(int cxid) {
        return txn(1, cxid, 10);
    }

    /** A run node 2 forwarded to this node, encoded as it would arrive. */
    private static byte[] otherRun(long stream, long firstSeq, int count, int bodyBytes) {
        return runOf(OTHER_NODE, stream, firstSeq, count, bodyBytes);
    }

    /** A run node {@code origin} forwarded to this node, encoded as it would arrive. */
    private static byte[] runOf(int origin, long stream, long firstSeq, int count, int bodyBytes) {
        List<Txn> txns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int cxid = (int) (1000 + firstSeq + i);
            txns.add(new Txn(100L * origin, cxid, 1, new byte[bodyBytes], List.of(), origin, cxid));
        }
        return BatchCodec.encodeRun(new Run(origin, stream, firstSeq, count), txns);
    }

    private boolean acceptForwarded(byte[] run) {
        return batcher.acceptForwarded(BatchCodec.checkRun(run), run);
    }

    private Sent next() throws InterruptedException {
        Sent s = sent.poll(5, TimeUnit.SECONDS);
        assertThat(s).as("something handed to the transport").isNotNull();
        return s;
    }

    private Sent nextAppended() throws InterruptedException {
        Sent s = next();
        assertThat(s.appended()).as("appended, not forwarded").isTrue();
        return s;
    }

    private Sent nextForwarded() throws InterruptedException {
        Sent s = next();
        assertThat(s.appended()).as("forwarded, not appended").isFalse();
        assertThat(s.runs()).hasSize(1);
        assertThat(s.runs().get(0).run().origin()).isEqualTo(NODE);
        return s;
    }

    /**
     * Waits for the submitting thread to run everything handed to it so far: a completion callback it registers
     * after the test completed the future has then run too.
     */
    private void settle() {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        batcher.onSubmitter(() -> drained.complete(null));
        assertThat(drained).succeedsWithin(5, TimeUnit.SECONDS);
    }

    /** Nothing more is handed to the transport: the submitting thread ran a task queued after everything so far. */
    private void assertNothingMoreSent() throws InterruptedException {
        settle();
        assertThat(sent.poll(50, TimeUnit.MILLISECONDS)).isNull();
    }

    /** The runs are applied, as this node's apply thread would: the state decides, the batcher hears it. */
    private List<RunVerdict> apply(List<SentRun> runs) {
        List<RunVerdict> verdicts = runs.stream().map(r -> table.admit(r.run())).toList();
        batcher.resolved(verdicts);
        return verdicts;
    }

    private List<RunVerdict> apply(Sent s) {
        return apply(s.runs());
    }

    /** An appended entry's future completes (appended and applied here). */
    private void complete(Sent s) {
        s.result().complete(null);
        settle();
    }

    private void fail(Sent s, Throwable error) {
        s.result().completeExceptionally(error);
        settle();
    }

    /** Applied, then the append's future completes, in the order a leader sees them. */
    private void commit(Sent s) {
        assertThat(apply(s)).extracting(RunVerdict::decision).containsOnly(Decision.ADMITTED);
        complete(s);
    }

    private static void assertFailed(CompletableFuture<?> f) {
        assertThat(f).failsWithin(5, TimeUnit.SECONDS);
    }

    private static void assertAllFailed(List<CompletableFuture<Void>> futures) {
        futures.forEach(TxnBatcherTest::assertFailed);
    }

    private static CompletableFuture<Void> all(List<CompletableFuture<Void>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Leader

    @Test
    void aLoneTransactionLeavesAtOnceAndThoseArrivingAtTheLimitShareTheNextEntry() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 2, 4);
        CompletableFuture<Void> first = b.submit(txn(1));
        Sent one = nextAppended();
        assertThat(one.own().cxids()).containsExactly(1);
        CompletableFuture<Void> second = b.submit(txn(2));
        Sent two = nextAppended();
        assertThat(two.own().cxids()).containsExactly(2);

        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (int i = 3; i <= 7; i++) {
            waiting.add(b.submit(txn(i)));
        }
        // Two entries in flight: the rest waits, and leaves together once one of them is done.
        assertNothingMoreSent();
        assertThat(b.queued()).isEqualTo(5);

        // The append completing frees its slot, but a transaction is done only once apply admitted its run.
        complete(one);
        assertThat(first).isNotDone();
        Sent three = nextAppended();
        assertThat(three.own().cxids()).containsExactly(3, 4, 5, 6, 7);
        assertThat(three.runs()).hasSize(1);
        assertThat(b.queued()).isZero();

        apply(one);
        assertThat(first).isCompleted();
        assertThat(second).isNotDone();
        commit(two);
        assertThat(second).isCompleted();
        assertThat(all(waiting)).isNotDone();
        commit(three);
        assertThat(all(waiting)).succeedsWithin(5, TimeUnit.SECONDS);

        assertThat(b.entriesSubmitted()).isEqualTo(3);
        assertThat(b.txnsSubmitted()).isEqualTo(7);
        assertThat(b.restarts()).isZero();
        assertNothingMoreSent();
    }

    @Test
    void anEntryFreesItsSlotInFlightWhenItCommitsAndOnlyOnce() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        CompletableFuture<Void> first = b.submit(txn(1));
        Sent one = nextAppended();
        b.submit(txn(2));
        b.submit(txn(3));
        assertNothingMoreSent();

        // Committed: the next entry leaves at once, before this one is applied and answered.
        one.committed().run();
        Sent two = nextAppended();
        assertThat(two.own().cxids()).containsExactly(2, 3);
        assertThat(first).isNotDone();

        // The answer to the first entry frees nothing more: the second holds the only slot.
        commit(one);
        assertThat(first).isCompleted();
        CompletableFuture<Void> fourth = b.submit(txn(4));
        assertNothingMoreSent();
        assertThat(b.queued()).isEqualTo(1);

        // A slot frees once, whichever comes first: here the answer, the commit afterwards changes nothing.
        commit(two);
        Sent three = nextAppended();
        assertThat(three.own().cxids()).containsExactly(4);
        two.committed().run();
        b.submit(txn(5));
        assertNothingMoreSent();
        three.committed().run();
        assertThat(nextAppended().own().cxids()).containsExactly(5);
        commit(three);
        assertThat(fourth).isCompleted();
        assertThat(b.restarts()).isZero();
    }

    @Test
    void aRunAppliedBeforeCountsAsAppliedWhenItsVerdictIsADuplicate() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        CompletableFuture<Void> f = b.submit(txn(1));
        Sent one = nextAppended();
        table.admit(one.own().run());   // applied once, its verdict lost (a run sent twice)
        assertThat(apply(one)).extracting(RunVerdict::decision).containsExactly(Decision.DUPLICATE);
        assertThat(f).isCompleted();
        complete(one);
        assertThat(b.restarts()).isZero();
    }

    @Test
    void entriesAreCappedByCountAndBytesAndLeaveInSubmitOrderNumberedFromOneInOneStream() throws Exception {
        int maxBytes = 2 * TxnBatcher.size(txn(1, 0, 1000)) + 10;
        TxnBatcher b = batcher(3, maxBytes, 1, 4);
        b.submit(txn(1));
        Sent one = nextAppended();
        for (int i = 2; i <= 8; i++) {
            b.submit(txn(i));
        }
        for (int i = 9; i <= 12; i++) {
            b.submit(txn(1, i, 1000));
        }
        List<Sent> entries = new ArrayList<>(List.of(one));
        commit(one);
        List<Integer> order = new ArrayList<>(one.own().cxids());
        while (order.size() < 12) {
            Sent s = nextAppended();
            entries.add(s);
            assertThat(s.runs()).hasSize(1);
            assertThat(s.own().run().count()).isLessThanOrEqualTo(3);
            assertThat(s.own().bytes()).isLessThanOrEqualTo(maxBytes);
            order.addAll(s.own().cxids());
            commit(s);
        }
        assertThat(order).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        // 1 | 2 3 4 | 5 6 7 | 8 9 (bytes) | 10 11 | 12
        assertThat(entries).extracting(s -> s.own().run().count()).containsExactly(1, 3, 3, 2, 2, 1);

        long stream = one.own().run().stream();
        long expectedSeq = 1;
        for (Sent s : entries) {
            Run run = s.own().run();
            assertThat(run.origin()).isEqualTo(NODE);
            assertThat(run.stream()).isEqualTo(stream);
            assertThat(run.firstSeq()).isEqualTo(expectedSeq);
            expectedSeq = run.lastSeq() + 1;
        }
        assertThat(b.entriesSubmitted()).isEqualTo(6);
        assertThat(b.txnsSubmitted()).isEqualTo(12);
        assertNothingMoreSent();
    }

    @Test
    void aRefusedRunFailsEverythingUnresolvedAndQueuedAndTheNextRunStartsANewStream() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 2, 4);
        CompletableFuture<Void> lost = b.submit(txn(1));
        Sent one = nextAppended();
        CompletableFuture<Void> afterLost = b.submit(txn(2));
        Sent two = nextAppended();
        CompletableFuture<Void> queued = b.submit(txn(3));
        assertNothingMoreSent();
        long oldStream = one.own().run().stream();

        // The first entry is lost: the second does not continue the stream and is refused.
        assertThat(apply(two)).extracting(RunVerdict::decision).containsExactly(Decision.REFUSED);
        assertAllFailed(List.of(lost, afterLost, queued));
        assertThat(b.restarts()).isEqualTo(1);
        assertThat(b.queued()).isZero();

        complete(one);
        complete(two);
        CompletableFuture<Void> fresh = b.submit(txn(4));
        Sent three = nextAppended();
        Run run = three.own().run();
        assertThat(run.stream()).isGreaterThan(oldStream);
        assertThat(run.firstSeq()).isEqualTo(1);
        assertThat(three.own().cxids()).containsExactly(4);
        commit(three);
        assertThat(fresh).succeedsWithin(5, TimeUnit.SECONDS);

        // A straggler of the old stream is refused by the state and ignored by the batcher.
        assertThat(apply(one)).extracting(RunVerdict::decision).containsExactly(Decision.REFUSED);
        assertThat(b.restarts()).isEqualTo(1);
        CompletableFuture<Void> next = b.submit(txn(5));
        Sent four = nextAppended();
        assertThat(four.own().run()).isEqualTo(new Run(NODE, run.stream(), 2, 1));
        commit(four);
        assertThat(next).succeedsWithin(5, TimeUnit.SECONDS);
    }

    @Test
    void aRunRefusedForANewerStreamInTheStateRestartsAboveThatStream() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        CompletableFuture<Void> f = b.submit(txn(1));
        Sent one = nextAppended();
        long stale = one.own().run().stream();
        // The state already holds a newer stream of this node (say of its previous incarnation).
        long newer = stale + 1000;
        assertThat(table.admit(new Run(NODE, newer, 1, 3)).decision()).isEqualTo(Decision.ADMITTED);

        assertThat(apply(one)).extracting(RunVerdict::decision).containsExactly(Decision.REFUSED);
        assertFailed(f);
        assertThat(b.restarts()).isEqualTo(1);
        complete(one);

        CompletableFuture<Void> fresh = b.submit(txn(2));
        Sent two = nextAppended();
        assertThat(two.own().run().stream()).isGreaterThan(newer);
        assertThat(two.own().run().firstSeq()).isEqualTo(1);
        commit(two);
        assertThat(fresh).succeedsWithin(5, TimeUnit.SECONDS);
    }

    @Test
    void aFailedAppendOfAnEntryHoldingThisNodesRunRestartsTheStream() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 2, 4);
        CompletableFuture<Void> lost = b.submit(txn(1));
        Sent one = nextAppended();
        CompletableFuture<Void> inFlight = b.submit(txn(2));
        Sent two = nextAppended();
        CompletableFuture<Void> queued = b.submit(txn(3));
        long oldStream = one.own().run().stream();

        fail(one, new IOException("not the leader any more"));
        assertAllFailed(List.of(lost, inFlight, queued));
        assertThat(b.restarts()).isEqualTo(1);

        CompletableFuture<Void> fresh = b.submit(txn(4));
        Sent three = nextAppended();
        assertThat(three.own().run().stream()).isGreaterThan(oldStream);
        assertThat(three.own().run().firstSeq()).isEqualTo(1);
        commit(three);
        assertThat(fresh).succeedsWithin(5, TimeUnit.SECONDS);

        // The second entry of the old stream failing too changes nothing: that stream is gone already.
        fail(two, new IOException("not the leader any more"));
        assertThat(b.restarts()).isEqualTo(1);
        CompletableFuture<Void> after = b.submit(txn(5));
        Sent four = nextAppended();
        assertThat(four.own().run()).isEqualTo(new Run(NODE, three.own().run().stream(), 2, 1));
        commit(four);
        assertThat(after).succeedsWithin(5, TimeUnit.SECONDS);
    }

    @Test
    void aFailedAppendOfAnEntryHoldingOnlyForwardedRunsFailsNothingOfThisNode() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        assertThat(acceptForwarded(otherRun(7, 1, 2, 10))).isTrue();
        Sent forwardedOnly = nextAppended();
        assertThat(forwardedOnly.own()).isNull();
        assertThat(forwardedOnly.forwarded()).extracting(SentRun::run).containsExactly(new Run(OTHER_NODE, 7, 1, 2));

        CompletableFuture<Void> mine = b.submit(txn(1));
        assertNothingMoreSent();
        fail(forwardedOnly, new IOException("not the leader any more"));
        assertThat(mine).isNotDone();
        assertThat(b.restarts()).isZero();

        Sent next = nextAppended();
        assertThat(next.own().run().firstSeq()).isEqualTo(1);
        assertThat(next.own().cxids()).containsExactly(1);
        commit(next);
        assertThat(mine).succeedsWithin(5, TimeUnit.SECONDS);
        assertThat(b.restarts()).isZero();
    }

    @Test
    void aRunNotAppliedWithinTheTimeoutRestartsTheStream() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        CompletableFuture<Void> applied = b.submit(txn(1));
        Sent one = nextAppended();
        commit(one);
        assertThat(applied).isCompleted();

        CompletableFuture<Void> late = b.submit(txn(2));
        Sent two = nextAppended();
        CompletableFuture<Void> queued = b.submit(txn(3));
        long oldStream = two.own().run().stream();

        nanos.addAndGet(TIMEOUT.toNanos() - 1);
        assertThat(deadlines.sweep(nanos.get())).isZero();
        assertThat(late).isNotDone();
        assertThat(b.restarts()).isZero();

        // Only the unresolved run expires: the applied one's deadline was met.
        nanos.addAndGet(1);
        assertThat(deadlines.sweep(nanos.get())).isEqualTo(1);
        assertAllFailed(List.of(late, queued));
        assertThat(b.restarts()).isEqualTo(1);

        complete(two);   // appended, but never applied here
        CompletableFuture<Void> fresh = b.submit(txn(4));
        Sent three = nextAppended();
        assertThat(three.own().run().stream()).isGreaterThan(oldStream);
        assertThat(three.own().run().firstSeq()).isEqualTo(1);
        commit(three);
        assertThat(fresh).succeedsWithin(5, TimeUnit.SECONDS);

        nanos.addAndGet(2 * TIMEOUT.toNanos());
        assertThat(deadlines.sweep(nanos.get())).isZero();
        assertThat(b.restarts()).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Follower

    @Test
    void aFollowerOfTwoNodesForwardsRunsOfAtMostHalfAnEntryWithAtMostMaxForwardsAwaitingTheirVerdict()
            throws Exception {
        transport.leads = false;
        transport.nodes = 2;
        TxnBatcher b = batcher(4, 1024 * 1024, 1, 2);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        futures.add(b.submit(txn(1)));
        Sent one = nextForwarded();
        futures.add(b.submit(txn(2)));
        Sent two = nextForwarded();
        for (int i = 3; i <= 7; i++) {
            futures.add(b.submit(txn(i)));
        }
        assertNothingMoreSent();
        assertThat(b.queued()).isEqualTo(5);

        // Nothing but a verdict frees a place: the transport's future does not complete by itself.
        assertNothingMoreSent();
        assertThat(futures.get(0)).isNotDone();

        List<Sent> runs = new ArrayList<>(List.of(one, two));
        apply(one);
        assertThat(futures.get(0)).isCompleted();
        assertThat(futures.get(1)).isNotDone();
        Sent three = nextForwarded();
        runs.add(three);
        assertThat(three.own().cxids()).containsExactly(3, 4);   // half of maxOps
        assertNothingMoreSent();

        apply(two);
        Sent four = nextForwarded();
        runs.add(four);
        assertThat(four.own().cxids()).containsExactly(5, 6);
        apply(three);
        Sent five = nextForwarded();
        runs.add(five);
        assertThat(five.own().cxids()).containsExactly(7);
        apply(four);
        apply(five);
        assertThat(all(futures)).succeedsWithin(5, TimeUnit.SECONDS);
        assertNothingMoreSent();

        long stream = one.own().run().stream();
        long expectedSeq = 1;
        for (Sent s : runs) {
            assertThat(s.own().run().stream()).isEqualTo(stream);
            assertThat(s.own().run().firstSeq()).isEqualTo(expectedSeq);
            expectedSeq = s.own().run().lastSeq() + 1;
        }
        assertThat(expectedSeq).isEqualTo(8);
        assertThat(b.entriesSubmitted()).isZero();
        assertThat(b.restarts()).isZero();
    }

    @Test
    void aFollowerOfTwoNodesCapsItsRunsAtHalfAnEntrysBytes() throws Exception {
        transport.leads = false;
        transport.nodes = 2;
        int maxBytes = 2 * TxnBatcher.size(txn(1, 0, 200)) + 10;
        TxnBatcher b = batcher(1000, maxBytes, 1, 1);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        futures.add(b.submit(txn(1, 1, 200)));
        Sent s = nextForwarded();
        for (int i = 2; i <= 4; i++) {
            futures.add(b.submit(txn(1, i, 200)));
        }
        List<Integer> order = new ArrayList<>();
        while (true) {
            assertThat(s.own().cxids()).as("one transaction of 200 bytes fills half an entry").hasSize(1);
            assertThat(s.own().bytes()).isLessThanOrEqualTo(maxBytes / 2);
            order.addAll(s.own().cxids());
            apply(s);
            if (order.size() == 4) {
                break;
            }
            s = nextForwarded();
        }
        assertThat(order).containsExactly(1, 2, 3, 4);
        assertThat(all(futures)).succeedsWithin(5, TimeUnit.SECONDS);
        assertNothingMoreSent();
    }

    @Test
    void aFollowerOfNNodesForwardsRunsOfAtMostAnNthOfAnEntry() throws Exception {
        transport.leads = false;
        transport.nodes = 3;
        TxnBatcher b = batcher(9, 1024 * 1024, 1, 1);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        futures.add(b.submit(txn(1)));
        Sent s = nextForwarded();
        for (int i = 2; i <= 8; i++) {
            futures.add(b.submit(txn(i)));
        }
        List<Integer> sizes = new ArrayList<>();
        while (true) {
            sizes.add(s.own().cxids().size());
            apply(s);
            if (sizes.stream().mapToInt(Integer::intValue).sum() == 8) {
                break;
            }
            s = nextForwarded();
        }
        assertThat(sizes).containsExactly(1, 3, 3, 1);

        // A fourth member joins: runs of at most a quarter (2 of 9).
        transport.nodes = 4;
        for (int i = 9; i <= 11; i++) {
            futures.add(b.submit(txn(i)));
        }
        s = nextForwarded();
        assertThat(s.own().cxids()).containsExactly(9);
        apply(s);
        s = nextForwarded();
        assertThat(s.own().cxids()).containsExactly(10, 11);
        apply(s);
        assertThat(all(futures)).succeedsWithin(5, TimeUnit.SECONDS);
        assertNothingMoreSent();
    }

    @Test
    void aForwardedRunIsReleasedToTheTransportOnceItsFateIsKnown() throws Exception {
        transport.leads = false;
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 2);
        CompletableFuture<Void> first = b.submit(txn(1));
        Sent one = nextForwarded();
        b.submit(txn(2));
        Sent two = nextForwarded();
        settle();
        assertThat(one.result()).isNotDone();
        assertThat(two.result()).isNotDone();

        apply(one);   // its verdict
        settle();
        assertThat(first).isCompleted();
        assertThat(one.result()).isCompleted();
        assertThat(two.result()).isNotDone();

        b.leaderChanged();   // a restart: the second run's fate is known too (failed here, refused if it arrives)
        settle();
        assertThat(b.restarts()).isEqualTo(1);
        assertThat(two.result()).isCompleted();
    }

    @Test
    void aFailedForwardRestartsTheStream() throws Exception {
        transport.leads = false;
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 2);
        CompletableFuture<Void> lost = b.submit(txn(1));
        Sent one = nextForwarded();
        CompletableFuture<Void> inFlight = b.submit(txn(2));
        Sent two = nextForwarded();
        CompletableFuture<Void> queued = b.submit(txn(3));
        assertNothingMoreSent();
        long oldStream = one.own().run().stream();

        fail(one, new IOException("leader unreachable"));
        assertAllFailed(List.of(lost, inFlight, queued));
        assertThat(b.restarts()).isEqualTo(1);

        CompletableFuture<Void> fresh = b.submit(txn(4));
        Sent three = nextForwarded();
        assertThat(three.own().run().stream()).isGreaterThan(oldStream);
        assertThat(three.own().run().firstSeq()).isEqualTo(1);
        assertThat(apply(three)).extracting(RunVerdict::decision).containsExactly(Decision.ADMITTED);
        assertThat(fresh).succeedsWithin(5, TimeUnit.SECONDS);

        // The old stream's second run, should the leader still append it, is refused and ignored.
        assertThat(apply(two)).extracting(RunVerdict::decision).containsExactly(Decision.REFUSED);
        assertThat(b.restarts()).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Leader with forwarded runs

    @Test
    void forwardedRunsShareTheLeadersEntryWithItsOwnRun() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        CompletableFuture<Void> first = b.submit(txn(1));
        Sent one = nextAppended();
        assertThat(acceptForwarded(otherRun(7, 1, 2, 10))).isTrue();
        CompletableFuture<Void> second = b.submit(txn(2));
        CompletableFuture<Void> third = b.submit(txn(3));
        assertThat(acceptForwarded(otherRun(7, 3, 1, 10))).isTrue();
        assertNothingMoreSent();

        commit(one);
        assertThat(first).isCompleted();
        Sent two = nextAppended();
        assertThat(two.runs()).extracting(SentRun::run).containsExactly(
                new Run(NODE, one.own().run().stream(), 2, 2),
                new Run(OTHER_NODE, 7, 1, 2),
                new Run(OTHER_NODE, 7, 3, 1));
        assertThat(two.own().cxids()).containsExactly(2, 3);
        commit(two);
        assertThat(all(List.of(second, third))).succeedsWithin(5, TimeUnit.SECONDS);
        assertThat(b.entriesSubmitted()).isEqualTo(2);
        assertThat(b.txnsSubmitted()).isEqualTo(6);
        assertNothingMoreSent();
    }

    @Test
    void withRunsOfOneOtherNodeWaitingTheOwnRunTakesAtMostHalfAnEntrysCountAndTheOldestForwardedRunGetsIn()
            throws Exception {
        TxnBatcher b = batcher(4, 1024 * 1024, 1, 4);
        fairness(b, 4, 1024 * 1024, 10);
    }

    @Test
    void withRunsOfOneOtherNodeWaitingTheOwnRunTakesAtMostHalfAnEntrysBytesAndTheOldestForwardedRunGetsIn()
            throws Exception {
        int maxBytes = 4 * TxnBatcher.size(txn(1, 0, 100)) + 8;
        TxnBatcher b = batcher(1000, maxBytes, 1, 4);
        fairness(b, 1000, maxBytes, 100);
    }

    /**
     * Three runs of one other node, each of half an entry, wait while this node's queue is kept full: each of the
     * next three entries holds half an entry of this node's transactions and the oldest forwarded run, none
     * starves.
     */
    private void fairness(TxnBatcher b, int maxOps, int maxBytes, int bodyBytes) throws Exception {
        int cxid = 0;
        List<CompletableFuture<Void>> mine = new ArrayList<>();
        mine.add(b.submit(txn(1, ++cxid, bodyBytes)));
        Sent entry = nextAppended();
        List<Run> forwarded = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] run = otherRun(7, 1 + 2 * i, 2, bodyBytes);
            forwarded.add(BatchCodec.checkRun(run));
            assertThat(acceptForwarded(run)).isTrue();
        }
        for (int i = 0; i < 6; i++) {
            mine.add(b.submit(txn(1, ++cxid, bodyBytes)));
        }
        assertNothingMoreSent();

        List<Integer> order = new ArrayList<>(entry.own().cxids());
        for (int i = 0; i < 3; i++) {
            commit(entry);
            entry = nextAppended();
            assertThat(entry.own()).as("this node's run in entry %s", i).isNotNull();
            assertThat(entry.own().run().count()).isLessThanOrEqualTo(Math.max(1, maxOps / 2));
            assertThat(entry.own().bytes()).isLessThanOrEqualTo(maxBytes / 2);
            assertThat(entry.own().run().count()).isEqualTo(2);
            assertThat(entry.forwarded()).extracting(SentRun::run).containsExactly(forwarded.get(i));
            assertThat(entry.runs().get(0)).isSameAs(entry.own());
            order.addAll(entry.own().cxids());
            // Keep this node's queue full.
            for (int j = 0; j < 2; j++) {
                mine.add(b.submit(txn(1, ++cxid, bodyBytes)));
            }
        }
        // No forwarded run waits any more: this node's run may fill the entry.
        commit(entry);
        entry = nextAppended();
        assertThat(entry.forwarded()).isEmpty();
        assertThat(entry.own().run().count()).isEqualTo(4);
        order.addAll(entry.own().cxids());
        commit(entry);
        entry = nextAppended();
        order.addAll(entry.own().cxids());
        commit(entry);

        assertThat(order).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
        assertThat(all(mine)).succeedsWithin(5, TimeUnit.SECONDS);
        assertNothingMoreSent();
    }

    @Test
    void withRunsOfTwoOtherNodesWaitingEachOfTheThreeNodesGetsAThirdOfEveryEntry() throws Exception {
        // Three nodes, all saturated: a session waits as long whichever node it is connected to.
        TxnBatcher b = batcher(6, 1024 * 1024, 1, 4);
        int cxid = 0;
        List<CompletableFuture<Void>> mine = new ArrayList<>();
        mine.add(b.submit(txn(1, ++cxid, 10)));
        Sent entry = nextAppended();
        List<Run> second = new ArrayList<>();
        List<Run> third = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] a = runOf(OTHER_NODE, 7, 1 + 2 * i, 2, 10);
            byte[] c = runOf(THIRD_NODE, 9, 1 + 2 * i, 2, 10);
            second.add(BatchCodec.checkRun(a));
            third.add(BatchCodec.checkRun(c));
            assertThat(acceptForwarded(a)).isTrue();
            assertThat(acceptForwarded(c)).isTrue();
        }
        for (int i = 0; i < 6; i++) {
            mine.add(b.submit(txn(1, ++cxid, 10)));
        }
        for (int i = 0; i < 3; i++) {
            commit(entry);
            entry = nextAppended();
            assertThat(entry.own().run().count()).as("this node's share of entry %s", i).isEqualTo(2);
            assertThat(entry.forwarded()).extracting(SentRun::run).containsExactly(second.get(i), third.get(i));
            assertThat(entry.ops()).isEqualTo(6);
            for (int j = 0; j < 2; j++) {
                mine.add(b.submit(txn(1, ++cxid, 10)));
            }
        }
        // Only node 2's runs wait now: this node takes half.
        byte[] a = runOf(OTHER_NODE, 7, 7, 3, 10);
        assertThat(acceptForwarded(a)).isTrue();
        commit(entry);
        entry = nextAppended();
        assertThat(entry.own().run().count()).isEqualTo(3);
        assertThat(entry.forwarded()).extracting(SentRun::run).containsExactly(BatchCodec.checkRun(a));
        commit(entry);
        while (!all(mine).isDone()) {
            entry = nextAppended();
            assertThat(entry.forwarded()).isEmpty();
            commit(entry);
        }
        assertThat(all(mine)).succeedsWithin(5, TimeUnit.SECONDS);
        assertNothingMoreSent();
    }

    @Test
    void theOldestForwardedRunGetsInEvenWhenItIsLargerThanWhatTheOwnRunLeaves() throws Exception {
        // A follower configured with larger entries than this leader forwards a run of 3 where 2 are left.
        TxnBatcher b = batcher(4, 1024 * 1024, 1, 4);
        b.submit(txn(1));
        Sent one = nextAppended();
        byte[] big = otherRun(7, 1, 3, 10);
        assertThat(acceptForwarded(big)).isTrue();
        byte[] next = otherRun(7, 4, 1, 10);
        assertThat(acceptForwarded(next)).isTrue();
        for (int i = 2; i <= 5; i++) {
            b.submit(txn(i));
        }
        commit(one);
        Sent two = nextAppended();
        assertThat(two.own().cxids()).containsExactly(2, 3);
        assertThat(two.forwarded()).extracting(SentRun::run).containsExactly(BatchCodec.checkRun(big));
        commit(two);
        Sent three = nextAppended();
        assertThat(three.own().cxids()).containsExactly(4, 5);
        assertThat(three.forwarded()).extracting(SentRun::run).containsExactly(BatchCodec.checkRun(next));
        commit(three);

        // Alone in the entry too, a forwarded run larger than an entry is not held back forever.
        byte[] huge = otherRun(7, 5, 6, 10);
        assertThat(acceptForwarded(huge)).isTrue();
        Sent four = nextAppended();
        assertThat(four.own()).isNull();
        assertThat(four.forwarded()).extracting(SentRun::run).containsExactly(BatchCodec.checkRun(huge));
        commit(four);
        assertNothingMoreSent();
    }

    @Test
    void aNodeThatDoesNotLeadRefusesForwardedRunsAndDropsThoseQueuedWhenItStopsLeading() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        transport.leads = false;
        assertThat(acceptForwarded(otherRun(7, 1, 1, 10))).isFalse();
        assertNothingMoreSent();

        transport.leads = true;
        CompletableFuture<Void> first = b.submit(txn(1));
        Sent one = nextAppended();
        assertThat(acceptForwarded(otherRun(7, 1, 1, 10))).isTrue();
        CompletableFuture<Void> second = b.submit(txn(2));
        assertNothingMoreSent();

        // Leadership lost while both wait: this node's transaction is forwarded, the forwarded run dropped.
        transport.leads = false;
        commit(one);
        assertThat(first).isCompleted();
        Sent two = nextForwarded();
        assertThat(two.own().run()).isEqualTo(new Run(NODE, one.own().run().stream(), 2, 1));
        assertNothingMoreSent();

        // Leading again, nothing of the dropped run is appended.
        transport.leads = true;
        b.kick();
        assertNothingMoreSent();
        complete(two);
        apply(two);
        assertThat(second).isCompleted();
        assertNothingMoreSent();
        assertThat(b.entriesSubmitted()).isEqualTo(1);
        assertThat(b.restarts()).isZero();
    }

    @Test
    void aNodeElectedButNotReadyHoldsItsRunsUntilItLeadsAndSendsThemIntoItsOwnEntries() throws Exception {
        transport.leads = false;
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        CompletableFuture<Void> before = b.submit(txn(1));
        Sent one = nextForwarded();
        complete(one);
        apply(one);
        assertThat(before).isCompleted();

        // Elected: what comes now must not go to the leader it followed, which was deposed.
        transport.electedNotReady = true;
        b.leaderChanged();
        CompletableFuture<Void> first = b.submit(txn(2));
        CompletableFuture<Void> second = b.submit(txn(3));
        // A follower that already knows it as leader forwards a run: it waits with the node's own.
        byte[] fromOther = otherRun(7, 1, 2, 10);
        assertThat(acceptForwarded(fromOther)).isTrue();
        assertNothingMoreSent();
        assertThat(b.queued()).isEqualTo(2);

        // Its term's first entry committed: all go into one entry of its own, continuing the stream.
        transport.electedNotReady = false;
        transport.leads = true;
        b.kick();
        Sent two = nextAppended();
        assertThat(two.own().run()).isEqualTo(new Run(NODE, one.own().run().stream(), 2, 2));
        assertThat(two.forwarded()).extracting(SentRun::run).containsExactly(BatchCodec.checkRun(fromOther));
        commit(two);
        assertThat(all(List.of(first, second))).succeedsWithin(5, TimeUnit.SECONDS);
        assertThat(b.restarts()).isZero();
    }

    @Test
    void aNodeElectedButDeposedBeforeItIsReadyForwardsWhatWaitedToTheNextLeader() throws Exception {
        transport.leads = false;
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        transport.electedNotReady = true;
        CompletableFuture<Void> waiting = b.submit(txn(1));
        assertThat(acceptForwarded(otherRun(7, 1, 2, 10))).isTrue();
        assertNothingMoreSent();

        // Deposed: the forwarded run is dropped (its node, told of the next leader, starts a new stream).
        transport.electedNotReady = false;
        b.leaderChanged();
        Sent one = nextForwarded();
        assertThat(one.runs()).hasSize(1);
        assertThat(one.own().cxids()).containsExactly(1);
        assertThat(acceptForwarded(otherRun(7, 3, 1, 10))).as("a follower refuses runs").isFalse();
        complete(one);
        apply(one);
        assertThat(waiting).isCompleted();
        assertThat(b.restarts()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Leader changes, fence, close

    @Test
    void aLeaderChangeWithUnresolvedRunsFailsThemAndStartsANewStream() throws Exception {
        transport.leads = false;
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 1);
        CompletableFuture<Void> first = b.submit(txn(1));
        Sent one = nextForwarded();
        complete(one);
        CompletableFuture<Void> queued = b.submit(txn(2));

        b.leaderChanged();
        assertAllFailed(List.of(first, queued));
        assertThat(b.restarts()).isEqualTo(1);

        CompletableFuture<Void> fresh = b.submit(txn(3));
        Sent two = nextForwarded();
        assertThat(two.own().run().stream()).isGreaterThan(one.own().run().stream());
        assertThat(two.own().run().firstSeq()).isEqualTo(1);
        complete(two);
        assertThat(apply(two)).extracting(RunVerdict::decision).containsExactly(Decision.ADMITTED);
        assertThat(fresh).succeedsWithin(5, TimeUnit.SECONDS);
    }

    @Test
    void aLeaderChangeWithNothingUnresolvedFailsNothing() throws Exception {
        transport.leads = false;
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 1);
        CompletableFuture<Void> first = b.submit(txn(1));
        Sent one = nextForwarded();
        complete(one);
        apply(one);
        assertThat(first).isCompleted();

        b.leaderChanged();
        assertThat(b.restarts()).isZero();
        CompletableFuture<Void> second = b.submit(txn(2));
        Sent two = nextForwarded();
        assertThat(two.own().run()).isEqualTo(new Run(NODE, one.own().run().stream(), 2, 1));
        complete(two);
        apply(two);
        assertThat(second).isCompleted();
        assertThat(first).isNotCompletedExceptionally();
    }

    @Test
    void whileARestartFailsASessionsTransactionsTheSessionMayProposeNothingAndOtherSessionsMay() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1, 4);
        CompletableFuture<Void> a1 = b.submit(txn(7, 1, 10));
        Sent one = nextAppended();
        CompletableFuture<Void> a2 = b.submit(txn(7, 2, 10));
        CompletableFuture<Void> c1 = b.submit(txn(8, 3, 10));
        CompletableFuture<Void> internal = b.submit(txn(0, 4, 10));

        AtomicReference<CompletableFuture<Void>> sameSession = new AtomicReference<>();
        AtomicReference<Boolean> sameSessionFailedAtOnce = new AtomicReference<>();
        AtomicReference<CompletableFuture<Void>> otherSession = new AtomicReference<>();
        AtomicReference<CompletableFuture<Void>> internalAgain = new AtomicReference<>();
        a1.whenComplete((v, e) -> {
            // As a connection's failure callback would: its session's next request.
            CompletableFuture<Void> f = b.submit(txn(7, 5, 10));
            sameSessionFailedAtOnce.set(f.isCompletedExceptionally());
            sameSession.set(f);
            otherSession.set(b.submit(txn(9, 6, 10)));
            internalAgain.set(b.submit(txn(0, 7, 10)));
        });

        fail(one, new IOException("not the leader any more"));
        assertAllFailed(List.of(a1, a2, c1, internal));
        assertThat(b.restarts()).isEqualTo(1);
        assertThat(sameSessionFailedAtOnce.get()).as("submitted while the failures were delivered").isTrue();
        assertThatCauseIsIllegalState(sameSession.get());
        assertThat(otherSession.get()).isNotDone();
        assertThat(internalAgain.get()).isNotDone();

        // The restart is done: the session may propose again.
        CompletableFuture<Void> sameSessionLater = b.submit(txn(7, 8, 10));
        assertThat(sameSessionLater).isNotDone();
        CompletableFuture<Void> otherFencedSessionLater = b.submit(txn(8, 9, 10));
        assertThat(otherFencedSessionLater).isNotDone();

        List<Integer> order = new ArrayList<>();
        long stream = 0;
        long expectedSeq = 1;
        while (order.size() < 4) {
            Sent s = nextAppended();
            Run run = s.own().run();
            if (stream == 0) {
                stream = run.stream();
                assertThat(stream).isGreaterThan(one.own().run().stream());
            }
            assertThat(run.stream()).isEqualTo(stream);
            assertThat(run.firstSeq()).isEqualTo(expectedSeq);
            expectedSeq = run.lastSeq() + 1;
            order.addAll(s.own().cxids());
            commit(s);
        }
        assertThat(order).containsExactly(6, 7, 8, 9);
        assertThat(all(List.of(otherSession.get(), internalAgain.get(), sameSessionLater, otherFencedSessionLater)))
                .succeedsWithin(5, TimeUnit.SECONDS);
        assertNothingMoreSent();
    }

    private static void assertThatCauseIsIllegalState(CompletableFuture<?> f) {
        assertThat(f).failsWithin(5, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTransactionLargerThanAnEntryIsRefusedAndClosingFailsWhatWaitsAndWhatComesLater() throws Exception {
        TxnBatcher b = batcher(1000, 4096, 1, 4);
        assertThat(b.submit(txn(1, 1, 8192))).failsWithin(1, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class);
        assertNothingMoreSent();

        CompletableFuture<Void> unresolved = b.submit(txn(2));
        Sent one = nextAppended();
        CompletableFuture<Void> queued = b.submit(txn(3));
        b.close();
        assertThatCauseIsIllegalState(unresolved);
        assertThatCauseIsIllegalState(queued);
        assertThatCauseIsIllegalState(b.submit(txn(4)));
        assertThat(b.acceptForwarded(new Run(OTHER_NODE, 7, 1, 1), otherRun(7, 1, 1, 10))).isFalse();

        // What the log still reports changes nothing.
        one.result().complete(null);
        apply(one);
        assertThat(b.restarts()).isZero();
        assertThat(sent.poll(50, TimeUnit.MILLISECONDS)).isNull();
    }
}
