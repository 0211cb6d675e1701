package io.canopy.node.transport;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.node.server.ClientConnection;
import io.canopy.node.server.CoordinatorService;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Connects one channel to its {@link ClientConnection}: frames in, four-letter words answered, close out. */
public final class ClientChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ClientChannelHandler.class);

    private final CoordinatorService service;
    private final FourLetterWords fourLetterWords;
    private ClientConnection connection;

    public ClientChannelHandler(CoordinatorService service, FourLetterWords fourLetterWords) {
        this.service = service;
        this.fourLetterWords = fourLetterWords;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        connection = service.openConnection(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FourLetterWordRequest word) {
            LOG.info("Processing {} command from {}", word.word(), ctx.channel().remoteAddress());
            String answer;
            try {
                answer = fourLetterWords.answer(word.word());
            } catch (RuntimeException e) {
                LOG.warn("Four-letter word {} failed", word.word(), e);
                answer = "";
            }
            ctx.writeAndFlush(Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (connection != null) {
                connection.receive(frame);
            }
        } catch (RuntimeException e) {
            LOG.warn("Closing connection from {}: request handling failed", ctx.channel().remoteAddress(), e);
            ctx.close();
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (connection != null) {
            connection.writabilityChanged();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (connection != null) {
            connection.channelClosed();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
