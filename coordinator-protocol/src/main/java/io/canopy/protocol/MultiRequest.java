package io.canopy.protocol;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.jute.InputArchive;
import org.apache.jute.OutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.MultiHeader;
import org.apache.zookeeper.proto.SetDataRequest;

/**
 * The body of multi (14) and multiRead (22), ZooKeeper's {@code MultiOperationRecord} wire format: per op a
 * {@code MultiHeader(type, false, -1)} followed by the op's request record, ended by
 * {@code MultiHeader(-1, true, -1)}. Written here because that class lives in ZooKeeper's server jar.
 */
public final class MultiRequest implements Record {

    /** One operation: a ZooKeeper opcode and its request record. */
    public record Op(int type, Record request) {
        public Op {
            Objects.requireNonNull(request, "request");
        }
    }

    private final List<Op> ops = new ArrayList<>();

    public MultiRequest() {
    }

    public MultiRequest(List<Op> ops) {
        this.ops.addAll(ops);
    }

    public List<Op> ops() {
        return ops;
    }

    public MultiRequest add(int type, Record request) {
        ops.add(new Op(type, request));
        return this;
    }

    /** True when every op is a write (create/delete/setData/check): what multi (14) may carry. */
    public boolean isAllWrites() {
        return ops.stream().allMatch(op -> isWriteOp(op.type()));
    }

    /** True when every op is a getData/getChildren: what multiRead (22) may carry. */
    public boolean isAllReads() {
        return ops.stream().allMatch(op -> op.type() == OpCode.GET_DATA || op.type() == OpCode.GET_CHILDREN);
    }

    public static boolean isWriteOp(int type) {
        return switch (type) {
            case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL, OpCode.DELETE,
                 OpCode.SET_DATA, OpCode.CHECK -> true;
            default -> false;
        };
    }

    @Override
    public void serialize(OutputArchive archive, String tag) throws IOException {
        archive.startRecord(this, tag);
        for (Op op : ops) {
            new MultiHeader(op.type(), false, -1).serialize(archive, tag);
            op.request().serialize(archive, tag);
        }
        new MultiHeader(-1, true, -1).serialize(archive, tag);
        archive.endRecord(this, tag);
    }

    @Override
    public void deserialize(InputArchive archive, String tag) throws IOException {
        ops.clear();
        archive.startRecord(tag);
        MultiHeader h = new MultiHeader();
        h.deserialize(archive, tag);
        while (!h.getDone()) {
            Record r = newRequest(h.getType());
            r.deserialize(archive, tag);
            ops.add(new Op(h.getType(), r));
            h.deserialize(archive, tag);
        }
        archive.endRecord(tag);
    }

    private static Record newRequest(int type) throws IOException {
        return switch (type) {
            case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER -> new CreateRequest();
            case OpCode.CREATE_TTL -> new CreateTTLRequest();
            case OpCode.DELETE -> new DeleteRequest();
            case OpCode.SET_DATA -> new SetDataRequest();
            case OpCode.CHECK -> new CheckVersionRequest();
            case OpCode.GET_CHILDREN -> new GetChildrenRequest();
            case OpCode.GET_DATA -> new GetDataRequest();
            default -> throw new IOException("Invalid type of op: " + type);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiRequest other && other.ops.equals(ops);
    }

    @Override
    public int hashCode() {
        return ops.hashCode();
    }

    @Override
    public String toString() {
        return "MultiRequest" + ops;
    }
}
