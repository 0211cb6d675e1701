package io.canopy.node.server;

import java.io.IOException;

import org.apache.jute.Record;
import org.apache.zookeeper.proto.AddWatchRequest;
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
import org.apache.zookeeper.proto.RemoveWatchesRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SyncRequest;

import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.Requests;

/**
 * Classifies client requests and decodes their bodies. Every body is decoded on receipt, also for writes whose
 * bytes travel to the log unchanged: a malformed request must close the connection here, not reach apply on
 * every replica.
 */
final class RequestCodec {

    /** How the pipeline treats a request. */
    enum Kind {
        /** Changes replicated state: proposed to the log, answered when applied. */
        WRITE,
        /** Served from local state (and the local watch registry) in session order. */
        READ,
        /** Answered after the log's linearizable barrier and every earlier request. */
        SYNC,
        /**
         * Membership change: runs beside the pipeline (Raft configuration change, then a logged write of
         * /zookeeper/config); holds its place like a sync, so later writes wait for its reply.
         */
        RECONFIG,
        /** Handled on receipt, outside the pipeline, as ZooKeeper does. */
        AUTH,
        SASL,
        UNKNOWN
    }

    /** Thrown for a body that cannot be a valid request of its type: the connection is closed. */
    static final class MalformedRequestException extends Exception {
        MalformedRequestException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private RequestCodec() {
    }

    static Kind kind(int type) {
        if (type == OpCode.RECONFIG) {
            return Kind.RECONFIG;
        }
        // createSession is proposed by the connect handshake, never accepted as a request on an open session.
        if (OpCode.isWrite(type) && type != OpCode.CREATE_SESSION) {
            return Kind.WRITE;
        }
        return switch (type) {
            case OpCode.EXISTS, OpCode.GET_DATA, OpCode.GET_ACL, OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2,
                 OpCode.GET_ALL_CHILDREN_NUMBER, OpCode.GET_EPHEMERALS, OpCode.MULTI_READ, OpCode.WHO_AM_I,
                 OpCode.PING, OpCode.SET_WATCHES, OpCode.SET_WATCHES2, OpCode.ADD_WATCH, OpCode.REMOVE_WATCHES,
                 OpCode.CHECK_WATCHES -> Kind.READ;
            case OpCode.SYNC -> Kind.SYNC;
            case OpCode.AUTH -> Kind.AUTH;
            case OpCode.SASL -> Kind.SASL;
            default -> Kind.UNKNOWN;
        };
    }

    /**
     * Decodes the body of a request of a known kind (null for requests without a record: ping, whoAmI,
     * closeSession). Decoding is bounded by the body's size, so hostile vector lengths cannot allocate more.
     */
    static Record decode(int type, byte[] body) throws MalformedRequestException {
        try {
            Record record = Requests.decode(type, body);
            requirePath(record);
            if (record instanceof MultiRequest multi) {
                for (MultiRequest.Op op : multi.ops()) {
                    requirePath(op.request());
                }
            }
            return record;
        } catch (IOException | RuntimeException e) {
            throw new MalformedRequestException("malformed " + OpCode.name(type) + " request: " + e, e);
        }
    }

    /** A null path (Jute length -1) is never valid; refusing it here keeps nulls out of the core. */
    private static void requirePath(Record record) throws IOException {
        if (record != null && pathOf(record) == null) {
            throw new IOException("null path");
        }
    }

    private static String pathOf(Record r) {
        if (r instanceof CreateRequest x) {
            return x.getPath();
        } else if (r instanceof CreateTTLRequest x) {
            return x.getPath();
        } else if (r instanceof DeleteRequest x) {
            return x.getPath();
        } else if (r instanceof SetDataRequest x) {
            return x.getPath();
        } else if (r instanceof SetACLRequest x) {
            return x.getPath();
        } else if (r instanceof CheckVersionRequest x) {
            return x.getPath();
        } else if (r instanceof ExistsRequest x) {
            return x.getPath();
        } else if (r instanceof GetDataRequest x) {
            return x.getPath();
        } else if (r instanceof GetACLRequest x) {
            return x.getPath();
        } else if (r instanceof GetChildrenRequest x) {
            return x.getPath();
        } else if (r instanceof GetChildren2Request x) {
            return x.getPath();
        } else if (r instanceof GetAllChildrenNumberRequest x) {
            return x.getPath();
        } else if (r instanceof GetEphemeralsRequest x) {
            return x.getPrefixPath();
        } else if (r instanceof AddWatchRequest x) {
            return x.getPath();
        } else if (r instanceof RemoveWatchesRequest x) {
            return x.getPath();
        } else if (r instanceof CheckWatchesRequest x) {
            return x.getPath();
        } else if (r instanceof SyncRequest x) {
            return x.getPath();
        }
        return "";
    }
}
