package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Txn;

/**
 * The batcher alone, with a log that commits an entry only when the test says so: a lone transaction leaves at
 * once, what arrives while the in-flight limit is reached shares the next entry, entries are capped, and log
 * order is submit order.
 */
class TxnBatcherTest {

    /** An entry handed to the log: the cxids it holds and the future the test completes to commit it. */
    private record Sent(List<Long> cxids, int bytes, CompletableFuture<Long> commit) {
    }

    private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    private final List<TxnBatcher> batchers = new ArrayList<>();
    private long nextIndex = 1;

    private TxnBatcher batcher(int maxOps, int maxBytes, int maxInFlight) {
        TxnBatcher b = new TxnBatcher(entry -> {
            CompletableFuture<Long> commit = new CompletableFuture<>();
            List<Txn> txns = BatchCodec.decode(entry).txns();
            sent.add(new Sent(txns.stream().map(t -> (long) t.cxid()).toList(),
                    txns.stream().mapToInt(TxnBatcher::size).sum(), commit));
            return commit;
        }, Clock.systemUTC(), maxOps, maxBytes, maxInFlight);
        batchers.add(b);
        return b;
    }

    @AfterEach
    void close() {
        batchers.forEach(TxnBatcher::close);
    }

    private static Txn txn(int cxid, int bodyBytes) {
        return new Txn(1, cxid, 1, new byte[bodyBytes], List.of(), 1, cxid);
    }

    private Sent next() throws InterruptedException {
        Sent s = sent.poll(5, TimeUnit.SECONDS);
        assertThat(s).as("an entry handed to the log").isNotNull();
        return s;
    }

    private void commit(Sent s) {
        s.commit().complete(nextIndex++);
    }

    /** Nothing more is handed to the log: the submitting thread ran a task queued after everything so far. */
    private void assertNothingMoreSent(TxnBatcher b) throws InterruptedException {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        b.onSubmitter(() -> drained.complete(null));
        drained.join();
        assertThat(sent.poll(50, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aLoneTransactionLeavesAtOnceAndThoseArrivingAtTheLimitShareTheNextEntry() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 2);
        CompletableFuture<Void> first = b.submit(txn(1, 10));
        Sent one = next();
        assertThat(one.cxids()).containsExactly(1L);
        Sent two = next(b.submit(txn(2, 10)));
        assertThat(two.cxids()).containsExactly(2L);

        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (int i = 3; i <= 7; i++) {
            waiting.add(b.submit(txn(i, 10)));
        }
        // Two entries in flight: the rest waits, and leaves together once one of them commits.
        assertNothingMoreSent(b);
        assertThat(b.queued()).isEqualTo(5);
        assertThat(first).isNotDone();

        commit(one);
        assertThat(first).succeedsWithin(5, TimeUnit.SECONDS);
        Sent three = next();
        assertThat(three.cxids()).containsExactly(3L, 4L, 5L, 6L, 7L);
        commit(two);
        commit(three);
        assertThat(CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)))
                .succeedsWithin(5, TimeUnit.SECONDS);
        assertThat(b.entriesSubmitted()).isEqualTo(3);
        assertThat(b.txnsSubmitted()).isEqualTo(7);
    }

    private Sent next(CompletableFuture<Void> submitted) throws InterruptedException {
        assertThat(submitted).isNotDone();
        return next();
    }

    @Test
    void entriesAreCappedByCountAndBytesAndLeaveInSubmitOrder() throws Exception {
        int maxBytes = 2 * TxnBatcher.size(txn(0, 1000)) + 10;
        TxnBatcher b = batcher(3, maxBytes, 1);
        b.submit(txn(1, 10));
        Sent one = next();
        for (int i = 2; i <= 8; i++) {
            b.submit(txn(i, 10));
        }
        for (int i = 9; i <= 12; i++) {
            b.submit(txn(i, 1000));
        }
        commit(one);
        List<Long> order = new ArrayList<>(one.cxids());
        while (order.size() < 12) {
            Sent s = next();
            assertThat(s.cxids()).hasSizeLessThanOrEqualTo(3);
            assertThat(s.bytes()).isLessThanOrEqualTo(maxBytes);
            order.addAll(s.cxids());
            commit(s);
        }
        assertThat(order).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertNothingMoreSent(b);
    }

    @Test
    void aFailedEntryFailsItsTransactionsAndTheNextOnesStillLeave() throws Exception {
        TxnBatcher b = batcher(1000, 1024 * 1024, 1);
        CompletableFuture<Void> lost = b.submit(txn(1, 10));
        Sent one = next();
        CompletableFuture<Void> later = b.submit(txn(2, 10));
        one.commit().completeExceptionally(new java.io.IOException("no leader"));
        assertThat(lost).failsWithin(5, TimeUnit.SECONDS);
        Sent two = next();
        assertThat(two.cxids()).containsExactly(2L);
        commit(two);
        assertThat(later).succeedsWithin(5, TimeUnit.SECONDS);
    }

    @Test
    void aTransactionLargerThanAnEntryIsRefusedAndClosingFailsWhatWaits() throws Exception {
        TxnBatcher b = batcher(1000, 4096, 1);
        assertThat(b.submit(txn(1, 8192))).failsWithin(1, TimeUnit.SECONDS);
        b.submit(txn(2, 10));
        next();
        CompletableFuture<Void> waiting = b.submit(txn(3, 10));
        b.close();
        assertThat(waiting).failsWithin(1, TimeUnit.SECONDS);
        assertThat(b.submit(txn(4, 10))).failsWithin(1, TimeUnit.SECONDS);
    }
}
