package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * Four-letter words sent raw on the client port (what monitoring scripts and {@code nc} do): the server
 * answers in text and closes the connection. Only keys are checked, not values.
 */
public abstract class AbstractFourLetterWordConformanceTest extends ConformanceTestBase {

    /** Sends {@code word} and returns everything the server writes before it closes the connection. */
    protected String send(String word) throws Exception {
        InetSocketAddress address = target().clientAddress();
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) Timing.seconds(5).toMillis());
            socket.setSoTimeout((int) Timing.seconds(10).toMillis());
            socket.getOutputStream().write(word.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n;
            try {
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // A reset instead of an orderly close still ends the answer.
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void ruokAnswersImok() throws Exception {
        assertThat(send("ruok")).isEqualTo("imok");
    }

    @Test
    void isroSaysReadWrite() throws Exception {
        assertThat(send("isro")).isEqualTo("rw");
    }

    @Test
    void srvrAndStatDescribeTheServer() throws Exception {
        String srvr = send("srvr");
        assertThat(srvr).contains("Zookeeper version:", "Latency min/avg/max:", "Received:", "Sent:",
                "Connections:", "Outstanding:", "Zxid: 0x", "Mode:", "Node count:");
        String stat = send("stat");
        assertThat(stat).contains("Zookeeper version:", "Clients:", "/127.0.0.1:", "Latency min/avg/max:",
                "Mode:", "Node count:");
    }

    @Test
    void mntrListsMetricsAsTabSeparatedPairs() throws Exception {
        String mntr = send("mntr");
        for (String key : new String[] {"zk_version", "zk_avg_latency", "zk_max_latency", "zk_min_latency",
                "zk_packets_received", "zk_packets_sent", "zk_num_alive_connections", "zk_outstanding_requests",
                "zk_server_state", "zk_znode_count", "zk_watch_count", "zk_ephemerals_count",
                "zk_approximate_data_size", "zk_global_sessions", "zk_uptime"}) {
            assertThat(mntr).as("mntr has %s", key).containsPattern("(?m)^" + key + "\t\\S");
        }
        // Integers where ZooKeeper prints integers (its Unix-only file descriptor counts: the build runs on Linux).
        for (String key : new String[] {"zk_open_file_descriptor_count", "zk_max_file_descriptor_count",
                "zk_num_alive_connections", "zk_znode_count"}) {
            assertThat(mntr).as("mntr has %s", key).containsPattern("(?m)^" + key + "\t[1-9][0-9]*$");
        }
        assertThat(mntr).contains("zk_server_state\tstandalone\n", "zk_local_sessions\t0\n")
                .containsPattern("(?m)^zk_avg_latency\t\\d+\\.\\d+$");
        // A standalone server is no quorum peer: no peer state, quorum size or leader-only keys.
        assertThat(mntr).doesNotContain("zk_peer_state", "zk_quorum_size", "zk_learners", "zk_synced_followers",
                "zk_pending_syncs", "zk_last_proposal_size");
    }

    @Test
    void confShowsTheConfiguration() throws Exception {
        assertThat(send("conf")).contains("clientPort=", "dataDir=", "tickTime=", "maxClientCnxns=",
                "minSessionTimeout=" + target().minSessionTimeoutMs(), "maxSessionTimeout=" + target().maxSessionTimeoutMs(),
                "serverId=");
    }

    @Test
    void consListsConnections() throws Exception {
        String cons = send("cons");
        assertThat(cons).contains("/127.0.0.1:", "queued=", "recved=", "sent=",
                "sid=0x" + Long.toHexString(admin.getSessionId()));
    }

    @Test
    void wchsSummarisesWatches() throws Exception {
        admin.exists(root, true);
        String wchs = send("wchs");
        assertThat(wchs).containsPattern("\\d+ connections watching \\d+ paths").contains("Total watches:");
    }

    @Test
    void enviShowsTheEnvironment() throws Exception {
        assertThat(send("envi")).contains("Environment:", "zookeeper.version=", "java.version=", "os.name=");
    }

    @Test
    void garbageOnTheClientPortClosesTheConnectionAndChangesNothing() throws Exception {
        // A negative frame length: the server drops the connection without an answer.
        assertThat(send(new String(new char[] {0xff, 0xff, 0xff, 0xff}))).isEmpty();
        assertThat(send("ruok")).isEqualTo("imok");
        assertThat(admin.exists(root, false)).isNotNull();
    }
}
