package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import org.junit.jupiter.api.Test;

import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.TxnTypes;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.ZkConstants.CreateFlags;

/**
 * A session is owned by the node its client is connected to. When the client resumes the session on another
 * node, that node proposes MOVE_SESSION; writes still proposed by the old node are then refused with
 * SESSIONMOVED, as ZooKeeper refuses them, so a client's stale connection cannot interleave with its new one.
 */
class SessionOwnershipTest {
    private static final long S = 0x0100_0000_0000_0001L;

    @Test
    void theCreatingNodeOwnsTheSessionUntilItMoves() {
        Harness h = new Harness();
        h.origin = 1;
        h.openSession(S);
        assertThat(h.state.session(S).ownerNode()).isEqualTo(1);
        assertThat(h.create(S, "/a", "x", CreateFlags.PERSISTENT).err()).isZero();

        h.origin = 2;
        assertThat(h.create(S, "/b", "x", CreateFlags.PERSISTENT).err())
                .as("a write proposed by a node the session is not on").isEqualTo(ErrorCode.SESSIONMOVED.code());
        assertThat(h.apply(S, TxnTypes.MOVE_SESSION, new byte[0]).err()).isZero();
        assertThat(h.state.session(S).ownerNode()).isEqualTo(2);
        assertThat(h.create(S, "/b", "x", CreateFlags.PERSISTENT).err()).isZero();

        h.origin = 1;
        assertThat(h.setData(S, "/a", "y", -1).err()).isEqualTo(ErrorCode.SESSIONMOVED.code());
        assertThat(h.stat("/a").getVersion()).as("the refused write changed nothing").isZero();
    }

    @Test
    void aMoveMayCarryTheTimeoutTheClientNegotiatedAgain() {
        Harness h = new Harness();
        h.origin = 1;
        h.openSession(S);
        assertThat(h.state.session(S).timeoutMillis()).isEqualTo(30000);

        h.origin = 2;
        assertThat(h.apply(S, TxnTypes.MOVE_SESSION, InternalBodies.moveSession(6000)).err()).isZero();
        assertThat(h.state.session(S).timeoutMillis()).isEqualTo(6000);
        assertThat(h.state.session(S).ownerNode()).isEqualTo(2);

        h.origin = 3;
        assertThat(h.apply(S, TxnTypes.MOVE_SESSION, new byte[0]).err()).isZero();
        assertThat(h.state.session(S).timeoutMillis()).as("an empty body keeps the timeout").isEqualTo(6000);
        assertThat(h.state.session(S).ownerNode()).isEqualTo(3);
    }

    @Test
    void aMalformedMoveChangesNothing() {
        Harness h = new Harness();
        h.origin = 1;
        h.openSession(S);
        h.origin = 2;
        for (byte[] body : new byte[][] {new byte[3], InternalBodies.moveSession(0), InternalBodies.moveSession(-5)}) {
            assertThat(h.apply(S, TxnTypes.MOVE_SESSION, body).err()).isEqualTo(ErrorCode.MARSHALLINGERROR.code());
        }
        assertThat(h.state.session(S).timeoutMillis()).isEqualTo(30000);
        assertThat(h.state.session(S).ownerNode()).isEqualTo(1);
    }

    @Test
    void movingAnUnknownSessionReportsItExpired() {
        Harness h = new Harness();
        assertThat(h.apply(S, TxnTypes.MOVE_SESSION, new byte[0]).err()).isEqualTo(ErrorCode.SESSIONEXPIRED.code());
        assertThat(h.state.sessions()).isEmpty();
    }

    @Test
    void anyNodeMayCloseTheSessionAndItsEphemeralsGo() {
        Harness h = new Harness();
        h.openSession(S);
        h.create(S, "/e", "x", CreateFlags.EPHEMERAL);
        h.origin = 3;   // the leader expiring it, or a client closing it after moving
        assertThat(h.closeSession(S).err()).isZero();
        assertThat(h.stat("/e")).isNull();
    }

    @Test
    void ownersSurviveASnapshot() throws IOException {
        Harness h = new Harness();
        h.origin = 2;
        h.openSession(S);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        h.state.writeSnapshot(new DataOutputStream(bytes));
        CoordinatorState back = CoordinatorState.readSnapshot(
                new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), CoreSettings.defaults());
        assertThat(back.session(S).ownerNode()).isEqualTo(2);
        assertThat(back.treeDigest()).isEqualTo(h.state.treeDigest());
    }

    @Test
    void theTreeDigestFollowsEveryChangeAndIsRestoredByAFailedMulti() {
        Harness h = new Harness();
        h.openSession(S);
        long empty = h.state.treeDigest();
        h.create(S, "/a", "x", CreateFlags.PERSISTENT);
        long withA = h.state.treeDigest();
        assertThat(withA).isNotEqualTo(empty);
        h.setData(S, "/a", "y", -1);
        assertThat(h.state.treeDigest()).isNotEqualTo(withA);
        h.delete(S, "/a", -1);
        assertThat(h.state.treeDigest()).as("parent pzxid moved on, so not the empty digest")
                .isNotEqualTo(withA);
        // Harness.apply checks the invariants after each entry, including digest == recomputed digest.
    }
}
