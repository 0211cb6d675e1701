package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class FourLetterWordClientTest {

    @Test
    void mntrLinesBecomeAMapInOrder() {
        String answer = "zk_version\t3.9.5-canopy-0.1.0\nzk_server_state\tleader\nzk_last_zxid\t0x1f\n"
                + "not a pair\ncanopy_tree_digest\t9a0b\n";

        assertThat(FourLetterWordClient.parseMntr(answer)).containsExactly(
                java.util.Map.entry("zk_version", "3.9.5-canopy-0.1.0"),
                java.util.Map.entry("zk_server_state", "leader"),
                java.util.Map.entry("zk_last_zxid", "0x1f"),
                java.util.Map.entry("canopy_tree_digest", "9a0b"));
        assertThat(FourLetterWordClient.parseMntr(null)).isEmpty();
    }

    @Test
    void theModeIsReadFromSrvr() {
        String srvr = "Zookeeper version: 3.9.5-canopy-0.1.0\nLatency min/avg/max: 0/0.0/0\nZxid: 0x5\n"
                + "Mode: follower\nNode count: 5\n";

        assertThat(FourLetterWordClient.parseMode(srvr)).isEqualTo("follower");
        assertThat(FourLetterWordClient.parseMode("Zookeeper version: x\n")).isNull();
        assertThat(FourLetterWordClient.parseMode(null)).isNull();
    }

    @Test
    void theWholeAnswerIsReadUntilTheServerCloses() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> asked = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    String word = new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII);
                    s.getOutputStream().write("line 1\nline 2\n".getBytes(StandardCharsets.UTF_8));
                    return word;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });

            assertThat(FourLetterWordClient.send("127.0.0.1", server.getLocalPort(), "srvr")).isEqualTo("line 1\nline 2\n");
            assertThat(asked.get()).isEqualTo("srvr");
        }
    }

    @Test
    void noListenerAndASilentListenerBothMeanNoAnswer() throws Exception {
        int closedPort = LoopbackPorts.freePort("127.0.0.1");
        assertThat(FourLetterWordClient.send("127.0.0.1", closedPort, "ruok")).isNull();

        // Like a paused (SIGSTOP) node: the kernel accepts the connection, nobody ever answers.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long started = System.nanoTime();
            assertThat(FourLetterWordClient.send("127.0.0.1", silent.getLocalPort(), "ruok")).isNull();
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
        }
    }
}
