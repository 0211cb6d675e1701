package io.canopy.node.replication;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.RunVerdict;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Run;
import io.canopy.core.txn.Txn;

/**
 * Adaptive batching of ZooKeeper transactions into log entries, on every node, and the leader's merging of every
 * node's transactions into its entries. Ratis costs about a millisecond per entry on a 2-core machine whatever
 * the entry's size (gRPC to each follower, an fsync on each member, its apply threads), so throughput comes from
 * putting many transactions in one entry, and, in a cluster, the transactions of all nodes in the same entries.
 *
 * <p>This node numbers the transactions it proposes in a <em>stream</em> (a stream id, sequence numbers from 1),
 * in the order of {@link #submit} calls, and sends them in runs ({@link Run}): while it leads, its runs go into
 * the entries it appends, together with the runs the followers forwarded to it ({@link #acceptForwarded}); while
 * it follows, its runs are forwarded to the leader. While {@code maxInFlight} entries are being replicated (or,
 * on a follower, {@code maxForwards} runs await their verdict), what arrives waits and leaves together, capped by
 * count and bytes: no timer, no added latency under light load, batches that grow by themselves under heavy
 * load. A leader's entry is in flight until it commits.
 *
 * <p>A run is done when this node applies the entry holding it: apply admits a run only if it continues its
 * stream (see {@code StreamTable}), and {@link #resolved} hears the verdict. Should a run be refused (an earlier
 * one was lost, say with a deposed leader's queue), fail to be sent, or not be applied within the request
 * timeout, this node can no longer tell which of its transactions will be applied: it fails every transaction it
 * has not seen applied (their clients see connection loss, as a ZooKeeper follower's do when it loses its
 * leader) and starts a new stream, whose first run makes apply refuse any straggler of the old one. So each
 * session's writes that reach the state are a prefix of what it sent: none is applied after one that was lost.
 * Until the failures are delivered (which closes the sessions' connections), the sessions concerned may propose
 * nothing more.
 *
 * <p>No lock of ours is held while Ratis is asked to do anything or a future is completed (only {@link
 * Transport#nodes} and {@link Transport#electedNotReady} read Ratis's state under it, without waiting): the
 * apply thread resolves runs and takes this lock, Ratis may make a submission wait for its own locks, and
 * completing a future runs the connection's callbacks.
 */
final class TxnBatcher {
    private static final Logger log = LoggerFactory.getLogger(TxnBatcher.class);

    /** Per-transaction framing overhead in an entry (ids, lengths), an upper bound used for the byte cap. */
    private static final int TXN_OVERHEAD_BYTES = 64;

    /** Where this node's runs go. Called on the submitting thread, in order. */
    interface Transport {
        /** Whether this node leads (and may append): its own runs and the forwarded ones go into its entries. */
        boolean leads();

        /**
         * Whether this node has been elected but may not append yet (a Raft leader takes entries once one of its
         * term has committed): its runs then wait for that, as they will go into its own entries, rather than go
         * to the leader it followed before, which was deposed and may be cut off from it (found by PartitionIT: a
         * sync issued in that window on the new leader went to the isolated old one, and waited there until the
         * node's next run was refused). Called with the batcher's lock held: only reads, never waits.
         */
        boolean electedNotReady();

        /**
         * Appends an entry through this node's own Raft server; completes once it is applied here (and Ratis has
         * answered). {@code committed} runs, at most once and on the apply thread, when the entry is committed and
         * its apply here begins: the entry has left replication, so its slot in flight is free (it may not run at
         * all, if the entry is lost).
         */
        CompletableFuture<?> append(byte[] entry, Runnable committed);

        /**
         * Sends one of this node's runs to the leader. The future fails if the run may have been lost on the way
         * (not sent, refused, or on a connection that broke); it does not complete by itself otherwise: the
         * batcher completes it once the run's fate is known, which lets the transport forget it.
         */
        CompletableFuture<?> forward(byte[] run);

        /**
         * Members of the cluster (voters and observers), each of which may send runs; at least 1. Called with the
         * batcher's lock held, so it only reads (Ratis's current configuration) and never waits.
         */
        int nodes();
    }

    private record Pending(Txn txn, int bytes, CompletableFuture<Void> done) {
    }

    /** One of this node's runs, sent, awaiting its verdict; {@code deadline} fails if it does not come in time. */
    private record Sent(Run run, List<Pending> txns, CompletableFuture<Void> deadline) {
    }

    /** A run another node forwarded to this leader, checked, waiting for the next entry. */
    private record Forwarded(Run run, byte[] bytes) {
    }

    private final Transport transport;
    private final Clock clock;
    private final int nodeId;
    private final int maxOps;
    private final int maxBytes;
    private final int maxInFlight;
    private final int maxForwards;
    private final Deadlines deadlines;

