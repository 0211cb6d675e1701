package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canopy.core.tree.QuotaPaths;
import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.TxnTypes;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.MultiResponse;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants.CreateFlags;

/**
 * ZooKeeper's quotas as its DataTree and ZooKeeperServer.checkQuota keep them: statistics maintained by every change
 * below a quota's root, and hard limits enforced when the entry says so.
 */
class QuotaTest {
    static final long S = 0x500000000001L;
    static final long S2 = 0x500000000002L;
    /** What zkCli 3.9 {@code setquota -N 3} writes into the limits node. */
    static final String HARD_COUNT_3 = "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3";
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness();
        assertThat(h.openSession(S).err()).isZero();
    }

    /** What zkCli's setquota does on a new quota: the path's nodes under /zookeeper/quota, limits, then stats. */
    private void setQuota(String root, String limits) {
        StringBuilder p = new StringBuilder("/zookeeper/quota");
        for (String part : root.substring(1).split("/")) {
            p.append('/').append(part);
            int err = h.create(S, p.toString(), null, 0).err();
            assertThat(err).isIn(0, ErrorCode.NODEEXISTS.code());
        }
        assertThat(h.create(S, QuotaPaths.limitPath(root), limits, 0).err()).isZero();
        assertThat(h.create(S, QuotaPaths.statPath(root), "count=0,bytes=0", 0).err()).isZero();
    }

    private String stats(String root) {
        byte[] data = h.state.data(QuotaPaths.statPath(root));
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    private TxnOutcome ok(TxnOutcome o) {
        assertThat(o.err()).as("error of %s", o).isZero();
        return o;
    }

    @Test
    void statsNodeGetsTheExistingSubtreeWhenTheQuotaIsSet() {
        ok(h.create(S, "/app", "abc", 0));
        ok(h.create(S, "/app/x", "12345", 0));
        ok(h.create(S, "/app/x/y", null, 0));
        setQuota("/app", HARD_COUNT_3);

        assertThat(stats("/app")).isEqualTo("count=3,bytes=8");
        assertThat(h.state.data(QuotaPaths.limitPath("/app"))).asString().isEqualTo(HARD_COUNT_3);
        Stat stat = h.stat(QuotaPaths.statPath("/app"));
        assertThat(stat.getVersion()).isZero();
        assertThat(stat.getMzxid()).isEqualTo(stat.getCzxid());
        assertThat(stat.getDataLength()).isEqualTo("count=3,bytes=8".length());
    }

    @Test
    void creatingTheStatsNodeRepliesWithTheStatOfWhatTheClientSent() {
        ok(h.create(S, "/app", "abcdefghijklmnopqrstuvwxyz", 0));
        ok(h.create(S, "/zookeeper/quota/app", null, 0));
        ok(h.create(S, QuotaPaths.limitPath("/app"), "count=5,bytes=-1", 0));
        Create2Response r = (Create2Response) ok(h.create(S, QuotaPaths.statPath("/app"), "count=0,bytes=0", 0))
                .response();
        // ZooKeeper copies the stat before it fills the statistics in
        assertThat(r.getStat().getDataLength()).isEqualTo("count=0,bytes=0".length());
        assertThat(stats("/app")).isEqualTo("count=1,bytes=26");
    }

    @Test
    void statsFollowCreateSetDataAndDeleteBelowTheRootOnly() {
        ok(h.create(S, "/app", "", 0));
        setQuota("/app", HARD_COUNT_3);
        assertThat(stats("/app")).isEqualTo("count=1,bytes=0");
        Stat before = h.stat(QuotaPaths.statPath("/app"));

        TxnOutcome created = ok(h.create(S, "/app/a", "xy", 0));
        assertThat(stats("/app")).isEqualTo("count=2,bytes=2");
        ok(h.setData(S, "/app/a", "xyz12", -1));
        assertThat(stats("/app")).isEqualTo("count=2,bytes=5");
        ok(h.setData(S, "/app", "7", -1));
        assertThat(stats("/app")).isEqualTo("count=2,bytes=6");
        ok(h.create(S, "/apple", "not below /app", 0));
        ok(h.create(S, "/other", "nor this", 0));
        assertThat(stats("/app")).isEqualTo("count=2,bytes=6");
        TxnOutcome deleted = ok(h.delete(S, "/app/a", -1));
        assertThat(stats("/app")).isEqualTo("count=1,bytes=1");

        // the server rewrites the data only: no version, zxid or time change, and no watch event
        Stat after = h.stat(QuotaPaths.statPath("/app"));
        assertThat(after.getVersion()).isEqualTo(before.getVersion());
        assertThat(after.getMzxid()).isEqualTo(before.getMzxid());
        assertThat(after.getMtime()).isEqualTo(before.getMtime());
        assertThat(created.triggers()).noneMatch(t -> t.path().startsWith("/zookeeper"));
        assertThat(deleted.triggers()).noneMatch(t -> t.path().startsWith("/zookeeper"));
    }

    @Test
    void aQuotaOnAPathThatDoesNotExistYetCountsItOnceCreated() {
        setQuota("/later", "count=10,bytes=-1");
        assertThat(stats("/later")).isEqualTo("count=0,bytes=0");
        ok(h.create(S, "/later", "ab", 0));
        ok(h.create(S, "/later/c", "d", 0));
        assertThat(stats("/later")).isEqualTo("count=2,bytes=3");
        ok(h.delete(S, "/later/c", -1));
        ok(h.delete(S, "/later", -1));
        assertThat(stats("/later")).isEqualTo("count=0,bytes=0");
    }

    @Test
    void ephemeralsRemovedWithTheirSessionLeaveTheStats() {
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", HARD_COUNT_3);
        ok(h.openSession(S2));
        ok(h.create(S2, "/app/e1", "1234", CreateFlags.EPHEMERAL));
        ok(h.create(S2, "/app/e2", null, CreateFlags.EPHEMERAL_SEQUENTIAL));
        assertThat(stats("/app")).isEqualTo("count=3,bytes=4");
        ok(h.closeSession(S2));
        assertThat(stats("/app")).isEqualTo("count=1,bytes=0");
    }

    @Test
    void reapedContainersAndTtlNodesLeaveTheStats() {
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", "count=100,bytes=-1");
        ok(h.apply(S, OpCode.CREATE_CONTAINER, new CreateRequest("/app/c", new byte[] {1, 2}, Harness.OPEN,
                CreateFlags.CONTAINER)));
        ok(h.create(S, "/app/c/x", "x", 0));
        ok(h.apply(S, OpCode.CREATE_TTL, new CreateTTLRequest("/app/t", new byte[] {1, 2, 3}, Harness.OPEN,
                CreateFlags.PERSISTENT_WITH_TTL, 5)));
        assertThat(stats("/app")).isEqualTo("count=4,bytes=6");
        ok(h.delete(S, "/app/c/x", -1));
        h.time += 10;
        List<String> reapable = h.state.reapCandidates(h.time, 10);
        assertThat(reapable).containsExactlyInAnyOrder("/app/c", "/app/t");
        ok(h.apply(0, TxnTypes.REAP, InternalBodies.reap(reapable)));
        assertThat(stats("/app")).isEqualTo("count=1,bytes=0");
    }

    @Test
    void multiUpdatesTheStatsAndAFailedMultiLeavesThemAsTheyWere() {
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", "count=100,bytes=-1");
        MultiRequest m = new MultiRequest()
                .add(OpCode.CREATE, new CreateRequest("/app/m1", "a".getBytes(), Harness.OPEN, 0))
                .add(OpCode.SET_DATA, new SetDataRequest("/app/m1", "abc".getBytes(), -1))
                .add(OpCode.CREATE, new CreateRequest("/app/m2", null, Harness.OPEN, 0));
        ok(h.apply(S, OpCode.MULTI, m));
        assertThat(stats("/app")).isEqualTo("count=3,bytes=3");

        long digest = h.state.digest();
        long treeDigest = h.state.treeDigest();
        MultiRequest failing = new MultiRequest()
                .add(OpCode.CREATE, new CreateRequest("/app/n", "zz".getBytes(), Harness.OPEN, 0))
                .add(OpCode.SET_DATA, new SetDataRequest("/app/m1", "abcdef".getBytes(), -1))
                .add(OpCode.DELETE, new DeleteRequest("/missing", -1));
        MultiResponse r = (MultiResponse) ok(h.apply(S, OpCode.MULTI, failing)).response();
        assertThat(r.results().get(2).err()).isEqualTo(ErrorCode.NONODE.code());
        assertThat(stats("/app")).isEqualTo("count=3,bytes=3");
        assertThat(h.state.digest()).isEqualTo(digest);
        assertThat(h.state.treeDigest()).isEqualTo(treeDigest);
    }

    @Test
    void removingTheLimitsNodeEndsTheAccounting() {
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", HARD_COUNT_3);
        ok(h.delete(S, QuotaPaths.limitPath("/app"), -1));
        ok(h.create(S, "/app/a", "abc", 0));
        assertThat(stats("/app")).isEqualTo("count=1,bytes=0");
        // the stats node alone is not a quota: with its limits node back, changes count again
        ok(h.create(S, QuotaPaths.limitPath("/app"), HARD_COUNT_3, 0));
        ok(h.create(S, "/app/b", "de", 0));
        assertThat(stats("/app")).isEqualTo("count=2,bytes=2");
    }

    @Test
    void nestedQuotasAreAllowedAndTheDeepestOneCounts() {
        // zkCli refuses a quota above or below another one; the server accepts them, as ZooKeeper's does
        ok(h.create(S, "/a", null, 0));
        ok(h.create(S, "/a/b", null, 0));
        setQuota("/a", "count=100,bytes=-1");
        setQuota("/a/b", "count=100,bytes=-1");
        assertThat(stats("/a")).isEqualTo("count=2,bytes=0");
        assertThat(stats("/a/b")).isEqualTo("count=1,bytes=0");

        ok(h.create(S, "/a/b/c", "12", 0));
        ok(h.create(S, "/a/x", "345", 0));
        assertThat(stats("/a/b")).isEqualTo("count=2,bytes=2");
        assertThat(stats("/a")).isEqualTo("count=3,bytes=3");

        ok(h.delete(S, QuotaPaths.limitPath("/a/b"), -1));
        ok(h.create(S, "/a/b/d", "6", 0));
        assertThat(stats("/a")).isEqualTo("count=4,bytes=4");
        assertThat(stats("/a/b")).isEqualTo("count=2,bytes=2");
    }

    @Test
    void hardCountLimitRejectsTheCreateAndChangesNothing() {
        h.enforceQuota = true;
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", HARD_COUNT_3);
        ok(h.create(S, "/app/1", null, 0));
        ok(h.create(S, "/app/2", null, 0));
        long digest = h.state.digest();
        long treeDigest = h.state.treeDigest();
        Stat parent = h.stat("/app");

        TxnOutcome refused = h.create(S, "/app/3", null, 0);
        assertThat(refused.err()).isEqualTo(ErrorCode.QUOTAEXCEEDED.code());
        assertThat(refused.triggers()).isEmpty();
        assertThat(refused.quotaWarnings()).containsExactly("Quota exceeded: /app [current count=4, hardCountLimit=3]");
        assertThat(h.apply(S, OpCode.CREATE, new CreateRequest("/app/seq-", null, Harness.OPEN,
                CreateFlags.PERSISTENT_SEQUENTIAL)).err()).isEqualTo(ErrorCode.QUOTAEXCEEDED.code());
        assertThat(h.state.digest()).isEqualTo(digest);
        assertThat(h.state.treeDigest()).isEqualTo(treeDigest);
        assertThat(h.stat("/app")).isEqualTo(parent);
        assertThat(stats("/app")).isEqualTo("count=3,bytes=0");

        // the checks come in ZooKeeper's order: NODEEXISTS before QUOTAEXCEEDED
        assertThat(h.create(S, "/app/1", null, 0).err()).isEqualTo(ErrorCode.NODEEXISTS.code());
        // outside the quota, and after a delete inside it, creates go on
        ok(h.create(S, "/elsewhere", null, 0));
        ok(h.delete(S, "/app/2", -1));
        ok(h.create(S, "/app/3", null, 0));
    }

    @Test
    void withoutEnforcementTheLimitsAreOnlyRecorded() {
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", HARD_COUNT_3);
        for (int i = 0; i < 5; i++) {
            assertThat(ok(h.create(S, "/app/" + i, null, 0)).quotaWarnings()).isEmpty();
        }
        assertThat(stats("/app")).isEqualTo("count=6,bytes=0");
        // switching enforcement on (a new leader's stamp) applies to the entries from then on
        h.enforceQuota = true;
        assertThat(h.create(S, "/app/6", null, 0).err()).isEqualTo(ErrorCode.QUOTAEXCEEDED.code());
    }

    @Test
    void hardByteLimitRejectsSetDataBeforeTheVersionCheck() {
        h.enforceQuota = true;
        ok(h.create(S, "/app", "1234", 0));
        setQuota("/app", "count=-1,bytes=-1=;byteHardLimit=10;countHardLimit=-1");
        ok(h.create(S, "/app/a", "12345", 0));
        assertThat(stats("/app")).isEqualTo("count=2,bytes=9");
        long digest = h.state.digest();

        assertThat(h.setData(S, "/app/a", "123456789", 0).err()).isEqualTo(ErrorCode.QUOTAEXCEEDED.code());
        // ZooKeeper checks the quota before the version
        assertThat(h.setData(S, "/app/a", "123456789", 99).err()).isEqualTo(ErrorCode.QUOTAEXCEEDED.code());
        assertThat(h.create(S, "/app/b", "xx", 0).err()).isEqualTo(ErrorCode.QUOTAEXCEEDED.code());
        assertThat(h.state.digest()).isEqualTo(digest);
        assertThat(h.state.data("/app/a")).asString().isEqualTo("12345");

        ok(h.setData(S, "/app/a", "123456", 0));
        assertThat(stats("/app")).isEqualTo("count=2,bytes=10");
        // an empty node adds no bytes, and the count has no limit
        ok(h.create(S, "/app/empty", null, 0));
        ok(h.setData(S, "/app/a", "1", -1));
        assertThat(stats("/app")).isEqualTo("count=3,bytes=5");
    }

    @Test
    void aHardLimitFailsTheWholeMultiAndCountsItsEarlierOps() {
        h.enforceQuota = true;
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", HARD_COUNT_3);
        ok(h.create(S, "/app/1", null, 0));
        long digest = h.state.digest();

        MultiRequest m = new MultiRequest()
                .add(OpCode.CREATE, new CreateRequest("/outside", null, Harness.OPEN, 0))
                .add(OpCode.CREATE, new CreateRequest("/app/2", null, Harness.OPEN, 0))
                .add(OpCode.CREATE, new CreateRequest("/app/3", null, Harness.OPEN, 0))
                .add(OpCode.SET_DATA, new SetDataRequest("/app", "x".getBytes(), -1));
        TxnOutcome o = ok(h.apply(S, OpCode.MULTI, m));
        assertThat(((MultiResponse) o.response()).results()).extracting(MultiResponse.Result::err)
                .containsExactly(0, 0, ErrorCode.QUOTAEXCEEDED.code(), ErrorCode.RUNTIMEINCONSISTENCY.code());
        assertThat(o.triggers()).isEmpty();
        assertThat(h.state.digest()).isEqualTo(digest);
        assertThat(stats("/app")).isEqualTo("count=2,bytes=0");
        assertThat(h.stat("/outside")).isNull();
    }

    @Test
    void softLimitsOnlyWarn() {
        h.enforceQuota = true;
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", "count=2,bytes=3"); // zkCli 3.4's format: soft limits only
        ok(h.create(S, "/app/a", "12", 0));
        TxnOutcome over = ok(h.create(S, "/app/b", "34", 0));
        assertThat(over.quotaWarnings()).containsExactly(
                "Quota exceeded: /app [current count=3, softCountLimit=2]",
                "Quota exceeded: /app [current bytes=4, softByteLimit=3]");
        assertThat(stats("/app")).isEqualTo("count=3,bytes=4");

        // with a hard limit set, the soft one of the same quantity is not checked (as in ZooKeeper)
        ok(h.setData(S, QuotaPaths.limitPath("/app"), "count=1,bytes=-1=;byteHardLimit=-1;countHardLimit=10", -1));
        assertThat(ok(h.create(S, "/app/c", null, 0)).quotaWarnings()).isEmpty();
    }

    @Test
    void malformedQuotaDataNeverFailsApply() {
        h.enforceQuota = true;
        ok(h.create(S, "/app", null, 0));
        setQuota("/app", "count=,=5;;countHardLimit=x,bytes");
        ok(h.setData(S, QuotaPaths.statPath("/app"), "nonsense", -1));
        ok(h.create(S, "/app/a", "1", 0));
        assertThat(stats("/app")).isEqualTo("count=0,bytes=0");
        ok(h.setData(S, QuotaPaths.statPath("/app"), "", -1));
        ok(h.create(S, "/app/b", null, 0));
        ok(h.setData(S, QuotaPaths.limitPath("/app"), "", -1));
        ok(h.create(S, "/app/c", null, 0));
        assertThat(stats("/app")).isEqualTo("count=1,bytes=-1");
    }

    @Test
    void aSnapshotKeepsTheQuotasAndReplayGoesOnAlike() throws Exception {
        h.enforceQuota = true;
        ok(h.create(S, "/app", "ab", 0));
        setQuota("/app", HARD_COUNT_3);
        ok(h.create(S, "/app/1", "c", 0));
        byte[] snap = SimulationTest.snapshot(h.state);
        CoordinatorState back = CoordinatorState.readSnapshot(new DataInputStream(new ByteArrayInputStream(snap)),
                CoreSettings.defaults());
        back.checkInvariants();
        assertThat(back.digest()).isEqualTo(h.state.digest());

        // the same two entries on the live state and on the restored one
        CoordinatorState live = h.state;
        for (String name : new String[] {"/app/2", "/app/3"}) {
            io.canopy.core.txn.Txn txn = new io.canopy.core.txn.Txn(S, 1, OpCode.CREATE,
                    io.canopy.protocol.Jute.toBytes(new CreateRequest(name, "d".getBytes(), new ArrayList<>(
                            Harness.OPEN), 0)), List.of(), 1, 0);
            long index = ++h.index;
            io.canopy.core.txn.Batch batch = new io.canopy.core.txn.Batch(h.time, List.of(txn), true);
            int liveErr = live.apply(index, batch).outcomes().get(0).err();
            int backErr = back.apply(index, batch).outcomes().get(0).err();
            assertThat(backErr).isEqualTo(liveErr);
        }
        assertThat(back.digest()).isEqualTo(live.digest());
        assertThat(stats("/app")).isEqualTo("count=3,bytes=4");
        assertThat(back.data(QuotaPaths.statPath("/app"))).asString().isEqualTo("count=3,bytes=4");
    }
}
