package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * ACLs: what each permission bit allows, the world/digest/auth/ip schemes, NOAUTH for every operation type,
 * INVALIDACL, the super digest user, and AUTHFAILED for an unknown scheme.
 */
public abstract class AbstractAclConformanceTest extends ConformanceTestBase {

    protected static final String ALICE = "alice:alice-pw";
    protected static final String BOB = "bob:bob-pw";

    /** The digest-scheme id for {@code user:password}: user + ":" + base64(sha1(user:password)). */
    protected static String digestId(String userAndPassword) throws Exception {
        byte[] sha1 = MessageDigest.getInstance("SHA1").digest(userAndPassword.getBytes(StandardCharsets.UTF_8));
        return userAndPassword.substring(0, userAndPassword.indexOf(':')) + ":"
                + Base64.getEncoder().encodeToString(sha1);
    }

    protected ZooKeeper connectAs(String... credentials) throws Exception {
        ZooKeeper zk = connect();
        for (String credential : credentials) {
            zk.addAuthInfo("digest", bytes(credential));
        }
        return zk;
    }

    /** A node {@code name} with a child {@code name/child}, then restricted to world:anyone with {@code perms}. */
    private String restricted(String name, int perms) throws Exception {
        String node = createNode(path(name), "data");
        createNode(node + "/child", "");
        admin.setACL(node, acls(new ACL(perms, Ids.ANYONE_ID_UNSAFE)), -1);
        return node;
    }

    @Test
    void eachPermissionBitGrantsExactlyItsOperations() throws Exception {
        String read = restricted("read", Perms.READ);
        assertThat(string(admin.getData(read, false, null))).isEqualTo("data");
        assertThat(admin.getChildren(read, false)).containsExactly("child");
        assertThat(codeOf(() -> admin.setData(read, bytes("x"), -1))).isEqualTo(Code.NOAUTH);
        assertThat(codeOf(() -> createNode(read + "/new", ""))).isEqualTo(Code.NOAUTH);
        assertThat(codeOf(() -> admin.delete(read + "/child", -1))).isEqualTo(Code.NOAUTH);
        assertThat(codeOf(() -> admin.setACL(read, Ids.OPEN_ACL_UNSAFE, -1))).isEqualTo(Code.NOAUTH);

        String write = restricted("write", Perms.WRITE);
        assertThat(admin.setData(write, bytes("x"), -1).getVersion()).isEqualTo(1);
        assertThat(codeOf(() -> admin.getData(write, false, null))).isEqualTo(Code.NOAUTH);
        assertThat(codeOf(() -> admin.getChildren(write, false))).isEqualTo(Code.NOAUTH);

        String create = restricted("create", Perms.CREATE);
        createNode(create + "/new", "");
        assertThat(codeOf(() -> admin.delete(create + "/new", -1))).isEqualTo(Code.NOAUTH);

        String delete = restricted("delete", Perms.DELETE);
        admin.delete(delete + "/child", -1);
        assertThat(codeOf(() -> createNode(delete + "/new", ""))).isEqualTo(Code.NOAUTH);

        String adminOnly = restricted("admin", Perms.ADMIN);
        assertThat(admin.getACL(adminOnly, new Stat())).containsExactly(new ACL(Perms.ADMIN, Ids.ANYONE_ID_UNSAFE));
        admin.setACL(adminOnly, Ids.OPEN_ACL_UNSAFE, -1);
        assertThat(string(admin.getData(adminOnly, false, null))).isEqualTo("data");
    }

