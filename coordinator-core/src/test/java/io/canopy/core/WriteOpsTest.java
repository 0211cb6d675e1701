package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetACLResponse;
import org.apache.zookeeper.proto.SetDataResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canopy.core.watch.WatchTrigger;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants.CreateFlags;
import io.canopy.protocol.ZkConstants.EventType;

class WriteOpsTest {
    static final long S = 0x100000000001L;
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness();
        assertThat(h.openSession(S).err()).isZero();
    }

    @Test
    void freshTreeHasZooKeepersSystemNodes() {
        Harness fresh = new Harness();
        Stat root = fresh.stat("/");
        assertThat(root.getNumChildren()).isEqualTo(1);
        assertThat(root.getCversion()).isEqualTo(-1);
        assertThat(fresh.stat("/zookeeper").getCversion()).isEqualTo(-2);
        assertThat(fresh.stat("/zookeeper/quota")).isNotNull();
        Stat config = fresh.stat("/zookeeper/config");
        assertThat(config.getAversion()).isEqualTo(-1);
        assertThat(config.getCzxid()).isZero();
    }

    @Test
    void createSetsStatsAndParentCounters() {
        h.time = 5000;
        TxnOutcome o = h.create(S, "/a", "hello", CreateFlags.PERSISTENT);
        long z = Harness.zxid(h.index);
        assertThat(o.err()).isZero();
        assertThat(o.zxid()).isEqualTo(z);
        Create2Response r = (Create2Response) o.response();
        assertThat(r.getPath()).isEqualTo("/a");
        Stat s = r.getStat();
        assertThat(s.getCzxid()).isEqualTo(z);
        assertThat(s.getMzxid()).isEqualTo(z);
        assertThat(s.getPzxid()).isEqualTo(z);
        assertThat(s.getCtime()).isEqualTo(5000);
        assertThat(s.getMtime()).isEqualTo(5000);
        assertThat(s.getVersion()).isZero();
        assertThat(s.getCversion()).isZero();
        assertThat(s.getAversion()).isZero();
        assertThat(s.getEphemeralOwner()).isZero();
        assertThat(s.getDataLength()).isEqualTo(5);
        Stat root = h.stat("/");
        assertThat(root.getPzxid()).isEqualTo(z);
        assertThat(root.getCversion()).isEqualTo(0); // 2 creates stored (1) * 2 - 2 children
        assertThat(root.getNumChildren()).isEqualTo(2);
        assertThat(o.triggers()).extracting(WatchTrigger::path, WatchTrigger::eventType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/a", EventType.NODE_CREATED),
                        org.assertj.core.groups.Tuple.tuple("/", EventType.NODE_CHILDREN_CHANGED));
    }

    @Test
    void plainCreateRepliesCreateResponse() {
        TxnOutcome o = h.apply(S, OpCode.CREATE, new CreateRequest("/p", null, Harness.OPEN, 0));
        assertThat(o.response()).isEqualTo(new CreateResponse("/p"));
        assertThat(h.stat("/p").getDataLength()).isZero();
    }

    @Test
    void deleteBumpsClientCversionButNotSequenceNumbers() {
        h.create(S, "/p", "", 0);
        assertThat(((Create2Response) h.create(S, "/p/s-", "", CreateFlags.PERSISTENT_SEQUENTIAL).response())
                .getPath()).isEqualTo("/p/s-0000000000");
        h.delete(S, "/p/s-0000000000", -1);
        long z = Harness.zxid(h.index);
        Stat p = h.stat("/p");
        assertThat(p.getCversion()).isEqualTo(2);
        assertThat(p.getPzxid()).isEqualTo(z);
        assertThat(p.getNumChildren()).isZero();
        assertThat(((Create2Response) h.create(S, "/p/s-", "", CreateFlags.PERSISTENT_SEQUENTIAL).response())
                .getPath()).isEqualTo("/p/s-0000000001");
        assertThat(((Create2Response) h.create(S, "/p/", "", CreateFlags.PERSISTENT_SEQUENTIAL).response())
                .getPath()).isEqualTo("/p/0000000002");
    }

    @Test
    void createErrors() {
        h.create(S, "/a", "", 0);
        assertThat(h.create(S, "/a", "", 0).err()).isEqualTo(ErrorCode.NODEEXISTS.code());
        assertThat(h.create(S, "/x/y", "", 0).err()).isEqualTo(ErrorCode.NONODE.code());
        assertThat(h.create(S, "/a/", "", 0).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.create(S, "a", "", 0).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.create(S, "/a/.", "", 0).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.create(S, "/b", "", 9).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.create(S, "/", "", 0).err()).isEqualTo(ErrorCode.NODEEXISTS.code());
        assertThat(h.create(S, "/t", "", CreateFlags.PERSISTENT_WITH_TTL).err())
                .isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.create(77, "/b", "", 0).err()).isEqualTo(ErrorCode.SESSIONEXPIRED.code());
        assertThat(h.create(77, "/b", "", CreateFlags.EPHEMERAL).err()).isEqualTo(ErrorCode.SESSIONEXPIRED.code());
        assertThat(h.apply(S, OpCode.CREATE, new CreateRequest("/b", null, List.of(), 0)).err())
                .isEqualTo(ErrorCode.INVALIDACL.code());
        assertThat(h.apply(S, OpCode.CREATE, new byte[] {1, 2}).err()).isEqualTo(ErrorCode.MARSHALLINGERROR.code());
        assertThat(h.stat("/b")).isNull();
    }

    @Test
    void failedWriteStillConsumesAZxid() {
        TxnOutcome o = h.create(S, "/x/y", "", 0);
        assertThat(o.zxid()).isEqualTo(Harness.zxid(h.index));
        assertThat(h.state.lastZxid()).isEqualTo(o.zxid());
        assertThat(o.triggers()).isEmpty();
        assertThat(o.response()).isNull();
    }

    @Test
    void ephemeralsBelongToTheSessionAndCannotHaveChildren() {
        TxnOutcome o = h.create(S, "/e", "", CreateFlags.EPHEMERAL);
        assertThat(((Create2Response) o.response()).getStat().getEphemeralOwner()).isEqualTo(S);
        assertThat(h.create(S, "/e/c", "", 0).err()).isEqualTo(ErrorCode.NOCHILDRENFOREPHEMERALS.code());
        assertThat(h.state.session(S).ephemeralCount()).isEqualTo(1);
        assertThat(h.state.stats().ephemeralCount()).isEqualTo(1);
    }

    @Test
    void deleteRules() {
        h.create(S, "/a", "", 0);
        h.create(S, "/a/b", "", 0);
        assertThat(h.delete(S, "/a", -1).err()).isEqualTo(ErrorCode.NOTEMPTY.code());
        assertThat(h.delete(S, "/a/b", 3).err()).isEqualTo(ErrorCode.BADVERSION.code());
        assertThat(h.delete(S, "/a/zz", -1).err()).isEqualTo(ErrorCode.NONODE.code());
        assertThat(h.delete(S, "/zookeeper", -1).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.delete(S, "/zookeeper/config", -1).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.delete(S, "/", -1).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        TxnOutcome ok = h.delete(S, "/a/b", 0);
        assertThat(ok.err()).isZero();
        assertThat(ok.response()).isNull();
        assertThat(ok.triggers()).extracting(WatchTrigger::eventType)
                .containsExactly(EventType.NODE_DELETED, EventType.NODE_CHILDREN_CHANGED);
        assertThat(h.delete(S, "/a", -1).err()).isZero();
    }

    @Test
    void setDataVersions() {
        h.create(S, "/a", "x", 0);
        long created = Harness.zxid(h.index);
        h.time += 10;
        TxnOutcome o = h.setData(S, "/a", "yy", 0);
        Stat s = ((SetDataResponse) o.response()).getStat();
        assertThat(s.getVersion()).isEqualTo(1);
        assertThat(s.getMzxid()).isEqualTo(Harness.zxid(h.index));
        assertThat(s.getCzxid()).isEqualTo(created);
        assertThat(s.getMtime()).isEqualTo(h.time);
        assertThat(s.getDataLength()).isEqualTo(2);
        assertThat(h.setData(S, "/a", "z", 0).err()).isEqualTo(ErrorCode.BADVERSION.code());
        assertThat(h.setData(S, "/a", "z", -1).err()).isZero();
        assertThat(h.setData(S, "/nope", "z", -1).err()).isEqualTo(ErrorCode.NONODE.code());
        assertThat(h.setData(S, "/a/", "z", -1).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(o.triggers()).extracting(WatchTrigger::eventType).containsExactly(EventType.NODE_DATA_CHANGED);
    }

    @Test
    void versionWrapsPastMinusOne() {
        assertThat(WriteOps.checkAndIncVersion(-2, -1)).isZero();
        assertThat(WriteOps.checkAndIncVersion(Integer.MAX_VALUE, -1)).isEqualTo(Integer.MIN_VALUE);
    }

    @Test
    void setAclAndCheck() {
        h.create(S, "/a", "x", 0);
        List<ACL> readOnly = List.of(new ACL(1, new Id("world", "anyone")));
        TxnOutcome o = h.apply(S, OpCode.SET_ACL, new SetACLRequest("/a", readOnly, 0));
        assertThat(((SetACLResponse) o.response()).getStat().getAversion()).isEqualTo(1);
        assertThat(o.triggers()).isEmpty();
        assertThat(h.apply(S, OpCode.SET_ACL, new SetACLRequest("/a", readOnly, 0)).err())
                .isEqualTo(ErrorCode.NOAUTH.code());
        assertThat(h.setData(S, "/a", "q", -1).err()).isEqualTo(ErrorCode.NOAUTH.code());
        assertThat(h.apply(S, OpCode.SET_ACL, new SetACLRequest("/a", List.of(), -1)).err())
                .isEqualTo(ErrorCode.INVALIDACL.code());
        assertThat(h.apply(S, OpCode.CHECK, new CheckVersionRequest("/a", 0)).err()).isZero();
        assertThat(h.apply(S, OpCode.CHECK, new CheckVersionRequest("/a", 1)).err())
                .isEqualTo(ErrorCode.BADVERSION.code());
        assertThat(h.apply(S, OpCode.CHECK, new CheckVersionRequest("/b", 1)).err())
                .isEqualTo(ErrorCode.NONODE.code());
    }

    @Test
    void sessionsLifecycle() {
        assertThat(h.openSession(S).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.openSession(0).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.openSession(0x8000000000000000L).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.apply(5, OpCode.CREATE_SESSION, new byte[] {1}).err())
                .isEqualTo(ErrorCode.MARSHALLINGERROR.code());
        h.create(S, "/p", "", 0);
        h.create(S, "/p/e2", "", CreateFlags.EPHEMERAL);
        h.create(S, "/e1", "", CreateFlags.EPHEMERAL);
        TxnOutcome close = h.closeSession(S);
        assertThat(close.closedSessionId()).isEqualTo(S);
        assertThat(close.triggers()).extracting(WatchTrigger::path)
                .containsExactly("/e1", "/", "/p/e2", "/p");
        assertThat(h.state.session(S)).isNull();
        assertThat(h.stat("/e1")).isNull();
        assertThat(h.stat("/p/e2")).isNull();
        assertThat(h.closeSession(S).closedSessionId()).isZero();
    }

    @Test
    void containersAndTtlNodes() {
        TxnOutcome c = h.apply(S, OpCode.CREATE_CONTAINER, new CreateRequest("/c", null, Harness.OPEN,
                CreateFlags.CONTAINER));
        assertThat(((Create2Response) c.response()).getStat().getEphemeralOwner()).isZero();
        assertThat(h.state.reapCandidates(h.time + 1_000_000, 10)).isEmpty(); // never had children
        h.create(S, "/c/x", "", 0);
        assertThat(h.state.reapCandidates(h.time, 10)).isEmpty();
        h.delete(S, "/c/x", -1);
        assertThat(h.state.reapCandidates(h.time, 10)).containsExactly("/c");

        TxnOutcome t = h.apply(S, OpCode.CREATE_TTL, new CreateTTLRequest("/t", null, Harness.OPEN,
                CreateFlags.PERSISTENT_WITH_TTL, 100));
        assertThat(t.err()).isZero();
        assertThat(t.response()).isInstanceOf(Create2Response.class);
        assertThat(h.state.reapCandidates(h.time + 100, 10)).containsExactly("/c");
        assertThat(h.state.reapCandidates(h.time + 101, 10)).containsExactly("/c", "/t");
        assertThat(h.state.reapCandidates(h.time + 101, 1)).containsExactly("/c");

        h.create(S, "/c/again", "", 0); // no longer eligible when the REAP applies
        h.time += 101;
        TxnOutcome reap = h.apply(0, io.canopy.core.txn.TxnTypes.REAP,
                io.canopy.core.txn.InternalBodies.reap(List.of("/c", "/t", "/missing")));
        assertThat(reap.err()).isZero();
        assertThat(h.stat("/c")).isNotNull();
        assertThat(h.stat("/t")).isNull();
        assertThat(reap.triggers()).extracting(WatchTrigger::path).containsExactly("/t", "/");
    }

    @Test
    void ttlValidation() {
        long max = io.canopy.protocol.ZkConstants.EphemeralOwner.MAX_TTL;
        int ttlFlag = CreateFlags.PERSISTENT_SEQUENTIAL_WITH_TTL;
        assertThat(h.apply(S, OpCode.CREATE_TTL, new CreateTTLRequest("/t", null, Harness.OPEN, ttlFlag, 0)).err())
                .isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.apply(S, OpCode.CREATE_TTL, new CreateTTLRequest("/t", null, Harness.OPEN, ttlFlag, max + 1))
                .err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
        assertThat(h.apply(S, OpCode.CREATE_TTL, new CreateTTLRequest("/t", null, Harness.OPEN, 0, 10)).err())
                .isEqualTo(ErrorCode.BADARGUMENTS.code());
        TxnOutcome ok = h.apply(S, OpCode.CREATE_TTL, new CreateTTLRequest("/t", null, Harness.OPEN, ttlFlag, max));
        assertThat(((Create2Response) ok.response()).getPath()).isEqualTo("/t0000000000");
    }

    @Test
    void setConfigReplacesConfigData() {
        TxnOutcome o = h.apply(0, io.canopy.core.txn.TxnTypes.SET_CONFIG,
                io.canopy.core.txn.InternalBodies.setConfig("server.1=a:1:2;3\nversion=1"));
        assertThat(o.err()).isZero();
        Stat s = h.stat("/zookeeper/config");
        assertThat(s.getMzxid()).isEqualTo(Harness.zxid(h.index));
        assertThat(s.getVersion()).isEqualTo(-1);
        assertThat(o.triggers()).extracting(WatchTrigger::eventType).containsExactly(EventType.NODE_DATA_CHANGED);
    }

    @Test
    void setConfigStampsTheZxidOfItsTransactionAsTheVersion() {
        TxnOutcome o = h.apply(0, io.canopy.core.txn.TxnTypes.SET_CONFIG, io.canopy.core.txn.InternalBodies.setConfig(
                "server.2=b:1:2:participant;b:3\nserver.1=a:1:2:observer;a:3"));
        long zxid = Harness.zxid(h.index);
        assertThat(o.err()).isZero();
        assertThat(configText()).isEqualTo("server.2=b:1:2:participant;b:3\nserver.1=a:1:2:observer;a:3\nversion="
                + Long.toHexString(zxid));
        Stat s = h.stat("/zookeeper/config");
        assertThat(s.getMzxid()).isEqualTo(zxid);
        assertThat(s.getVersion()).isEqualTo(-1);
        assertThat(o.triggers()).extracting(WatchTrigger::eventType).containsExactly(EventType.NODE_DATA_CHANGED);
        // The reply is what reconfig answers: the node's data and stat.
        org.apache.zookeeper.proto.GetDataResponse reply = (org.apache.zookeeper.proto.GetDataResponse) o.response();
        assertThat(new String(reply.getData(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(configText());
        assertThat(reply.getStat()).isEqualTo(s);
    }

    @Test
    void setConfigWithTheSameServerLinesChangesNothing() {
        h.apply(0, io.canopy.core.txn.TxnTypes.SET_CONFIG,
                io.canopy.core.txn.InternalBodies.setConfig("server.1=a:1:2:participant;a:3"));
        Stat before = h.stat("/zookeeper/config");
        String text = configText();
        long digest = h.state.treeDigest();

        TxnOutcome same = h.apply(0, io.canopy.core.txn.TxnTypes.SET_CONFIG,
                io.canopy.core.txn.InternalBodies.setConfig("  server.1=a:1:2:participant;a:3\n\n"));
        assertThat(same.err()).isZero();
        assertThat(same.triggers()).isEmpty();
        assertThat(h.stat("/zookeeper/config")).isEqualTo(before);
        assertThat(configText()).isEqualTo(text);
        assertThat(h.state.treeDigest()).isEqualTo(digest);
        assertThat(((org.apache.zookeeper.proto.GetDataResponse) same.response()).getStat()).isEqualTo(before);

        TxnOutcome other = h.apply(0, io.canopy.core.txn.TxnTypes.SET_CONFIG,
                io.canopy.core.txn.InternalBodies.setConfig("server.1=a:1:2:observer;a:3"));
        assertThat(other.triggers()).hasSize(1);
        assertThat(h.stat("/zookeeper/config").getMzxid()).isEqualTo(Harness.zxid(h.index));
    }

    @Test
    void anOldSetConfigBodyWithItsOwnVersionIsStoredAsItIs() {
        String old = "server.1=a:1:2:participant;a:3\nversion=1";
        h.apply(0, io.canopy.core.txn.TxnTypes.SET_CONFIG, io.canopy.core.txn.InternalBodies.setConfig(old));
        assertThat(configText()).isEqualTo(old);
        // Replayed again (as before versions were stamped at apply, every such entry wrote the node).
        TxnOutcome again = h.apply(0, io.canopy.core.txn.TxnTypes.SET_CONFIG,
                io.canopy.core.txn.InternalBodies.setConfig(old));
        assertThat(again.triggers()).hasSize(1);
        assertThat(h.stat("/zookeeper/config").getMzxid()).isEqualTo(Harness.zxid(h.index));
        assertThat(configText()).isEqualTo(old);
    }

    private String configText() {
        return h.state.read(0, List.of(), OpCode.GET_DATA,
                new org.apache.zookeeper.proto.GetDataRequest("/zookeeper/config", false)).response() instanceof
                org.apache.zookeeper.proto.GetDataResponse r
                ? new String(r.getData(), java.nio.charset.StandardCharsets.UTF_8) : null;
    }

    @Test
    void unknownAndReconfigOps() {
        assertThat(h.apply(S, OpCode.RECONFIG, new byte[0]).err()).isEqualTo(ErrorCode.RECONFIGDISABLED.code());
        assertThat(h.apply(S, 4242, new byte[0]).err()).isEqualTo(ErrorCode.UNIMPLEMENTED.code());
    }

    @Test
    void zxidsFollowLogIndexAndPosition() {
        assertThat(CoordinatorState.zxid(3, 0)).isEqualTo(0x30001L);
        assertThat(CoordinatorState.zxid(3, 4)).isEqualTo(0x30005L);
    }

    @Test
    void aSyncBarrierChangesNothing() {
        assertThat(h.apply(S, OpCode.CREATE, new CreateRequest("/x", new byte[] {1}, Harness.OPEN, 0)).err()).isZero();
        long digest = h.state.treeDigest();
        var before = h.state.view().stat("/x");
        TxnOutcome o = h.apply(0, io.canopy.core.txn.TxnTypes.BARRIER, new byte[0]);
        assertThat(o.err()).isZero();
        assertThat(o.triggers()).isEmpty();
        assertThat(h.state.treeDigest()).isEqualTo(digest);
        assertThat(h.state.view().stat("/x")).isEqualTo(before);
    }

    @Test
    void sequenceSuffixIsZooKeepersTenDigitFormatForEveryCounter() {
        int[] counters = {0, 1, 9, 10, 42, 999_999_999, 1_000_000_000, Integer.MAX_VALUE, -1, -42, -99_999_999,
            -999_999_999, -1_000_000_000, Integer.MIN_VALUE};
        for (int c : counters) {
            assertThat(WriteOps.sequenceSuffix(c)).as("counter %d", c)
                    .isEqualTo(String.format(Locale.ENGLISH, "%010d", c));
        }
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            int c = random.nextInt();
            assertThat(WriteOps.sequenceSuffix(c)).isEqualTo(String.format(Locale.ENGLISH, "%010d", c));
        }
    }
}
