package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.junit.jupiter.api.Test;

import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants.CreateFlags;

class SnapshotTest {
    static final long S = 0x300000000001L;

    private static CoordinatorState read(byte[] b) throws IOException {
        return CoordinatorState.readSnapshot(new DataInputStream(new ByteArrayInputStream(b)), CoreSettings.defaults());
    }

    @Test
    void roundTripPreservesEverything() throws IOException {
        Harness h = new Harness();
        h.openSession(S);
        h.create(S, "/a", "data", 0);
        h.create(S, "/a/e", null, CreateFlags.EPHEMERAL);
        h.apply(S, OpCode.CREATE_CONTAINER, new CreateRequest("/c", null, Harness.OPEN, CreateFlags.CONTAINER));
        h.apply(S, OpCode.CREATE_TTL, new CreateTTLRequest("/t", null, Harness.OPEN, CreateFlags.PERSISTENT_WITH_TTL, 5));
        h.apply(S, OpCode.CREATE, new CreateRequest("/acl", new byte[0],
                List.of(new ACL(3, new Id("ip", "10.0.0.0/8")), new ACL(1, new Id("world", "anyone"))), 0));
        h.setData(S, "/a", "more", 0);
        h.delete(S, "/a/e", -1);

        byte[] snap = SimulationTest.snapshot(h.state);
        CoordinatorState back = read(snap);
        assertThat(SimulationTest.snapshot(back)).isEqualTo(snap);
        assertThat(back.digest()).isEqualTo(h.state.digest());
        assertThat(back.lastZxid()).isEqualTo(h.state.lastZxid());
        assertThat(back.lastAppliedIndex()).isEqualTo(h.index);
        assertThat(back.session(S).timeoutMillis()).isEqualTo(30000);
        assertThat(back.view().stat("/a")).isEqualTo(h.stat("/a"));
        assertThat(back.view().stat("/")).isEqualTo(h.stat("/"));
        assertThat(back.reapCandidates(h.time + 10, 10)).containsExactly("/t");
        GetDataResponse nullData = (GetDataResponse) back.read(S, List.of(), OpCode.GET_DATA,
                new GetDataRequest("/t", false)).response();
        assertThat(nullData.getData()).isNull();
        assertThat(back.stats()).isEqualTo(h.state.stats());
    }

    @Test
    void freshStateRoundTripsAndDigestsDiffer() throws IOException {
        CoordinatorState fresh = new CoordinatorState(CoreSettings.defaults());
        byte[] snap = SimulationTest.snapshot(fresh);
        assertThat(SimulationTest.snapshot(read(snap))).isEqualTo(snap);
        Harness h = new Harness();
        h.openSession(S);
        assertThat(h.state.digest()).isNotEqualTo(fresh.digest());
    }

    @Test
    void corruptSnapshotsAreRejected() throws IOException {
        Harness h = new Harness();
        h.openSession(S);
        h.create(S, "/a", "x", 0);
        byte[] snap = SimulationTest.snapshot(h.state);
        for (int i = 0; i < snap.length; i += 3) {
            byte[] cut = Arrays.copyOf(snap, i);
            assertThatThrownBy(() -> read(cut)).isInstanceOf(IOException.class);
        }
        byte[] bad = snap.clone();
        bad[0] = 0;
        assertThatThrownBy(() -> read(bad)).isInstanceOf(IOException.class);
    }
}
