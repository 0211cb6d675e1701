package io.canopy.node.transport;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.node.server.CoordinatorService;
import io.canopy.node.server.ServerSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The ZooKeeper client port: a Netty server (NIO transport) whose channels carry length-prefixed ZooKeeper frames
 * to the {@link CoordinatorService}. Plain class: construct, {@link #start()}, {@link #stop()}.
 */
public final class ClientPortServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientPortServer.class);
    /** How long a stop waits for each event loop group (2 s of its own grace, then some). */
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private final InetSocketAddress bindAddress;
    private final ServerSettings settings;
    private final CoordinatorService service;
    private final Set<String> fourLetterWhitelist;
    private final Path dataDir;
    private final int workerThreads;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;

    /**
     * @param bindAddress         address and port to listen on (port 0 picks a free one; see {@link #port()})
     * @param fourLetterWhitelist four-letter words to answer; null or containing {@code *} for all implemented
     * @param dataDir             reported by {@code conf}/{@code dirs}; may be null
     * @param workerThreads       event loop threads (0 = Netty's default, twice the cores)
     */
    public ClientPortServer(InetSocketAddress bindAddress, ServerSettings settings, CoordinatorService service,
                            Set<String> fourLetterWhitelist, Path dataDir, int workerThreads) {
        this.bindAddress = bindAddress;
        this.settings = settings;
        this.service = service;
        this.fourLetterWhitelist = fourLetterWhitelist;
        this.dataDir = dataDir;
        this.workerThreads = workerThreads;
    }

    public synchronized void start() throws InterruptedException {
        if (serverChannel != null) {
            return;
        }
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("canopy-zk-accept"),
                NioIoHandler.newFactory());
        workerGroup = new MultiThreadIoEventLoopGroup(workerThreads, new DefaultThreadFactory("canopy-zk-client"),
                NioIoHandler.newFactory());
        ConnectionLimiter limiter = new ConnectionLimiter(settings.maxClientConnections());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        int port = ((InetSocketAddress) ch.localAddress()).getPort();
                        FourLetterWords words = new FourLetterWords(service, fourLetterWhitelist, port, dataDir);
                        ch.pipeline().addLast("limit", limiter)
                                .addLast("frames", new FrameDecoder(settings.maxPacketBytes()))
                                .addLast("client", new ClientChannelHandler(service, words));
                    }
                });
        try {
            serverChannel = bootstrap.bind(bindAddress).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            shutdownGroups();
            throw e;
        }
        LOG.info("ZooKeeper client port listening on {}", serverChannel.localAddress());
    }

    /** The bound port. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public synchronized void stop() {
        if (serverChannel == null) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        serverChannel = null;
        shutdownGroups();
        LOG.info("ZooKeeper client port closed");
    }

    /**
     * Stops the event loops, waiting a bounded time: once a node's stop hung here for minutes with every worker
     * thread already gone (not reproduced since), and a node that cannot stop its client port must still go on to
     * snapshot and close its log.
     */
    private void shutdownGroups() {
        awaitShutdown(workerGroup, "worker");
        awaitShutdown(bossGroup, "accept");
        workerGroup = null;
        bossGroup = null;
    }

    private static void awaitShutdown(EventLoopGroup group, String name) {
        if (group != null && !group.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
            LOG.warn("The client port's {} threads did not stop within {} s; going on with the shutdown", name,
                    SHUTDOWN_WAIT_SECONDS);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
