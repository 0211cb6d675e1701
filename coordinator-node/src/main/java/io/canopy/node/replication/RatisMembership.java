package io.canopy.node.replication;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.node.replication.MembershipChangeException.Reason;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

/**
 * The membership as the Raft configuration stored in the log says (the static member list only seeds a new
 * group), and changes to it: Ratis's setConfiguration in compare-and-set mode through the leader.
 */
final class RatisMembership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RatisMembership.class);

    private final ReplicationSettings settings;
    private final RaftPeerId selfId;
    private final Supplier<Optional<RaftServer.Division>> division;
    private final RatisClients clients;
    /** Runs the blocking Ratis admin calls (setConfiguration): never a Netty, Ratis or apply thread. */
    private final ExecutorService adminExecutor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "canopy-membership-change");
        t.setDaemon(true);
        return t;
    });

    RatisMembership(ReplicationSettings settings, Supplier<Optional<RaftServer.Division>> division,
                    RatisClients clients) {
        this.settings = settings;
        this.selfId = RatisConfig.peerId(settings.nodeId());
        this.division = division;
        this.clients = clients;
    }

    /** One voter (this node), no listener, not joining: ZooKeeper's standalone mode; reconfig is refused. */
    boolean isStandalone() {
        if (settings.join()) {
            return false;
        }
        Optional<RaftConfiguration> conf = division.get().map(RaftServer.Division::getRaftConf);
        if (conf.isEmpty()) {
            return settings.members().size() == 1;
        }
        Collection<RaftPeer> voters = conf.get().getCurrentPeers(RaftPeerRole.FOLLOWER);
        return voters.size() == 1 && voters.iterator().next().getId().equals(selfId)
                && conf.get().getCurrentPeers(RaftPeerRole.LISTENER).isEmpty()
                && conf.get().getPreviousPeers().isEmpty();
    }

    /** Whether the configuration names this node a listener (an observer). */
    boolean isListener() {
        return division.get().map(d -> d.getRaftConf().getPeer(selfId, RaftPeerRole.LISTENER) != null).orElse(false);
    }

    /** The current configuration's members, by id; empty when standalone. */
    List<Member> members() {
        if (isStandalone()) {
            return List.of();
        }
        Optional<RaftConfiguration> conf = division.get().map(RaftServer.Division::getRaftConf);
        if (conf.isEmpty()) {
            return List.of();
        }
        List<Member> members = new ArrayList<>();
        addMembers(members, conf.get().getCurrentPeers(RaftPeerRole.FOLLOWER), Role.PARTICIPANT);
        addMembers(members, conf.get().getCurrentPeers(RaftPeerRole.LISTENER), Role.OBSERVER);
        members.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return List.copyOf(members);
    }

    private static void addMembers(List<Member> into, Collection<RaftPeer> peers, Role role) {
        for (RaftPeer p : peers) {
            int id = RatisConfig.nodeIdOf(p.getId());
            String address = p.getAddress();
            int colon = address == null ? -1 : address.lastIndexOf(':');
            if (id < 0 || colon < 0) {
                log.warn("Ignoring Raft peer {} at {}: not a Canopy member (id n<number>, address host:port)",
                        p.getId(), address);
                continue;
            }
            into.add(new Member(id, address.substring(0, colon), 0, Integer.parseInt(address.substring(colon + 1)),
                    role, null, ReplicationLink.portOf(p)));
        }
    }

    /** Whether {@code d} is alive and its configuration names this node a voter or a listener. */
    boolean isMember(RaftServer.Division d) {
        return d.getInfo().isAlive()
                && d.getRaftConf().getPeer(selfId, RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER) != null;
    }

    /** Whether a change is half done: the configuration is the joint (old, new) one. */
    boolean changing() {
        return division.get().map(d -> !d.getRaftConf().getPreviousPeers().isEmpty()).orElse(false);
    }

    /** The peers of the current configuration, or of the static member list if this node knows none. */
    List<RaftPeer> knownPeers() {
        List<RaftPeer> peers = division.get().map(d -> List.copyOf(d.getRaftConf().getAllPeers())).orElse(List.of());
        if (peers.isEmpty()) {
            peers = settings.members().stream().map(RatisConfig::peer).toList();
        }
        return peers;
    }

    /**
     * Ratis's setConfiguration in compare-and-set mode, through a Ratis client that finds the leader, on the
     * admin thread (the call blocks until the new configuration is committed, new members having caught up).
     */
    CompletableFuture<Void> change(List<Member> current, List<Member> next) {
        if (isStandalone()) {
            return CompletableFuture.failedFuture(new MembershipChangeException(Reason.DISABLED,
                    "a standalone node cannot change its membership"));
        }
        return CompletableFuture.runAsync(() -> {
            try {
                setConfiguration(current, next);
            } catch (MembershipChangeException e) {
                throw new CompletionException(e);
            }
        }, adminExecutor);
    }

    private void setConfiguration(List<Member> current, List<Member> next) throws MembershipChangeException {
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(RatisConfig.peers(next, true))
                .setListenersInNewConf(RatisConfig.peers(next, false))
                .setServersInCurrentConf(RatisConfig.peers(current, true))
                .setListenersInCurrentConf(RatisConfig.peers(current, false))
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .build();
        log.info("Changing the Raft configuration from {} to {}", current, next);
        long started = System.nanoTime();
        try (RaftClient admin = clients.newAdminClient()) {
            RaftClientReply reply = admin.admin().setConfiguration(arguments);
            if (!reply.isSuccess()) {
                throw reply.getException() != null ? reply.getException()
                        : new IOException("setConfiguration failed: " + reply);
            }
            log.info("Raft configuration changed in {} ms: {}", (System.nanoTime() - started) / 1_000_000,
                    division.get().map(d -> d.getRaftConf().toString()).orElse("?"));
        } catch (IOException e) {
            MembershipChangeException failure = classify(e, next);
            if (failure == null) {
                log.info("Raft configuration is already the requested one (an earlier attempt went through)");
                return;
            }
            log.warn("Changing the Raft configuration failed ({}): {}", failure.reason(), e.toString());
            throw failure;
        }
    }

    /** The failure's reason, or null if the configuration is {@code next} after all. */
    private MembershipChangeException classify(IOException e, List<Member> next) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ReconfigurationInProgressException) {
                return new MembershipChangeException(Reason.IN_PROGRESS, t.getMessage(), e);
            }
            if (t instanceof ReconfigurationTimeoutException) {
                return new MembershipChangeException(Reason.NO_QUORUM, "a new member did not catch up: "
                        + t.getMessage(), e);
            }
            if (t instanceof SetConfigurationException) {
                if (sameConfiguration(next)) {
                    return null;
                }
                boolean raced = String.valueOf(t.getMessage()).contains("different than the request");
                return new MembershipChangeException(raced ? Reason.IN_PROGRESS : Reason.BAD_ARGUMENTS,
                        t.getMessage(), e);
            }
        }
        return new MembershipChangeException(Reason.NO_QUORUM, "no answer from a leader: " + e, e);
    }

    private boolean sameConfiguration(List<Member> next) {
        List<Member> now = members();
        return now.size() == next.size() && now.stream().allMatch(m -> next.stream().anyMatch(m::samePeer));
    }

    @Override
    public void close() {
        adminExecutor.shutdownNow();
    }
}
