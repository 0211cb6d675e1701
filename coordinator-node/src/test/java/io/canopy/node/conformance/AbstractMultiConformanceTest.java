package io.canopy.node.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.OpResult.CheckResult;
import org.apache.zookeeper.OpResult.CreateResult;
import org.apache.zookeeper.OpResult.DeleteResult;
import org.apache.zookeeper.OpResult.ErrorResult;
import org.apache.zookeeper.OpResult.GetChildrenResult;
import org.apache.zookeeper.OpResult.GetDataResult;
import org.apache.zookeeper.OpResult.SetDataResult;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** multi: all-or-nothing writes with ZooKeeper's exact per-op results, and multiRead. */
public abstract class AbstractMultiConformanceTest extends ConformanceTestBase {

    @Test
    void successfulMultiReturnsOneResultPerOpOfTheRightType() throws Exception {
        createNode(path("existing"), "old");
        createNode(path("doomed"), "");
        List<OpResult> results = admin.multi(List.of(
                Op.create(path("a"), bytes("A"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.create(path("s-"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL),
                Op.check(path("existing"), 0),
                Op.setData(path("existing"), bytes("new"), 0),
                Op.delete(path("doomed"), 0),
                Op.create(path("a/child"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL)));

        assertThat(results).hasSize(6);
        assertThat(((CreateResult) results.get(0)).getPath()).isEqualTo(path("a"));
        assertThat(((CreateResult) results.get(1)).getPath()).isEqualTo(path("s-0000000003"));
        assertThat(results.get(2)).isInstanceOf(CheckResult.class);
        Stat setStat = ((SetDataResult) results.get(3)).getStat();
        assertThat(setStat.getVersion()).isEqualTo(1);
        assertThat(results.get(4)).isInstanceOf(DeleteResult.class);
        assertThat(((CreateResult) results.get(5)).getPath()).isEqualTo(path("a/child"));

        assertThat(string(admin.getData(path("existing"), false, null))).isEqualTo("new");
        assertThat(admin.exists(path("doomed"), false)).isNull();
        long zxid = stat(path("a")).getCzxid();
        assertThat(setStat.getMzxid()).as("one zxid for the whole multi").isEqualTo(zxid);
        assertThat(stat(path("a/child")).getCzxid()).isEqualTo(zxid);
        assertThat(stat(path("a/child")).getEphemeralOwner()).isEqualTo(admin.getSessionId());
        assertThat(stat(root).getPzxid()).isEqualTo(zxid);
    }

    @Test
    void containerAndTtlCreatesInMultiReturnTheStat() throws Exception {
        List<OpResult> results = admin.multi(List.of(
                Op.create(path("a"), bytes("xyz"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, -1),
                Op.create(path("c"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER),
                Op.create(path("t"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, 60_000)));
        // The client sends Op.create as a plain create (no stat in its result) but container and TTL creates
        // as createContainer/createTTL, whose results carry the new node's stat like create2.
        CreateResult plain = (CreateResult) results.get(0);
        assertThat(plain.getPath()).isEqualTo(path("a"));
        assertThat(plain.getStat()).isNull();
        assertThat(((CreateResult) results.get(1)).getStat()).isEqualTo(stat(path("c")));
        assertThat(((CreateResult) results.get(2)).getStat()).isEqualTo(stat(path("t")));
        // Container and TTL markers are hidden from clients: ephemeralOwner reads 0.
        assertThat(((CreateResult) results.get(1)).getPath()).isEqualTo(path("c"));
        assertThat(stat(path("c")).getEphemeralOwner()).isZero();
        assertThat(stat(path("t")).getEphemeralOwner()).isZero();
    }

    @Test
    void failureInTheMiddleAppliesNothingAndReportsEveryOp() throws Exception {
        createNode(path("existing"), "old");
        Stat before = stat(root);
        List<Op> ops = List.of(
                Op.create(path("a"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.setData(path("existing"), bytes("new"), -1),
                Op.setData(path("missing"), bytes("x"), -1),
                Op.create(path("b"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.delete(path("existing"), -1));
        KeeperException failure = catchKeeper(ops);

        assertThat(failure.code()).isEqualTo(Code.NONODE);
        assertThat(errorCodes(failure.getResults())).containsExactly(Code.OK.intValue(), Code.OK.intValue(),
                Code.NONODE.intValue(), Code.RUNTIMEINCONSISTENCY.intValue(), Code.RUNTIMEINCONSISTENCY.intValue());
        assertThat(admin.exists(path("a"), false)).isNull();
        assertThat(string(admin.getData(path("existing"), false, null))).isEqualTo("old");
        assertThat(stat(root)).as("a failed multi changes nothing, not even cversion").isEqualTo(before);
    }

    @Test
    void failingCheckAndConflictsWithinTheBatch() throws Exception {
        createNode(path("n"), "");
        KeeperException badCheck = catchKeeper(List.of(Op.check(path("n"), 3),
                Op.create(path("x"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
        assertThat(badCheck.code()).isEqualTo(Code.BADVERSION);
        assertThat(errorCodes(badCheck.getResults()))
                .containsExactly(Code.BADVERSION.intValue(), Code.RUNTIMEINCONSISTENCY.intValue());

        // Later ops see the effects of earlier ones in the same multi.
        KeeperException duplicate = catchKeeper(List.of(
                Op.create(path("x"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.create(path("x"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
        assertThat(duplicate.code()).isEqualTo(Code.NODEEXISTS);
        assertThat(errorCodes(duplicate.getResults())).containsExactly(Code.OK.intValue(), Code.NODEEXISTS.intValue());

        List<OpResult> chained = admin.multi(List.of(
                Op.create(path("y"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.setData(path("y"), bytes("1"), 0),
                Op.check(path("y"), 1),
                Op.delete(path("y"), 1)));
        assertThat(chained).hasSize(4);
        assertThat(admin.exists(path("y"), false)).isNull();
        assertThat(admin.exists(path("x"), false)).isNull();
    }

    @Test
    void emptyMultiSucceeds() throws Exception {
        assertThat(admin.multi(List.of())).isEmpty();
    }

    @Test
    void transactionBuilderCommits() throws Exception {
        List<OpResult> results = admin.transaction()
                .create(path("t"), bytes("1"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)
                .setData(path("t"), bytes("2"), 0)
                .commit();
        assertThat(results).hasSize(2);
        assertThat(string(admin.getData(path("t"), false, null))).isEqualTo("2");
    }

    @Test
    void multiReadReturnsEachReadAndReportsFailuresPerOp() throws Exception {
        createNode(path("a"), "A");
        createNode(path("a/x"), "");
        createNode(path("a/y"), "");
        List<OpResult> results = admin.multi(List.of(Op.getData(path("a")), Op.getChildren(path("a")),
                Op.getData(path("a/x"))));
        GetDataResult data = (GetDataResult) results.get(0);
        assertThat(string(data.getData())).isEqualTo("A");
        assertThat(data.getStat()).isEqualTo(stat(path("a")));
        assertThat(sorted(((GetChildrenResult) results.get(1)).getChildren())).containsExactly("x", "y");
        assertThat(((GetDataResult) results.get(2)).getData()).isEmpty();

        // Reads are not atomic: the failing read gets its ErrorResult, the others still succeed, and the client
        // does not throw (unlike a failed write multi).
        List<OpResult> partial = admin.multi(List.of(Op.getData(path("a")), Op.getData(path("missing")),
                Op.getChildren(path("a"))));
        assertThat(partial).hasSize(3);
        assertThat(string(((GetDataResult) partial.get(0)).getData())).isEqualTo("A");
        assertThat(((ErrorResult) partial.get(1)).getErr()).isEqualTo(Code.NONODE.intValue());
        assertThat(sorted(((GetChildrenResult) partial.get(2)).getChildren())).containsExactly("x", "y");
    }

    @Test
    void readsAndWritesCannotBeMixed() {
        assertThatThrownBy(() -> admin.multi(List.of(Op.getData(root),
                Op.create(path("a"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private KeeperException catchKeeper(List<Op> ops) throws InterruptedException {
        try {
            admin.multi(ops);
        } catch (KeeperException e) {
            return e;
        }
        throw new AssertionError("multi was expected to fail");
    }

    private static List<Integer> errorCodes(List<OpResult> results) {
        assertThat(results).allMatch(r -> r instanceof ErrorResult, "every result is an ErrorResult");
        return results.stream().map(r -> ((ErrorResult) r).getErr()).toList();
    }
}
