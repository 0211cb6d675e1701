package io.canopy.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.zookeeper.AsyncCallback.StringCallback;
import org.apache.zookeeper.AsyncCallback.VoidCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Bulk creates and deletes for setting up and cleaning up, pipelined (many nodes, quickly) and bounded in time.
 * Not measured.
 */
final class TreeOps {

    /** In-flight requests of a bulk operation: enough to pipeline, few enough not to trip server throttles. */
    private static final int WINDOW = 200;

    private TreeOps() {
    }

    /** Creates persistent nodes (an existing node counts as created); returns how many failed or timed out. */
    static int createAll(ZooKeeper zk, List<String> paths, byte[] data, Duration limit) throws InterruptedException {
        return bulk(paths, limit, (path, done) -> zk.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT, (StringCallback) (rc, p, ctx, name) -> done.done(
                        rc == Code.NODEEXISTS.intValue() ? Code.OK.intValue() : rc), null));
    }

    /** Deletes nodes, deepest first is the caller's job; a missing node counts as deleted. */
    static int deleteAll(ZooKeeper zk, Collection<String> paths, Duration limit) throws InterruptedException {
        return bulk(paths, limit, (path, done) -> zk.delete(path, -1, (VoidCallback) (rc, p, ctx) -> done.done(
                rc == Code.NONODE.intValue() ? Code.OK.intValue() : rc), null));
    }

    private interface Request {
        void send(String path, PipelinedLoad.Completion done);
    }

    private static int bulk(Collection<String> paths, Duration limit, Request request) throws InterruptedException {
        Semaphore window = new Semaphore(WINDOW);
        AtomicInteger failed = new AtomicInteger();
        long deadline = System.nanoTime() + limit.toNanos();
        int sent = 0;
        for (String path : paths) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            sent++;
            request.send(path, rc -> {
                if (rc != Code.OK.intValue()) {
                    failed.incrementAndGet();
                }
                window.release();
            });
        }
        long left = Math.max(0, deadline - System.nanoTime());
        boolean drained = window.tryAcquire(WINDOW, left, TimeUnit.NANOSECONDS);
        int unanswered = drained ? 0 : WINDOW - window.availablePermits();
        return failed.get() + unanswered + (paths.size() - sent);
    }
}
