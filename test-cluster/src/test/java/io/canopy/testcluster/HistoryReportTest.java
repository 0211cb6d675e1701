package io.canopy.testcluster;

import io.canopy.testcluster.history.History;
import io.canopy.testcluster.history.HistoryJson;
import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.Result;
import io.canopy.testcluster.history.ZkError;
import io.canopy.testcluster.linearizability.CheckResult;
import io.canopy.testcluster.linearizability.LinearizabilityChecker;
import io.canopy.testcluster.linearizability.RegisterState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class HistoryReportTest {

    private final History history = new Timeline()
            .ok("c1", 0, 10, Op.write("/a", "x"), Result.version(1))
            .fail("c2", 5, 15, Op.cas("/a", 0, "y"), ZkError.BADVERSION)
            .info("c3", 20, 30, Op.write("/b", "z"))
            .ok("c2", 40, 50, Op.read("/b"), Result.read("init", 0))
            .ok("c1", 60, 70, Op.read("/a"), Result.read("init", 0))
            .toHistory();

    @Test
    void summarisesOpsPerKeyOutcomesAndVerdict() {
        CheckResult result = new LinearizabilityChecker().withInitialState(RegisterState.of("init", 0))
                .check(history);
        String summary = HistoryReport.summary(history.operations(), result);

        assertThat(summary).startsWith("history: 5 ops, 3 clients, 2 keys");
        assertThat(summary).containsPattern("/a +1 +1 +1 +0 +0 \\| +2 +1 +0 +0  NOT_LINEARIZABLE");
        assertThat(summary).containsPattern("/b +1 +1 +0 +0 +0 \\| +1 +0 +1 +0  LINEARIZABLE");
        assertThat(summary).contains("verdict: NOT_LINEARIZABLE");
        assertThat(summary).contains("/a: no linearization gets past the return of");
    }

    @Test
    void summaryWithoutVerdict() {
        assertThat(HistoryReport.summary(history.operations())).doesNotContain("verdict:");
    }

    @Test
    void writesJsonLines(@TempDir Path dir) {
        Path file = dir.resolve("h.jsonl");
        HistoryReport.writeJsonLines(history, file);
        assertThat(HistoryJson.read(file)).isEqualTo(history.operations());
    }
}
