package io.canopy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.zookeeper.AsyncCallback.DataCallback;
import org.apache.zookeeper.AsyncCallback.StatCallback;
import org.apache.zookeeper.AsyncCallback.StringCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

import io.canopy.bench.BenchOptions.Workload;
import io.canopy.bench.Measurement.Result;

/**
 * The request/response workloads: create, setData, getData and mixed, each a {@link PipelinedLoad} over
 * {@code --sessions} sessions with {@code --outstanding} requests in flight per session.
 */
final class PipelinedWorkloads {

    private static final Duration SETUP_LIMIT = Duration.ofSeconds(60);

    private final BenchOptions options;
    private final Clients clients;
    private final ZooKeeper control;
    private final String root;
    private final byte[] value;
    /** Every node the create workload made, so cleanup can delete them without listing huge parents. */
    private final Queue<String> created = new ConcurrentLinkedQueue<>();
    private final List<String> keys = new ArrayList<>();

    PipelinedWorkloads(BenchOptions options, Clients clients, ZooKeeper control, String root) {
        this.options = options;
        this.clients = clients;
        this.control = control;
        this.root = root;
        this.value = new byte[options.valueBytes()];
        ThreadLocalRandom.current().nextBytes(value);
    }

    Result run(Workload workload) throws Exception {
        PipelinedLoad.Operation operation = switch (workload) {
            case CREATE -> createOperation();
            case SET_DATA -> keyOperation(0);
            case GET_DATA -> keyOperation(100);
            case MIXED -> keyOperation(90);
            default -> throw new IllegalArgumentException(workload.cliName);
        };
        List<ZooKeeper> sessions = clients.openMany(options.sessions(), options.waitReady());
        try {
            Measurement measurement = new Measurement(options.warmup(), options.duration());
            String status = new PipelinedLoad(sessions, options.outstanding(), measurement, operation).run();
            return measurement.result(workload, status);
        } finally {
            Clients.closeAll(sessions);
        }
    }

    /** Persistent sequential nodes under one parent per session (the common "queue item" pattern). */
    private PipelinedLoad.Operation createOperation() throws Exception {
        List<String> parents = new ArrayList<>();
        parents.add(root + "/create");
        for (int s = 0; s < options.sessions(); s++) {
            parents.add(parent(s));
        }
        requireCreated(parents);
        StringCallback recordName = (rc, path, ctx, name) -> {
            if (rc == Code.OK.intValue()) {
                created.add(name);
            }
            ((PipelinedLoad.Completion) ctx).done(rc);
        };
        return (zk, session, done) -> zk.create(parent(session) + "/n-", value, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT_SEQUENTIAL, recordName, done);
    }

    private String parent(int session) {
        return root + "/create/s" + session;
    }

    /** getData on a random key with probability {@code readPercent}%, else setData (unconditional). */
    private PipelinedLoad.Operation keyOperation(int readPercent) throws Exception {
        ensureKeys();
        DataCallback onRead = (rc, path, ctx, data, stat) -> ((PipelinedLoad.Completion) ctx).done(rc);
        StatCallback onWrite = (rc, path, ctx, stat) -> ((PipelinedLoad.Completion) ctx).done(rc);
        return (zk, session, done) -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            String key = keys.get(random.nextInt(keys.size()));
            if (random.nextInt(100) < readPercent) {
                zk.getData(key, false, onRead, done);
            } else {
                zk.setData(key, value, -1, onWrite, done);
            }
        };
    }

    private void ensureKeys() throws Exception {
        if (!keys.isEmpty()) {
            return;
        }
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < options.keys(); i++) {
            paths.add(String.format("%s/kv/k%06d", root, i));
        }
        requireCreated(List.of(root + "/kv"));
        int failed = TreeOps.createAll(control, paths, value, SETUP_LIMIT);
        if (failed > 0) {
            throw new IllegalStateException(failed + " of " + paths.size() + " keys could not be created");
        }
        keys.addAll(paths);
    }

    private void requireCreated(List<String> paths) throws InterruptedException {
        int failed = TreeOps.createAll(control, paths, new byte[0], SETUP_LIMIT);
        if (failed > 0) {
            throw new IllegalStateException("setup: " + failed + " node(s) could not be created under " + root);
        }
    }

    /** Deletes what the create workload made (the keys and parents go with the run's root). */
    int cleanUp(Duration limit) throws InterruptedException {
        List<String> names = new ArrayList<>(created);
        created.clear();
        return TreeOps.deleteAll(control, names, limit);
    }
}
