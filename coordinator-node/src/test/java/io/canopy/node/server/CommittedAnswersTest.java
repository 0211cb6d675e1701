package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.GetDataResponse;
import org.junit.jupiter.api.Test;

import io.canopy.core.TxnOutcome;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.node.replication.StateMachineApplier;
import io.canopy.protocol.Jute;
import io.canopy.protocol.OpCode;

class CommittedAnswersTest {

    private static TxnOutcome outcome(int type, int node, long seq, long zxid, int err, GetDataResponse response) {
        return new TxnOutcome(new Txn(0, 0, type, new byte[0], List.of(), node, seq), zxid, err, response, List.of(),
                0, List.of());
    }

    @Test
    void onlySetConfigOutcomesTravelAndEachIsFoundByItsOrigin() throws Exception {
        GetDataResponse config = new GetDataResponse("server.1=a:1:2:participant;b:3\nversion=700000002"
                .getBytes(StandardCharsets.UTF_8), new Stat(1, 0x700000002L, 5, 6, 3, 0, 0, 0, 40, 0, 1));
        TxnOutcome mine = outcome(TxnTypes.SET_CONFIG, 3, 41, 0x700000002L, 0, config);
        TxnOutcome other = outcome(TxnTypes.SET_CONFIG, 1, 41, 0x700000003L, -103, null);
        assertThat(CommittedAnswers.carried(mine)).isTrue();
        assertThat(CommittedAnswers.carried(outcome(OpCode.SET_DATA, 3, 42, 1, 0, null))).isFalse();

        byte[] answers = CommittedAnswers.encode(List.of(mine, other));
        CommittedAnswers.Answer a = CommittedAnswers.find(answers, 3, 41).orElseThrow();
        assertThat(a.zxid()).isEqualTo(0x700000002L);
        assertThat(a.err()).isZero();
        GetDataResponse back = Jute.fromBytes(a.response(), new GetDataResponse());
        assertThat(back.getData()).isEqualTo(config.getData());
        assertThat(back.getStat()).isEqualTo(config.getStat());

        CommittedAnswers.Answer b = CommittedAnswers.find(answers, 1, 41).orElseThrow();
        assertThat(b.err()).isEqualTo(-103);
        assertThat(b.response()).isNull();
        assertThat(CommittedAnswers.find(answers, 3, 42)).isEmpty();
    }

    @Test
    void anEntryWithoutSuchOutcomesAnswersNothing() throws Exception {
        assertThat(CommittedAnswers.encode(List.of())).isSameAs(StateMachineApplier.NO_ANSWER);
        assertThat(CommittedAnswers.find(StateMachineApplier.NO_ANSWER, 1, 1)).isEmpty();
    }
}
