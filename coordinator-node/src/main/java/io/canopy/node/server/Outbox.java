package io.canopy.node.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * The ordered queue of frames waiting to be written to one connection. Any thread may add (holding the
 * connection's monitor, which is the order that counts); only the channel's event loop writes, taking everything
 * queued at once and flushing once per batch.
 */
final class Outbox {
    private final Channel channel;
    private final Object lock;
    private final ServerStats serverStats;
    private final ConnectionStats connectionStats;

    // Guarded by lock.
    private List<byte[]> frames = new ArrayList<>();
    private boolean flushScheduled;
    private boolean closeAfterFlush;

    Outbox(Channel channel, Object lock, ServerStats serverStats, ConnectionStats connectionStats) {
        this.channel = channel;
        this.lock = lock;
        this.serverStats = serverStats;
        this.connectionStats = connectionStats;
    }

    /** Queues a frame; the caller holds the lock. */
    void add(byte[] frame) {
        if (closeAfterFlush) {
            return;
        }
        frames.add(frame);
        scheduleFlush();
    }

    /** Closes the channel after everything queued so far has been written; later frames are dropped. */
    void closeAfterFlush() {
        closeAfterFlush = true;
        scheduleFlush();
    }

    void clear() {
        frames.clear();
    }

    private void scheduleFlush() {
        if (flushScheduled) {
            return;
        }
        flushScheduled = true;
        try {
            channel.eventLoop().execute(this::flush);
        } catch (RejectedExecutionException e) {
            frames.clear();
        }
    }

    private void flush() {
        List<byte[]> batch;
        boolean close;
        synchronized (lock) {
            batch = frames;
            frames = new ArrayList<>();
            flushScheduled = false;
            close = closeAfterFlush;
            connectionStats.sent += batch.size();
        }
        serverStats.packetsSent(batch.size());
        if (channel.isActive()) {
            for (byte[] frame : batch) {
                channel.write(Unpooled.wrappedBuffer(frame), channel.voidPromise());
            }
        }
        if (close) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.flush();
        }
    }
}
