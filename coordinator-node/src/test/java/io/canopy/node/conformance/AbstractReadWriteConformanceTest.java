package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * Everything after create on single nodes: delete, exists, getData/setData with versions, children and their
 * effect on the parent's stat, getAllChildrenNumber, getEphemerals, getACL/setACL, sync, the 1 MiB limit and
 * the zxid order.
 */
public abstract class AbstractReadWriteConformanceTest extends ConformanceTestBase {

    @Test
    void setDataBumpsVersionAndMzxidButNotTheParent() throws Exception {
        Stat created = new Stat();
        admin.create(path("n"), bytes("v0"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, created);
        Stat parentBefore = stat(root);

        Stat set1 = admin.setData(path("n"), bytes("value-1"), 0);
        assertThat(set1.getVersion()).isEqualTo(1);
        assertThat(set1.getMzxid()).isGreaterThan(created.getMzxid());
        assertThat(set1.getCzxid()).isEqualTo(created.getCzxid());
        assertThat(set1.getPzxid()).as("pzxid follows children only").isEqualTo(created.getPzxid());
        assertThat(set1.getMtime()).isGreaterThanOrEqualTo(created.getMtime());
        assertThat(set1.getCtime()).isEqualTo(created.getCtime());
        assertThat(set1.getDataLength()).isEqualTo(7);

        Stat set2 = admin.setData(path("n"), bytes(""), -1);
        assertThat(set2.getVersion()).isEqualTo(2);
        assertThat(set2.getDataLength()).isZero();
        assertThat(codeOf(() -> admin.setData(path("n"), bytes("x"), 1))).isEqualTo(Code.BADVERSION);
        assertThat(codeOf(() -> admin.setData(path("missing"), bytes("x"), -1))).isEqualTo(Code.NONODE);

        Stat read = new Stat();
        assertThat(admin.getData(path("n"), false, read)).isEmpty();
        assertThat(read).isEqualTo(set2);
        assertThat(stat(root)).as("setData leaves the parent untouched").isEqualTo(parentBefore);
    }

    @Test
    void deleteHonoursVersionsAndChildren() throws Exception {
        createNode(path("p"), "");
        createNode(path("p/c"), "");
        admin.setData(path("p/c"), bytes("x"), -1);
        assertThat(codeOf(() -> admin.delete(path("p"), -1))).isEqualTo(Code.NOTEMPTY);
        assertThat(codeOf(() -> admin.delete(path("p/c"), 0))).isEqualTo(Code.BADVERSION);
        assertThat(codeOf(() -> admin.delete(path("p/missing"), -1))).isEqualTo(Code.NONODE);
        Stat before = stat(path("p"));

        admin.delete(path("p/c"), 1);
        Stat after = stat(path("p"));
        assertThat(after.getNumChildren()).isZero();
        assertThat(after.getCversion()).isEqualTo(before.getCversion() + 1);
        assertThat(after.getPzxid()).isGreaterThan(before.getPzxid());
        assertThat(after.getMzxid()).isEqualTo(before.getMzxid());
        assertThat(after.getVersion()).isEqualTo(before.getVersion());

        admin.delete(path("p"), -1);
        assertThat(admin.exists(path("p"), false)).isNull();
        assertThat(codeOf(() -> admin.getData(path("p"), false, null))).isEqualTo(Code.NONODE);
    }

    @Test
    void childrenAreListedWithTheParentStat() throws Exception {
        for (String name : List.of("b", "a", "c")) {
            createNode(path(name), "");
        }
        Stat stat = new Stat();
        List<String> children = admin.getChildren(root, false, stat);
        assertThat(sorted(children)).containsExactly("a", "b", "c");
        assertThat(stat).isEqualTo(stat(root));
        assertThat(stat.getNumChildren()).isEqualTo(3);
        assertThat(stat.getCversion()).isEqualTo(3);
        assertThat(admin.getChildren(path("a"), false)).isEmpty();
        assertThat(codeOf(() -> admin.getChildren(path("missing"), false))).isEqualTo(Code.NONODE);
    }

    @Test
    void allChildrenNumberCountsTheWholeSubtree() throws Exception {
        createNode(path("a"), "");
        createNode(path("a/b"), "");
        createNode(path("a/b/c"), "");
        createNode(path("d"), "");
        assertThat(admin.getAllChildrenNumber(root)).isEqualTo(4);
        assertThat(admin.getAllChildrenNumber(path("a"))).isEqualTo(2);
        assertThat(admin.getAllChildrenNumber(path("d"))).isZero();
        assertThat(codeOf(() -> admin.getAllChildrenNumber(path("missing")))).isEqualTo(Code.NONODE);
    }

    @Test
    void ephemeralsAreListedPerSessionAndPrefix() throws Exception {
        ZooKeeper client = connect();
        ZooKeeper other = connect();
        createNode(path("x"), "");
        client.create(path("e1"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        client.create(path("x/e2"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        other.create(path("e3"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

        assertThat(client.getEphemerals()).containsExactlyInAnyOrder(path("e1"), path("x/e2"));
        assertThat(client.getEphemerals(root)).containsExactlyInAnyOrder(path("e1"), path("x/e2"));
        assertThat(client.getEphemerals(path("x"))).containsExactly(path("x/e2"));
        // The prefix is a plain string prefix, not a path: root + "/e" matches e1 but not x/e2.
        assertThat(client.getEphemerals(path("e"))).containsExactly(path("e1"));
        assertThat(client.getEphemerals(path("nothing"))).isEmpty();
        assertThat(other.getEphemerals()).containsExactly(path("e3"));
    }

    @Test
    void aclIsReadAndReplacedWithAversion() throws Exception {
        createNode(path("n"), "");
        Stat stat = new Stat();
        assertThat(admin.getACL(path("n"), stat)).containsExactlyElementsOf(Ids.OPEN_ACL_UNSAFE);
        assertThat(stat.getAversion()).isZero();

        assertThat(codeOf(() -> admin.setACL(path("n"), Ids.OPEN_ACL_UNSAFE, 5))).isEqualTo(Code.BADVERSION);
        assertThat(codeOf(() -> admin.setACL(path("missing"), Ids.OPEN_ACL_UNSAFE, -1))).isEqualTo(Code.NONODE);
        assertThat(codeOf(() -> admin.getACL(path("missing"), new Stat()))).isEqualTo(Code.NONODE);

        List<ACL> readOnly = acls(new ACL(Perms.READ, Ids.ANYONE_ID_UNSAFE));
        Stat set = admin.setACL(path("n"), readOnly, 0);
        assertThat(set.getAversion()).isEqualTo(1);
        assertThat(set.getVersion()).isZero();
        assertThat(set.getCversion()).isZero();
        assertThat(admin.getACL(path("n"), new Stat())).containsExactlyElementsOf(readOnly);
        // The node is world read-only now, so admin lost ADMIN permission: setACL needs ADMIN, and ZooKeeper
        // checks permission before the version.
        List<ACL> mixed = acls(new ACL(Perms.ALL, new Id("ip", "10.1.2.3")),
                new ACL(Perms.READ | Perms.WRITE, Ids.ANYONE_ID_UNSAFE));
        assertThat(codeOf(() -> admin.setACL(path("n"), mixed, 7))).isEqualTo(Code.NOAUTH);
        assertThat(codeOf(() -> admin.setACL(path("n"), mixed, -1))).isEqualTo(Code.NOAUTH);
        assertThat(stat(path("n")).getAversion()).isEqualTo(1);
    }

    @Test
    void syncCompletesWithThePath() throws Exception {
        CompletableFuture<String> done = new CompletableFuture<>();
        admin.sync(root, (rc, path, ctx) -> {
            if (rc == 0) {
                done.complete(path);
            } else {
                done.completeExceptionally(KeeperException.create(Code.get(rc), path));
            }
        }, null);
        assertThat(done.get(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(root);

        // sync does not look at the node: a missing path syncs fine.
        CompletableFuture<Integer> missing = new CompletableFuture<>();
        admin.sync(path("missing"), (rc, path, ctx) -> missing.complete(rc), null);
        assertThat(missing.get(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Code.OK.intValue());
    }

    @Test
    void zxidsStrictlyIncreaseAcrossWrites() throws Exception {
        List<Long> zxids = new ArrayList<>();
        Stat stat = new Stat();
        admin.create(path("z"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, stat);
        zxids.add(stat.getCzxid());
        for (int i = 0; i < 5; i++) {
            zxids.add(admin.setData(path("z"), bytes("v" + i), -1).getMzxid());
            admin.create(path("z/c" + i), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, stat);
            zxids.add(stat.getCzxid());
        }
        admin.delete(path("z/c0"), -1);
        zxids.add(stat(path("z")).getPzxid());
        assertThat(zxids).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void systemNodesExist() throws Exception {
        assertThat(admin.exists("/", false)).isNotNull();
        assertThat(admin.exists("/zookeeper", false)).isNotNull();
        assertThat(admin.exists("/zookeeper/quota", false)).isNotNull();
        assertThat(admin.exists("/zookeeper/config", false)).isNotNull();
        assertThat(admin.getChildren("/", false)).contains("zookeeper", root.substring(1));
    }

    @Test
    void systemNodesAreProtected() throws Exception {
        for (String system : List.of("/", "/zookeeper", "/zookeeper/quota")) {
            assertThat(codeOf(() -> admin.delete(system, -1))).as("delete %s", system).isEqualTo(Code.BADARGUMENTS);
        }
        // /zookeeper/config is world-readable only; reconfig is the only way to change it.
        assertThat(admin.getACL("/zookeeper/config", new Stat()))
                .containsExactly(new ACL(Perms.READ, Ids.ANYONE_ID_UNSAFE));
        assertThat(codeOf(() -> admin.setData("/zookeeper/config", bytes("x"), -1))).isEqualTo(Code.NOAUTH);
    }

    @Test
    void dataNearOneMebibyteIsAcceptedAndOverTheLimitIsRejected() throws Exception {
        byte[] big = new byte[1024 * 1024 - 1024];
        java.util.Arrays.fill(big, (byte) 'x');
        Stat stat = new Stat();
        admin.create(path("big"), big, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, stat);
        assertThat(stat.getDataLength()).isEqualTo(big.length);
        assertThat(admin.getData(path("big"), false, null)).isEqualTo(big);

        ZooKeeper client = connect();
        long session = client.getSessionId();
        byte[] tooBig = new byte[1024 * 1024 + 1];
        // ZooKeeper reads the frame length first and drops the connection when it exceeds jute.maxbuffer
        // (1 MiB - 1): the client sees CONNECTIONLOSS, then reconnects to the same session.
        assertThat(codeOf(() -> client.create(path("huge"), tooBig, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)))
                .isEqualTo(Code.CONNECTIONLOSS);
        await().ignoreExceptions().until(() -> client.exists(root, false) != null);
        assertThat(client.getSessionId()).isEqualTo(session);
        assertThat(admin.exists(path("huge"), false)).isNull();
    }
}
