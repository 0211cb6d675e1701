package io.canopy.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.canopy.node.server.RawClient;
import io.canopy.node.server.TestServer;

/** Every four-letter word over a raw socket, in ZooKeeper's formats. */
class FourLetterWordTest {
    private static TestServer server;
    private static ZooKeeper zk;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        zk = server.client();
        zk.create("/flw", new byte[] {1, 2, 3}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        zk.exists("/flw", true);
    }

    @AfterAll
    static void stop() throws Exception {
        if (zk != null) {
            zk.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static String ask(String word) throws Exception {
        return RawClient.fourLetterWord(server.port(), word);
    }

    @Test
    void ruokAndIsro() throws Exception {
        assertThat(ask("ruok")).isEqualTo("imok");
        assertThat(ask("isro")).isEqualTo("rw");
    }

    @Test
    void srvrAndStat() throws Exception {
        String srvr = ask("srvr");
        assertThat(srvr).startsWith("Zookeeper version: " + FourLetterWords.VERSION + "\n")
                .contains("Latency min/avg/max: ", "Received: ", "Sent: ", "Connections: ", "Outstanding: ",
                        "Zxid: 0x", "Mode: leader\n", "Node count: ");
        String stat = ask("stat");
        assertThat(stat).contains("Clients:\n /127.0.0.1:", "Node count: ");
    }

    @Test
    void mntrHasTheKeysMonitoringReads() throws Exception {
        String mntr = ask("mntr");
        for (String key : new String[] {"zk_version", "zk_server_state", "zk_znode_count", "zk_watch_count",
                "zk_ephemerals_count", "zk_approximate_data_size", "zk_num_alive_connections",
                "zk_outstanding_requests", "zk_avg_latency", "zk_min_latency", "zk_max_latency",
                "zk_packets_received", "zk_packets_sent"}) {
            assertThat(mntr).containsPattern("(?m)^" + key + "\t\\S+$");
        }
        assertThat(mntr).contains("zk_server_state\tleader\n").containsPattern("(?m)^zk_ephemerals_count\t[1-9]");
        assertThat(mntr).containsPattern("(?m)^zk_watch_count\t[1-9]");
    }

    @Test
    void consConfEnviDirs() throws Exception {
        assertThat(ask("cons")).contains(",sid=0x" + Long.toHexString(zk.getSessionId()));
        assertThat(ask("conf")).contains("clientPort=" + server.port() + "\n", "tickTime=100\n",
                "maxSessionTimeout=10000\n");
        assertThat(ask("envi")).startsWith("Environment:\n").contains("java.version=");
        assertThat(ask("dirs")).contains("datadir_size: ");
    }

    @Test
    void watchWords() throws Exception {
        assertThat(ask("wchs")).matches("(?s)\\d+ connections watching \\d+ paths\nTotal watches:\\d+\n");
        assertThat(ask("wchc")).contains("0x" + Long.toHexString(zk.getSessionId()) + "\n\t/flw\n");
        assertThat(ask("wchp")).contains("/flw\n\t0x" + Long.toHexString(zk.getSessionId()) + "\n");
        assertThat(ask("dump")).contains("SessionTracker dump:", "0x" + Long.toHexString(zk.getSessionId()));
    }

    @Test
    void wordsOutsideTheWhitelistAreRefused() throws Exception {
        try (TestServer restricted = TestServer.start(TestServer.settings(), Set.of("ruok"))) {
            assertThat(RawClient.fourLetterWord(restricted.port(), "ruok")).isEqualTo("imok");
            assertThat(RawClient.fourLetterWord(restricted.port(), "srvr"))
                    .isEqualTo("srvr is not executed because it is not in the whitelist.\n");
        }
        assertThat(ask("stmk")).isEqualTo("stmk is not executed because it is not in the whitelist.\n");
    }
}
