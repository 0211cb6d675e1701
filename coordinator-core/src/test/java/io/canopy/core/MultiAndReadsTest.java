package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ExistsResponse;
import org.apache.zookeeper.proto.GetACLRequest;
import org.apache.zookeeper.proto.GetACLResponse;
import org.apache.zookeeper.proto.GetAllChildrenNumberRequest;
import org.apache.zookeeper.proto.GetAllChildrenNumberResponse;
import org.apache.zookeeper.proto.GetChildren2Request;
import org.apache.zookeeper.proto.GetChildren2Response;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.GetEphemeralsRequest;
import org.apache.zookeeper.proto.GetEphemeralsResponse;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.WhoAmIResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canopy.core.acl.Authentication;
import io.canopy.core.watch.WatchRegistration;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.MultiResponse;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants.CreateFlags;
import io.canopy.protocol.ZkConstants.Perms;

class MultiAndReadsTest {
    static final long S = 0x200000000001L;
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness();
        h.openSession(S);
    }

    @Test
    void multiSucceedsWithOneZxidAndPerOpResults() {
        h.create(S, "/b", "v", 0);
        MultiRequest m = new MultiRequest()
                .add(OpCode.CREATE, new CreateRequest("/a", null, Harness.OPEN, 0))
                .add(OpCode.CREATE2, new CreateRequest("/a/s", null, Harness.OPEN, CreateFlags.PERSISTENT_SEQUENTIAL))
                .add(OpCode.CREATE, new CreateRequest("/a/s", null, Harness.OPEN, CreateFlags.PERSISTENT_SEQUENTIAL))
                .add(OpCode.SET_DATA, new SetDataRequest("/b", "w".getBytes(), 0))
                .add(OpCode.CHECK, new CheckVersionRequest("/b", 1))
                .add(OpCode.DELETE, new DeleteRequest("/a/s0000000001", -1));
        TxnOutcome o = h.apply(S, OpCode.MULTI, m);
        assertThat(o.err()).isZero();
        List<MultiResponse.Result> r = ((MultiResponse) o.response()).results();
        assertThat(r).extracting(MultiResponse.Result::type)
                .containsExactly(OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE, OpCode.SET_DATA, OpCode.CHECK,
                        OpCode.DELETE);
        assertThat(r.get(0).body()).isEqualTo(new CreateResponse("/a"));
        Create2Response c2 = (Create2Response) r.get(1).body();
        assertThat(c2.getPath()).isEqualTo("/a/s0000000000");
        assertThat(c2.getStat().getCzxid()).isEqualTo(o.zxid());
        assertThat(r.get(2).body()).isEqualTo(new CreateResponse("/a/s0000000001"));
        assertThat(r.get(4).body()).isNull();
        assertThat(h.stat("/a").getNumChildren()).isEqualTo(1);
        assertThat(h.stat("/b").getMzxid()).isEqualTo(o.zxid());
        assertThat(o.triggers()).hasSize(9);
    }

    @Test
    void failedMultiChangesNothingAndReportsLikeZooKeeper() {
        h.create(S, "/b", "v", 0);
        long digest = h.state.digest();
        MultiRequest m = new MultiRequest()
                .add(OpCode.CREATE, new CreateRequest("/a", null, Harness.OPEN, 0))
                .add(OpCode.DELETE, new DeleteRequest("/b", -1))
                .add(OpCode.CHECK, new CheckVersionRequest("/b", 7))
                .add(OpCode.SET_DATA, new SetDataRequest("/b", null, -1));
        TxnOutcome o = h.apply(S, OpCode.MULTI, m);
        assertThat(o.err()).isZero();
        assertThat(o.triggers()).isEmpty();
        assertThat(((MultiResponse) o.response()).results()).extracting(MultiResponse.Result::err)
                .containsExactly(0, 0, ErrorCode.NONODE.code(), ErrorCode.RUNTIMEINCONSISTENCY.code());
        assertThat(((MultiResponse) o.response()).results()).extracting(MultiResponse.Result::type)
                .containsOnly(OpCode.ERROR);
        assertThat(h.stat("/a")).isNull();
        assertThat(h.stat("/b")).isNotNull();
        assertThat(h.state.digest()).isEqualTo(digest);
        assertThat(h.state.lastZxid()).isEqualTo(o.zxid());
    }

    @Test
    void emptyAndMalformedMulti() {
        TxnOutcome empty = h.apply(S, OpCode.MULTI, new MultiRequest());
        assertThat(((MultiResponse) empty.response()).results()).isEmpty();
        MultiRequest reads = new MultiRequest().add(OpCode.GET_DATA, new GetDataRequest("/", false));
        assertThat(h.apply(S, OpCode.MULTI, reads).err()).isEqualTo(ErrorCode.MARSHALLINGERROR.code());
    }

    @Test
    void existsWatchesEvenWhenMissing() {
        ReadOutcome missing = h.exists("/nope", true);
        assertThat(missing.err()).isEqualTo(ErrorCode.NONODE.code());
        assertThat(missing.watch()).isEqualTo(new WatchRegistration("/nope", false));
        assertThat(h.exists("/nope", false).watch()).isNull();
        h.create(S, "/x", "d", 0);
        ReadOutcome found = h.exists("/x", true);
        assertThat(((ExistsResponse) found.response()).getStat().getDataLength()).isEqualTo(1);
        assertThat(h.exists("/a\u0000", true).err()).isEqualTo(ErrorCode.BADARGUMENTS.code());
    }

    @Test
    void getDataAndChildrenWatchOnlyOnSuccess() {
        ReadOutcome no = h.state.read(S, List.of(), OpCode.GET_DATA, new GetDataRequest("/x", true));
        assertThat(no.err()).isEqualTo(ErrorCode.NONODE.code());
        assertThat(no.watch()).isNull();
        h.create(S, "/x", "d", 0);
        h.create(S, "/x/b", null, 0);
        h.create(S, "/x/a", null, 0);
        ReadOutcome d = h.state.read(S, List.of(), OpCode.GET_DATA, new GetDataRequest("/x", true));
        assertThat(((GetDataResponse) d.response()).getData()).isEqualTo("d".getBytes());
        assertThat(d.watch()).isEqualTo(new WatchRegistration("/x", false));
        ReadOutcome c = h.state.read(S, List.of(), OpCode.GET_CHILDREN, new GetChildrenRequest("/x", true));
        assertThat(((GetChildrenResponse) c.response()).getChildren()).containsExactly("a", "b");
        assertThat(c.watch()).isEqualTo(new WatchRegistration("/x", true));
        ReadOutcome c2 = h.state.read(S, List.of(), OpCode.GET_CHILDREN2, new GetChildren2Request("/x", false));
        assertThat(((GetChildren2Response) c2.response()).getStat().getNumChildren()).isEqualTo(2);
        assertThat(c2.watch()).isNull();
        ReadOutcome nullData = h.state.read(S, List.of(), OpCode.GET_DATA, new GetDataRequest("/x/a", false));
        assertThat(((GetDataResponse) nullData.response()).getData()).isNull();
    }

    @Test
    void allChildrenNumberEphemeralsAndWhoAmI() {
        h.create(S, "/x", "", 0);
        h.create(S, "/x/y", "", 0);
        h.create(S, "/x/y/e", "", CreateFlags.EPHEMERAL);
        h.create(S, "/e2", "", CreateFlags.EPHEMERAL);
        ReadOutcome all = h.state.read(S, List.of(), OpCode.GET_ALL_CHILDREN_NUMBER,
                new GetAllChildrenNumberRequest("/"));
        assertThat(((GetAllChildrenNumberResponse) all.response()).getTotalNumber()).isEqualTo(7);
        ReadOutcome sub = h.state.read(S, List.of(), OpCode.GET_ALL_CHILDREN_NUMBER,
                new GetAllChildrenNumberRequest("/x"));
        assertThat(((GetAllChildrenNumberResponse) sub.response()).getTotalNumber()).isEqualTo(2);
        ReadOutcome eph = h.state.read(S, List.of(), OpCode.GET_EPHEMERALS, new GetEphemeralsRequest("/x"));
        assertThat(((GetEphemeralsResponse) eph.response()).getEphemerals()).containsExactly("/x/y/e");
        ReadOutcome allEph = h.state.read(S, List.of(), OpCode.GET_EPHEMERALS, new GetEphemeralsRequest("/"));
        assertThat(((GetEphemeralsResponse) allEph.response()).getEphemerals()).containsExactly("/e2", "/x/y/e");
        List<Id> ids = List.of(new Id("ip", "127.0.0.1"), new Id("super", ""), new Id("digest", "bob:abc="));
        WhoAmIResponse who = (WhoAmIResponse) h.state.read(S, ids, OpCode.WHO_AM_I, null).response();
        assertThat(who.getClientInfo()).containsExactly(new ClientInfo("ip", "127.0.0.1"),
                new ClientInfo("super", ""), new ClientInfo("digest", "bob"));
    }

    @Test
    void multiReadResultsAreIndependent() {
        h.create(S, "/x", "d", 0);
        MultiRequest m = new MultiRequest()
                .add(OpCode.GET_DATA, new GetDataRequest("/x", false))
                .add(OpCode.GET_CHILDREN, new GetChildrenRequest("/nope", false))
                .add(OpCode.GET_CHILDREN, new GetChildrenRequest("/", false));
        MultiResponse r = (MultiResponse) h.state.read(S, List.of(), OpCode.MULTI_READ, m).response();
        assertThat(r.results()).extracting(MultiResponse.Result::type)
                .containsExactly(OpCode.GET_DATA, OpCode.ERROR, OpCode.GET_CHILDREN);
        assertThat(r.results().get(1).err()).isEqualTo(ErrorCode.NONODE.code());
    }

    @Test
    void digestAclsAuthExpansionAndRedaction() {
        String bob = Authentication.generateDigest("bob:secret");
        List<Id> bobIds = List.of(new Id("ip", "10.0.0.1"), new Id("digest", bob));
        h.ids = bobIds;
        List<ACL> authAcl = List.of(new ACL(Perms.ALL, new Id("auth", "")));
        assertThat(h.apply(S, OpCode.CREATE, new CreateRequest("/bob", null, authAcl, 0)).err()).isZero();
        GetACLResponse mine = (GetACLResponse) h.state.read(S, bobIds, OpCode.GET_ACL, new GetACLRequest("/bob"))
                .response();
        assertThat(mine.getAcl()).containsExactly(new ACL(Perms.ALL, new Id("digest", bob)));

        h.ids = List.of(new Id("ip", "10.0.0.2"));
        assertThat(h.apply(S, OpCode.CREATE, new CreateRequest("/anon", null, authAcl, 0)).err())
                .isEqualTo(ErrorCode.INVALIDACL.code());
        assertThat(h.setData(S, "/bob", "x", -1).err()).isEqualTo(ErrorCode.NOAUTH.code());
        assertThat(h.create(S, "/bob/c", "", 0).err()).isEqualTo(ErrorCode.NOAUTH.code());
        assertThat(h.state.read(S, h.ids, OpCode.GET_DATA, new GetDataRequest("/bob", true)).err())
                .isEqualTo(ErrorCode.NOAUTH.code());
        assertThat(h.state.read(S, h.ids, OpCode.GET_ACL, new GetACLRequest("/bob")).err())
                .isEqualTo(ErrorCode.NOAUTH.code());
        // ZooKeeper 3.9 checks READ on exists of an existing node, and a denied exists sets no watch.
        ReadOutcome deniedExists = h.exists("/bob", true);
        assertThat(deniedExists.err()).isEqualTo(ErrorCode.NOAUTH.code());
        assertThat(deniedExists.watch()).isNull();
        assertThat(h.exists("/bob/missing", false).err()).isEqualTo(ErrorCode.NONODE.code());

        h.ids = bobIds;
        List<ACL> readAll = List.of(new ACL(Perms.ALL, new Id("digest", bob)),
                new ACL(Perms.READ, new Id("world", "anyone")));
        assertThat(h.apply(S, OpCode.SET_ACL, new SetACLRequest("/bob", readAll, -1)).err()).isZero();
        GetACLResponse masked = (GetACLResponse) h.state.read(S, List.of(), OpCode.GET_ACL,
                new GetACLRequest("/bob")).response();
        assertThat(masked.getAcl().get(0).getId().getId()).isEqualTo("bob:x");
        assertThat(h.apply(S, OpCode.SET_ACL, new SetACLRequest("/bob",
                List.of(new ACL(1, new Id("digest", "nocolon"))), -1)).err()).isEqualTo(ErrorCode.INVALIDACL.code());
        assertThat(h.apply(S, OpCode.SET_ACL, new SetACLRequest("/bob",
                List.of(new ACL(1, new Id("world", "someone"))), -1)).err()).isEqualTo(ErrorCode.INVALIDACL.code());
        assertThat(h.apply(S, OpCode.SET_ACL, new SetACLRequest("/bob",
                List.of(new ACL(1, new Id("super", ""))), -1)).err()).isEqualTo(ErrorCode.INVALIDACL.code());
    }

    @Test
    void ipAclsAndSuper() {
        List<ACL> net = List.of(new ACL(Perms.ALL, new Id("ip", "10.1.0.0/16")),
                new ACL(Perms.READ, new Id("ip", "fe80::/10")));
        h.ids = List.of(new Id("ip", "10.1.2.3"));
        assertThat(h.apply(S, OpCode.CREATE, new CreateRequest("/net", null, net, 0)).err()).isZero();
        assertThat(h.setData(S, "/net", "x", -1).err()).isZero();
        h.ids = List.of(new Id("ip", "10.2.2.3"));
        assertThat(h.setData(S, "/net", "x", -1).err()).isEqualTo(ErrorCode.NOAUTH.code());
        h.ids = List.of(new Id("ip", "fe80:0:0:0:1:2:3:4"));
        assertThat(h.state.read(S, h.ids, OpCode.GET_DATA, new GetDataRequest("/net", false)).err()).isZero();
        assertThat(h.setData(S, "/net", "x", -1).err()).isEqualTo(ErrorCode.NOAUTH.code());
        h.ids = List.of(new Id("super", ""));
        assertThat(h.setData(S, "/net", "x", -1).err()).isZero();
        assertThat(h.setData(S, "/zookeeper/config", "x", -1).err()).isZero();
        assertThat(h.apply(S, OpCode.CREATE, new CreateRequest("/bad", null,
                List.of(new ACL(1, new Id("ip", "10.0.0.0/33"))), 0)).err()).isEqualTo(ErrorCode.INVALIDACL.code());
    }

    @Test
    void superDigestFromSettings() {
        String superId = Authentication.generateDigest("super:pw");
        Harness s = new Harness(new CoreSettings(superId, false));
        s.openSession(S);
        s.create(S, "/locked", "", 0);
        s.apply(S, OpCode.SET_ACL, new SetACLRequest("/locked", List.of(new ACL(1, new Id("ip", "1.2.3.4"))), -1));
        assertThat(s.setData(S, "/locked", "x", -1).err()).isEqualTo(ErrorCode.NOAUTH.code());
        s.ids = List.of(new Id("digest", superId));
        assertThat(s.setData(S, "/locked", "x", -1).err()).isZero();
        assertThat(Authentication.authenticate("digest", "super:pw".getBytes(), superId))
                .containsExactly(new Id("super", ""), new Id("digest", superId));
        assertThat(Authentication.authenticate("digest", "bob:pw".getBytes(), superId)).hasSize(1);
        assertThat(Authentication.authenticate("kerberos", "x".getBytes(), superId)).isEmpty();
        Harness skip = new Harness(new CoreSettings(null, true));
        skip.openSession(S);
        assertThat(skip.setData(S, "/zookeeper/config", "x", -1).err()).isZero();
    }

    @Test
    void digestMatchesZooKeeperFormat() {
        // The value ZooKeeper's DigestAuthenticationProvider.generateDigest("super:test") produces.
        assertThat(Authentication.generateDigest("super:test")).isEqualTo("super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
    }
}
