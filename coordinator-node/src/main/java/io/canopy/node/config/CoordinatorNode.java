package io.canopy.node.config;

import java.net.InetSocketAddress;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.canopy.node.replication.RatisTxnLog;
import io.canopy.node.replication.ReplicationSettings;
import io.canopy.node.server.CoordinatorService;
import io.canopy.node.server.ServerSettings;
import io.canopy.node.transport.ClientPortServer;

/**
 * Starts a node in order (recover the log and snapshot, join the Raft group, wait for a leader, then open the
 * client port) and stops it in reverse (close client connections, then the log, which snapshots on stop).
 */
public class CoordinatorNode implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorNode.class);

    private final CanopyProperties properties;
    private final ReplicationSettings replication;
    private final ServerSettings settings;
    private final RatisTxnLog txnLog;
    private final CoordinatorService service;
    private volatile ClientPortServer clientPort;
    private volatile boolean running;

    CoordinatorNode(CanopyProperties properties, ReplicationSettings replication, ServerSettings settings,
                    RatisTxnLog txnLog, CoordinatorService service) {
        this.properties = properties;
        this.replication = replication;
        this.settings = settings;
        this.txnLog = txnLog;
        this.service = service;
    }

    @Override
    public void start() {
        long started = System.nanoTime();
        try {
            log.info("Canopy node {} starting: data in {}", replication.nodeId(),
                    properties.getDataDir().toAbsolutePath());
            service.start();
            txnLog.start(service);
            Duration wait = properties.getRaft().getElectionTimeoutMax().multipliedBy(10);
            if (replication.join() || !txnLog.isMember()) {
                // A joining (or removed) node has no leader to wait for until a reconfig adds it (a joining observer
                // is in its own seed configuration, but no leader knows it yet); it refuses clients until it serves.
                log.info("Joining, or not in the Raft configuration: opening the client port now; clients are refused"
                        + " until this node is a member in contact with the leader");
            } else if (!txnLog.awaitLeader(wait)) {
                log.warn("No Raft leader after {}: opening the client port anyway; writes wait for a quorum", wait);
            }
            clientPort = new ClientPortServer(
                    new InetSocketAddress(properties.getClientAddress(), replication.self().clientPort()), settings,
                    service, properties.getFourLetterWords(), properties.getDataDir(), 0);
            clientPort.start();
            running = true;
            log.info("Canopy node {} serving ZooKeeper clients on {}:{} ({}, {}), last zxid 0x{}, started in {} ms",
                    replication.nodeId(), properties.getClientAddress(), clientPort.port(),
                    txnLog.mode(), txnLog.members().size() + " members",
                    Long.toHexString(service.lastZxid()), (System.nanoTime() - started) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (Exception e) {
            throw new IllegalStateException("Canopy node could not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        log.info("Canopy node {} stopping: closing client connections, then snapshotting the log",
                replication.nodeId());
        running = false;
        ClientPortServer server = clientPort;
        if (server != null) {
            server.stop();
        }
        // Duties first: they use the Raft client (activity reports, expiry proposals) that closing the log closes.
        service.close();
        try {
            txnLog.close();
        } catch (Exception e) {
            log.warn("Closing the Raft log failed: {}", e.toString());
        }
        log.info("Canopy node {} stopped", replication.nodeId());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Started late and stopped early relative to the web server's phase, so HTTP can report while we start. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1000;
    }

    public int clientPort() {
        ClientPortServer server = clientPort;
        return server == null ? -1 : server.port();
    }

    public CoordinatorService service() {
        return service;
    }
}
