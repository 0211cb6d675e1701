package io.canopy.protocol;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.jute.InputArchive;
import org.apache.jute.OutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.ErrorResponse;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.MultiHeader;
import org.apache.zookeeper.proto.SetDataResponse;

/**
 * The reply of multi and multiRead, ZooKeeper's {@code MultiResponse} wire format: per result a
 * {@code MultiHeader(type, false, err)} and the result record (CreateResponse for create, Create2Response for
 * create2/createTTL/createContainer, nothing for delete and check, SetDataResponse, GetDataResponse,
 * GetChildrenResponse, ErrorResponse for type -1), ended by {@code MultiHeader(-1, true, -1)}.
 */
public final class MultiResponse implements Record {

    /** One result: an opcode (or -1 for an error) and its record (null for delete and check). */
    public record Result(int type, Record body) {
        public static Result error(int err) {
            return new Result(OpCode.ERROR, new ErrorResponse(err));
        }

        /** The error code of an error result, 0 otherwise. */
        public int err() {
            return body instanceof ErrorResponse e ? e.getErr() : 0;
        }
    }

    private final List<Result> results = new ArrayList<>();

    public MultiResponse() {
    }

    public MultiResponse(List<Result> results) {
        this.results.addAll(results);
    }

    public List<Result> results() {
        return results;
    }

    public MultiResponse add(Result result) {
        results.add(result);
        return this;
    }

    @Override
    public void serialize(OutputArchive archive, String tag) throws IOException {
        archive.startRecord(this, tag);
        for (Result r : results) {
            new MultiHeader(r.type(), false, r.err()).serialize(archive, tag);
            if (r.body() != null) {
                r.body().serialize(archive, tag);
            }
        }
        new MultiHeader(-1, true, -1).serialize(archive, tag);
        archive.endRecord(this, tag);
    }

    @Override
    public void deserialize(InputArchive archive, String tag) throws IOException {
        results.clear();
        archive.startRecord(tag);
        MultiHeader h = new MultiHeader();
        h.deserialize(archive, tag);
        while (!h.getDone()) {
            Record body = newBody(h.getType());
            if (body != null) {
                body.deserialize(archive, tag);
            }
            results.add(new Result(h.getType(), body));
            h.deserialize(archive, tag);
        }
        archive.endRecord(tag);
    }

    private static Record newBody(int type) throws IOException {
        return switch (type) {
            case OpCode.CREATE -> new CreateResponse();
            case OpCode.CREATE2 -> new Create2Response();
            case OpCode.DELETE, OpCode.CHECK -> null;
            case OpCode.SET_DATA -> new SetDataResponse();
            case OpCode.GET_DATA -> new GetDataResponse();
            case OpCode.GET_CHILDREN -> new GetChildrenResponse();
            case OpCode.ERROR -> new ErrorResponse();
            default -> throw new IOException("Invalid type " + type + " in MultiResponse");
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiResponse other && other.results.equals(results);
    }

    @Override
    public int hashCode() {
        return results.hashCode();
    }

    @Override
    public String toString() {
        return "MultiResponse" + results;
    }
}
