package io.canopy.node.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.jute.Record;
import org.apache.zookeeper.proto.GetACLRequest;
import org.apache.zookeeper.proto.GetACLResponse;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.ReconfigRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.CoreSettings;
import io.canopy.core.ReadOutcome;
import io.canopy.core.acl.AclChecker;
import io.canopy.core.tree.DataTree;
import io.canopy.core.txn.Txn;
import io.canopy.node.replication.MembershipChange;
import io.canopy.node.replication.MembershipChangeException;
import io.canopy.node.replication.MembershipConfig;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.TxnLog;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.Jute;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants;

/**
 * ZooKeeper's {@code reconfig} (opcode 16) on any node: the Raft configuration changes first, then
 * /zookeeper/config is rewritten to match, and the reply is that node's data and stat, as ZooKeeper answers.
 *
 * <ol>
 *   <li>Refused at once: RECONFIGDISABLED when {@code canopy.cluster.reconfig-enabled} is off or the node is
 *       standalone (a standalone ZooKeeper with its default reconfigEnabled=false answers the same);
 *       RECONFIGINPROGRESS while another reconfig runs on this node.</li>
 *   <li>A sync barrier brings this node up to date, so the checks below see the latest configuration.</li>
 *   <li>Checked in ZooKeeper's order (PrepRequestProcessor): RECONFIGINPROGRESS during a Raft membership change;
 *       BADVERSION when {@code curConfigId} is not -1 and not the version of /zookeeper/config; BADARGUMENTS for a
 *       malformed or invalid change ({@link MembershipChange}); then NOAUTH unless the session may WRITE
 *       /zookeeper/config (world:anyone:r, so only the super user by default).</li>
 *   <li>Ratis's setConfiguration, compare-and-set on the configuration read in step 3, through the leader:
 *       RECONFIGINPROGRESS if the configuration changed meanwhile, NEWCONFIGNOQUORUM if new members do not catch
 *       up; a change whose outcome is unknown (no leader answered in time) closes the connection, as a write whose
 *       outcome is unknown does.</li>
 *   <li>SET_CONFIG with the new server lines, proposed and awaited like a write; apply stamps the version (its
 *       zxid). If this node dies between 4 and 5, the leader rewrites the text after
 *       {@link ServerSettings#membershipRepairDelay()} from the Raft configuration. If the change removes this
 *       node, it will not apply SET_CONFIG (no more entries reach it): the reply is the leader's outcome, carried
 *       back in the commit's reply ({@link TxnLog#proposeCommitted}), and the connection, held open until then,
 *       closes after it.</li>
 * </ol>
 * The request holds its place in the session's pipeline (like sync): later writes of the session are proposed
 * only after its reply, later reads answered after it. Checks and proposals run on the handler's own thread,
 * the Ratis call on the log's admin thread; never on a Netty, Ratis or apply thread.
 */
