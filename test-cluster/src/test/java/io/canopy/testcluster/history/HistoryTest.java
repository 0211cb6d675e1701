package io.canopy.testcluster.history;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryTest {

    private final long[] now = {100};
    private final History history = new History(() -> now[0]);

    @Test
    void recordsInvocationAndCompletionTimesAndOutcomes() {
        OpHandle w = history.invoke("c1", Op.write("/k", "a"));
        now[0] = 150;
        OpHandle r = history.invoke("c2", Op.read("/k"));
        now[0] = 200;
        history.ok(w, Result.version(1));
        OpHandle c = history.invoke("c3", Op.cas("/j", 0, "b"));
        now[0] = 300;
        history.fail(c, ZkError.BADVERSION);
        history.info(r);

        List<Operation> ops = history.operations();
        assertThat(ops).hasSize(3);
        assertThat(ops.get(0)).isEqualTo(new Operation(0, "c1", Op.write("/k", "a"), 100, 200, Outcome.OK,
                Result.version(1), null));
        assertThat(ops.get(1).outcome()).isEqualTo(Outcome.INFO);
        assertThat(ops.get(1).completeNanos()).isEqualTo(-1);
        assertThat(ops.get(1).isUncertain()).isTrue();
        assertThat(ops.get(2).error()).isEqualTo(ZkError.BADVERSION);
        assertThat(history.keys()).containsExactly("/j", "/k");
        assertThat(history.byKey().get("/k")).extracting(Operation::id).containsExactly(0L, 1L);
    }

    @Test
    void anOperationCompletesOnce() {
        OpHandle h = history.invoke("c1", Op.read("/k"));
        history.ok(h, Result.absent());
        assertThatThrownBy(() -> history.info(h)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void answersMustFitTheCall() {
        OpHandle read = history.invoke("c1", Op.read("/k"));
        assertThatThrownBy(() -> history.ok(read, Result.version(3))).isInstanceOf(IllegalArgumentException.class);
        OpHandle delete = history.invoke("c1", Op.delete("/k", -1));
        assertThatThrownBy(() -> history.ok(delete, Result.read("x", 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void handlesBelongToTheirHistory() {
        OpHandle foreign = new History().invoke("c1", Op.read("/k"));
        assertThatThrownBy(() -> history.info(foreign)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zookeeperReturnCodesMapToOutcomes() {
        OpHandle ok = history.invoke("c", Op.write("/k", "a"));
        OpHandle badVersion = history.invoke("c", Op.cas("/k", 9, "b"));
        OpHandle noAuth = history.invoke("c", Op.write("/k", "c"));
        OpHandle connectionLoss = history.invoke("c", Op.write("/k", "d"));
        OpHandle sessionExpired = history.invoke("c", Op.write("/k", "e"));
        history.complete(ok, 0, Result.version(1));
        history.complete(badVersion, -103, null);
        history.complete(noAuth, -102, null);
        history.complete(connectionLoss, -4, null);
        history.complete(sessionExpired, -112, null);

        List<Operation> ops = history.operations();
        assertThat(ops).extracting(Operation::outcome)
                .containsExactly(Outcome.OK, Outcome.FAIL, Outcome.FAIL, Outcome.INFO, Outcome.INFO);
        assertThat(ops.get(1).error()).isEqualTo(ZkError.BADVERSION);
        assertThat(ops.get(2).error()).isNull();
    }

    @Test
    void pendingOperationsShowAsPending() {
        history.invoke("c1", Op.write("/k", "a"));
        Operation o = history.operations().get(0);
        assertThat(o.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(o.isUncertain()).isTrue();
    }

    @Test
    void concurrentRecordingLosesNothing() throws InterruptedException {
        History real = new History();
        int threads = 4;
        int perThread = 2_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String client = "c" + t;
            Thread worker = new Thread(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perThread; i++) {
                    OpHandle h = real.invoke(client, Op.write("/k" + (i % 3), client + "-" + i));
                    real.ok(h, Result.done());
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        }
        List<Operation> ops = real.operations();
        assertThat(ops).hasSize(threads * perThread);
        for (int i = 0; i < ops.size(); i++) {
            Operation o = ops.get(i);
            assertThat(o.id()).isEqualTo(i);
            assertThat(o.outcome()).isEqualTo(Outcome.OK);
            assertThat(o.completeNanos()).isGreaterThanOrEqualTo(o.invokeNanos());
            if (i > 0) {
                assertThat(o.invokeNanos()).isGreaterThanOrEqualTo(ops.get(i - 1).invokeNanos());
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
