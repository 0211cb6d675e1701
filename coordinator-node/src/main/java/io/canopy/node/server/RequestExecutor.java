package io.canopy.node.server;

import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.proto.AddWatchRequest;
import org.apache.zookeeper.proto.CheckWatchesRequest;
import org.apache.zookeeper.proto.ErrorResponse;
import org.apache.zookeeper.proto.RemoveWatchesRequest;
import org.apache.zookeeper.proto.SetWatches;
import org.apache.zookeeper.proto.SetWatches2;
import org.apache.zookeeper.proto.SyncRequest;
import org.apache.zookeeper.proto.SyncResponse;
import org.apache.zookeeper.proto.WhoAmIResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.acl.Authentication;
import io.canopy.core.CoordinatorState;
import io.canopy.core.ReadOutcome;
import io.canopy.core.watch.WatchEvent;
import io.canopy.core.watch.WatchRegistry;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants;

/**
 * Runs the requests answered from local state: reads, watch management, ping, sync's reply. Called with the
 * service's read lock (or write lock) and the connection's monitor held, so that a watch is registered before
 * any change can slip in, and so that events queued for the session by setWatches precede its reply.
 */
final class RequestExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(RequestExecutor.class);

    private final CoordinatorService service;

    RequestExecutor(CoordinatorService service) {
        this.service = service;
    }

    /** The complete reply frame. Never throws: a failure is answered as ZooKeeper does (MARSHALLINGERROR). */
    byte[] execute(ClientConnection connection, PendingRequest request) {
        CoordinatorState state = service.state();
        long zxid = state.lastZxid();
        try {
            return switch (request.type) {
                case OpCode.PING, OpCode.SET_WATCHES, OpCode.SET_WATCHES2, OpCode.ADD_WATCH, OpCode.REMOVE_WATCHES,
                     OpCode.CHECK_WATCHES, OpCode.SYNC, OpCode.WHO_AM_I -> local(connection, request, state, zxid);
                default -> read(connection, request, state, zxid);
            };
        } catch (RuntimeException e) {
            LOG.error("Session 0x{}: failed to process {}", Long.toHexString(connection.sessionId()),
                    OpCode.name(request.type), e);
            return Frames.reply(request.xid, zxid, ErrorCode.MARSHALLINGERROR.code(), null);
        }
    }

    private byte[] read(ClientConnection connection, PendingRequest request, CoordinatorState state, long zxid) {
        ReadOutcome outcome = state.read(connection.sessionId(), request.identities, request.type, request.record);
        if (outcome.watch() != null) {
            WatchRegistry watches = service.watches();
            synchronized (watches) {
                watches.add(connection.sessionId(), outcome.watch());
            }
        }
        return Frames.reply(request.xid, zxid, outcome.err(), outcome.response());
    }

    private byte[] local(ClientConnection connection, PendingRequest request, CoordinatorState state, long zxid) {
        long session = connection.sessionId();
        WatchRegistry watches = service.watches();
        int err = 0;
        Record body = null;
        switch (request.type) {
            case OpCode.SET_WATCHES, OpCode.SET_WATCHES2 -> {
                for (WatchEvent event : setWatches(session, request.record, watches, state)) {
                    connection.sendEvent(Frames.notification(event));
                }
            }
            case OpCode.ADD_WATCH -> {
                AddWatchRequest add = (AddWatchRequest) request.record;
                if (add.getMode() != ZkConstants.AddWatchMode.PERSISTENT
                        && add.getMode() != ZkConstants.AddWatchMode.PERSISTENT_RECURSIVE) {
                    err = ErrorCode.BADARGUMENTS.code();
                } else {
                    synchronized (watches) {
                        watches.addPersistent(session, add.getPath(),
                                add.getMode() == ZkConstants.AddWatchMode.PERSISTENT_RECURSIVE);
                    }
                    body = new ErrorResponse(0);
                }
            }
            case OpCode.REMOVE_WATCHES -> {
                RemoveWatchesRequest remove = (RemoveWatchesRequest) request.record;
                synchronized (watches) {
                    err = watches.remove(session, remove.getPath(), remove.getType())
                            ? 0 : ErrorCode.NOWATCHER.code();
                }
            }
            case OpCode.CHECK_WATCHES -> {
                CheckWatchesRequest check = (CheckWatchesRequest) request.record;
                synchronized (watches) {
                    err = watches.has(session, check.getPath(), check.getType()) ? 0 : ErrorCode.NOWATCHER.code();
                }
            }
            case OpCode.SYNC -> body = new SyncResponse(((SyncRequest) request.record).getPath());
            case OpCode.WHO_AM_I -> body = new WhoAmIResponse(Authentication.clientInfos(request.identities));
            default -> {
                // ping: header only
            }
        }
        return Frames.reply(request.xid, zxid, err, body);
    }

    private static List<WatchEvent> setWatches(long session, Record record, WatchRegistry watches,
                                               CoordinatorState state) {
        synchronized (watches) {
            if (record instanceof SetWatches2 w) {
                return watches.setWatches(session, w.getRelativeZxid(), orEmpty(w.getDataWatches()),
                        orEmpty(w.getExistWatches()), orEmpty(w.getChildWatches()), orEmpty(w.getPersistentWatches()),
                        orEmpty(w.getPersistentRecursiveWatches()), state.view());
            }
            SetWatches w = (SetWatches) record;
            return watches.setWatches(session, w.getRelativeZxid(), orEmpty(w.getDataWatches()),
                    orEmpty(w.getExistWatches()), orEmpty(w.getChildWatches()), List.of(), List.of(), state.view());
        }
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
