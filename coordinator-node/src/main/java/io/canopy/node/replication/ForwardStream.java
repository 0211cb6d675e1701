package io.canopy.node.replication;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.KnownLength;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallExecutorSupplier;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's runs go to the leader as a stream: on a connection to the leader's replication link port
 * ({@link ForwardLink}) if it has one, else over a gRPC stream of Canopy's own, served on the Raft servers' gRPC
 * port beside Ratis's services, one message per run (defined here). Either way the leader handles a run on the
 * connection's own thread (its event loop for gRPC: no executor hop): it checks the run and queues it for its
 * next entry, which never waits. It answers only a refusal, with the reason, and then ends the stream: a queued
 * run needs no answer, since its sender learns its fate when it applies the entry that holds it (or from the
 * batcher's deadline), and an answer per run cost a message each way on the busiest path of a write through a
 * follower.
 *
 * <p>Order and exactly-once do not rest on this transport: apply admits a node's runs only in stream order
 * ({@code StreamTable}), and the batcher restarts its stream on any failure here. So the stream does not retry:
 * a broken stream, a refusal or a leader change fails every run sent on it that its sender still holds.
 */
final class ForwardStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ForwardStream.class);
    private static final String SERVICE = "canopy.Forward";

    private static final MethodDescriptor<byte[], byte[]> RUNS = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Runs"))
            .setRequestMarshaller(new Bytes())
            .setResponseMarshaller(new Bytes())
            .build();
    /** Ratis's append method, which a follower runs on the connection's event loop too (see customizer). */
    private static final String APPEND_ENTRIES =
            RaftServerProtocolServiceGrpc.getAppendEntriesMethod().getFullMethodName();

    /** Raw bytes, framed by gRPC. */
    private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new KnownLengthBytes(value);
        }

        /**
         * gRPC hands a message over as a stream that knows its length: read into an array of that size at once
         * ({@code readAllBytes} reads in 8 KiB chunks and copies them into the result, twice the bytes per run).
         */
        @Override
        public byte[] parse(InputStream in) {
            try {
                if (in instanceof KnownLength) {
                    byte[] bytes = new byte[in.available()];
                    if (in.readNBytes(bytes, 0, bytes.length) == bytes.length && in.read() == -1) {
                        return bytes;
                    }
                    throw new IOException("a forwarded run announced as " + bytes.length + " bytes had a different length");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final class KnownLengthBytes extends ByteArrayInputStream implements KnownLength {
        KnownLengthBytes(byte[] b) {
            super(b);
        }
    }

    /**
     * Adds the forwarding service to a Raft server's gRPC server; {@code accept} answers null once the run is
     * queued, or why it was refused. A refusal is sent back and ends the stream; runs that follow it on the same
     * stream are dropped unseen (their sender fails them when the stream ends, and starts over).
     *
     * <p>Two methods run on the connection's event loop rather than on gRPC's executor: this one, and Ratis's
     * appendEntries on a follower, whose handler only checks the append, hands its entries to the log worker and
     * returns a future (its reply leaves from the thread that completes it); it waits only on Ratis's server lock,
     * on the term's metadata write when a new leader's first append changes the term, and on a full log worker
     * queue, as an executor thread would (votes, snapshots and read indexes stay on the executor). That saves a
     * thread hand-off per append and per commit notice; ARCHITECTURE.md has the measurements.
     */
    static GrpcServices.Customizer customizer(Function<byte[], String> accept) {
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(RUNS, ServerCalls.asyncBidiStreamingCall(responses -> new StreamObserver<byte[]>() {
                    /** Event loop only. */
                    private boolean ended;

                    @Override
                    public void onNext(byte[] run) {
                        if (ended) {
                            return;
                        }
                        String refusal;
                        try {
                            refusal = accept.apply(run);
                        } catch (RuntimeException e) {
                            refusal = e.toString();
                        }
                        if (refusal != null) {
                            ended = true;
                            responses.onNext(refusal.getBytes(StandardCharsets.UTF_8));
                            responses.onCompleted();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        // the follower went away: nothing to clean up
                    }

                    @Override
                    public void onCompleted() {
                        if (!ended) {
                            ended = true;
                            responses.onCompleted();
                        }
                    }
                }))
                .build();
        return (NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) -> {
            if (!types.contains(GrpcServices.Type.SERVER)) {
                return builder;
            }
            return builder.addService(service).callExecutor(new ServerCallExecutorSupplier() {
                @Override
                public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
                    return onEventLoop(call.getMethodDescriptor().getFullMethodName()) ? Runnable::run : null;
                }
            });
        };
    }

    /** Whether calls of this gRPC method run on the connection's event loop (else on gRPC's executor). */
    static boolean onEventLoop(String fullMethodName) {
        return RUNS.getFullMethodName().equals(fullMethodName) || APPEND_ENTRIES.equals(fullMethodName);
    }

    /**
     * One stream to one leader, over either transport: it holds the runs sent on it that their sender has not
     * released, and fails them all, once, when it breaks.
     */
    abstract static class Stream {
        final int leader;
        /** Runs sent on this stream that their sender still holds (has not completed), in order. */
        private final ArrayDeque<CompletableFuture<Void>> held = new ArrayDeque<>();
        private boolean broken;

        Stream(int leader) {
            this.leader = leader;
        }

        /** Sends the run's bytes (submitting thread); a failure to send breaks the stream. */
        abstract void write(byte[] run);

        /** Ends the transport, without waiting for anything it still has to send. */
        abstract void cancel();

        /** Whether the stream broke because the leader does not take runs this way (then try the other). */
        boolean refusedTransport() {
            return false;
        }

        /** Submitting thread. */
        final CompletableFuture<Void> send(byte[] run) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            synchronized (this) {
                if (broken) {
                    return CompletableFuture.failedFuture(new IllegalStateException("the stream to n" + leader
                            + " broke"));
                }
                held.removeIf(CompletableFuture::isDone);   // released by their sender
                held.add(f);
            }
            write(run);
            return f;
        }

        /** Breaks the stream: everything sent on it that its sender still holds fails with {@code cause}. */
        final void fail(Throwable cause) {
            List<CompletableFuture<Void>> failed;
            synchronized (this) {
                broken = true;
                failed = new ArrayList<>(held);
                held.clear();
            }
            failed.forEach(f -> f.completeExceptionally(cause));
        }

        final synchronized int held() {
            held.removeIf(CompletableFuture::isDone);
            return held.size();
        }

        /** Submitting thread. */
        final void close(String why) {
            fail(new IllegalStateException(why));
            try {
                cancel();
            } catch (RuntimeException e) {
                log.debug("Cancelling the stream of runs to n{} failed: {}", leader, e.toString());
            }
        }

        final synchronized boolean broken() {
            return broken;
        }
    }

    /** A stream over gRPC, to a leader without a replication link. */
    private static final class GrpcStream extends Stream implements StreamObserver<byte[]> {
        final StreamObserver<byte[]> requests;

        GrpcStream(int leader, ManagedChannel channel) {
            super(leader);
            this.requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(RUNS, CallOptions.DEFAULT), this);
        }

        @Override
        void write(byte[] run) {
            requests.onNext(run);
        }

        @Override
        void cancel() {
            requests.onError(new IllegalStateException("cancelled"));   // cancels the call
        }

        /** The leader refused a run: it ends the stream, and everything sent on it fails with the reason. */
        @Override
        public void onNext(byte[] refusal) {
            fail(new IllegalStateException(new String(refusal, StandardCharsets.UTF_8)));
        }

        @Override
        public void onError(Throwable t) {
            fail(new IllegalStateException("the stream of runs to n" + leader + " failed: " + t, t));
        }

        @Override
        public void onCompleted() {
            fail(new IllegalStateException("n" + leader + " ended the stream of runs"));
        }
    }

    private final IntFunction<String> addressOf;
    private final IntFunction<String> linkAddressOf;
    private final Duration linkTimeout;
    /** By address: a node re-added at another address gets a channel of its own. */
    private final Map<String, ManagedChannel> channels = new HashMap<>();
    private Stream stream;
    /** A leader that closed a stream of runs on its link unanswered (an earlier version), or -1. */
    private int linkRefusedBy = -1;
    private boolean closed;

    /** Runs go over gRPC only (for tests of that transport). */
    ForwardStream(IntFunction<String> addressOf) {
        this(addressOf, node -> null, Duration.ofSeconds(10));
    }

    /**
     * @param addressOf     a member's Raft server address (host:port) by node id, or null if unknown
     * @param linkAddressOf a member's replication link address by node id, or null if it has none (then runs go
     *                      to it over gRPC)
     * @param linkTimeout   bounds a send on the link that makes no progress, and the link's silence
     *                      ({@link ForwardLink})
     */
    ForwardStream(IntFunction<String> addressOf, IntFunction<String> linkAddressOf, Duration linkTimeout) {
        this.addressOf = addressOf;
        this.linkAddressOf = linkAddressOf;
        this.linkTimeout = linkTimeout;
    }

    /**
     * Sends a run to {@code leader}, or with none known (-1) to the last one (submitting thread only). The future
     * fails if the run may have been lost: it could not be sent, or the stream it went on broke, was refused or
     * was closed (a leader change) while the sender held it. It never completes normally by itself: the sender
     * completes it once the run's fate is known (its verdict, or a new stream), which releases it.
     */
    synchronized CompletableFuture<Void> forward(byte[] run, int leader) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("replication is closed"));
        }
        Stream s = stream;
        if (leader <= 0 && s != null) {
            leader = s.leader;   // none known (an election): the last one, which answers or refuses
        }
        if (leader <= 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("no leader is known"));
        }
        if (s == null || s.leader != leader || s.broken()) {
            if (s != null) {
                boolean failed = s.broken();
                s.close("runs now go to n" + leader);
                if (failed && s instanceof GrpcStream) {
                    dropChannel(s.leader);   // a new channel, not one waiting out gRPC's reconnect backoff
                }
                if (s.refusedTransport()) {
                    linkRefusedBy = s.leader;
                    log.info("Leader n{} does not take runs on its replication link (an earlier version?): sending"
                            + " them over gRPC until the leader changes", s.leader);
                }
                stream = null;
            }
            try {
                s = open(leader);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(new IllegalStateException("cannot reach leader n" + leader
                        + " for its runs: " + e.getMessage(), e));
            }
            if (s == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("the address of leader n" + leader
                        + " is unknown"));
            }
            stream = s;
        }
        return s.send(run);
    }

    /** A stream to {@code leader}: over its replication link if it has one, else over gRPC; null if unknown. */
    private Stream open(int leader) throws IOException {
        String link = leader == linkRefusedBy ? null : linkAddressOf.apply(leader);
        if (link != null) {
            return ForwardLink.connect(leader, link, linkTimeout);
        }
        ManagedChannel channel = channel(leader);
        return channel == null ? null : new GrpcStream(leader, channel);
    }

    /**
     * The leader changed: a stream to another node fails what it has in flight, and a broken one is dropped, so
     * that the next run tries the leader's link again (submitting thread).
     */
    synchronized void leaderChanged(int leader) {
        Stream s = stream;
        if (s != null && (s.leader != leader || s.broken())) {
            s.close("the leader changed to n" + leader);
            stream = null;
        }
        linkRefusedBy = -1;   // a new term: the leader may be another, or restarted on another version
    }

    /** Runs the current stream holds for their senders (for tests). */
    synchronized int held() {
        return stream == null ? 0 : stream.held();
    }

    private ManagedChannel channel(int node) {
        String address = addressOf.apply(node);
        if (address == null) {
            return null;
        }
        return channels.computeIfAbsent(address,
                a -> NettyChannelBuilder.forTarget(a).usePlaintext().directExecutor().build());
    }

    private void dropChannel(int node) {
        String address = addressOf.apply(node);
        ManagedChannel c = address == null ? null : channels.remove(address);
        if (c != null) {
            c.shutdownNow();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (stream != null) {
            stream.close("replication is closed");
            stream = null;
        }
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        channels.clear();
    }
}
