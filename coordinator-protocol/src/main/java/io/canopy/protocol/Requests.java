package io.canopy.protocol;

import java.io.IOException;

import org.apache.jute.Record;
import org.apache.zookeeper.proto.AddWatchRequest;
import org.apache.zookeeper.proto.AuthPacket;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CheckWatchesRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.GetACLRequest;
import org.apache.zookeeper.proto.GetAllChildrenNumberRequest;
import org.apache.zookeeper.proto.GetChildren2Request;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetEphemeralsRequest;
import org.apache.zookeeper.proto.GetSASLRequest;
import org.apache.zookeeper.proto.ReconfigRequest;
import org.apache.zookeeper.proto.RemoveWatchesRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetWatches;
import org.apache.zookeeper.proto.SetWatches2;
import org.apache.zookeeper.proto.SyncRequest;

/**
 * Decodes the body that follows a {@code RequestHeader}, by opcode, into ZooKeeper's request record. Reads
 * through {@link BoundedInputArchive}, so hostile input costs at most its own size and fails with IOException.
 * Trailing bytes after the record are ignored, as ZooKeeper does.
 */
public final class Requests {
    private Requests() {
    }

    /**
     * @return the request record; null for the requests that carry no body (ping, closeSession, whoAmI)
     * @throws IOException on a truncated or malformed body, a multi mixing reads and writes, or an opcode that
     *                     is not a client request
     */
    public static Record decode(int opCode, byte[] body) throws IOException {
        if (opCode == OpCode.PING || opCode == OpCode.CLOSE_SESSION || opCode == OpCode.WHO_AM_I) {
            return null;
        }
        Record record = newRecord(opCode);
        BoundedInputArchive in = new BoundedInputArchive(body == null ? new byte[0] : body);
        try {
            record.deserialize(in, "request");
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new IOException("malformed " + OpCode.name(opCode) + " body", e);
        }
        if (record instanceof MultiRequest multi) {
            boolean ok = opCode == OpCode.MULTI ? multi.isAllWrites() : multi.isAllReads();
            if (!ok) {
                throw new IOException("Mixing read and write operations is not allowed in " + OpCode.name(opCode));
            }
        }
        return record;
    }

    private static Record newRecord(int opCode) throws IOException {
        return switch (opCode) {
            case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER -> new CreateRequest();
            case OpCode.CREATE_TTL -> new CreateTTLRequest();
            case OpCode.DELETE -> new DeleteRequest();
            case OpCode.SET_DATA -> new SetDataRequest();
            case OpCode.SET_ACL -> new SetACLRequest();
            case OpCode.CHECK -> new CheckVersionRequest();
            case OpCode.MULTI, OpCode.MULTI_READ -> new MultiRequest();
            case OpCode.EXISTS -> new ExistsRequest();
            case OpCode.GET_DATA -> new GetDataRequest();
            case OpCode.GET_CHILDREN -> new GetChildrenRequest();
            case OpCode.GET_CHILDREN2 -> new GetChildren2Request();
            case OpCode.GET_ACL -> new GetACLRequest();
            case OpCode.SYNC -> new SyncRequest();
            case OpCode.GET_ALL_CHILDREN_NUMBER -> new GetAllChildrenNumberRequest();
            case OpCode.GET_EPHEMERALS -> new GetEphemeralsRequest();
            case OpCode.ADD_WATCH -> new AddWatchRequest();
            case OpCode.REMOVE_WATCHES -> new RemoveWatchesRequest();
            case OpCode.CHECK_WATCHES -> new CheckWatchesRequest();
            case OpCode.SET_WATCHES -> new SetWatches();
            case OpCode.SET_WATCHES2 -> new SetWatches2();
            case OpCode.AUTH -> new AuthPacket();
            case OpCode.SASL -> new GetSASLRequest();
            case OpCode.RECONFIG -> new ReconfigRequest();
            default -> throw new IOException("not a client request opcode: " + opCode);
        };
    }
}
