package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.RegisterSimulation;
import io.canopy.testcluster.history.History;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Histories produced by a sequential reference register under random concurrency are linearizable by
 * construction; corrupting one read into a provably stale one must be caught.
 */
class SimulatedHistoryProperties {

    @Property(tries = 150)
    void simulatedHistoriesAreLinearizable(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int clients,
                                           @ForAll @IntRange(min = 1, max = 3) int keys,
                                           @ForAll @IntRange(min = 1, max = 300) int ops,
                                           @ForAll @IntRange(min = 1, max = 60) int maxWindow,
                                           @ForAll @DoubleRange(min = 0, max = 0.15) double infoRate,
                                           @ForAll boolean createDelete) {
        RegisterSimulation sim = RegisterSimulation.run(
                new RegisterSimulation.Config(clients, keys, ops, maxWindow, infoRate, createDelete), new Random(seed));
        History history = sim.toHistory();
        CheckResult result = checker(sim).check(history);
        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Property(tries = 150)
    void aProvablyStaleReadIsDetected(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int clients,
                                      @ForAll @IntRange(min = 1, max = 3) int keys,
                                      @ForAll @IntRange(min = 2, max = 300) int ops,
                                      @ForAll @IntRange(min = 1, max = 60) int maxWindow,
                                      @ForAll @DoubleRange(min = 0, max = 0.15) double infoRate) {
        Random random = new Random(seed);
        RegisterSimulation sim = RegisterSimulation.run(
                new RegisterSimulation.Config(clients, keys, ops, maxWindow, infoRate, false), random);
        Optional<RegisterSimulation> corrupted = sim.withStaleRead(random);
        Assume.that(corrupted.isPresent());
        CheckResult result = checker(sim).check(corrupted.get().toHistory());
        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.violations()).hasSize(1);
    }

    private static LinearizabilityChecker checker(RegisterSimulation sim) {
        return new LinearizabilityChecker().withInitialState(sim.initialState());
    }
}
