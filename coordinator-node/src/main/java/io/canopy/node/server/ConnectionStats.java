package io.canopy.node.server;

import java.util.concurrent.TimeUnit;

import io.canopy.protocol.OpCode;

/** Per-connection counters for {@code cons}; guarded by the owning connection's monitor. */
final class ConnectionStats {
    long received;
    long sent;
    long establishedAt;
    long lastZxid = -1;
    long lastCxid = -1;
    String lastOperation = "NA";
    long lastResponseAt;
    long lastLatency;
    long minLatency = Long.MAX_VALUE;
    long maxLatency;
    long totalLatency;
    long answered;

    void answered(PendingRequest request, ServerStats server) {
        long latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.receivedNanos);
        lastOperation = OpCode.name(request.type);
        lastCxid = request.xid;
        lastResponseAt = System.currentTimeMillis();
        lastLatency = latency;
        minLatency = Math.min(minLatency, latency);
        maxLatency = Math.max(maxLatency, latency);
        totalLatency += latency;
        answered++;
        server.latency(latency);
    }

    ConnectionInfo info(String remote, long sessionId, int timeout, int queued) {
        return new ConnectionInfo(remote, sessionId, timeout, queued, received, sent, establishedAt, lastOperation,
                lastCxid, lastZxid, lastResponseAt, lastLatency, answered == 0 ? 0 : minLatency,
                answered == 0 ? 0 : (double) totalLatency / answered, maxLatency);
    }
}
