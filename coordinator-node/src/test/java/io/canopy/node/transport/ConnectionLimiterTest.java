package io.canopy.node.transport;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

class ConnectionLimiterTest {

    @Test
    void closesConnectionsOverThePerAddressLimitAndCountsClosedOnesOut() throws Exception {
        ConnectionLimiter limiter = new ConnectionLimiter(2);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Socket> sockets = new ArrayList<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(limiter);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            InetAddress local = InetAddress.getByName("127.0.0.1");
            for (int i = 0; i < 3; i++) {
                sockets.add(new Socket("127.0.0.1", port));
            }
            assertThat(closedByPeer(sockets.get(2))).isTrue();
            assertThat(closedByPeer(sockets.get(0))).isFalse();
            await().atMost(Timing.seconds(5)).until(() -> limiter.connections(local) == 2);

            sockets.get(0).close();
            await().atMost(Timing.seconds(5)).until(() -> limiter.connections(local) == 1);
            Socket again = new Socket("127.0.0.1", port);
            sockets.add(again);
            assertThat(closedByPeer(again)).isFalse();
            server.close().sync();
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    private static boolean closedByPeer(Socket socket) throws Exception {
        socket.setSoTimeout(300);
        InputStream in = socket.getInputStream();
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }
}
