package io.canopy.node.config;

import java.time.Clock;
import java.util.List;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.canopy.core.CoreSettings;
import io.canopy.node.replication.RatisTxnLog;
import io.canopy.node.replication.ReplicationSettings;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.server.CoordinatorService;
import io.canopy.node.server.ServerSettings;

/**
 * Wires a coordinator node from {@code canopy.*}: the Raft log, the ZooKeeper request service over it, and the
 * client port. {@link CoordinatorNode} starts and stops them in order.
 */
@Configuration(proxyBeanMethods = false)
class NodeConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    ReplicationSettings replicationSettings(CanopyProperties p) {
        List<Member> members = ClusterMembers.parse(p.getCluster().getMembers());
        if (members.isEmpty()) {
            int peerPort = p.getPeerPort() != null ? p.getPeerPort() : p.getClientPort() + 7000;
            members = List.of(new Member(p.getNodeId(), "127.0.0.1", p.getClientPort(), peerPort));
        }
        CanopyProperties.Raft raft = p.getRaft();
        if (p.getCluster().isJoin() && members.stream().noneMatch(m -> m.id() == p.getNodeId())) {
            throw new IllegalArgumentException("canopy.cluster.join=true needs this node's own entry (id "
                    + p.getNodeId() + ") in canopy.cluster.members: its ports come from there");
        }
        return new ReplicationSettings(p.getNodeId(), members, p.getCluster().isJoin(), p.getPeerAddress(),
                p.getCluster().getName(),
                p.getDataDir().toAbsolutePath().resolve("raft"), raft.getElectionTimeoutMin(),
                raft.getElectionTimeoutMax(), raft.getRequestTimeout(), raft.getBatchMaxOps(),
                (int) raft.getBatchMaxBytes().toBytes(),
                raft.maxInFlightBatches(members.size() == 1 && !p.getCluster().isJoin()),
                p.getSnapshot().getThreshold(), p.getSnapshot().getRetention(), p.getSnapshot().getLogRetention(),
                raft.getLogSegmentSize().toBytes(), p.getQuota().isEnforce(),
                p.getSnapshot().getLogBytesThreshold().toBytes());
    }

    @Bean(destroyMethod = "")   // closed by CoordinatorNode, in order
    RatisTxnLog txnLog(ReplicationSettings settings, Clock clock) {
        return new RatisTxnLog(settings, clock);
    }

    @Bean
    ServerSettings serverSettings(CanopyProperties p) {
        return new ServerSettings(p.getSession().getTickTime(), p.getSession().getMinTimeout(),
                p.getSession().getMaxTimeout(), (int) p.getLimits().getMaxPacketSize().toBytes(),
                p.getLimits().getMaxClientConnections(), p.getSecurity().getSuperDigest(),
                p.getContainerCheckInterval(), p.getCluster().isReconfigEnabled(),
                p.getRaft().getRequestTimeout(), p.getReadOnlyMode().isEnabled());
    }

    @Bean(destroyMethod = "")   // closed by CoordinatorNode, in order
    CoordinatorService coordinatorService(ServerSettings settings, CanopyProperties p, RatisTxnLog txnLog,
                                          Clock clock) {
        return new CoordinatorService(settings, new CoreSettings(p.getSecurity().getSuperDigest(), false), txnLog,
                clock);
    }

    @Bean
    CoordinatorNode coordinatorNode(CanopyProperties p, ReplicationSettings replication, ServerSettings settings,
                                    RatisTxnLog txnLog, CoordinatorService service) {
        return new CoordinatorNode(p, replication, settings, txnLog, service);
    }
}