final class ReconfigHandler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconfigHandler.class);

    private final CoordinatorService service;
    private final TxnLog txnLog;
    private final ClusterMembership membership;
    private final ServerSettings settings;
    private final CoreSettings coreSettings;
    private final AtomicBoolean running = new AtomicBoolean();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "canopy-reconfig");
        t.setDaemon(true);
        return t;
    });

    /** A refusal: answered with {@code code}, nothing changed. */
    private static final class Refused extends RuntimeException {
        final ErrorCode code;

        Refused(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** What the checks decided: change the Raft configuration from {@code current} to {@code next}. */
    private record Plan(List<Member> current, List<Member> next, int self) {
        boolean removesThisNode() {
            return next.stream().noneMatch(m -> m.id() == self);
        }
    }

    ReconfigHandler(CoordinatorService service, TxnLog txnLog, ClusterMembership membership,
                    ServerSettings settings, CoreSettings coreSettings) {
        this.service = service;
        this.txnLog = txnLog;
        this.membership = membership;
        this.settings = settings;
        this.coreSettings = coreSettings;
    }

    /** Starts handling the request; its reply reaches the connection later (event loop thread). */
    void handle(ClientConnection connection, PendingRequest request) {
        if (!settings.reconfigEnabled() || "standalone".equals(txnLog.mode())) {
            refuse(connection, request, new Refused(ErrorCode.RECONFIGDISABLED, !settings.reconfigEnabled()
                    ? "canopy.cluster.reconfig-enabled is false" : "a standalone node cannot change its membership"));
            return;
        }
        if (!running.compareAndSet(false, true)) {
            refuse(connection, request, new Refused(ErrorCode.RECONFIGINPROGRESS, "another reconfig runs on this node"));
            return;
        }
        ReconfigRequest reconfig = (ReconfigRequest) request.record;
        long sessionId = connection.sessionId();
        LOG.info("Session 0x{}: reconfig joining={} leaving={} newMembers={} curConfigId={}",
                Long.toHexString(sessionId), reconfig.getJoiningServers(), reconfig.getLeavingServers(),
                reconfig.getNewMembers(), reconfig.getCurConfigId());
        long started = System.nanoTime();
        CompletableFuture<Plan> plan = txnLog.sync()
                .thenApplyAsync(v -> plan(reconfig, request), executor);
        plan.thenCompose(p -> {
                    if (p.removesThisNode()) {
                        // From here this node may leave the configuration at any moment, and then it closes
                        // every connection: not this one before its reply.
                        connection.holdOpenForReply(true);
                    }
                    return txnLog.changeMembership(p.current(), p.next()).thenApply(v -> p);
                })
                .thenAcceptAsync(p -> publish(connection, request, p, sessionId, started), executor)
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        running.set(false);
                        connection.holdOpenForReply(false);
                        fail(connection, request, unwrap(error));
                    }
                });
    }

    private Plan plan(ReconfigRequest reconfig, PendingRequest request) {
        if (txnLog.membershipChanging()) {
            throw new Refused(ErrorCode.RECONFIGINPROGRESS, "a Raft membership change is under way");
        }
        String shown = membership.shownText();
        long version = MembershipConfig.parse(shown).version();
        if (reconfig.getCurConfigId() != -1 && reconfig.getCurConfigId() != version) {
            throw new Refused(ErrorCode.BADVERSION, "reconfig from version " + Long.toHexString(
                    reconfig.getCurConfigId()) + " but the configuration is at version " + Long.toHexString(version));
        }
        List<Member> current = membership.current(List.of(), shown);
        List<Member> next;
        try {
            next = MembershipChange.compute(current, reconfig.getJoiningServers(), reconfig.getLeavingServers(),
                    reconfig.getNewMembers());
        } catch (IllegalArgumentException e) {
            throw new Refused(ErrorCode.BADARGUMENTS, e.getMessage());
        }
        if (!mayWriteConfig(request)) {
            throw new Refused(ErrorCode.NOAUTH, "the session may not write /zookeeper/config (the super user may)");
        }
        Plan plan = new Plan(current, next, service.nodeId());
        if (plan.removesThisNode()) {
            LOG.info("This reconfig removes this node (server.{}): it answers with the configuration the leader"
                    + " wrote, then closes the connection, and stops serving clients", service.nodeId());
        }
        return plan;
    }

    /** ZooKeeper checks WRITE on /zookeeper/config with the session's identities (the super user passes). */
    private boolean mayWriteConfig(PendingRequest request) {
        ReadOutcome acl = service.read(s -> s.read(0, request.identities, OpCode.GET_ACL,
                new GetACLRequest(DataTree.CONFIG)));
        return acl.err() == 0 && AclChecker.allowed(((GetACLResponse) acl.response()).getAcl(),
                ZkConstants.Perms.WRITE, request.identities, coreSettings);
    }

    /** The Raft configuration changed: write the matching text and answer with it once applied here. */
    private void publish(ClientConnection connection, PendingRequest request, Plan plan, long sessionId,
                         long started) {
        String lines = membership.wantedServerLines(plan.next(), membership.shownText());
        if (lines == null) {
            lines = MembershipConfig.serverLines(plan.next());
        }
        LOG.info("Session 0x{}: Raft configuration changed in {} ms; writing /zookeeper/config:\n{}",
                Long.toHexString(sessionId), (System.nanoTime() - started) / 1_000_000, lines);
        Txn setConfig = InternalTxns.setConfig(lines, service.nodeId(), service.nextOriginSeq());
        if (plan.removesThisNode()) {
            publishLeaving(connection, request, setConfig);
            return;
        }
        service.propose(setConfig, outcome -> {
            running.set(false);
            connection.answered(request, outcome.zxid(), outcome.err(), outcome.response());
        }, () -> {
            running.set(false);
            connection.closeNow("reconfig: the Raft configuration changed but writing /zookeeper/config was not"
                    + " committed here; the leader repairs it");
        });
    }

    /**
     * This node left the configuration, so it will not apply the SET_CONFIG it proposes (the leader sends it no
     * more entries): it answers with the outcome of the leader's apply, carried back in the commit's reply, and
     * closes the connection after the reply (its client moves to another member).
     */
    private void publishLeaving(ClientConnection connection, PendingRequest request, Txn setConfig) {
        txnLog.proposeCommitted(setConfig).thenApply(answers -> leaderAnswer(answers, setConfig))
                .whenComplete((answer, error) -> {
                    running.set(false);
                    if (error != null) {
                        connection.holdOpenForReply(false);
                        connection.closeNow("reconfig removed this node, and writing /zookeeper/config was not"
                                + " confirmed (" + unwrap(error) + "); the leader repairs it");
                        return;
                    }
                    LOG.info("Session 0x{}: reconfig removed this node; /zookeeper/config written at zxid 0x{},"
                            + " answering and closing the connection", Long.toHexString(connection.sessionId()),
                            Long.toHexString(answer.zxid()));
                    connection.answered(request, answer.zxid(), answer.err(), answer.response(), true);
                });
    }

    /** SET_CONFIG's outcome as the leader's apply answered it: zxid, error code, the configuration's data and stat. */
    private record LeaderAnswer(long zxid, int err, GetDataResponse response) {
    }

    private static LeaderAnswer leaderAnswer(byte[] answers, Txn setConfig) {
        try {
            CommittedAnswers.Answer a = CommittedAnswers.find(answers, setConfig.originNode(), setConfig.originSeq())
                    .orElseThrow(() -> new IllegalStateException("no outcome in the leader's reply"));
            return new LeaderAnswer(a.zxid(), a.err(),
                    a.response() == null ? null : Jute.fromBytes(a.response(), new GetDataResponse()));
        } catch (IOException e) {
            throw new UncheckedIOException("the leader's answer could not be read", e);
        }
    }

    private void fail(ClientConnection connection, PendingRequest request, Throwable error) {
        if (error instanceof Refused refused) {
            refuse(connection, request, refused);
        } else if (error instanceof MembershipChangeException e) {
            ErrorCode code = switch (e.reason()) {
                case DISABLED -> ErrorCode.RECONFIGDISABLED;
                case IN_PROGRESS -> ErrorCode.RECONFIGINPROGRESS;
                case NO_QUORUM -> ErrorCode.NEWCONFIGNOQUORUM;
                case BAD_ARGUMENTS -> ErrorCode.BADARGUMENTS;
            };
            refuse(connection, request, new Refused(code, e.getMessage()));
        } else {
            LOG.warn("Session 0x{}: reconfig failed with its outcome unknown: {}",
                    Long.toHexString(connection.sessionId()), error.toString());
            connection.closeNow("reconfig outcome unknown: " + error);
        }
    }

    private void refuse(ClientConnection connection, PendingRequest request, Refused refused) {
        LOG.info("Session 0x{}: reconfig refused with {}: {}", Long.toHexString(connection.sessionId()),
                refused.code, refused.getMessage());
        connection.answered(request, service.lastZxid(), refused.code.code(), (Record) null);
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
