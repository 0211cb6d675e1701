package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CreateRequest;
import org.junit.jupiter.api.Test;

import io.canopy.core.TxnOutcome;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.OpCode;

/** The applier side without the network: submit, snapshot and restore. */
class SnapshotAndSubmitTest {

    @Test
    void aSnapshotRestoresTheStateAndItsIndex() throws Exception {
        try (InMemoryTxnLog log = new InMemoryTxnLog(1, Clock.systemUTC());
             InMemoryTxnLog otherLog = new InMemoryTxnLog(2, Clock.systemUTC())) {
            CoordinatorService service = new CoordinatorService(TestServer.settings(), log, Clock.systemUTC());
            log.start(service);
            long session = service.openSession(10_000).get(Timing.seconds(5).toMillis(), TimeUnit.MILLISECONDS);
            TxnOutcome created = service.submit(session, OpCode.CREATE, new CreateRequest("/snap", new byte[] {1},
                    ZooDefs.Ids.OPEN_ACL_UNSAFE, 0), List.of(new Id("ip", "127.0.0.1")))
                    .get(Timing.seconds(5).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(created.err()).isEqualTo(ErrorCode.OK.code());
            TxnOutcome again = service.submit(session, OpCode.CREATE, new CreateRequest("/snap", new byte[0],
                    ZooDefs.Ids.OPEN_ACL_UNSAFE, 0), List.of())
                    .get(Timing.seconds(5).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(again.err()).isEqualTo(ErrorCode.NODEEXISTS.code());

            ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
            service.captureSnapshot().writeTo(snapshot);
            CoordinatorService restored = new CoordinatorService(TestServer.settings(), otherLog,
                    Clock.systemUTC());
            restored.restoreSnapshot(new ByteArrayInputStream(snapshot.toByteArray()));
            assertThat(restored.lastAppliedIndex()).isEqualTo(service.lastAppliedIndex()).isPositive();
            assertThat(restored.lastZxid()).isEqualTo(service.lastZxid());
            assertThat(restored.treeView().stat("/snap")).isEqualTo(service.treeView().stat("/snap"));
            assertThat(restored.status().nodeCount()).isEqualTo(service.status().nodeCount());
            assertThat(restored.sessions()).extracting(io.canopy.core.SessionInfo::sessionId).contains(session);
        }
    }
}