    private final Object lock = new Object();
    private final ExecutorService submitThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "canopy-log-submitter");
        t.setDaemon(true);
        return t;
    });
    /** This node's transactions not yet in a run. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Runs of other nodes, while this node leads. */
    private final ArrayDeque<Forwarded> forwarded = new ArrayDeque<>();
    /** This node's runs of the current stream awaiting their verdict, by first sequence number (in order). */
    private final LinkedHashMap<Long, Sent> unresolved = new LinkedHashMap<>();
    /** Sessions whose transactions a stream restart is failing: they may propose nothing until it is done. */
    private final Map<Long, Integer> fenced = new HashMap<>();
    private long stream;
    private long nextSeq = 1;
    private int entriesInFlight;
    private boolean closed;

    // Counters for metrics and the four-letter words.
    private long entriesSubmitted;
    private long txnsSubmitted;
    private long restarts;

    /**
     * @param maxInFlight entries this node may have in replication while it leads
     * @param maxForwards runs this node may have awaiting their verdict while it follows
     * @param deadlines   how long a run may take from being sent to its verdict
     */
    TxnBatcher(Transport transport, Clock clock, int nodeId, int maxOps, int maxBytes, int maxInFlight,
               int maxForwards, Deadlines deadlines) {
        this.transport = transport;
        this.clock = clock;
        this.nodeId = nodeId;
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
        this.maxInFlight = maxInFlight;
        this.maxForwards = maxForwards;
        this.deadlines = deadlines;
        this.stream = newStream(0, 0);
    }

    /**
     * A stream id above {@code current} and {@code atLeast}, and above any this node used before a restart as
     * long as its clock did not go back by more than the time it was down (the same assumption as
     * {@code Proposals}' sequence numbers): the clock in its high bits.
     */
    private long newStream(long current, long atLeast) {
        return Math.max(Math.max(current, atLeast) + 1, clock.millis() << 20);
    }

    CompletableFuture<Void> submit(Txn txn) {
        int bytes = size(txn);
        if (bytes > maxBytes) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "transaction of " + bytes + " bytes exceeds the entry limit of " + maxBytes));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("replication is closed"));
            }
            if (txn.sessionId() != 0 && fenced.containsKey(txn.sessionId())) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "an earlier request of the session was lost with this node's stream"));
            }
            queue.add(new Pending(txn, bytes, done));
            dispatch();
        }
        return done;
    }

    /**
     * On the leader: a run a follower forwarded (checked by the caller). Returns false if this node does not
     * lead: the follower then starts over with the leader it finds. A node elected but not ready yet takes it:
     * it goes into the node's first entries once it leads, and is dropped if the node steps down first (the
     * follower, told of the next leader, fails it and starts a new stream).
     */
    boolean acceptForwarded(Run run, byte[] bytes) {
        synchronized (lock) {
            if (closed || !(transport.leads() || transport.electedNotReady())) {
                return false;
            }
            forwarded.add(new Forwarded(run, bytes));
            dispatch();
            return true;
        }
    }

    /** Leadership or the leader changed: sends what waits the new way. */
    void kick() {
        synchronized (lock) {
            if (!closed) {
                dispatch();
            }
        }
    }

    /**
     * This node learned of a new leader. Runs it sent that are not applied yet may have been lost with the old
     * leader's queue: rather than wait for a refusal or the timeout, fail them now and start a new stream, as a
     * ZooKeeper follower closes its clients' connections when its leader changes.
     */
    void leaderChanged() {
        long current;
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (unresolved.isEmpty()) {
                dispatch();
                return;
            }
            current = stream;
        }
        restart(current, new IllegalStateException("the leader changed while transactions were in flight"), 0);
    }

    /** Sends what waits while there is room in flight. Caller holds the lock. */
    private void dispatch() {
        if (transport.leads()) {
            while (entriesInFlight < maxInFlight && (!queue.isEmpty() || !forwarded.isEmpty())) {
                appendEntry();
            }
            return;
        }
        if (transport.electedNotReady()) {
            return;   // kick() sends them once it leads, leaderChanged() if it steps down first
        }
        if (!forwarded.isEmpty()) {
            log.debug("Not leading: dropping {} forwarded run(s); their nodes start new streams", forwarded.size());
            forwarded.clear();
        }
        while (unresolved.size() < maxForwards && !queue.isEmpty()) {
            int nodes = Math.max(2, transport.nodes());
            Sent own = takeRun(share(maxOps, nodes), share(maxBytes, nodes));
            byte[] run = BatchCodec.encodeRun(own.run(), txns(own));
            execute(() -> forward(run, own), own);
        }
    }

    /**
     * One entry of this node's waiting transactions and as many forwarded runs as fit. Caller holds the lock.
     * Under load every node gets an equal share of the entry, so that a session waits as long whichever node it
     * is connected to: a follower's runs hold at most 1/n of an entry (n members), and while runs of k other
     * nodes wait, this node's own run takes at most 1/(k+1) of it, which leaves room for one run of each (the
     * oldest forwarded run always gets in).
     */
    private void appendEntry() {
        List<byte[]> runs = new ArrayList<>();
        int ops = 0;
        int bytes = 0;
        Sent own = null;
        if (!queue.isEmpty()) {
            int sharers = 1 + waitingOrigins();
            own = takeRun(share(maxOps, sharers), share(maxBytes, sharers));
            byte[] run = BatchCodec.encodeRun(own.run(), txns(own));
            runs.add(run);
            ops += own.run().count();
            bytes += run.length;
        }
        boolean first = true;
        while (!forwarded.isEmpty()) {
            Forwarded f = forwarded.peek();
            if (!first && (ops + f.run().count() > maxOps || bytes + f.bytes().length > maxBytes)) {
                break;
            }
            first = false;
            forwarded.poll();
            runs.add(f.bytes());
            ops += f.run().count();
            bytes += f.bytes().length;
        }
        byte[] entry = BatchCodec.entry(clock.millis(), runs);
        entriesInFlight++;
        entriesSubmitted++;
        txnsSubmitted += ops;
        Sent mine = own;
        execute(() -> append(entry, mine), own);
    }

    /** Takes the next run of this node's transactions from the queue. Caller holds the lock. */
    private Sent takeRun(int opsCap, int bytesCap) {
        List<Pending> batch = new ArrayList<>(Math.min(queue.size(), opsCap));
        int bytes = 0;
        while (!queue.isEmpty() && batch.size() < opsCap
                && (batch.isEmpty() || bytes + queue.peek().bytes() <= bytesCap)) {
            Pending p = queue.poll();
            bytes += p.bytes();
            batch.add(p);
        }
        Run run = new Run(nodeId, stream, nextSeq, batch.size());
        nextSeq += batch.size();
        CompletableFuture<Void> deadline = new CompletableFuture<>();
        Sent sent = new Sent(run, batch, deadline);
        unresolved.put(run.firstSeq(), sent);
        deadlines.within(deadline).whenComplete((v, e) -> {
            if (e != null) {
                restart(run.stream(), new IllegalStateException("a run of " + run.count()
                        + " transaction(s) was not applied within the request timeout"), 0);
            }
        });
        return sent;
    }

    /** A 1/{@code sharers} share of {@code cap}, at least 1. */
    private static int share(int cap, int sharers) {
        return Math.max(1, cap / sharers);
    }

    /** Nodes with forwarded runs waiting. Caller holds the lock. */
    private int waitingOrigins() {
        Set<Integer> origins = new HashSet<>();
        for (Forwarded f : forwarded) {
            origins.add(f.run().origin());
        }
        return origins.size();
    }

    private static List<Txn> txns(Sent s) {
        List<Txn> txns = new ArrayList<>(s.txns().size());
        for (Pending p : s.txns()) {
            txns.add(p.txn());
        }
        return txns;
    }

    /** Hands {@code task} to the submitting thread (caller holds the lock). */
    private void execute(Runnable task, Sent own) {
        try {
            submitThread.execute(task);
        } catch (RejectedExecutionException e) {
            // closed: close() fails what is left
            log.debug("Replication is closed: not sending {}", own == null ? "an entry" : own.run());
        }
    }

    /** Calls the transport; what it throws comes back as a failed future. */
    private static CompletableFuture<?> call(Supplier<CompletableFuture<?>> send) {
        try {
            return send.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * On the submitting thread. The entry's slot in flight is freed when it commits, not when Ratis answers: in
     * between, this node applies it (its clients' replies, watches) and Ratis builds its answer, and the next
     * entry can be replicated meanwhile. Whichever of the two comes first frees it.
     */
    private void append(byte[] entry, Sent own) {
        AtomicBoolean inFlight = new AtomicBoolean(true);
        Runnable committed = () -> {
            if (freeSlot(inFlight)) {
                kick();
            }
        };
        call(() -> transport.append(entry, committed)).whenComplete((ok, error) -> {
            freeSlot(inFlight);
            if (error != null && own != null) {
                restart(own.run().stream(), error, 0);
            } else {
                kick();
            }
        });
    }

    /** Frees an entry's slot in flight unless that was done; returns whether this call did. */
    private boolean freeSlot(AtomicBoolean inFlight) {
        if (!inFlight.compareAndSet(true, false)) {
            return false;
        }
        synchronized (lock) {
            entriesInFlight--;
        }
        return true;
    }

    /**
     * On the submitting thread. The transport holds the run until its deadline future completes, which it does
     * on the run's verdict, a restart, a timeout or close.
     */
    private void forward(byte[] run, Sent own) {
        CompletableFuture<?> delivery = call(() -> transport.forward(run));
        delivery.whenComplete((ok, error) -> {
            if (error != null) {
                restart(own.run().stream(), error, 0);
            }
        });
        own.deadline().whenComplete((v, e) -> delivery.complete(null));
    }

    /**
     * Apply thread, after an entry was applied: the verdicts on its runs. This node's admitted runs are done; a
     * refused one restarts the stream.
     */
    void resolved(List<RunVerdict> verdicts) {
        List<Pending> done = null;
        long refusedStream = 0;
        long atLeast = 0;
        RunVerdict refused = null;
        synchronized (lock) {
            for (RunVerdict v : verdicts) {
                Run run = v.run();
                if (run.origin() != nodeId || run.stream() != stream) {
                    continue;
                }
                Sent sent = unresolved.get(run.firstSeq());
                if (sent == null || sent.run().count() != run.count()) {
                    continue;   // a copy of a run resolved before
                }
                if (v.applied()) {
                    unresolved.remove(run.firstSeq());
                    sent.deadline().complete(null);
                    if (done == null) {
                        done = new ArrayList<>();
                    }
                    done.addAll(sent.txns());
                } else if (refused == null) {
                    refused = v;
                    refusedStream = run.stream();
                    atLeast = v.currentStream();
                }
            }
        }
        if (done != null) {
            for (Pending p : done) {
                p.done().complete(null);
            }
        }
        if (refused != null) {
            restart(refusedStream, new IllegalStateException("the log refused run " + refused.run()
                    + " (stream now " + refused.currentStream() + "): an earlier run of this node was lost"),
                    atLeast);
        } else if (done != null) {
            kick();
        }
    }

    /**
     * Fails every transaction of this node not seen applied, and starts a new stream (above {@code atLeast}), if
     * {@code failedStream} is still the current one.
     */
    private void restart(long failedStream, Throwable cause, long atLeast) {
        Throwable error = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause()
                : cause;
        List<Pending> failed = new ArrayList<>();
        List<Long> sessions = new ArrayList<>();
        synchronized (lock) {
            if (closed || failedStream != stream) {
                return;
            }
            for (Sent s : unresolved.values()) {
                s.deadline().complete(null);
                failed.addAll(s.txns());
            }
            unresolved.clear();
            failed.addAll(queue);
            queue.clear();
            stream = newStream(stream, atLeast);
            nextSeq = 1;
            restarts++;
            for (Pending p : failed) {
                long session = p.txn().sessionId();
                if (session != 0) {
                    fenced.merge(session, 1, Integer::sum);
                    sessions.add(session);
                }
            }
        }
        log.info("This node lost track of its transactions in flight ({}): failing {} of them, whose clients see"
                + " connection loss, and starting a new stream", error.toString(), failed.size());
        try {
            for (Pending p : failed) {
                p.done().completeExceptionally(error);
            }
        } finally {
            synchronized (lock) {
                for (Long session : sessions) {
                    fenced.computeIfPresent(session, (k, n) -> n == 1 ? null : n - 1);
                }
                if (!closed) {
                    dispatch();
                }
            }
        }
    }

    /** Runs {@code task} on the submitting thread, after the entries handed to it so far (dropped once closed). */
    void onSubmitter(Runnable task) {
        try {
            submitThread.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("Replication is closed: not running {}", task);
        }
    }

    static int size(Txn txn) {
        int ids = 0;
        for (var id : txn.identities()) {
            ids += id.getScheme().length() + id.getId().length() + 8;
        }
        return txn.body().length + ids + TXN_OVERHEAD_BYTES;
    }

    long entriesSubmitted() {
        synchronized (lock) {
            return entriesSubmitted;
        }
    }

    long txnsSubmitted() {
        synchronized (lock) {
            return txnsSubmitted;
        }
    }

    /** How many times this node started a new stream after losing track of its transactions. */
    long restarts() {
        synchronized (lock) {
            return restarts;
        }
    }

    int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    void close() {
        List<Pending> dropped = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            for (Sent s : unresolved.values()) {
                s.deadline().complete(null);
                dropped.addAll(s.txns());
            }
            unresolved.clear();
            dropped.addAll(queue);
            queue.clear();
            forwarded.clear();
        }
        submitThread.shutdown();
        for (Pending p : dropped) {
            p.done().completeExceptionally(new IllegalStateException("replication is closed"));
        }
    }
}
