package io.canopy.node.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * create/create2 in all seven {@link CreateMode}s, the exact Stat a new node gets, the sequential suffix, and
 * every create error; plus the lifecycle of container and TTL nodes (reaped by the server).
 */
public abstract class AbstractCreateConformanceTest extends ConformanceTestBase {

    @Test
    void create2ReturnsTheStatOfAFreshPersistentNode() throws Exception {
        Stat parentBefore = stat(root);
        Stat stat = new Stat();
        String created = admin.create(path("a"), bytes("hello"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, stat);

        assertThat(created).isEqualTo(path("a"));
        assertThat(stat.getCzxid()).isGreaterThan(parentBefore.getPzxid());
        assertThat(stat.getMzxid()).isEqualTo(stat.getCzxid());
        assertThat(stat.getPzxid()).isEqualTo(stat.getCzxid());
        assertThat(stat.getCtime()).isEqualTo(stat.getMtime()).isPositive();
        assertThat(stat.getVersion()).isZero();
        assertThat(stat.getCversion()).isZero();
        assertThat(stat.getAversion()).isZero();
        assertThat(stat.getEphemeralOwner()).isZero();
        assertThat(stat.getDataLength()).isEqualTo(5);
        assertThat(stat.getNumChildren()).isZero();
        assertThat(stat(path("a"))).isEqualTo(stat);
        assertThat(string(admin.getData(path("a"), false, null))).isEqualTo("hello");

        Stat parent = stat(root);
        assertThat(parent.getCversion()).isEqualTo(parentBefore.getCversion() + 1);
        assertThat(parent.getPzxid()).isEqualTo(stat.getCzxid());
        assertThat(parent.getNumChildren()).isEqualTo(1);
        assertThat(parent.getVersion()).as("a child does not change the parent's data version").isZero();
        assertThat(parent.getMzxid()).isEqualTo(parentBefore.getMzxid());
    }

    @Test
    void nullDataIsStoredAsEmpty() throws Exception {
        Stat stat = new Stat();
        admin.create(path("null"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, stat);
        assertThat(stat.getDataLength()).isZero();
        // ZooKeeper hands back null for a node created with null data (it stores the null).
        byte[] data = admin.getData(path("null"), false, null);
        assertThat(data == null || data.length == 0).isTrue();
    }

    @Test
    void ephemeralNodeIsOwnedByTheSession() throws Exception {
        ZooKeeper client = connect();
        Stat stat = new Stat();
        client.create(path("e"), bytes("x"), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL, stat);
        assertThat(stat.getEphemeralOwner()).isEqualTo(client.getSessionId());
        assertThat(stat(path("e")).getEphemeralOwner()).isEqualTo(client.getSessionId());
    }

    @Test
    void sequentialSuffixCountsTheParentsChildCreatesInTenDigits() throws Exception {
        String first = admin.create(path("s-"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
        assertThat(first).isEqualTo(path("s-0000000000"));
        createNode(path("plain"), "");
        String second = admin.create(path("s-"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
        assertThat(second).as("every child create advances the counter").isEqualTo(path("s-0000000002"));
        assertThat(stat(second).getEphemeralOwner()).isEqualTo(admin.getSessionId());
        admin.delete(path("plain"), -1);
        // Surprise: the suffix counts child *creations* only. ZooKeeper stores cversion as the number of creates
        // and reports cversion = 2 * creates - numChildren (creates + deletes) in Stat, so after a delete the
        // reported cversion (4 here) is ahead of the sequence counter (3).
        assertThat(stat(root).getCversion()).isEqualTo(4);
        String third = admin.create(path("s-"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
        assertThat(third).isEqualTo(path("s-0000000003"));
        createNode(path("d"), "");
        String bare = admin.create(path("d") + "/", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL,
                null);
        assertThat(bare).isEqualTo(path("d") + "/0000000000");
    }

    @Test
    void containerNodeIsReapedAfterItsLastChildGoes() throws Exception {
        Stat stat = new Stat();
        admin.create(path("c"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER, stat);
        // ZooKeeper stores a marker in ephemeralOwner of container and TTL nodes but shows clients 0
        // (DataNode.copyStat hides every owner that is not a session).
        assertThat(stat.getEphemeralOwner()).isZero();
        assertThat(stat(path("c")).getEphemeralOwner()).isZero();
        String viaHelper = admin.create(path("c2"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
        assertThat(viaHelper).isEqualTo(path("c2"));

        createNode(path("c/child"), "");
        admin.delete(path("c/child"), -1);
        await().until(() -> admin.exists(path("c"), false) == null);
        // A container that never had a child is left alone (znode.container.maxNeverUsedIntervalMs = 0).
        assertThat(admin.exists(path("c2"), false)).isNotNull();
    }

    @Test
    void ttlNodesAreReapedOnceExpired() throws Exception {
        // Only the stats returned by create are inspected: the node may be gone by the time a read arrives.
        Stat stat = new Stat();
        admin.create(path("ttl"), bytes("t"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, stat, 300);
        assertThat(stat.getEphemeralOwner()).as("TTL owner marker is hidden from clients").isZero();
        assertThat(stat.getDataLength()).isEqualTo(1);
        Stat seqStat = new Stat();
        String seq = admin.create(path("ttls-"), null, Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, seqStat, 300);
        assertThat(seq).isEqualTo(path("ttls-0000000001"));
        assertThat(seqStat.getEphemeralOwner()).isZero();
        // The largest TTL the client accepts (40 bits of milliseconds).
        admin.create(path("forever"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, new Stat(),
                0xFF_FFFF_FFFFL);

        await().until(() -> admin.exists(path("ttl"), false) == null && admin.exists(seq, false) == null);
        assertThat(admin.exists(path("forever"), false)).isNotNull();
    }

    @Test
    void ttlNodeWithChildrenIsKept() throws Exception {
        // One multi, so that the reaper never sees the TTL node without its child.
        admin.multi(java.util.List.of(
                org.apache.zookeeper.Op.create(path("ttl"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, 100),
                org.apache.zookeeper.Op.create(path("ttl/child"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
        // Witness that the reaper has had its chance: a TTL node without children, created after, disappears.
        admin.create(path("witness"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 100);
        await().until(() -> admin.exists(path("witness"), false) == null);
        assertThat(admin.exists(path("ttl"), false)).isNotNull();
    }

    @Test
    void createErrors() throws Exception {
        createNode(path("a"), "");
        assertThat(codeOf(() -> createNode(path("a"), ""))).isEqualTo(Code.NODEEXISTS);
        assertThat(codeOf(() -> createNode(path("missing/child"), ""))).isEqualTo(Code.NONODE);
        admin.create(path("eph"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        assertThat(codeOf(() -> createNode(path("eph/child"), ""))).isEqualTo(Code.NOCHILDRENFOREPHEMERALS);
        assertThat(codeOf(() -> admin.create(path("eph/s-"), null, Ids.OPEN_ACL_UNSAFE,
                CreateMode.EPHEMERAL_SEQUENTIAL))).isEqualTo(Code.NOCHILDRENFOREPHEMERALS);
        assertThat(codeOf(() -> admin.create("/", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)))
                .isEqualTo(Code.NODEEXISTS);
        Stat parent = stat(root);
        assertThat(parent.getNumChildren()).as("failed creates change nothing").isEqualTo(2);
    }

    @Test
    void invalidPathsAreRejectedByTheClient() {
        for (String bad : new String[] {"", "noslash", root + "/", root + "//x", root + "/./x", root + "/../x",
                root + "/a\u0000b"}) {
            assertThatThrownBy(() -> admin.create(bad, null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT))
                    .as("path %s", bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void badTtlsAreRejected() {
        assertThatThrownBy(() -> admin.create(path("t0"), null, Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT_WITH_TTL, new Stat(), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admin.create(path("tneg"), null, Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT_WITH_TTL, new Stat(), -5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admin.create(path("tbig"), null, Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT_WITH_TTL, new Stat(), 1L << 40)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admin.create(path("tmode"), null, Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT, new Stat(), 1000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyAclIsRejected() throws Exception {
        assertThat(codeOf(() -> admin.create(path("noacl"), null, java.util.List.of(), CreateMode.PERSISTENT)))
                .isEqualTo(Code.INVALIDACL);
        assertThat(admin.exists(path("noacl"), false)).isNull();
    }
}
