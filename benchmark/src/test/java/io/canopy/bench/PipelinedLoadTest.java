package io.canopy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PipelinedLoadTest {

    /** Answers asynchronously, as the client's event thread does (a synchronous OK would recurse). */
    private final ExecutorService answers = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        answers.shutdownNow();
    }

    /** A run whose requests fail says with which result codes, so a failed round can be diagnosed afterwards. */
    @Test
    void failedRequestsAreCountedByResultCode() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        Measurement measurement = new Measurement(Duration.ZERO, Duration.ofMillis(300));
        PipelinedLoad load = new PipelinedLoad(Arrays.asList((ZooKeeper) null), 2, measurement,
                (zk, session, done) -> {
                    int n = issued.incrementAndGet();
                    int rc = n % 3 == 0 ? Code.NONODE.intValue()
                            : n % 3 == 1 ? Code.OK.intValue() : Code.BADVERSION.intValue();
                    answers.execute(() -> done.done(rc));
                });

        assertThat(load.run()).isEqualTo("ok");

        assertThat(load.errorsByCode()).matches("(NONODE \\d+, BADVERSION \\d+|BADVERSION \\d+, NONODE \\d+)");
    }

    @Test
    void noFailuresNoCodes() throws Exception {
        Measurement measurement = new Measurement(Duration.ZERO, Duration.ofMillis(100));
        PipelinedLoad load = new PipelinedLoad(Arrays.asList((ZooKeeper) null), 1, measurement,
                (zk, session, done) -> answers.execute(() -> done.done(Code.OK.intValue())));

        assertThat(load.run()).isEqualTo("ok");

        assertThat(load.errorsByCode()).isEmpty();
    }
}
