package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canopy.testcluster.Timing;

/**
 * A node that cannot serve (in a cluster: no contact with a leader) closes its clients' connections, refuses new
 * sessions and answers operators' words as a ZooKeeper server that is not serving; once it can serve again,
 * clients resume their sessions with their ephemeral nodes.
 */
class NotServingTest {
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void clientsAreDisconnectedAndRefusedUntilTheNodeServesAgain() throws Exception {
        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper zk = server.client(4000, e -> states.add(e.getState()));
        try {
            zk.create("/mine", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            assertThat(RawClient.fourLetterWord(server.port(), "srvr")).contains("Mode: ");

            server.log.serving(false);
            // Closed after a third of the 4 s session timeout.
            await().atMost(Timing.seconds(5)).until(() -> states.contains(KeeperState.Disconnected));
            try (RawClient raw = new RawClient(server.port())) {
                raw.sendConnect(0, new byte[16], 4000, 0);
                assertThat(raw.closedByServer(Timing.seconds(5))).as("a new session is refused").isTrue();
            }
            assertThat(RawClient.fourLetterWord(server.port(), "srvr"))
                    .isEqualTo("This ZooKeeper instance is not currently serving requests\n");
            assertThat(RawClient.fourLetterWord(server.port(), "mntr"))
                    .isEqualTo("This ZooKeeper instance is not currently serving requests\n");
            assertThat(RawClient.fourLetterWord(server.port(), "isro")).isEqualTo("null");
            assertThat(RawClient.fourLetterWord(server.port(), "ruok")).isEqualTo("imok");
            // The official client keeps reconnecting: a socket may be open for a moment, but it serves no session.
            assertThat(server.service.connections()).allMatch(c -> c.sessionId() == 0);

            server.log.serving(true);
            await().atMost(Timing.seconds(10)).ignoreExceptions()
                    .until(() -> zk.getState() == ZooKeeper.States.CONNECTED && zk.exists("/mine", false) != null);
            assertThat(states).doesNotContain(KeeperState.Expired);
            assertThat(RawClient.fourLetterWord(server.port(), "isro")).isEqualTo("rw");
        } finally {
            zk.close();
        }
    }

    @Test
    void aShortLossOfTheLeaderDoesNotDisconnectClients() throws Exception {
        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper zk = server.client(9000, e -> states.add(e.getState()));
        try {
            server.log.serving(false);
            // Shorter than a third of the 9 s session timeout, as a routine leader election is.
            Thread.sleep(1000);
            server.log.serving(true);
            zk.create("/after", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            assertThat(states).doesNotContain(KeeperState.Disconnected);
        } finally {
            zk.close();
        }
    }
}
