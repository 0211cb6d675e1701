package io.canopy.node.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

import io.canopy.core.TxnOutcome;
import io.canopy.core.txn.TxnTypes;
import io.canopy.node.replication.StateMachineApplier;
import io.canopy.protocol.Jute;

/**
 * Outcomes that the leader's apply hands back to the proposing node in Ratis's reply (see
 * {@link io.canopy.node.replication.TxnLog#proposeCommitted}), for a proposer that will not apply the entry
 * itself. Only SET_CONFIG's: a node whose own reconfig removed it receives no more entries, yet its client waits
 * for the new configuration's data and stat. Every other outcome is delivered by the proposer's own apply, so an
 * entry without a SET_CONFIG carries nothing back.
 *
 * <p>Format: a count, then per outcome its origin node and sequence, zxid, error code and the serialized
 * response record (length-prefixed, -1 for none).
 */
final class CommittedAnswers {
    private CommittedAnswers() {
    }

    /** One outcome as the proposer receives it: the response still serialized. */
    record Answer(long zxid, int err, byte[] response) {
    }

    /** Whether the proposer of this outcome may need it in the reply. */
    static boolean carried(TxnOutcome outcome) {
        return outcome.txn().type() == TxnTypes.SET_CONFIG;
    }

    static byte[] encode(List<TxnOutcome> outcomes) {
        if (outcomes.isEmpty()) {
            return StateMachineApplier.NO_ANSWER;
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(outcomes.size());
            for (TxnOutcome o : outcomes) {
                out.writeInt(o.txn().originNode());
                out.writeLong(o.txn().originSeq());
                out.writeLong(o.zxid());
                out.writeInt(o.err());
                byte[] response = o.response() == null ? null : Jute.toBytes(o.response());
                out.writeInt(response == null ? -1 : response.length);
                if (response != null) {
                    out.write(response);
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The outcome of the transaction {@code originSeq} of node {@code originNode}, if {@code answers} holds it. */
    static Optional<Answer> find(byte[] answers, int originNode, long originSeq) throws IOException {
        if (answers.length == 0) {
            return Optional.empty();
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(answers));
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            int node = in.readInt();
            long seq = in.readLong();
            long zxid = in.readLong();
            int err = in.readInt();
            int length = in.readInt();
            byte[] response = null;
            if (length >= 0) {
                response = new byte[length];
                in.readFully(response);
            }
            if (node == originNode && seq == originSeq) {
                return Optional.of(new Answer(zxid, err, response));
            }
        }
        return Optional.empty();
    }
}