    @Test
    void digestProtectedNodeRefusesEveryOperationToOthers() throws Exception {
        ZooKeeper alice = connectAs(ALICE);
        String locked = alice.create(path("locked"), bytes("secret"),
                acls(new ACL(Perms.ALL, new Id("digest", digestId(ALICE)))), CreateMode.PERSISTENT);
        alice.create(locked + "/open", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        for (ZooKeeper other : List.of(connect(), connectAs(BOB), connectAs("alice:wrong-pw"))) {
            assertThat(codeOf(() -> other.getData(locked, false, null))).isEqualTo(Code.NOAUTH);
            assertThat(codeOf(() -> other.getChildren(locked, false))).isEqualTo(Code.NOAUTH);
            assertThat(codeOf(() -> other.getAllChildrenNumber(locked))).isEqualTo(Code.NOAUTH);
            assertThat(codeOf(() -> other.setData(locked, bytes("x"), -1))).isEqualTo(Code.NOAUTH);
            assertThat(codeOf(() -> other.create(locked + "/x", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)))
                    .isEqualTo(Code.NOAUTH);
            assertThat(codeOf(() -> other.delete(locked + "/open", -1))).isEqualTo(Code.NOAUTH);
            assertThat(codeOf(() -> other.setACL(locked, Ids.OPEN_ACL_UNSAFE, -1))).isEqualTo(Code.NOAUTH);
            assertThat(codeOf(() -> other.multi(List.of(Op.setData(locked, bytes("x"), -1))))).isEqualTo(Code.NOAUTH);
            // ZooKeeper 3.9 checks READ on exists of an existing node too (exists of a missing node just says so).
            assertThat(codeOf(() -> other.exists(locked, false))).isEqualTo(Code.NOAUTH);
            assertThat(other.exists(locked + "/missing", false)).isNull();
            assertThat(codeOf(() -> other.getACL(locked, new Stat()))).isEqualTo(Code.NOAUTH);
            // Surprise: addWatch is not ACL-checked in ZooKeeper 3.9.
            other.addWatch(locked, event -> { }, AddWatchMode.PERSISTENT);
            // ACLs are not inherited: the open child stays readable.
            assertThat(other.getData(locked + "/open", false, null)).isNull();
        }
        assertThat(string(alice.getData(locked, false, null))).isEqualTo("secret");
        alice.setData(locked, bytes("changed"), -1);
        alice.delete(locked + "/open", -1);
        assertThat(alice.getChildren(locked, false)).isEmpty();
    }

    @Test
    void authSchemeExpandsToTheCreatorsAuthenticatedIdentities() throws Exception {
        ZooKeeper alice = connectAs(ALICE);
        alice.create(path("a"), null, Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
        assertThat(alice.getACL(path("a"), new Stat()))
                .containsExactly(new ACL(Perms.ALL, new Id("digest", digestId(ALICE))));

        ZooKeeper both = connectAs(ALICE, BOB);
        both.create(path("ab"), null, Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
        assertThat(both.getACL(path("ab"), new Stat())).containsExactlyInAnyOrder(
                new ACL(Perms.ALL, new Id("digest", digestId(ALICE))),
                new ACL(Perms.ALL, new Id("digest", digestId(BOB))));
        assertThat(connectAs(BOB).exists(path("ab"), false)).isNotNull();
        assertThat(connectAs(BOB).getData(path("ab"), false, null)).as("null data reads back as null").isNull();

        // Without an authenticated identity (ip does not count) the auth scheme has nothing to expand to.
        assertThat(codeOf(() -> admin.create(path("anon"), null, Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT)))
                .isEqualTo(Code.INVALIDACL);
        createNode(path("n"), "");
        assertThat(codeOf(() -> admin.setACL(path("n"), Ids.CREATOR_ALL_ACL, -1))).isEqualTo(Code.INVALIDACL);
    }

    @Test
    void ipSchemeMatchesAddressesAndRanges() throws Exception {
        admin.create(path("exact"), null, acls(new ACL(Perms.ALL, new Id("ip", "127.0.0.1"))),
                CreateMode.PERSISTENT);
        admin.create(path("range"), null, acls(new ACL(Perms.ALL, new Id("ip", "127.0.0.0/8"))),
                CreateMode.PERSISTENT);
        admin.create(path("elsewhere"), null, acls(new ACL(Perms.ALL, new Id("ip", "10.20.30.40"))),
                CreateMode.PERSISTENT);
        admin.create(path("otherRange"), null, acls(new ACL(Perms.ALL, new Id("ip", "10.0.0.0/8"))),
                CreateMode.PERSISTENT);
        assertThat(admin.getData(path("exact"), false, null)).as("readable, null data").isNull();
        assertThat(admin.getData(path("range"), false, null)).as("readable, null data").isNull();
        assertThat(codeOf(() -> admin.getData(path("elsewhere"), false, null))).isEqualTo(Code.NOAUTH);
        assertThat(codeOf(() -> admin.getData(path("otherRange"), false, null))).isEqualTo(Code.NOAUTH);
    }

    @Test
    void invalidAclsAreRejected() throws Exception {
        createNode(path("n"), "");
        List<Id> invalid = List.of(new Id("digest", "no-colon"), new Id("nosuchscheme", "x"),
                new Id("ip", "not-an-address"), new Id("ip", "127.0.0.1/99"));
        for (Id id : invalid) {
            assertThat(codeOf(() -> admin.create(path("bad"), null, acls(new ACL(Perms.ALL, id)),
                    CreateMode.PERSISTENT))).as("create with %s", id).isEqualTo(Code.INVALIDACL);
            assertThat(codeOf(() -> admin.setACL(path("n"), acls(new ACL(Perms.ALL, id)), -1)))
                    .as("setACL with %s", id).isEqualTo(Code.INVALIDACL);
        }
        assertThat(admin.exists(path("bad"), false)).isNull();
        assertThat(admin.getACL(path("n"), new Stat())).containsExactlyElementsOf(Ids.OPEN_ACL_UNSAFE);
    }

    @Test
    void superDigestUserBypassesEveryAcl() throws Exception {
        ZooKeeper alice = connectAs(ALICE);
        String locked = alice.create(path("locked"), bytes("secret"),
                acls(new ACL(Perms.ALL, new Id("digest", digestId(ALICE)))), CreateMode.PERSISTENT);
        alice.create(locked + "/child", null, acls(new ACL(Perms.READ, new Id("digest", digestId(ALICE)))),
                CreateMode.PERSISTENT);
        alice.setACL(locked, acls(new ACL(0, new Id("digest", digestId(ALICE)))), -1);
        assertThat(codeOf(() -> alice.getData(locked, false, null))).isEqualTo(Code.NOAUTH);

        ZooKeeper root = connectAs(target().superUserCredentials());
        String superUser = target().superUserCredentials().split(":")[0];
        // The super user carries an extra ("super", "") identity besides its digest one.
        assertThat(root.whoAmI()).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
                .contains(tuple("super", ""), tuple("digest", superUser), tuple("ip", "127.0.0.1"));
        assertThat(string(root.getData(locked, false, null))).isEqualTo("secret");
        root.setData(locked, bytes("x"), -1);
        root.create(locked + "/new", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        root.setData(locked + "/child", bytes("y"), -1);
        root.delete(locked + "/child", -1);
        root.setACL(locked, Ids.OPEN_ACL_UNSAFE, -1);
        assertThat(admin.getChildren(locked, false)).containsExactly("new");
    }

    @Test
    void digestAuthIsAcceptedWithoutCheckingTheUserExists() throws Exception {
        // Surprise: digest authentication never fails in ZooKeeper, not even without a colon; the identity is
        // simply whatever precedes the colon (here the whole string).
        ZooKeeper odd = connectAs("nocolon");
        assertThat(odd.whoAmI()).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
                .contains(tuple("digest", "nocolon"));
        assertThat(odd.exists(root, false)).isNotNull();
    }

    @Test
    void unknownAuthSchemeFailsTheSession() throws Exception {
        EventRecorder state = new EventRecorder();
        ZooKeeper client = connect(target().connectString(), SESSION_TIMEOUT_MS, state);
        client.addAuthInfo("nosuchscheme", bytes("whatever"));
        state.awaitState(KeeperState.AuthFailed, Timing.seconds(10));
        assertThat(codeOf(() -> client.exists(root, false))).isEqualTo(Code.AUTHFAILED);
    }
}
