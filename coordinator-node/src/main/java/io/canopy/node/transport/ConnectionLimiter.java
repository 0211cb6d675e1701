package io.canopy.node.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * ZooKeeper's maxClientCnxns: at most {@code limit} concurrent connections per client address (0 = no limit).
 * A connection over the limit is closed before anything is read from it.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("canopy.countedAddress");

    private final int limit;
    private final Map<InetAddress, AtomicInteger> counts = new ConcurrentHashMap<>();

    public ConnectionLimiter(int limit) {
        this.limit = limit;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (limit > 0 && ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
            InetAddress address = remote.getAddress();
            int count = counts.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
            ctx.channel().attr(COUNTED).set(address);
            if (count > limit) {
                LOG.warn("Too many connections from {} - max is {}; closing", address, limit);
                ctx.close();
                return;
            }
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            counts.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
        super.channelInactive(ctx);
    }

    /** Open connections from one address (for tests and the console). */
    public int connections(InetAddress address) {
        AtomicInteger n = counts.get(address);
        return n == null ? 0 : n.get();
    }
}
