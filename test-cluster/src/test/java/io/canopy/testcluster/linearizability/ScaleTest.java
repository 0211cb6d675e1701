package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.HistoryReport;
import io.canopy.testcluster.RegisterSimulation;
import io.canopy.testcluster.history.History;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sizes the chaos tests produce: 5 keys x 2000 ops from 5 clients with some unknown outcomes. Asserts
 * verdicts only (no timing assertions); the summary printed shows how long the check took.
 */
class ScaleTest {

    private static final RegisterSimulation.Config CHAOS =
            new RegisterSimulation.Config(5, 5, 10_000, 40, 0.02, false);

    @Test
    void fiveKeysOfTwoThousandOpsAreLinearizable() {
        RegisterSimulation sim = RegisterSimulation.run(CHAOS, new Random(42));
        History history = sim.toHistory();
        CheckResult result = new LinearizabilityChecker().withInitialState(sim.initialState()).check(history);
        System.out.println(HistoryReport.summary(history.operations(), result));
        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aStaleReadAmongFiveKeysOfTwoThousandOpsIsFound() {
        Random random = new Random(7);
        RegisterSimulation sim = RegisterSimulation.run(CHAOS, random);
        History history = sim.withStaleRead(random).orElseThrow().toHistory();
        CheckResult result = new LinearizabilityChecker().withInitialState(sim.initialState()).check(history);
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.violations()).hasSize(1);
        assertThat(result.violations().get(0).describe()).contains("no linearization gets past");
    }

    @Test
    void oneHotKeyOfTwoThousandOpsFromFiveClients() {
        RegisterSimulation sim = RegisterSimulation.run(
                new RegisterSimulation.Config(5, 1, 2_000, 40, 0.05, true), new Random(3));
        History history = sim.toHistory();
        CheckResult result = new LinearizabilityChecker().withInitialState(sim.initialState()).check(history);
        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.LINEARIZABLE);
    }
}
