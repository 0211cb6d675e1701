package io.canopy.node.server;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Txn;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.StateMachineApplier;
import io.canopy.node.replication.TxnLog;

/**
 * A single-node log without Ratis: proposals are batched and applied on one thread with increasing log indexes
 * (with occasional gaps, as Ratis metadata entries leave). For tests of the server.
 */
public final class InMemoryTxnLog implements TxnLog, AutoCloseable {
    private record Item(Txn txn, CompletableFuture<Void> done) {
    }

    private final int nodeId;
    private final Clock clock;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile StateMachineApplier applier;
    private volatile boolean failing;
    private volatile boolean serving = true;
    private volatile boolean running = true;
    private volatile boolean enforceQuota;
    private volatile String mode;
    private volatile List<Member> members = List.of();
    private volatile LeaderView leaderView;
    private long index;
    private final AtomicInteger proposals = new AtomicInteger();
    private final Object pauseLock = new Object();
    /** While true, nothing is applied: proposals pile up and are applied together once resumed (pauseLock). */
    private boolean paused;

    public InMemoryTxnLog(int nodeId, Clock clock) {
        this.nodeId = nodeId;
        this.clock = clock;
        this.thread = new Thread(this::run, "in-memory-log-" + nodeId);
        this.thread.setDaemon(true);
    }

    public void start(StateMachineApplier applier) {
        this.applier = applier;
        thread.start();
    }

    /** While set, every proposal fails as if there were no quorum. */
    public void failProposals(boolean fail) {
        this.failing = fail;
    }

    /**
     * Stops applying: what is proposed from now on waits and, on {@link #resumeApplying()}, is applied in as few
     * entries as possible (all of it in one when there are fewer than 100 items).
     */
    public void pauseApplying() {
        synchronized (pauseLock) {
            paused = true;
        }
    }

    public void resumeApplying() {
        synchronized (pauseLock) {
            paused = false;
            pauseLock.notifyAll();
        }
    }

    /** How many transactions were proposed so far (failed proposals included). */
    public int proposalCount() {
        return proposals.get();
    }

    /** Whether the entries applied from now on enforce quota limits (what a leader stamps into each entry). */
    public void enforceQuota(boolean enforce) {
        this.enforceQuota = enforce;
    }

    /** While false, the node reports that it cannot serve (as a member cut off from its leader). */
    public void serving(boolean serving) {
        this.serving = serving;
    }

    @Override
    public boolean isServing() {
        return serving;
    }

    /**
     * Makes the node describe itself as a member of a cluster for the status words ({@code srvr}, {@code mntr}):
     * {@code mode} as {@link #mode()}, the configuration's members, and what it sees as leader (null for a
     * follower or observer). It still applies alone and runs the leader duties. {@code mode} null: as a plain
     * single in-memory node again.
     */
    public void describeAs(String mode, List<Member> members, LeaderView leaderView) {
        this.mode = mode;
        this.members = List.copyOf(members);
        this.leaderView = leaderView;
    }

    @Override
    public String mode() {
        String m = mode;
        return m != null ? m : TxnLog.super.mode();
    }

    @Override
    public List<Member> members() {
        return members;
    }

    @Override
    public LeaderView leaderView() {
        return leaderView;
    }

    @Override
    public synchronized CompletableFuture<Void> propose(Txn txn) {
        proposals.incrementAndGet();
        if (failing || !running) {
            return CompletableFuture.failedFuture(new IOException("no quorum (test)"));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Item(txn, done));
        return done;
    }

    @Override
    public synchronized CompletableFuture<Void> sync() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Item(null, done));
        return done;
    }

    /** The only node leads: it touches its sessions itself and never reports activity. */
    @Override
    public CompletableFuture<Void> reportSessionActivity(long[] sessionIds) {
        return CompletableFuture.failedFuture(new IllegalStateException("a single in-memory node always leads"));
    }

    @Override
    public boolean isLeader() {
        return true;
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    private void run() {
        while (running) {
            List<Item> items = new ArrayList<>();
            try {
                items.add(queue.take());
                synchronized (pauseLock) {
                    while (paused && running) {
                        pauseLock.wait();
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(items, 99);
            List<Txn> txns = new ArrayList<>();
            for (Item item : items) {
                if (item.txn() != null) {
                    txns.add(item.txn());
                }
            }
            Throwable failure = null;
            if (!txns.isEmpty()) {
                index += index % 7 == 6 ? 2 : 1;
                try {
                    applier.apply(index, BatchCodec.encode(new Batch(clock.millis(), txns, enforceQuota)));
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            for (Item item : items) {
                if (failure == null) {
                    item.done().complete(null);
                } else {
                    item.done().completeExceptionally(failure);
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        Item item;
        while ((item = queue.poll()) != null) {
            item.done().completeExceptionally(new IOException("log closed"));
        }
    }
}
